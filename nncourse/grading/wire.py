"""The wire between the grader and a sandboxed worker: framed messages of plain data only.

The grader trusts nothing the worker sends. Messages from the worker are pickles that may hold only
plain values (None, bool, int, float, str, bytes, list, tuple, dict): the unpickler refuses every
global, so a hostile worker cannot make the grader run code. numpy arrays and numpy scalars travel
as tagged tuples that `to_plain` builds and `from_plain` rebuilds from their dtype, shape and bytes.

Messages from the grader to the worker are ordinary pickles (the worker trusts the grader): they
carry the check's arguments, which may include numpy generators and module-level functions.
"""
from __future__ import annotations

import io
import pickle
import struct

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024   # a reply larger than this is refused, not read
_HEADER = struct.Struct("!Q")


class WireError(Exception):
    """A message that is malformed, too large, or holds something other than plain data."""


class MessageTooLarge(WireError):
    """A reply larger than MAX_MESSAGE_BYTES (a function that returned an enormous array)."""


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        raise WireError(f"refused a message that names {module}.{name}: only plain data may cross")


def loads_plain(data: bytes):
    """Unpickle `data`, refusing any global (no classes, no functions, no reduce)."""
    try:
        return _PlainUnpickler(io.BytesIO(data)).load()
    except WireError:
        raise
    except Exception as error:  # any malformed pickle
        raise WireError(f"malformed message: {type(error).__name__}: {error}") from None


def send(sock, obj, *, plain: bool) -> None:
    """Send one framed message. plain=True for worker -> grader (only plain data allowed)."""
    payload = pickle.dumps(obj, protocol=4 if plain else pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_exactly(sock, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def recv(sock, *, plain: bool):
    """Receive one framed message; plain=True decodes with the refusing unpickler."""
    (size,) = _HEADER.unpack(_recv_exactly(sock, _HEADER.size))
    if size > MAX_MESSAGE_BYTES:
        raise MessageTooLarge(f"a message of {size} bytes is larger than the limit of {MAX_MESSAGE_BYTES}")
    data = _recv_exactly(sock, size)
    return loads_plain(data) if plain else pickle.loads(data)


# ---- plain data <-> values -------------------------------------------------------------------
# Every value is a tagged tuple, so a student's own tuple can never be mistaken for a tag.

def to_plain(value, _depth: int = 0):
    """Encode `value` as tagged plain data; raises TypeError for anything else (e.g. a class instance)."""
    if _depth > 50:
        raise TypeError("the value is nested more than 50 levels deep")
    if value is None or isinstance(value, (bool, str, bytes)):
        return ("v", value)
    if isinstance(value, int):
        return ("v", int(value))
    if isinstance(value, float):
        return ("v", float(value))
    if isinstance(value, complex):
        return ("c", value.real, value.imag)
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject or value.dtype.fields is not None:
            raise TypeError(f"a numpy array of dtype {value.dtype} (only numeric and boolean arrays are graded)")
        array = value if value.flags.c_contiguous else value.copy(order="C")  # keeps 0-d arrays 0-d
        return ("a", array.dtype.str, tuple(int(n) for n in array.shape), array.tobytes())
    if isinstance(value, np.generic):
        if value.dtype.hasobject:
            raise TypeError(f"a numpy scalar of dtype {value.dtype}")
        return ("s", value.dtype.str, np.asarray(value).tobytes())
    if isinstance(value, list):
        return ("l", [to_plain(item, _depth + 1) for item in value])
    if isinstance(value, tuple):
        return ("t", [to_plain(item, _depth + 1) for item in value])
    if isinstance(value, dict):
        return ("d", [(to_plain(k, _depth + 1), to_plain(v, _depth + 1)) for k, v in value.items()])
    raise TypeError(f"a {type(value).__name__} "
                    "(only numbers, strings, numpy arrays, lists, tuples and dicts are graded)")


def from_plain(tagged, _depth: int = 0):
    """Rebuild a value from `to_plain`'s encoding; raises WireError on anything malformed."""
    if _depth > 50 or not isinstance(tagged, tuple) or not tagged:
        raise WireError("malformed value")
    tag = tagged[0]
    try:
        if tag == "v":
            value = tagged[1]
            if value is not None and not isinstance(value, (bool, int, float, str, bytes)):
                raise WireError("malformed scalar")
            return value
        if tag == "c":
            return complex(float(tagged[1]), float(tagged[2]))
        if tag == "a":
            dtype = _safe_dtype(tagged[1])
            shape = tuple(int(n) for n in tagged[2])
            return np.frombuffer(tagged[3], dtype=dtype).reshape(shape).copy()
        if tag == "s":
            dtype = _safe_dtype(tagged[1])
            return np.frombuffer(tagged[2], dtype=dtype)[0]
        if tag == "l":
            return [from_plain(item, _depth + 1) for item in tagged[1]]
        if tag == "t":
            return tuple(from_plain(item, _depth + 1) for item in tagged[1])
        if tag == "d":
            return {from_plain(k, _depth + 1): from_plain(v, _depth + 1) for k, v in tagged[1]}
    except WireError:
        raise
    except Exception as error:
        raise WireError(f"malformed value: {type(error).__name__}: {error}") from None
    raise WireError(f"unknown tag {tag!r}")


def _safe_dtype(text) -> np.dtype:
    if not isinstance(text, str) or len(text) > 8:
        raise WireError("malformed dtype")
    dtype = np.dtype(text)
    if dtype.hasobject or dtype.fields is not None:
        raise WireError(f"refused dtype {text}")
    return dtype

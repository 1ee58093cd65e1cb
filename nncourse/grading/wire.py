"""The wire between the grader and a sandboxed worker: framed messages, bounded in every way.

Each message is one frame: an 8-byte length, then the payload. Frames longer than
MAX_MESSAGE_BYTES are refused before they are read.

grader -> worker: pickles. The worker trusts the grader; the checks' arguments may be numpy
generators and module-level functions.

worker -> grader: a plain, reference-free format the grader decodes without trusting anything in
it. A value is a tree (no node can be shared, so a small message never stands for a big
structure), every length is explicit and checked against the bytes that are left before anything
is allocated, and the decoder stops at MAX_DEPTH levels, MAX_NODES values and MAX_INT_BYTES per
integer. Values: None, bool, int, float, complex, str, bytes, list, tuple, dict, numpy arrays and
numpy scalars of numeric, boolean, string or date types. Anything else a worker wants to send is a
TypeError in the worker (`encode`); anything malformed is a WireError in the grader (`decode`).

    N | T | F                          None, True, False
    i <u16 n> <n bytes>                int, signed big-endian
    f <8 bytes> | c <16 bytes>         float, complex (IEEE 754 doubles)
    s <u32 n> <n bytes> | b <u32 n> <n bytes>    str (UTF-8), bytes
    l | t <u32 count> <items>          list, tuple
    d <u32 count> <key> <value> ...    dict
    a <dtype> <u8 ndim> <u64 dim>... <data>     numpy array: len(data) = product(dims) * itemsize
    g <dtype> <data>                   numpy scalar: len(data) = itemsize
    <dtype> = <u8 n> <n ASCII bytes>   numpy's dtype.str, e.g. "<f8"
"""
from __future__ import annotations

import math
import pickle
import struct

import numpy as np

MAX_MESSAGE_BYTES = 256 * 1024 * 1024   # a frame larger than this is refused, not read
MAX_DEPTH = 64                          # nesting levels of a decoded value
MAX_NODES = 2_000_000                   # values in one message
MAX_INT_BYTES = 1024                    # an integer of more than 8192 bits is refused
_HEADER = struct.Struct("!Q")
_U8, _U16, _U32, _U64 = struct.Struct("!B"), struct.Struct("!H"), struct.Struct("!I"), struct.Struct("!Q")
_F64, _C128 = struct.Struct("!d"), struct.Struct("!dd")
_ARRAY_KINDS = "biufcUSMm"              # no object arrays, no structured or void ones


class WireError(Exception):
    """A message that is malformed, too large, or holds something other than plain data."""


class MessageTooLarge(WireError):
    """A frame larger than MAX_MESSAGE_BYTES (a function that returned an enormous array)."""


# ---- framing ----------------------------------------------------------------------------------

def send(sock, obj, *, plain: bool) -> None:
    """Send one framed message: plain=True (worker -> grader) in the plain format, else a pickle."""
    payload = encode(obj) if plain else pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_exactly(sock, n: int) -> bytes:
    buffer = bytearray(n)
    view, got = memoryview(buffer), 0
    while got < n:
        count = sock.recv_into(view[got:], min(n - got, 1 << 20))
        if not count:
            raise EOFError("the other side closed the connection")
        got += count
    return bytes(buffer)


def recv(sock, *, plain: bool):
    """Receive one framed message; plain=True decodes the plain format (never unpickles)."""
    (size,) = _HEADER.unpack(_recv_exactly(sock, _HEADER.size))
    if size > MAX_MESSAGE_BYTES:
        raise MessageTooLarge(f"a message of {size} bytes is larger than the limit of {MAX_MESSAGE_BYTES}")
    data = _recv_exactly(sock, size)
    return decode(data) if plain else pickle.loads(data)


# ---- plain values -> bytes (in the worker) -------------------------------------------------------

def encode(value) -> bytes:
    """The plain encoding of `value`; TypeError for anything but plain data (e.g. a class instance)."""
    parts: list[bytes] = []
    _encode(value, parts, 0)
    return b"".join(parts)


def _dtype_bytes(dtype: np.dtype) -> bytes:
    text = dtype.str.encode("ascii")
    return _U8.pack(len(text)) + text


def _encode(value, out: list, depth: int) -> None:
    if depth > MAX_DEPTH - 2:
        raise TypeError(f"a value nested more than {MAX_DEPTH - 2} levels deep")
    if value is None:
        out.append(b"N")
    elif value is True or value is False:
        out.append(b"T" if value else b"F")
    elif isinstance(value, int):
        value = int(value)
        size = (value.bit_length() + 8) // 8
        if size > MAX_INT_BYTES:
            raise TypeError(f"an integer of {value.bit_length()} bits (at most {MAX_INT_BYTES * 8 - 1} are graded)")
        out.append(b"i" + _U16.pack(size) + value.to_bytes(size, "big", signed=True))
    elif isinstance(value, float):
        out.append(b"f" + _F64.pack(value))
    elif isinstance(value, complex):
        out.append(b"c" + _C128.pack(value.real, value.imag))
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        out.append(b"s" + _U32.pack(len(data)) + data)
    elif isinstance(value, (bytes, bytearray)):
        out.append(b"b" + _U32.pack(len(value)) + bytes(value))
    elif isinstance(value, np.ndarray):
        if value.dtype.kind not in _ARRAY_KINDS or value.dtype.fields is not None:
            raise TypeError(f"a numpy array of dtype {value.dtype} (only numeric and boolean arrays are graded)")
        array = value if value.flags.c_contiguous else np.ascontiguousarray(value)
        out.append(b"a" + _dtype_bytes(array.dtype) + _U8.pack(array.ndim)
                   + b"".join(_U64.pack(n) for n in array.shape))
        out.append(array.tobytes())
    elif isinstance(value, np.generic):
        if value.dtype.kind not in _ARRAY_KINDS:
            raise TypeError(f"a numpy scalar of dtype {value.dtype}")
        out.append(b"g" + _dtype_bytes(value.dtype) + np.asarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        out.append((b"l" if isinstance(value, list) else b"t") + _U32.pack(len(value)))
        for item in value:
            _encode(item, out, depth + 1)
    elif isinstance(value, dict):
        out.append(b"d" + _U32.pack(len(value)))
        for key, item in value.items():
            _encode(key, out, depth + 1)
            _encode(item, out, depth + 1)
    else:
        raise TypeError(f"a {type(value).__name__} "
                        "(only numbers, strings, numpy arrays, lists, tuples and dicts are graded)")


# ---- bytes -> plain values (in the grader) ---------------------------------------------------------

class _Reader:
    def __init__(self, data: bytes):
        self.data = memoryview(data)
        self.at = 0
        self.nodes = 0

    def take(self, n: int) -> memoryview:
        if n < 0 or self.at + n > len(self.data):
            raise WireError("malformed message: it ends too early")
        chunk = self.data[self.at:self.at + n]
        self.at += n
        return chunk

    def unpack(self, fmt: struct.Struct):
        return fmt.unpack(self.take(fmt.size))

    def left(self) -> int:
        return len(self.data) - self.at


def decode(data: bytes):
    """The value `encode` made; WireError for anything malformed or beyond the limits."""
    reader = _Reader(data)
    value = _decode(reader, 0)
    if reader.left():
        raise WireError(f"malformed message: {reader.left()} bytes after its end")
    return value


def _dtype(reader: _Reader) -> np.dtype:
    (n,) = reader.unpack(_U8)
    text = bytes(reader.take(n))
    try:
        dtype = np.dtype(text.decode("ascii"))
    except (TypeError, ValueError, UnicodeDecodeError):
        raise WireError(f"malformed dtype {text[:20]!r}") from None
    if (dtype.kind not in _ARRAY_KINDS or dtype.fields is not None or dtype.itemsize == 0
            or dtype.str.encode("ascii") != text):
        raise WireError(f"refused dtype {text[:20]!r}")
    return dtype


def _decode(reader: _Reader, depth: int):
    reader.nodes += 1
    if reader.nodes > MAX_NODES:
        raise WireError(f"a message of more than {MAX_NODES} values")
    if depth > MAX_DEPTH:
        raise WireError(f"a value nested more than {MAX_DEPTH} levels deep")
    tag = bytes(reader.take(1))
    if tag == b"N":
        return None
    if tag in (b"T", b"F"):
        return tag == b"T"
    if tag == b"i":
        (n,) = reader.unpack(_U16)
        if n > MAX_INT_BYTES:
            raise WireError(f"an integer of {n} bytes")
        return int.from_bytes(reader.take(n), "big", signed=True)
    if tag == b"f":
        return reader.unpack(_F64)[0]
    if tag == b"c":
        return complex(*reader.unpack(_C128))
    if tag in (b"s", b"b"):
        (n,) = reader.unpack(_U32)
        data = bytes(reader.take(n))
        if tag == b"b":
            return data
        try:
            return data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError:
            raise WireError("malformed text") from None
    if tag in (b"l", b"t"):
        (count,) = reader.unpack(_U32)
        if count > reader.left():   # every item takes at least one byte
            raise WireError("malformed message: more items than bytes")
        items = [_decode(reader, depth + 1) for _ in range(count)]
        return items if tag == b"l" else tuple(items)
    if tag == b"d":
        (count,) = reader.unpack(_U32)
        if 2 * count > reader.left():
            raise WireError("malformed message: more items than bytes")
        result = {}
        for _ in range(count):
            key = _decode(reader, depth + 1)
            try:
                result[key] = _decode(reader, depth + 1)
            except TypeError:
                raise WireError("malformed message: an unhashable dict key") from None
        return result
    if tag == b"a":
        dtype = _dtype(reader)
        (ndim,) = reader.unpack(_U8)
        if ndim > 32:
            raise WireError(f"an array of {ndim} dimensions")
        shape = tuple(reader.unpack(_U64)[0] for _ in range(ndim))
        if math.prod(shape) > MAX_MESSAGE_BYTES:
            raise WireError(f"an array of shape {shape[:8]}: more elements than a message may hold")
        size = math.prod(shape) * dtype.itemsize
        if size > reader.left():
            raise WireError(f"an array of shape {shape} and dtype {dtype} with too few bytes")
        return np.frombuffer(reader.take(size), dtype=dtype).reshape(shape).copy()
    if tag == b"g":
        dtype = _dtype(reader)
        return np.frombuffer(reader.take(dtype.itemsize), dtype=dtype)[0].copy()
    raise WireError(f"malformed message: unknown tag {tag!r}")

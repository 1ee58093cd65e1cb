"""Small input helpers shared by the reference modules (not part of the course)."""
import numpy as np


def as_float(x, name="input"):
    """`x` as a numpy float array: float32 stays float32, every other number becomes float64.

    Raises ValueError when `x` is not numeric (strings, objects, ragged lists).
    """
    if type(x) is np.ndarray and x.dtype.char in "fd":  # the common case, checked quickly
        return x
    try:
        x = np.asarray(x)
    except ValueError as error:  # ragged nested lists
        raise ValueError(f"{name} is not a rectangular array of numbers: {error}") from None
    if x.dtype in (np.float32, np.float64):
        return x
    if x.dtype == bool or np.issubdtype(x.dtype, np.number) and not np.issubdtype(x.dtype, np.complexfloating):
        return x.astype(np.float64)
    raise ValueError(f"{name} must hold real numbers, got an array of dtype {x.dtype}")


def as_labels(y, name="y"):
    """Integer class labels of shape (m,) as an int64 array; ValueError otherwise."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels, shape (m,), got shape {y.shape}")
    if y.dtype.kind == "f":
        if not np.all(y == np.round(y)):
            raise ValueError(f"{name} must hold whole-number class labels, got non-integer values")
    elif y.dtype.kind not in "iub":
        raise ValueError(f"{name} must hold integer class labels, got dtype {y.dtype}")
    return y.astype(np.int64, copy=False)

"""The course's conventions for arrays, which the model answers of every notebook share.

Numbers become float64 arrays, except float32, which stays float32 (a caller who chose float32
for speed keeps it). Class labels are whole numbers 0, 1, ..., k-1 in an array of shape (m,).
Anything else raises a ValueError that names the argument.
"""
import numpy as np


def as_float(x, name="x"):
    """x as a numpy array of floats: float32 stays float32, every other number becomes float64.

    x: a number, a (nested) list or an array of any shape. Returns an array of x's shape.
    """
    try:
        x = np.asarray(x)
    except ValueError:  # a ragged nested list
        raise ValueError(f"{name} is not a rectangular array of numbers") from None
    if x.dtype == np.float32 or x.dtype == np.float64:
        return x
    if x.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold real numbers, got an array of dtype {x.dtype}")
    return x.astype(np.float64)


def as_labels(y, name="y", n_classes=None):
    """y as integer class labels, an int64 array of shape (m,).

    y: (m,) whole numbers (1.0 counts as 1)   n_classes: if given, every label lies in 0..n_classes-1.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array of labels, shape (m,), got shape {y.shape}")
    if y.dtype.kind not in "biuf" or y.dtype.kind == "f" and not np.all(y == np.round(y)):
        raise ValueError(f"{name} must hold whole-number class labels, got values like {y[:5]}")
    if n_classes is not None and len(y) and (y.min() < 0 or y.max() >= n_classes):
        raise ValueError(f"{name} has labels from {y.min()} to {y.max()}, outside 0..{n_classes - 1} "
                         f"for {n_classes} classes")
    return y.astype(np.int64)

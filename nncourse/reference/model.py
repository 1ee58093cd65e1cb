"""Notebook 08: saving a trained network to a file and using it on new data.

The file is a plain .npz archive (arrays and strings only, no pickle), read back with
numpy.load(..., allow_pickle=False).
"""
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .evaluation import standardize
from .forward import forward, predict

FORMAT = "nncourse-model-1"


@dataclass
class Model:
    """A trained network: params [(W, b), ...], one activation name per layer, and optionally the
    standardisation (mean, std) and class names it was trained with."""

    params: list
    activations: list
    mean: np.ndarray | None = None
    std: np.ndarray | None = None
    class_names: list | None = None

    def _prepare(self, X):
        if self.mean is not None and self.std is not None:
            return standardize(X, self.mean, self.std)
        return X

    def predict_proba(self, X):
        """The network's output A_L (m, n_L) for raw inputs X (m, n_0)."""
        A_L, _ = forward(self._prepare(X), self.params, self.activations)
        return A_L

    def predict(self, X):
        """Integer labels (m,) for raw inputs X (m, n_0), standardised first if the model says so."""
        return predict(self._prepare(X), self.params, self.activations)


def save_model(path, params, activations, mean=None, std=None, class_names=None):
    """Write a network to `path` (".npz" is added when missing). Returns the Path written."""
    if len(params) != len(activations):
        raise ValueError(f"{len(params)} layers but {len(activations)} activations")
    if (mean is None) != (std is None):
        raise ValueError("give both mean and std (the standardisation), or neither")
    path = Path(path)
    if path.suffix != ".npz":
        path = path.with_name(path.name + ".npz")
    arrays = {"format": np.array(FORMAT), "activations": np.array(list(activations), dtype=str)}
    for l, (W, b) in enumerate(params):
        arrays[f"W{l}"], arrays[f"b{l}"] = np.asarray(W), np.asarray(b)
    if mean is not None:
        arrays["mean"], arrays["std"] = np.asarray(mean), np.asarray(std)
    if class_names is not None:
        arrays["class_names"] = np.array([str(name) for name in class_names], dtype=str)
    np.savez_compressed(path, **arrays)
    return path


def load_model(path):
    """Read a network written by save_model. Returns a Model; ValueError for any other file."""
    not_a_model = f"{path} is not an nncourse model (an .npz written by save_model)"
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise ValueError(f"{not_a_model}: {error}") from None
    if not isinstance(data, np.lib.npyio.NpzFile):  # a .npy file holds one plain array
        raise ValueError(not_a_model)
    with data:
        try:
            arrays = {key: data[key] for key in data.files}
        except ValueError as error:  # e.g. an array of Python objects, which would need pickle
            raise ValueError(f"{not_a_model}: {error}") from None
    if "format" not in arrays or str(arrays["format"]) != FORMAT or "activations" not in arrays:
        raise ValueError(not_a_model)
    n_layers = len(arrays["activations"])
    if any(f"{kind}{l}" not in arrays for l in range(n_layers) for kind in "Wb"):
        raise ValueError(f"{not_a_model}: some layers' weights are missing")
    activations = [str(name) for name in arrays["activations"]]
    params = [(arrays[f"W{l}"], arrays[f"b{l}"]) for l in range(len(activations))]
    class_names = arrays.get("class_names")
    return Model(params=params, activations=activations,
                 mean=arrays.get("mean"), std=arrays.get("std"),
                 class_names=None if class_names is None else [str(c) for c in class_names])

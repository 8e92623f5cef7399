"""Saving fitted engines in safe formats: a JSON document and a numpy archive, never pickle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

FORMAT_VERSION = 1
T = TypeVar("T")
_DOCUMENT = "model.json"
_ARRAYS = "arrays.npz"


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in a model document")


def save_model(path: str | Path, kind: str, params: dict[str, Any], attributes: dict[str, Any],
               arrays: dict[str, np.ndarray]) -> None:
    """Write `params` and `attributes` to model.json and `arrays` to arrays.npz under `path`."""
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    document = {"kind": kind, "format_version": FORMAT_VERSION, "params": params, "attributes": attributes}
    (folder / _DOCUMENT).write_text(json.dumps(document, indent=2, default=_plain))
    np.savez(folder / _ARRAYS, **{name: np.asarray(array) for name, array in arrays.items()})


def load_model(path: str | Path, kind: str, estimator: type[T]) -> tuple[T, dict[str, Any], dict[str, np.ndarray]]:
    """Read back what `save_model` wrote: a new `estimator` built from the saved parameters, the
    attributes and the arrays. Refuses another kind of model, unknown parameters and object arrays."""
    folder = Path(path)
    try:
        document = json.loads((folder / _DOCUMENT).read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"path: no readable {_DOCUMENT} in {folder}: {error}") from error
    if document.get("kind") != kind:
        raise ValueError(f"path: {folder} holds a {document.get('kind')!r} model, not {kind!r}")
    if document.get("format_version") != FORMAT_VERSION:
        raise ValueError(f"path: unsupported model format version {document.get('format_version')!r}")
    try:
        model = estimator(**document["params"])
    except TypeError as error:
        raise ValueError(f"path: the saved parameters do not fit {estimator.__name__}: {error}") from error
    with np.load(folder / _ARRAYS, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    return model, document["attributes"], arrays

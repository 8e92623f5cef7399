"""Parameter and input checks shared by the algorithm engines.

Every failure is a ValueError whose message starts with the name of the offending parameter.
"""

from __future__ import annotations

import numbers
from collections.abc import Collection
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

Matrix = np.ndarray | sp.csr_matrix | sp.csr_array

AUTO = "auto"


def _describe(low: float | None, high: float | None, low_open: bool, high_open: bool) -> str:
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {low}")
    if high is not None:
        parts.append(f"{'<' if high_open else '<='} {high}")
    return " and ".join(parts)


def check_choice(name: str, value: Any, choices: Collection[str]) -> str:
    """`value` if it is one of `choices`."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name} must be one of {sorted(choices)}, got {value!r}")
    return value


def check_bool(name: str, value: Any, *, allow_auto: bool = False) -> bool | str:
    """A real bool (or "auto" when allowed); 0/1 and strings are refused."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if allow_auto and value == AUTO:
        return AUTO
    allowed = "a bool or 'auto'" if allow_auto else "a bool"
    raise ValueError(f"{name} must be {allowed}, got {value!r}")


def check_int(name: str, value: Any, *, low: int | None = None, high: int | None = None,
              allow_auto: bool = False) -> int | str:
    """An integer within [low, high] (or "auto" when allowed)."""
    if allow_auto and isinstance(value, str) and value == AUTO:
        return AUTO
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer{' or auto' if allow_auto else ''}, got {value!r}")
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(f"{name} must be {_describe(low, high, False, False)}, got {value}")
    return value


def check_float(name: str, value: Any, *, low: float | None = None, high: float | None = None,
                low_open: bool = False, high_open: bool = False, allow_auto: bool = False) -> float | str:
    """A finite real number within the given bounds (or "auto" when allowed)."""
    if allow_auto and isinstance(value, str) and value == AUTO:
        return AUTO
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number{' or auto' if allow_auto else ''}, got {value!r}")
    value = float(value)
    below = low is not None and (value <= low if low_open else value < low)
    above = high is not None and (value >= high if high_open else value > high)
    if below or above:
        raise ValueError(f"{name} must be {_describe(low, high, low_open, high_open)}, got {value}")
    return value


def check_features(X: Any, name: str = "X", n_features: int | None = None) -> Matrix:
    """A 2-D float matrix, dense or CSR, with finite values (sparse input stays sparse)."""
    try:
        X = check_array(X, accept_sparse="csr", dtype=(np.float64, np.float32), input_name=name)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: {error}") from error
    if n_features is not None and X.shape[1] != n_features:
        raise ValueError(f"{name} has {X.shape[1]} features, the model was fitted with {n_features}")
    return X


def check_target(y: Any, n_rows: int, name: str = "y") -> np.ndarray:
    """A 1-D finite float vector with one value per row of the features."""
    try:
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name=name)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name}: {error}") from error
    if y.ndim != 1 or y.shape[0] != n_rows:
        raise ValueError(f"{name} must be a vector of {n_rows} values, got shape {y.shape}")
    return y

"""Real data from ../shared/data, as numeric arrays for tests."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def one_hot(table: list[list[str]], categorical: list[int], numeric: list[int]) -> np.ndarray:
    """Numeric columns as floats, then one 0/1 column per category of each categorical column."""
    columns = [np.array([float(row[i]) for row in table])[:, None] for i in numeric]
    for i in categorical:
        categories, index = np.unique([row[i] for row in table], return_inverse=True)
        columns.append(np.eye(len(categories))[index])
    return np.hstack(columns)


@lru_cache(maxsize=None)
def adult() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """UCI Adult: (X_train, y_train, X_test, y_test), categoricals one-hot, label 1 for >50K."""
    folder = DATA / "tabular" / "adult"
    parts = []
    for name in ("adult-train.csv", "adult-test.csv"):
        with open(folder / name, newline="") as handle:
            parts.append([row for row in csv.reader(handle, skipinitialspace=True) if row])
    table = parts[0] + parts[1]
    X = one_hot(table, categorical=[1, 3, 5, 6, 7, 8, 9, 13], numeric=[0, 2, 4, 10, 11, 12])
    y = np.array([row[14].rstrip(".") == ">50K" for row in table], dtype=np.float64)
    n = len(parts[0])
    return X[:n], y[:n], X[n:], y[n:]


@lru_cache(maxsize=None)
def housing() -> tuple[np.ndarray, np.ndarray]:
    """California housing: (X, median_house_value), rows missing total_bedrooms dropped."""
    with open(DATA / "tabular" / "california-housing" / "housing.csv", newline="") as handle:
        table = [row for row in list(csv.reader(handle))[1:] if all(row)]
    return one_hot(table, categorical=[9], numeric=[0, 1, 2, 3, 4, 5, 6, 7]), np.array([float(r[8]) for r in table])


def to_csv(X: np.ndarray, y: np.ndarray | None = None) -> bytes:
    """Headerless CSV, the label (when given) in the first column."""
    table = X if y is None else np.column_stack([y, X])
    return "\n".join(",".join(f"{v:.10g}" for v in row) for row in table).encode() + b"\n"

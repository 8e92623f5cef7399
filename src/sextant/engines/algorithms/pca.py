"""Principal component analysis in two modes.

`regular` builds the (features × features) covariance matrix in one pass — a sparse product when the
input is sparse, so it is never densified — and takes its exact eigendecomposition: the mode for
sparse data and a moderate number of features. `randomized` runs a randomized truncated SVD
(Halko et al.) with `extra_components` oversampling: the mode for many rows and features. Sparse
input stays sparse in randomized mode unless the mean is subtracted, which densifies it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.extmath import randomized_svd, svd_flip

from sextant.engines.algorithms._persist import load_model, save_model
from sextant.engines.algorithms._validation import Matrix, check_bool, check_choice, check_features, check_int

ALGORITHM_MODES = ("regular", "randomized")
_ARRAYS = ("components", "mean", "explained_variance", "explained_variance_ratio", "singular_values")


def _squared_norm(X: Matrix) -> float:
    values = (X.data if sp.issparse(X) else X).ravel().astype(np.float64, copy=False)
    return float(values @ values)


class PCA(BaseEstimator):
    """Projection onto the top `num_components` principal components.

    `subtract_mean` centers the data in training and in `transform`. `extra_components=-1` means
    max(10, num_components) extra components in randomized mode (ignored in regular mode).
    Fitted attributes follow scikit-learn: `components_`, `mean_`, `explained_variance_`,
    `explained_variance_ratio_`, `singular_values_`.
    """

    def __init__(self, num_components: int, *, algorithm_mode: str = "regular", subtract_mean: bool = True,
                 extra_components: int = -1, seed: int = 0) -> None:
        self.num_components = num_components
        self.algorithm_mode = algorithm_mode
        self.subtract_mean = subtract_mean
        self.extra_components = extra_components
        self.seed = seed
        self._validate()

    def _validate(self) -> None:
        check_int("num_components", self.num_components, low=1)
        check_choice("algorithm_mode", self.algorithm_mode, ALGORITHM_MODES)
        check_bool("subtract_mean", self.subtract_mean)
        check_int("extra_components", self.extra_components, low=-1)
        check_int("seed", self.seed, low=0)

    def fit(self, X: Any) -> PCA:
        """Find the principal components of the rows of X (dense or CSR)."""
        self._validate()
        X = check_features(X)
        n, features = X.shape
        if n < 2:
            raise ValueError("X must have at least 2 rows")
        limit = features if self.algorithm_mode == "regular" else min(n, features)
        if self.num_components > limit:
            raise ValueError(f"num_components ({self.num_components}) must not exceed {limit} for this data "
                             f"in {self.algorithm_mode} mode")
        mean = np.asarray(X.mean(axis=0), dtype=np.float64).ravel() if self.subtract_mean else np.zeros(features)
        # Total variance around the mean (around 0 without subtract_mean): the ratio's denominator.
        total = (_squared_norm(X) - n * mean @ mean) / (n - 1)
        if self.algorithm_mode == "regular":
            gram = X.T @ X
            covariance = (gram.toarray() if sp.issparse(gram) else gram) - n * np.outer(mean, mean)
            eigenvalues, eigenvectors = np.linalg.eigh(covariance / (n - 1))
            top = np.argsort(eigenvalues)[::-1][:self.num_components]
            variance = np.clip(eigenvalues[top], 0.0, None)
            components = eigenvectors[:, top].T
        else:
            oversamples = max(10, self.num_components) if self.extra_components == -1 else self.extra_components
            data = ((X.toarray() if sp.issparse(X) else X) - mean) if self.subtract_mean else X
            _, singular, components = randomized_svd(data, self.num_components, n_oversamples=oversamples,
                                                     flip_sign=False, random_state=self.seed)
            variance = singular ** 2 / (n - 1)
        _, components = svd_flip(None, components, u_based_decision=False)
        self.components_ = components
        self.mean_ = mean
        self.explained_variance_ = variance
        self.explained_variance_ratio_ = variance / total if total > 0 else np.zeros_like(variance)
        self.singular_values_ = np.sqrt(variance * (n - 1))
        self.n_features_in_ = features
        return self

    def transform(self, X: Any) -> np.ndarray:
        """The projection of each row of X onto the components, shape (rows, num_components)."""
        if not hasattr(self, "components_"):
            raise ValueError("model: call fit (or load) before transforming")
        X = check_features(X, n_features=self.n_features_in_)
        return np.asarray(X @ self.components_.T) - self.mean_ @ self.components_.T

    def save(self, path: str | Path) -> None:
        """Write the fitted model to the directory `path` (JSON and .npz, no pickle)."""
        if not hasattr(self, "components_"):
            raise ValueError("model: call fit before saving")
        arrays = {name: getattr(self, f"{name}_") for name in _ARRAYS}
        save_model(path, "pca", self.get_params(), {"n_features_in": self.n_features_in_}, arrays)

    @classmethod
    def load(cls, path: str | Path) -> PCA:
        """A fitted model read back from `save`'s directory."""
        model, attributes, arrays = load_model(path, "pca", cls)
        for name in _ARRAYS:
            setattr(model, f"{name}_", arrays[name])
        model.n_features_in_ = attributes["n_features_in"]
        return model

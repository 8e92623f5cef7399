"""Web-scale k-means: mini-batch k-means over k × extra_center_factor centers, reduced to k.

Training streams the data in mini-batches (Sculley, "Web-scale k-means clustering", 2010): each
batch is assigned to its nearest centers, and every center moves to the running mean of the points
assigned to it so far. With `half_life_time_size`, older points count less: a point's weight halves
each time that many newer points have been seen. Training keeps more centers than asked for; at the
end they are clustered into k by k-means++ seeding and Lloyd iterations, each center weighted by the
number of points it took in the last epoch.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.cluster import KMeans as LloydKMeans
from sklearn.cluster import kmeans_plusplus
from sklearn.metrics import pairwise_distances_argmin_min
from threadpoolctl import threadpool_limits

from sextant.engines.algorithms._persist import load_model, save_model
from sextant.engines.algorithms._validation import AUTO, Matrix, check_choice, check_features, check_float, check_int

INIT_METHODS = ("random", "kmeans++")
EVAL_METRICS = ("msd", "ssd")


class KMeans(BaseEstimator):
    """Web-scale k-means clustering with Euclidean distance.

    `predict` returns `closest_cluster` (int) and `distance_to_cluster` (Euclidean) per row;
    `evaluate` the mean (msd) and/or sum (ssd) of squared distances to the closest center.
    `extra_center_factor="auto"` trains max(1, ceil(ln k)) times k centers;
    `local_lloyd_num_trials="auto"` runs the reduction once from k-means++ seeds, ten times from
    random ones. Fitted attribute: `cluster_centers_` (k × features).
    """

    def __init__(
        self,
        k: int,
        *,
        init_method: str = "random",
        mini_batch_size: int = 5000,
        epochs: int = 1,
        extra_center_factor: int | str = AUTO,
        half_life_time_size: int = 0,
        local_lloyd_max_iter: int = 300,
        local_lloyd_tol: float = 1e-4,
        local_lloyd_init_method: str = "kmeans++",
        local_lloyd_num_trials: int | str = AUTO,
        eval_metrics: tuple[str, ...] | list[str] = ("msd",),
        seed: int = 0,
    ) -> None:
        self.k = k
        self.init_method = init_method
        self.mini_batch_size = mini_batch_size
        self.epochs = epochs
        self.extra_center_factor = extra_center_factor
        self.half_life_time_size = half_life_time_size
        self.local_lloyd_max_iter = local_lloyd_max_iter
        self.local_lloyd_tol = local_lloyd_tol
        self.local_lloyd_init_method = local_lloyd_init_method
        self.local_lloyd_num_trials = local_lloyd_num_trials
        self.eval_metrics = eval_metrics
        self.seed = seed
        self._center_factor()

    def _center_factor(self) -> int:
        """Validate every parameter (ValueError naming it); the resolved extra_center_factor."""
        k = check_int("k", self.k, low=1)
        check_choice("init_method", self.init_method, INIT_METHODS)
        check_int("mini_batch_size", self.mini_batch_size, low=1)
        check_int("epochs", self.epochs, low=1)
        factor = check_int("extra_center_factor", self.extra_center_factor, low=1, allow_auto=True)
        check_int("half_life_time_size", self.half_life_time_size, low=0)
        check_int("local_lloyd_max_iter", self.local_lloyd_max_iter, low=1)
        check_float("local_lloyd_tol", self.local_lloyd_tol, low=0.0)
        check_choice("local_lloyd_init_method", self.local_lloyd_init_method, INIT_METHODS)
        check_int("local_lloyd_num_trials", self.local_lloyd_num_trials, low=1, allow_auto=True)
        metrics = self.eval_metrics
        if not isinstance(metrics, (list, tuple)) or not metrics or any(m not in EVAL_METRICS for m in metrics):
            raise ValueError(f"eval_metrics must be a non-empty list drawn from {list(EVAL_METRICS)}, got {metrics!r}")
        check_int("seed", self.seed, low=0)
        return max(1, math.ceil(math.log(k))) if factor == AUTO else factor

    def _initial_centers(self, X: Matrix, rows: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
        sample = X[rows]
        if self.init_method == "kmeans++":
            centers, _ = kmeans_plusplus(sample, count, random_state=self.seed)
        else:
            centers = sample[rng.choice(len(rows), size=count, replace=False)]
        return (centers.toarray() if sp.issparse(centers) else np.array(centers)).astype(np.float64)

    def fit(self, X: Any) -> KMeans:
        """Cluster the rows of X (dense or CSR)."""
        factor = self._center_factor()
        X = check_features(X)
        n = X.shape[0]
        if self.k > n:
            raise ValueError(f"k ({self.k}) must not exceed the number of rows ({n})")
        count = min(self.k * factor, n)
        rng = np.random.default_rng(self.seed)
        order = rng.permutation(n)
        # The centers start as points of the first mini-batch (at least `count` of them).
        centers = self._initial_centers(X, order[:max(self.mini_batch_size, count)], count, rng)
        # Each mini-batch step is too small for threads to pay off: on a busy machine waking them
        # made training ten times slower. Prediction on whole datasets keeps them.
        with threadpool_limits(limits=1):
            self.cluster_centers_ = self._train(X, centers, order, rng)
        self.n_features_in_ = X.shape[1]
        return self

    def _train(self, X: Matrix, centers: np.ndarray, order: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The mini-batch epochs from the initial `centers`, then the reduction to k centers."""
        count, n = len(centers), X.shape[0]
        seen = np.zeros(count)  # decayed number of points behind each center
        for epoch in range(self.epochs):
            if epoch:
                order = rng.permutation(n)
            sizes = np.zeros(count)
            for start in range(0, n, self.mini_batch_size):
                batch = X[order[start:start + self.mini_batch_size]]
                nearest, _ = pairwise_distances_argmin_min(batch, centers)
                members = np.bincount(nearest, minlength=count).astype(np.float64)
                membership = sp.csr_matrix((np.ones(len(nearest)), (nearest, np.arange(len(nearest)))),
                                           shape=(count, len(nearest)))
                sums = membership @ batch
                sums = sums.toarray() if sp.issparse(sums) else sums
                if self.half_life_time_size:
                    seen *= 0.5 ** (len(nearest) / self.half_life_time_size)
                hit = members > 0
                total = seen + members
                centers[hit] = (seen[hit, None] * centers[hit] + sums[hit]) / total[hit, None]
                seen = total
                sizes += members
        if count > self.k:
            # Empty centers carry no weight unless fewer than k centers took any point.
            weights = sizes if np.count_nonzero(sizes) >= self.k else sizes + 1.0
            init = "k-means++" if self.local_lloyd_init_method == "kmeans++" else "random"
            reducer = LloydKMeans(self.k, init=init, n_init=self.local_lloyd_num_trials,
                                  max_iter=self.local_lloyd_max_iter, tol=self.local_lloyd_tol, random_state=self.seed)
            centers = reducer.fit(centers, sample_weight=weights).cluster_centers_
        return centers

    def _nearest(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "cluster_centers_"):
            raise ValueError("model: call fit (or load) before predicting")
        X = check_features(X, n_features=self.n_features_in_)
        return pairwise_distances_argmin_min(X, self.cluster_centers_)

    def predict(self, X: Any) -> dict[str, np.ndarray]:
        """`closest_cluster` and `distance_to_cluster` for each row of X."""
        nearest, distance = self._nearest(X)
        return {"closest_cluster": nearest.astype(np.int64), "distance_to_cluster": distance}

    def evaluate(self, X: Any) -> dict[str, float]:
        """The metrics named by `eval_metrics` on X: msd (mean) and ssd (sum of squared distances)."""
        _, distance = self._nearest(X)
        squared = distance.astype(np.float64) ** 2
        values = {"msd": float(squared.mean()), "ssd": float(squared.sum())}
        return {name: values[name] for name in self.eval_metrics}

    def save(self, path: str | Path) -> None:
        """Write the fitted model to the directory `path` (JSON and .npz, no pickle)."""
        if not hasattr(self, "cluster_centers_"):
            raise ValueError("model: call fit before saving")
        save_model(path, "kmeans", self.get_params(), {"n_features_in": self.n_features_in_},
                   {"cluster_centers": self.cluster_centers_})

    @classmethod
    def load(cls, path: str | Path) -> KMeans:
        """A fitted model read back from `save`'s directory."""
        model, attributes, arrays = load_model(path, "kmeans", cls)
        model.cluster_centers_ = arrays["cluster_centers"]
        model.n_features_in_ = attributes["n_features_in"]
        return model

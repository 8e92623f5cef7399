"""SageMaker's built-in algorithms: AWS's hyperparameters, data formats and metrics over the engines.

Each module defines `METRICS` (name → regex over the job's log, as AWS's metric definitions),
`train(env)` and `Model` (`load(model_dir)`, `invoke(body, content_type, accept)`).
"""

from __future__ import annotations

import importlib
from types import ModuleType

MODULES = {"xgboost": "xgboost", "linear-learner": "linear_learner", "kmeans": "kmeans", "pca": "pca"}


def load(name: str) -> ModuleType:
    return importlib.import_module(f"{__name__}.{MODULES[name]}")


def metric_definitions(name: str) -> list[dict[str, str]]:
    """AWS's MetricDefinitions of a built-in algorithm."""
    return [{"Name": metric, "Regex": regex} for metric, regex in load(name).METRICS.items()]

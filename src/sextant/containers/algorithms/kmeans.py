"""Built-in K-Means (web-scale, mini-batch): AWS's hyperparameters and formats over the k-means engine."""

from __future__ import annotations

import json
from pathlib import Path

from ...engines.algorithms import KMeans
from ..environment import TrainingEnvironment, UserError
from . import serving
from .data import read_unlabelled
from .hyperparameters import Param, parse

HYPERPARAMETERS = {
    "feature_dim": Param("int", required=True, low=1), "k": Param("int", required=True, low=2),
    "epochs": Param("int", 1, 1), "eval_metrics": Param("str", '["msd"]'),
    "extra_center_factor": Param("int", "auto", 1, auto=True), "half_life_time_size": Param("int", 0, 0),
    "init_method": Param("choice", "random", choices=("random", "kmeans++")),
    "local_lloyd_init_method": Param("choice", "kmeans++", choices=("random", "kmeans++")),
    "local_lloyd_max_iter": Param("int", 300, 1), "local_lloyd_num_trials": Param("int", "auto", 1, auto=True),
    "local_lloyd_tol": Param("float", 0.0001, 0), "mini_batch_size": Param("int", 5000, 1),
}
METRICS = {f"test:{name}": serving.metric_regex("test", name, "loss") for name in ("msd", "ssd")}
MODEL_DIR = "model_algo-1"


def _eval_metrics(text: str) -> list[str]:
    try:
        names = json.loads(text.replace("'", '"'))
    except ValueError:
        names = None
    if not isinstance(names, list) or not names or not set(names) <= {"msd", "ssd"}:
        raise UserError(f'Hyperparameter eval_metrics: {text!r} must be a JSON list of "msd" and/or "ssd"')
    return names


def train(env: TrainingEnvironment) -> None:
    hps = parse(HYPERPARAMETERS, env.hyperparameters, "K-Means")
    if "train" not in env.channels:
        raise UserError("K-Means needs a 'train' channel")
    X = read_unlabelled(env, "train")
    if X.shape[1] != hps["feature_dim"]:
        raise UserError(f"feature_dim={hps['feature_dim']} does not match the train channel's {X.shape[1]} features")
    if X.shape[0] < hps["k"]:
        raise UserError(f"k={hps['k']} is more than the {X.shape[0]} records of the train channel")
    metrics = _eval_metrics(hps.pop("eval_metrics"))
    hps.pop("feature_dim")
    try:
        model = KMeans(hps.pop("k"), eval_metrics=metrics, **hps).fit(X)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    print(f"Trained k-means with {model.cluster_centers_.shape[0]} centers", flush=True)
    if "test" in env.channels:
        for name, value in model.evaluate(read_unlabelled(env, "test")).items():
            serving.quality_metric("test", name, value, "loss")
    model.save(env.model_dir / MODEL_DIR)


class Model:
    """Serving: `closest_cluster` and `distance_to_cluster` per record."""

    def __init__(self, engine: KMeans) -> None:
        self.engine = engine

    @classmethod
    def load(cls, model_dir: Path) -> "Model":
        return cls(KMeans.load(model_dir / MODEL_DIR))

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        X = serving.features(body, content_type, self.engine.cluster_centers_.shape[1])
        outputs = self.engine.predict(X)
        keys = ["closest_cluster", "distance_to_cluster"]
        return serving.answer([{key: outputs[key][i] for key in keys} for i in range(X.shape[0])], accept, keys)

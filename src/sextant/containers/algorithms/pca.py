"""Built-in PCA: AWS's hyperparameters and formats over the PCA engine."""

from __future__ import annotations

import json
from pathlib import Path

from ...engines.algorithms import PCA
from .. import formats
from ..environment import TrainingEnvironment, UserError
from . import serving
from .data import read_unlabelled
from .hyperparameters import Param, parse

HYPERPARAMETERS = {
    "feature_dim": Param("int", required=True, low=1), "mini_batch_size": Param("int", required=True, low=1),
    "num_components": Param("int", required=True, low=1),
    "algorithm_mode": Param("choice", "regular", choices=("regular", "randomized")),
    "extra_components": Param("int", -1, -1), "subtract_mean": Param("bool", True),
}
METRICS: dict[str, str] = {}
MODEL_DIR = "model_algo-1"


def train(env: TrainingEnvironment) -> None:
    hps = parse(HYPERPARAMETERS, env.hyperparameters, "PCA")
    if "train" not in env.channels:
        raise UserError("PCA needs a 'train' channel")
    X = read_unlabelled(env, "train")
    if X.shape[1] != hps["feature_dim"]:
        raise UserError(f"feature_dim={hps['feature_dim']} does not match the train channel's {X.shape[1]} features")
    if hps["num_components"] > min(X.shape):
        raise UserError(f"num_components={hps['num_components']} is more than min(records, features) = "
                        f"{min(X.shape)}")
    try:
        model = PCA(hps["num_components"], algorithm_mode=hps["algorithm_mode"], subtract_mean=hps["subtract_mean"],
                    extra_components=hps["extra_components"]).fit(X)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    print(f"Fitted {hps['num_components']} components ({hps['algorithm_mode']})", flush=True)
    model.save(env.model_dir / MODEL_DIR)


class Model:
    """Serving: `projection` per record; JSON answers are `{"projections": [{"projection": […]}, …]}`."""

    def __init__(self, engine: PCA) -> None:
        self.engine = engine

    @classmethod
    def load(cls, model_dir: Path) -> "Model":
        return cls(PCA.load(model_dir / MODEL_DIR))

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        X = serving.features(body, content_type, self.engine.n_features_in_)
        rows = [{"projection": row} for row in self.engine.transform(X)]
        if formats.parse_content_type(accept or formats.JSON)[0] in (formats.JSON, "*/*"):
            body_json = json.dumps({"projections": [{"projection": [float(v) for v in r["projection"]]}
                                                    for r in rows]})
            return body_json.encode(), formats.JSON
        return serving.answer(rows, accept, ["projection"])

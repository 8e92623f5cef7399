"""Built-in XGBoost (the sagemaker-xgboost image): AWS's hyperparameters, CSV/LibSVM/RecordIO-protobuf
input, metrics logged as AWS logs them, the model saved in XGBoost's own format (never pickle)."""

from __future__ import annotations

import math
import os
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .. import formats
from ..environment import TrainingEnvironment, UserError
from . import serving
from .data import read_channel
from .hyperparameters import Param, parse

MODEL_FILE = "xgboost-model"
CHECKPOINT = re.compile(r"^xgboost-checkpoint\.(\d+)$")
INF = math.inf

OBJECTIVES = ("binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson", "multi:softmax",
              "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map", "reg:squarederror", "reg:squaredlogerror",
              "reg:logistic", "reg:pseudohubererror", "reg:absoluteerror", "reg:gamma", "reg:tweedie",
              "survival:cox", "reg:linear")
EVAL_METRICS = ("rmse", "rmsle", "mae", "mape", "mphe", "logloss", "error", "merror", "mlogloss", "auc", "aucpr",
                "ndcg", "map", "poisson-nloglik", "gamma-nloglik", "gamma-deviance", "tweedie-nloglik", "cox-nloglik")

HYPERPARAMETERS = {
    "num_round": Param("int", required=True, low=1),
    "num_class": Param("int", low=2),
    "objective": Param("choice", "reg:squarederror", choices=OBJECTIVES),
    "eta": Param("float", 0.3, 0, 1), "gamma": Param("float", 0.0, 0), "max_depth": Param("int", 6, 0),
    "min_child_weight": Param("float", 1.0, 0), "max_delta_step": Param("float", 0.0, 0),
    "subsample": Param("float", 1.0, 0, 1, low_open=True), "colsample_bytree": Param("float", 1.0, 0, 1, low_open=True),
    "colsample_bylevel": Param("float", 1.0, 0, 1, low_open=True),
    "colsample_bynode": Param("float", 1.0, 0, 1, low_open=True),
    "lambda": Param("float", 1.0, 0), "alpha": Param("float", 0.0, 0),
    "tree_method": Param("choice", "auto", choices=("auto", "exact", "approx", "hist", "gpu_hist")),
    "sketch_eps": Param("float", 0.03, 0, 1, low_open=True), "scale_pos_weight": Param("float", 1.0, 0, low_open=True),
    "updater": Param("str"), "refresh_leaf": Param("int", 1, 0, 1),
    "process_type": Param("choice", "default", choices=("default", "update")),
    "grow_policy": Param("choice", "depthwise", choices=("depthwise", "lossguide")),
    "max_leaves": Param("int", 0, 0), "max_bin": Param("int", 256, 2),
    "sample_type": Param("choice", "uniform", choices=("uniform", "weighted")),
    "normalize_type": Param("choice", "tree", choices=("tree", "forest")),
    "rate_drop": Param("float", 0.0, 0, 1), "one_drop": Param("int", 0, 0, 1), "skip_drop": Param("float", 0.0, 0, 1),
    "lambda_bias": Param("float", 0.0, 0, 1), "tweedie_variance_power": Param("float", 1.5, 1, 2, low_open=True),
    "base_score": Param("float", 0.5), "booster": Param("choice", "gbtree", choices=("gbtree", "gblinear", "dart")),
    "eval_metric": Param("str"), "seed": Param("int", 0), "early_stopping_rounds": Param("int", None, 1),
    "csv_weights": Param("int", 0, 0, 1), "num_parallel_tree": Param("int", 1, 1), "nthread": Param("int", None, 1),
    "verbosity": Param("int", 1, 0, 3), "interaction_constraints": Param("str"), "monotone_constraints": Param("str"),
    "single_precision_histogram": Param("bool", False), "deterministic_histogram": Param("bool", True),
    "save_model_on_termination": Param("bool", False), "use_dask_gpu_training": Param("bool", False),
}

_NUMBER = r"([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)"
METRICS = {f"{channel}:{metric}": rf".*\[[0-9]+\].*#011{channel}-{metric}:{_NUMBER}.*"
           for channel in ("train", "validation") for metric in EVAL_METRICS + ("accuracy", "f1", "mse", "r2")}


def _xgboost():
    """The xgboost module, imported without its optional scikit-learn API: in the built-in algorithm's
    own process nothing uses it, and importing scikit-learn costs a second at every job and endpoint start."""
    if "sklearn" not in sys.modules:
        sys.modules["sklearn"] = None  # type: ignore[assignment]  # makes `import sklearn` fail fast
        try:
            import xgboost
        finally:
            del sys.modules["sklearn"]
    import xgboost

    return xgboost


def _params(hps: dict[str, Any]) -> dict[str, Any]:
    """The xgboost.train parameters of the AWS hyperparameters."""
    objective = hps["objective"] if hps["objective"] != "reg:linear" else "reg:squarederror"
    if objective.startswith("multi:") and not hps["num_class"]:
        raise UserError(f"Missing required hyperparameter: num_class (objective {objective})")
    skip = {"num_round", "early_stopping_rounds", "csv_weights", "save_model_on_termination", "use_dask_gpu_training",
            "single_precision_histogram", "deterministic_histogram", "eval_metric", "seed", "objective"}
    params = {k: v for k, v in hps.items() if k not in skip and v is not None}
    params.update(objective=objective, seed=hps["seed"])
    if params.get("tree_method") == "gpu_hist":
        params.update(tree_method="hist", device="cpu")  # no accelerator here: the same algorithm on the CPU
    if not objective.startswith("multi:"):
        params.pop("num_class", None)
    if hps["eval_metric"]:
        params["eval_metric"] = [m.strip() for m in hps["eval_metric"].split(",") if m.strip()]
    return params


def train(env: TrainingEnvironment) -> None:
    xgboost = _xgboost()
    hps = parse(HYPERPARAMETERS, env.hyperparameters, "XGBoost")
    params = _params(hps)
    if "train" not in env.channels:
        raise UserError("XGBoost needs a 'train' channel")
    features, labels = read_channel(env, "train", "text/libsvm")
    evals = [(xgboost.DMatrix(features, label=labels), "train")]
    if "validation" in env.channels:
        valid_features, valid_labels = read_channel(env, "validation", "text/libsvm")
        if valid_features.shape[1] != features.shape[1] and not hasattr(valid_features, "tocsr"):
            raise UserError(f"The validation channel has {valid_features.shape[1]} features, the train channel "
                            f"{features.shape[1]}")
        evals.append((xgboost.DMatrix(valid_features, label=valid_labels), "validation"))
    if hps["early_stopping_rounds"] and len(evals) < 2:
        raise UserError("early_stopping_rounds needs a 'validation' channel")
    start, resumed = _latest_checkpoint(env.checkpoint_dir)
    rounds = hps["num_round"] - start
    callbacks = _callbacks(env.checkpoint_dir if env.checkpoint_dir.exists() else None, start)
    try:
        booster = xgboost.train(params, evals[0][0], num_boost_round=max(rounds, 0), evals=evals,
                                early_stopping_rounds=hps["early_stopping_rounds"], verbose_eval=False,
                                callbacks=callbacks, xgb_model=resumed)
    except xgboost.core.XGBoostError as exc:
        raise UserError(f"XGBoost could not train with these hyperparameters and data: "
                        f"{str(exc).splitlines()[0]}") from None
    env.model_dir.mkdir(parents=True, exist_ok=True)
    booster.save_model(str(env.model_dir / MODEL_FILE))


def _latest_checkpoint(folder: Path) -> tuple[int, Any]:
    """(rounds already done, booster) from /opt/ml/checkpoints, as the AWS container resumes."""
    if not folder.exists():
        return 0, None
    found = sorted((int(m.group(1)), p) for p in folder.iterdir() if (m := CHECKPOINT.match(p.name)))
    if not found:
        return 0, None
    xgboost = _xgboost()
    rounds, path = found[-1]
    booster = xgboost.Booster()
    booster.load_model(str(path))
    print(f"Resuming from checkpoint {path.name}: {rounds + 1} rounds done", flush=True)
    return rounds + 1, booster


def _callbacks(checkpoints: Path | None, start: int) -> list[Any]:
    """Round logging as AWS's container logs it (`[3]#011train-rmse:0.5#011validation-rmse:0.6`), and
    `xgboost-checkpoint.<round>` files after every round when checkpoints are kept."""
    xgboost = _xgboost()

    class Log(xgboost.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log) -> bool:
            parts = [f"{name}-{metric}:{values[-1]:.5f}" for name, metrics in evals_log.items()
                     for metric, values in metrics.items()]
            print(f"[{start + epoch}]#011" + "#011".join(parts), flush=True)
            return False

    class Checkpoint(xgboost.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log) -> bool:
            name = f"xgboost-checkpoint.{start + epoch}"
            partial = checkpoints / f".{name}"  # hidden until whole: never synced nor resumed from half-written
            model.save_model(str(partial))
            os.replace(partial, checkpoints / name)
            return False

    return [Log(), Checkpoint()] if checkpoints is not None else [Log()]


class Model:
    """Serving: text/csv, text/libsvm, application/json(lines), recordio-protobuf in; csv, json, jsonlines,
    recordio-protobuf out."""

    def __init__(self, booster) -> None:
        self.booster = booster

    @classmethod
    def load(cls, model_dir: Path) -> "Model":
        xgboost = _xgboost()
        path = model_dir / MODEL_FILE
        if not path.exists():
            candidates = [p for p in model_dir.rglob("*") if p.is_file()]
            if len(candidates) != 1:
                raise RuntimeError(f"{MODEL_FILE} not found in the model archive")
            path = candidates[0]
        booster = xgboost.Booster()
        booster.load_model(str(path))
        return cls(booster)

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        xgboost = _xgboost()
        features = serving.features(body, content_type or formats.CSV, self.booster.num_features())
        scores = self.booster.predict(xgboost.DMatrix(features))
        media = formats.parse_content_type(accept or formats.CSV)[0]
        if media in (formats.CSV, "*/*", ""):  # one line per record, the class probabilities of multi:softprob
            rows = scores.reshape(len(scores), -1)
            return "".join(",".join(str(float(v)) for v in row) + "\n" for row in rows).encode(), formats.CSV
        return serving.answer([{"score": score} for score in np.asarray(scores)], media, ["score"])

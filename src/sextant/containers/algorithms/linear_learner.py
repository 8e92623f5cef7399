"""Built-in Linear Learner: AWS's hyperparameters and formats over the linear learner engine."""

from __future__ import annotations

from pathlib import Path

from ...engines.algorithms import LinearLearner
from ..environment import TrainingEnvironment, UserError
from . import serving
from .data import read_channel
from .hyperparameters import Param, parse

AUTO_BOOL = ("auto", "true", "false")
HYPERPARAMETERS = {
    "predictor_type": Param("choice", required=True, choices=("binary_classifier", "multiclass_classifier",
                                                               "regressor")),
    "feature_dim": Param("int", "auto", 1, auto=True), "num_classes": Param("int", None, 3, 1_000_000),
    "accuracy_top_k": Param("int", 3, 1), "balance_multiclass_weights": Param("bool", False),
    "beta_1": Param("float", "auto", 0, 1, auto=True), "beta_2": Param("float", "auto", 0, 1, auto=True),
    "bias_lr_mult": Param("float", "auto", 0, low_open=True, auto=True),
    "bias_wd_mult": Param("float", "auto", 0, auto=True),
    "binary_classifier_model_selection_criteria": Param("choice", "accuracy", choices=(
        "accuracy", "f_beta", "precision_at_target_recall", "recall_at_target_precision", "loss_function",
        "cross_entropy_loss")),
    "early_stopping_patience": Param("int", 3, 1), "early_stopping_tolerance": Param("float", 0.001, 0,
                                                                                      low_open=True),
    "epochs": Param("int", 15, 1), "f_beta": Param("float", 1.0, 0, low_open=True),
    "huber_delta": Param("float", 1.0, 0, low_open=True), "init_bias": Param("float", 0.0),
    "init_method": Param("choice", "uniform", choices=("uniform", "normal")),
    "init_scale": Param("float", 0.07, 0, low_open=True), "init_sigma": Param("float", 0.01, 0, low_open=True),
    "l1": Param("float", "auto", 0, auto=True), "learning_rate": Param("float", "auto", 0, low_open=True, auto=True),
    "loss": Param("choice", "auto", choices=("auto", "logistic", "squared_loss", "absolute_loss", "hinge_loss",
                                             "eps_insensitive_squared_loss", "eps_insensitive_absolute_loss",
                                             "quantile_loss", "huber_loss", "softmax_loss")),
    "loss_insensitivity": Param("float", 0.01, 0, low_open=True),
    "lr_scheduler_factor": Param("float", "auto", 0, 1, auto=True),
    "lr_scheduler_minimum_lr": Param("float", "auto", 0, low_open=True, auto=True),
    "lr_scheduler_step": Param("int", "auto", 1, auto=True), "margin": Param("float", 1.0, 0, low_open=True),
    "mini_batch_size": Param("int", 1000, 1), "momentum": Param("float", "auto", 0, 1, auto=True),
    "normalize_data": Param("choice", "true", choices=AUTO_BOOL),
    "normalize_label": Param("choice", "auto", choices=AUTO_BOOL),
    "num_calibration_samples": Param("int", "auto", 1, auto=True), "num_models": Param("int", "auto", 1, auto=True),
    "num_point_for_scaler": Param("int", 10000, 1),
    "optimizer": Param("choice", "auto", choices=("auto", "sgd", "adam", "rmsprop")),
    "positive_example_weight_mult": Param("float", 1.0, 0, low_open=True, auto=True),
    "quantile": Param("float", 0.5, 0, 1, low_open=True), "target_precision": Param("float", 0.8, 0, 1),
    "target_recall": Param("float", 0.8, 0, 1), "unbias_data": Param("choice", "auto", choices=AUTO_BOOL),
    "unbias_label": Param("choice", "auto", choices=AUTO_BOOL), "use_bias": Param("bool", True),
    "use_lr_scheduler": Param("bool", True), "wd": Param("float", "auto", 0, auto=True),
}
# engine metric → AWS metric name, by predictor type
METRIC_NAMES = {
    "binary_classifier": {"accuracy": "binary_classification_accuracy", "precision": "precision", "recall": "recall",
                          "f_beta": "binary_f_beta", "objective_loss": "objective_loss"},
    "multiclass_classifier": {"accuracy": "multiclass_accuracy", "top_k_accuracy": "multiclass_top_k_accuracy",
                              "macro_precision": "macro_precision", "macro_recall": "macro_recall",
                              "macro_f_beta": "macro_f_beta", "dcg": "dcg", "objective_loss": "objective_loss"},
    "regressor": {"mse": "mse", "rmse": "rmse", "absolute_loss": "absolute_loss", "objective_loss": "objective_loss"},
}
METRICS = {f"{channel}:{name}": serving.metric_regex(channel, name, "loss" if name == "objective_loss" else "score")
           for channel in ("train", "validation", "test")
           for name in sorted({n for names in METRIC_NAMES.values() for n in names.values()})}
MODEL_DIR = "model_algo-1"


def _engine_parameters(hps: dict) -> dict:
    """The engine's keyword arguments: AWS's "true"/"false"/"auto" strings made Python values."""
    skip = {"predictor_type", "feature_dim"}
    converted = {}
    for name, value in hps.items():
        if name in skip or value is None:
            continue
        converted[name] = {"true": True, "false": False}.get(value, value) if isinstance(value, str) else value
    return converted


def train(env: TrainingEnvironment) -> None:
    hps = parse(HYPERPARAMETERS, env.hyperparameters, "Linear Learner")
    predictor = hps["predictor_type"]
    if predictor == "multiclass_classifier" and not hps["num_classes"]:
        raise UserError("Missing required hyperparameter: num_classes (predictor_type multiclass_classifier)")
    if "train" not in env.channels:
        raise UserError("Linear Learner needs a 'train' channel")
    X, y = read_channel(env, "train", "application/x-recordio-protobuf")
    if hps["feature_dim"] != "auto" and hps["feature_dim"] != X.shape[1]:
        raise UserError(f"feature_dim={hps['feature_dim']} does not match the train channel's {X.shape[1]} features")
    validation = read_channel(env, "validation", "application/x-recordio-protobuf") \
        if "validation" in env.channels else None
    try:
        model = LinearLearner(predictor, **_engine_parameters(hps))
        model.fit(X, y, **({"X_val": validation[0], "y_val": validation[1]} if validation else {}))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    print(f"Trained {len(model.validation_scores_)} models; kept model {model.best_model_} "
          f"({model.selection_criterion_})", flush=True)
    names = METRIC_NAMES[predictor]
    for channel, data in (("train", (X, y)), ("validation", validation)):
        if data is not None:
            for metric, value in model.evaluate(*data).items():
                serving.quality_metric(channel, names[metric], value,
                                       "loss" if metric == "objective_loss" else "score")
    if "test" in env.channels:
        for metric, value in model.evaluate(*read_channel(env, "test", "application/x-recordio-protobuf")).items():
            serving.quality_metric("test", names[metric], value, "loss" if metric == "objective_loss" else "score")
    model.save(env.model_dir / MODEL_DIR)


class Model:
    """Serving: `predicted_label` and `score` (classifiers) or `score` (regressor)."""

    def __init__(self, engine: LinearLearner) -> None:
        self.engine = engine

    @classmethod
    def load(cls, model_dir: Path) -> "Model":
        return cls(LinearLearner.load(model_dir / MODEL_DIR))

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        X = serving.features(body, content_type, self.engine.n_features_in_)
        outputs = self.engine.predict(X)
        keys = ["score"] if self.engine.predictor_type == "regressor" else ["predicted_label", "score"]
        rows = [{key: outputs[key][i] for key in keys} for i in range(X.shape[0])]
        return serving.answer(rows, accept, keys)


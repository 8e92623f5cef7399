"""Linear learner: many linear models trained at once by mini-batch SGD, the best one kept.

The models share one weight tensor of shape (features, models × outputs), so every mini-batch
costs one matrix product forwards and one backwards for all of them. Each model has its own
learning rate, L2 and L1 strength (and, for binary classifiers with an automatic positive weight,
its own positive example weight): model 0 takes the given values, the others values drawn around
them (or over a default range for "auto"). Features, and the label of a regressor, are normalised
with statistics from a sample; the normalisation is folded into the final weights, so sparse input
is never densified. After training, the model with the best validation score (training score
without validation data) is kept, and a binary classifier's threshold is tuned on the same data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator
from sklearn.metrics import dcg_score, precision_recall_fscore_support, top_k_accuracy_score
from sklearn.utils.sparsefuncs import mean_variance_axis
from threadpoolctl import threadpool_limits

from sextant.engines.algorithms._linear_losses import Loss, make_loss
from sextant.engines.algorithms._persist import load_model, save_model
from sextant.engines.algorithms._thresholds import tune_thresholds
from sextant.engines.algorithms._validation import (
    AUTO, Matrix, check_bool, check_choice, check_features, check_float, check_int, check_target,
)

PREDICTOR_TYPES = ("binary_classifier", "multiclass_classifier", "regressor")
LOSSES = {
    "binary_classifier": ("logistic", "hinge_loss"),
    "multiclass_classifier": ("softmax_loss", "logistic", "hinge_loss"),
    "regressor": ("squared_loss", "absolute_loss", "eps_insensitive_squared_loss",
                  "eps_insensitive_absolute_loss", "quantile_loss", "huber_loss"),
}
DEFAULT_LOSS = {"binary_classifier": "logistic", "multiclass_classifier": "softmax_loss",
                "regressor": "squared_loss"}
OPTIMIZERS = ("auto", "adam", "sgd", "rmsprop")
SELECTION_CRITERIA = ("accuracy", "f_beta", "precision_at_target_recall", "recall_at_target_precision",
                      "loss_function", "cross_entropy_loss")
_THRESHOLD_CRITERIA = ("accuracy", "f_beta", "precision_at_target_recall", "recall_at_target_precision")

AUTO_NUM_MODELS = 32
# "auto" settings of the parallel models: log-uniform draws over these ranges; model 0 takes the
# geometric middle. A given value v is kept by model 0, the others draw from [v / 10, v * 10].
AUTO_LEARNING_RATE = {"adam": (1e-3, 1e-1), "rmsprop": (1e-4, 1e-2), "sgd": (1e-3, 1e-1)}
AUTO_WD = (1e-7, 1e-2)
AUTO_L1 = (1e-8, 1e-3)
SPREAD = 10.0
AUTO_BETA_1, AUTO_BETA_2, AUTO_MOMENTUM = 0.9, 0.999, 0.9
AUTO_LR_SCHEDULER_FACTOR, AUTO_LR_SCHEDULER_MINIMUM_LR = 0.9, 1e-5  # auto step: one epoch
RMSPROP_DECAY = 0.9
EPSILON = 1e-8
ONE_EPOCH = -1


@dataclass(frozen=True)
class _Resolved:
    """The settings that depend only on the parameters, with "auto" replaced by a value."""

    outputs: int
    loss: str
    optimizer: str
    num_models: int
    criterion: str
    beta_1: float
    beta_2: float
    momentum: float
    bias_lr_mult: float
    bias_wd_mult: float
    lr_scheduler_step: int
    lr_scheduler_factor: float
    lr_scheduler_minimum_lr: float


@dataclass
class _Snapshot:
    """Each model's weights (columns) and bias at its best epoch, with its error and threshold."""

    weights: np.ndarray
    bias: np.ndarray
    errors: np.ndarray
    thresholds: np.ndarray
    epochs: int


@dataclass
class _Scaler:
    """Feature and label statistics; features are used as (x - mean) / scale."""

    mean: np.ndarray
    scale: np.ndarray
    label_mean: float
    label_scale: float


class _Optimizer:
    """Adam, RMSProp or SGD with momentum, updating arrays in place, one rate per column."""

    def __init__(self, kind: str, beta_1: float, beta_2: float, momentum: float,
                 params: list[np.ndarray]) -> None:
        self.kind, self.beta_1, self.beta_2, self.momentum = kind, beta_1, beta_2, momentum
        self.first = [np.zeros_like(p) for p in params]
        self.second = [np.zeros_like(p) for p in params]
        self.steps = 0

    def step(self, params: list[np.ndarray], grads: list[np.ndarray], rates: list[np.ndarray]) -> None:
        self.steps += 1
        for param, grad, rate, first, second in zip(params, grads, rates, self.first, self.second):
            if self.kind == "adam":
                first *= self.beta_1
                first += (1.0 - self.beta_1) * grad
                second *= self.beta_2
                second += (1.0 - self.beta_2) * grad ** 2
                unbiased = np.sqrt(second / (1.0 - self.beta_2 ** self.steps))
                param -= rate * (first / (1.0 - self.beta_1 ** self.steps)) / (unbiased + EPSILON)
            elif self.kind == "rmsprop":
                second *= RMSPROP_DECAY
                second += (1.0 - RMSPROP_DECAY) * grad ** 2
                param -= rate * grad / (np.sqrt(second) + EPSILON)
            else:
                first *= self.momentum
                first -= rate * grad
                param += first


def _draw(rng: np.random.Generator, count: int, value: float | str, auto_range: tuple[float, float]) -> np.ndarray:
    """Per-model values of a setting: see AUTO_LEARNING_RATE."""
    if value == AUTO:
        low, high = auto_range
        first = math.sqrt(low * high)
    elif value == 0.0:
        return np.zeros(count)
    else:
        low, high, first = value / SPREAD, value * SPREAD, value
    values = np.exp(rng.uniform(math.log(low), math.log(high), count))
    values[0] = first
    return values


def _sample_rows(rng: np.random.Generator, n: int, size: int | str) -> np.ndarray:
    """Sorted indices of `size` random rows of `n` (all rows for "auto" or a larger size)."""
    if size == AUTO or size >= n:
        return np.arange(n)
    return np.sort(rng.choice(n, size=size, replace=False))


class LinearLearner(BaseEstimator):
    """Binary, multiclass or regression linear models, many trained in parallel, the best kept.

    Parameters mirror the linear learner's hyperparameters; "auto" lets the algorithm choose.
    `positive_example_weight_mult` also takes "balanced" (negatives / positives) and "auto" (each
    model its own weight between 1 and balanced). Only binary classifiers use
    `binary_classifier_model_selection_criteria`; the others keep the model of least loss.

    `predict` returns a dict of arrays: `score` (binary: sigmoid of the output, the probability of
    class 1 for logistic loss; multiclass: per-class probabilities, softmax of the outputs or
    normalised one-vs-rest sigmoids for logistic loss; regressor: the prediction) and, for
    classifiers, `predicted_label`. Fitted attributes: `coef_` (features × outputs) and
    `intercept_` in the original units, `threshold_` (on the binary score), `best_model_`,
    `validation_scores_` (every model's criterion value on the selection data: validation data,
    else training data; NaN for a diverged model), `selection_criterion_`, `model_settings_`
    (per-model learning_rate, wd, l1 and positive_example_weight_mult) and `epochs_trained_`.
    """

    def __init__(
        self,
        predictor_type: str,
        *,
        num_classes: int | None = None,
        num_models: int | str = AUTO,
        epochs: int = 15,
        mini_batch_size: int = 1000,
        optimizer: str = AUTO,
        learning_rate: float | str = AUTO,
        beta_1: float | str = AUTO,
        beta_2: float | str = AUTO,
        momentum: float | str = AUTO,
        wd: float | str = AUTO,
        l1: float | str = AUTO,
        use_bias: bool = True,
        bias_lr_mult: float | str = AUTO,
        bias_wd_mult: float | str = AUTO,
        init_method: str = "uniform",
        init_scale: float = 0.07,
        init_sigma: float = 0.01,
        init_bias: float = 0.0,
        use_lr_scheduler: bool = True,
        lr_scheduler_step: int | str = AUTO,
        lr_scheduler_factor: float | str = AUTO,
        lr_scheduler_minimum_lr: float | str = AUTO,
        loss: str = AUTO,
        margin: float = 1.0,
        quantile: float = 0.5,
        loss_insensitivity: float = 0.01,
        huber_delta: float = 1.0,
        positive_example_weight_mult: float | str = 1.0,
        balance_multiclass_weights: bool = False,
        normalize_data: bool | str = True,
        normalize_label: bool | str = AUTO,
        unbias_data: bool | str = AUTO,
        unbias_label: bool | str = AUTO,
        num_point_for_scaler: int = 10_000,
        early_stopping_patience: int = 3,
        early_stopping_tolerance: float = 0.001,
        binary_classifier_model_selection_criteria: str = "accuracy",
        f_beta: float = 1.0,
        target_recall: float = 0.8,
        target_precision: float = 0.8,
        num_calibration_samples: int | str = AUTO,
        accuracy_top_k: int = 3,
        seed: int = 0,
    ) -> None:
        self.predictor_type = predictor_type
        self.num_classes = num_classes
        self.num_models = num_models
        self.epochs = epochs
        self.mini_batch_size = mini_batch_size
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.momentum = momentum
        self.wd = wd
        self.l1 = l1
        self.use_bias = use_bias
        self.bias_lr_mult = bias_lr_mult
        self.bias_wd_mult = bias_wd_mult
        self.init_method = init_method
        self.init_scale = init_scale
        self.init_sigma = init_sigma
        self.init_bias = init_bias
        self.use_lr_scheduler = use_lr_scheduler
        self.lr_scheduler_step = lr_scheduler_step
        self.lr_scheduler_factor = lr_scheduler_factor
        self.lr_scheduler_minimum_lr = lr_scheduler_minimum_lr
        self.loss = loss
        self.margin = margin
        self.quantile = quantile
        self.loss_insensitivity = loss_insensitivity
        self.huber_delta = huber_delta
        self.positive_example_weight_mult = positive_example_weight_mult
        self.balance_multiclass_weights = balance_multiclass_weights
        self.normalize_data = normalize_data
        self.normalize_label = normalize_label
        self.unbias_data = unbias_data
        self.unbias_label = unbias_label
        self.num_point_for_scaler = num_point_for_scaler
        self.early_stopping_patience = early_stopping_patience
        self.early_stopping_tolerance = early_stopping_tolerance
        self.binary_classifier_model_selection_criteria = binary_classifier_model_selection_criteria
        self.f_beta = f_beta
        self.target_recall = target_recall
        self.target_precision = target_precision
        self.num_calibration_samples = num_calibration_samples
        self.accuracy_top_k = accuracy_top_k
        self.seed = seed
        self._resolve()

    # -- parameters ---------------------------------------------------------------------------

    def _resolve(self) -> _Resolved:
        """Validate every parameter (ValueError naming it) and fill in the "auto" values."""
        kind = check_choice("predictor_type", self.predictor_type, PREDICTOR_TYPES)
        outputs = 1
        if kind == "multiclass_classifier":
            if self.num_classes is None:
                raise ValueError("num_classes is required when predictor_type is multiclass_classifier")
            outputs = check_int("num_classes", self.num_classes, low=3, high=1_000_000)
        loss = check_choice("loss", self.loss, (AUTO, *LOSSES[kind]))
        optimizer = check_choice("optimizer", self.optimizer, OPTIMIZERS)
        optimizer = "adam" if optimizer == AUTO else optimizer
        num_models = check_int("num_models", self.num_models, low=1, allow_auto=True)
        criterion = check_choice("binary_classifier_model_selection_criteria",
                                 self.binary_classifier_model_selection_criteria, SELECTION_CRITERIA)
        check_int("epochs", self.epochs, low=1)
        check_int("mini_batch_size", self.mini_batch_size, low=1)
        check_float("learning_rate", self.learning_rate, low=0.0, low_open=True, allow_auto=True)
        beta_1 = check_float("beta_1", self.beta_1, low=0.0, high=1.0, high_open=True, allow_auto=True)
        beta_2 = check_float("beta_2", self.beta_2, low=0.0, high=1.0, high_open=True, allow_auto=True)
        momentum = check_float("momentum", self.momentum, low=0.0, high=1.0, high_open=True, allow_auto=True)
        check_float("wd", self.wd, low=0.0, allow_auto=True)
        check_float("l1", self.l1, low=0.0, allow_auto=True)
        check_bool("use_bias", self.use_bias)
        bias_lr_mult = check_float("bias_lr_mult", self.bias_lr_mult, low=0.0, low_open=True, allow_auto=True)
        bias_wd_mult = check_float("bias_wd_mult", self.bias_wd_mult, low=0.0, allow_auto=True)
        check_choice("init_method", self.init_method, ("uniform", "normal"))
        check_float("init_scale", self.init_scale, low=0.0, low_open=True)
        check_float("init_sigma", self.init_sigma, low=0.0, low_open=True)
        check_float("init_bias", self.init_bias)
        check_bool("use_lr_scheduler", self.use_lr_scheduler)
        step = check_int("lr_scheduler_step", self.lr_scheduler_step, low=1, allow_auto=True)
        factor = check_float("lr_scheduler_factor", self.lr_scheduler_factor, low=0.0, high=1.0,
                             low_open=True, allow_auto=True)
        minimum_lr = check_float("lr_scheduler_minimum_lr", self.lr_scheduler_minimum_lr, low=0.0,
                                 low_open=True, allow_auto=True)
        check_float("margin", self.margin, low=0.0, low_open=True)
        check_float("quantile", self.quantile, low=0.0, high=1.0, low_open=True, high_open=True)
        check_float("loss_insensitivity", self.loss_insensitivity, low=0.0, low_open=True)
        check_float("huber_delta", self.huber_delta, low=0.0, low_open=True)
        if self.positive_example_weight_mult not in (AUTO, "balanced"):
            check_float("positive_example_weight_mult", self.positive_example_weight_mult, low=0.0, low_open=True)
        check_bool("balance_multiclass_weights", self.balance_multiclass_weights)
        for name in ("normalize_data", "normalize_label", "unbias_data", "unbias_label"):
            check_bool(name, getattr(self, name), allow_auto=True)
        check_int("num_point_for_scaler", self.num_point_for_scaler, low=1)
        check_int("early_stopping_patience", self.early_stopping_patience, low=1)
        check_float("early_stopping_tolerance", self.early_stopping_tolerance, low=0.0, low_open=True)
        check_float("f_beta", self.f_beta, low=0.0, low_open=True)
        check_float("target_recall", self.target_recall, low=0.0, high=1.0)
        check_float("target_precision", self.target_precision, low=0.0, high=1.0)
        check_int("num_calibration_samples", self.num_calibration_samples, low=1, allow_auto=True)
        check_int("accuracy_top_k", self.accuracy_top_k, low=1)
        check_int("seed", self.seed, low=0)
        return _Resolved(
            outputs=outputs,
            loss=DEFAULT_LOSS[kind] if loss == AUTO else loss,
            optimizer=optimizer,
            num_models=AUTO_NUM_MODELS if num_models == AUTO else num_models,
            criterion=criterion if kind == "binary_classifier" else "loss_function",
            beta_1=AUTO_BETA_1 if beta_1 == AUTO else beta_1,
            beta_2=AUTO_BETA_2 if beta_2 == AUTO else beta_2,
            momentum=AUTO_MOMENTUM if momentum == AUTO else momentum,
            bias_lr_mult=1.0 if bias_lr_mult == AUTO else bias_lr_mult,
            bias_wd_mult=0.0 if bias_wd_mult == AUTO else bias_wd_mult,
            lr_scheduler_step=ONE_EPOCH if step == AUTO else step,
            lr_scheduler_factor=AUTO_LR_SCHEDULER_FACTOR if factor == AUTO else factor,
            lr_scheduler_minimum_lr=AUTO_LR_SCHEDULER_MINIMUM_LR if minimum_lr == AUTO else minimum_lr,
        )

    def _check_labels(self, y: Any, n_rows: int, name: str) -> np.ndarray:
        y = check_target(y, n_rows, name)
        if self.predictor_type == "binary_classifier" and not np.isin(y, (0.0, 1.0)).all():
            raise ValueError(f"{name} must hold only 0 and 1 for a binary classifier")
        if self.predictor_type == "multiclass_classifier" and not (
                (y == np.round(y)).all() and y.min() >= 0 and y.max() < self.num_classes):
            raise ValueError(f"{name} must hold class numbers 0 to num_classes - 1 ({self.num_classes - 1})")
        return y

    def _loss_function(self, loss: str, label_scale: float) -> Loss:
        """The loss; distances that are in label units are divided by the label's scale."""
        return make_loss(loss, margin=self.margin, quantile=self.quantile,
                         loss_insensitivity=self.loss_insensitivity / label_scale,
                         huber_delta=self.huber_delta / label_scale)

    # -- training -----------------------------------------------------------------------------

    def _fit_scaler(self, X: Matrix, y: np.ndarray, rng: np.random.Generator) -> _Scaler:
        """Normalisation statistics from a sample of `num_point_for_scaler` rows."""
        rows = _sample_rows(rng, X.shape[0], self.num_point_for_scaler)
        sample = X[rows]
        if isinstance(sample, np.ndarray):
            mean, variance = sample.mean(axis=0), sample.var(axis=0)
        else:
            mean, variance = mean_variance_axis(sample, axis=0)
        std = np.sqrt(variance)
        std = np.where(std > 0.0, std, 1.0)
        features = X.shape[1]
        # By default features are always scaled but only dense ones are shifted (sparse ones keep their
        # zeros). Either way the shift is applied implicitly, never by densifying X.
        shift = (self.use_bias and isinstance(X, np.ndarray)) if self.unbias_data == AUTO else self.unbias_data
        scale = self.normalize_data is not False
        regressor = self.predictor_type == "regressor"
        shift_label = regressor and (self.use_bias if self.unbias_label == AUTO else self.unbias_label)
        scale_label = regressor and self.normalize_label is not False
        label_std = float(y[rows].std()) if scale_label else 1.0
        return _Scaler(mean=mean if shift else np.zeros(features), scale=std if scale else np.ones(features),
                       label_mean=float(y[rows].mean()) if shift_label else 0.0,
                       label_scale=label_std if label_std > 0.0 else 1.0)

    def _targets(self, y: np.ndarray, outputs: int, scaler: _Scaler | None = None) -> np.ndarray:
        """Targets shaped (examples, 1, outputs) to broadcast over the models: one-hot classes,
        0/1 labels, or regression labels (normalised by `scaler` when given)."""
        if self.predictor_type == "multiclass_classifier":
            return (y[:, None] == np.arange(outputs)).astype(np.float64)[:, None, :]
        if scaler is None:
            return y[:, None, None]
        return ((y - scaler.label_mean) / scaler.label_scale)[:, None, None]

    def _weight_table(self, y: np.ndarray, num_models: int, rng: np.random.Generator) -> np.ndarray:
        """Example weights indexed by label (rows) and model (columns)."""
        if self.predictor_type == "binary_classifier":
            positives = float(y.sum())
            if positives in (0.0, float(len(y))):
                raise ValueError("y must hold both classes 0 and 1 for a binary classifier")
            balanced = (len(y) - positives) / positives
            mult = self.positive_example_weight_mult
            if mult == "balanced":
                per_model = np.full(num_models, balanced)
            elif mult == AUTO:
                per_model = _draw(rng, num_models, AUTO, (min(1.0, balanced), max(1.0, balanced)))
            else:
                per_model = np.full(num_models, float(mult))
            return np.vstack([np.ones(num_models), per_model])
        if self.predictor_type == "multiclass_classifier" and self.balance_multiclass_weights:
            counts = np.bincount(y.astype(np.int64), minlength=self.num_classes).astype(np.float64)
            weights = np.divide(len(y), self.num_classes * counts, out=np.ones_like(counts), where=counts > 0)
            return weights[:, None]
        return np.ones((self.num_classes if self.predictor_type == "multiclass_classifier" else 1, 1))

    def _raw(self, X: Matrix, weights: np.ndarray, bias: np.ndarray, scaler: _Scaler) -> np.ndarray:
        """Raw outputs of every model on normalised features, without materialising them."""
        scaled = weights / scaler.scale[:, None]
        return np.asarray(X @ scaled) + (bias - scaler.mean @ scaled)

    def _selection_errors(self, raw: np.ndarray, y: np.ndarray, resolved: _Resolved, scaler: _Scaler,
                          ) -> tuple[np.ndarray, np.ndarray]:
        """Each model's selection error (lower is better) and decision threshold on (raw, y)."""
        n, num_models = raw.shape[0], resolved.num_models
        thresholds = np.full(num_models, 0.5)
        outputs = raw.reshape(n, num_models, resolved.outputs)
        if resolved.criterion in _THRESHOLD_CRITERIA:
            values, thresholds = tune_thresholds(
                expit(outputs[..., 0]), y, resolved.criterion, beta=self.f_beta,
                target_recall=self.target_recall, target_precision=self.target_precision)
            return -values, thresholds
        loss = resolved.loss
        if resolved.criterion == "cross_entropy_loss":
            loss = "logistic"
        if self.predictor_type == "regressor":
            outputs = outputs * scaler.label_scale + scaler.label_mean
        errors, _ = self._loss_function(loss, 1.0)(outputs, self._targets(y, resolved.outputs))
        return errors.mean(axis=0), thresholds

    def fit(self, X: Any, y: Any, *, X_val: Any = None, y_val: Any = None) -> LinearLearner:
        """Train the models on (X, y) and keep the best on (X_val, y_val), or on (X, y) without them."""
        resolved = self._resolve()
        X = check_features(X)
        n, features = X.shape
        y = self._check_labels(y, n, "y")
        if (X_val is None) != (y_val is None):
            raise ValueError("X_val and y_val must be given together")
        rng = np.random.default_rng(self.seed)
        validation = None
        if X_val is not None:
            X_val = check_features(X_val, "X_val", features)
            y_val = self._check_labels(y_val, X_val.shape[0], "y_val")
            rows = _sample_rows(rng, X_val.shape[0], self.num_calibration_samples)
            validation = (X_val[rows], y_val[rows])

        scaler = self._fit_scaler(X, y, rng)
        weight_table = self._weight_table(y, resolved.num_models, rng)
        settings = {
            "learning_rate": _draw(rng, resolved.num_models, self.learning_rate,
                                   AUTO_LEARNING_RATE[resolved.optimizer]),
            "wd": _draw(rng, resolved.num_models, self.wd, AUTO_WD),
            "l1": _draw(rng, resolved.num_models, self.l1, AUTO_L1),
        }
        if self.predictor_type == "binary_classifier":
            settings["positive_example_weight_mult"] = weight_table[1].copy()
        # Mini-batch products are small: BLAS threads cost more to wake than they save (several
        # times slower on a busy 2-core machine), so training runs on one thread.
        with np.errstate(over="ignore", invalid="ignore"), threadpool_limits(limits=1, user_api="blas"):
            best = self._train(X, y, validation, resolved, scaler, weight_table, settings, rng)
            if validation is None:  # select by the criterion on (a sample of) the training data
                rows = _sample_rows(rng, n, self.num_calibration_samples)
                errors, best.thresholds = self._selection_errors(
                    self._raw(X[rows], best.weights, best.bias, scaler), y[rows], resolved, scaler)
                best.errors = np.where(np.isinf(best.errors), np.inf, errors)  # diverged from the start
        errors = np.where(np.isfinite(best.errors), best.errors, np.inf)
        if np.isinf(errors).all():
            raise ValueError("learning_rate: every model diverged; give a smaller learning_rate")

        chosen = int(np.argmin(errors))
        columns = slice(chosen * resolved.outputs, (chosen + 1) * resolved.outputs)
        coef = best.weights[:, columns] / scaler.scale[:, None]
        self.coef_ = coef * scaler.label_scale
        self.intercept_ = (best.bias[columns] - scaler.mean @ coef) * scaler.label_scale + scaler.label_mean
        self.threshold_ = float(best.thresholds[chosen])
        self.best_model_ = chosen
        self.selection_criterion_ = resolved.criterion
        maximise = resolved.criterion in _THRESHOLD_CRITERIA
        self.validation_scores_ = np.where(np.isinf(errors), np.nan, -errors if maximise else errors)
        self.model_settings_ = settings
        self.loss_ = resolved.loss
        self.epochs_trained_ = best.epochs
        self.n_features_in_ = features
        return self

    def _train(self, X: Matrix, y: np.ndarray, validation: tuple[Matrix, np.ndarray] | None, resolved: _Resolved,
               scaler: _Scaler, weight_table: np.ndarray, settings: dict[str, np.ndarray],
               rng: np.random.Generator) -> _Snapshot:
        """Run the epochs for all models at once; each model's weights at its best epoch.

        The epoch score is the selection error on the validation data, or the training loss
        without it; training stops when the best model has not improved for
        `early_stopping_patience` epochs.
        """
        n, features = X.shape
        num_models, outputs = resolved.num_models, resolved.outputs
        columns = num_models * outputs
        loss = self._loss_function(resolved.loss, scaler.label_scale)
        label_index = np.zeros(n, np.int64) if self.predictor_type == "regressor" else y.astype(np.int64)
        rate, wd, l1 = (np.repeat(settings[name], outputs) for name in ("learning_rate", "wd", "l1"))
        floor = np.minimum(resolved.lr_scheduler_minimum_lr, rate)
        schedule_step = resolved.lr_scheduler_step
        if schedule_step == ONE_EPOCH:
            schedule_step = math.ceil(n / self.mini_batch_size)
        if self.init_method == "uniform":
            weights = rng.uniform(-self.init_scale, self.init_scale, (features, columns))
        else:
            weights = rng.normal(0.0, self.init_sigma, (features, columns))
        bias = np.full(columns, float(self.init_bias) if self.use_bias else 0.0)
        bias_rate_mult = resolved.bias_lr_mult if self.use_bias else 0.0
        optimizer = _Optimizer(resolved.optimizer, resolved.beta_1, resolved.beta_2, resolved.momentum,
                               [weights, bias])
        best = _Snapshot(weights.copy(), bias.copy(), np.full(num_models, np.inf), np.full(num_models, 0.5), 0)
        best_overall, waited, step = np.inf, 0, 0
        for epoch in range(1, self.epochs + 1):
            best.epochs = epoch
            order = rng.permutation(n)
            epoch_loss = np.zeros(num_models)
            for start in range(0, n, self.mini_batch_size):
                rows = order[start:start + self.mini_batch_size]
                batch = X[rows]
                raw = self._raw(batch, weights, bias, scaler).reshape(len(rows), num_models, outputs)
                example_loss, grad = loss(raw, self._targets(y[rows], outputs, scaler))
                example_weight = weight_table[label_index[rows]]
                epoch_loss += (example_weight * example_loss).sum(axis=0)
                grad = (grad * example_weight[..., None]).reshape(len(rows), columns) / len(rows)
                grad_sum = grad.sum(axis=0)
                # Gradient through the normalisation (x - mean) / scale, with x left as it is.
                grad_weights = (np.asarray(batch.T @ grad) - np.outer(scaler.mean, grad_sum)) / scaler.scale[:, None]
                grad_weights += wd * weights + l1 * np.sign(weights)
                grad_bias = grad_sum + resolved.bias_wd_mult * wd * bias
                decay = resolved.lr_scheduler_factor ** (step // schedule_step) if self.use_lr_scheduler else 1.0
                step_rate = np.maximum(rate * decay, floor)
                optimizer.step([weights, bias], [grad_weights, grad_bias], [step_rate, step_rate * bias_rate_mult])
                step += 1

            if validation is None:
                errors, thresholds = epoch_loss / n, best.thresholds
            else:
                errors, thresholds = self._selection_errors(
                    self._raw(validation[0], weights, bias, scaler), validation[1], resolved, scaler)
            errors = np.where(np.isfinite(errors), errors, np.inf)  # a diverged model never improves
            improved = errors < best.errors
            best.errors[improved], best.thresholds[improved] = errors[improved], thresholds[improved]
            improved_columns = np.repeat(improved, outputs)
            best.weights[:, improved_columns] = weights[:, improved_columns]
            best.bias[improved_columns] = bias[improved_columns]

            current = errors.min()
            if np.isfinite(current) and (np.isinf(best_overall) or best_overall - current
                                         > self.early_stopping_tolerance * abs(best_overall)):
                best_overall, waited = current, 0
            else:
                waited += 1
                if waited >= self.early_stopping_patience:
                    break
        return best

    # -- inference ----------------------------------------------------------------------------

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise ValueError("model: call fit (or load) before predicting")

    def decision_function(self, X: Any) -> np.ndarray:
        """Raw linear outputs, shape (rows, outputs): logits for classifiers, predictions for a regressor."""
        self._check_fitted()
        X = check_features(X, n_features=self.n_features_in_)
        return np.asarray(X @ self.coef_) + self.intercept_

    def predict(self, X: Any) -> dict[str, np.ndarray]:
        """`score` and, for classifiers, `predicted_label` for each row of X."""
        return self._outputs(self.decision_function(X))

    def _outputs(self, raw: np.ndarray) -> dict[str, np.ndarray]:
        if self.predictor_type == "regressor":
            return {"score": raw[:, 0]}
        if self.predictor_type == "binary_classifier":
            score = expit(raw[:, 0])
            return {"predicted_label": (score >= self.threshold_).astype(np.int64), "score": score}
        if self.loss_ == "logistic":
            probability = expit(raw)
            score = probability / probability.sum(axis=1, keepdims=True)
        else:
            score = softmax(raw, axis=1)
        return {"predicted_label": np.argmax(raw, axis=1), "score": score}

    def evaluate(self, X: Any, y: Any) -> dict[str, float]:
        """The metrics of the fitted model on (X, y), by predictor type.

        binary: accuracy, precision, recall, f_beta, objective_loss; multiclass: accuracy,
        top_k_accuracy (k = accuracy_top_k), macro_precision, macro_recall, macro_f_beta, dcg,
        objective_loss; regressor: mse, rmse, absolute_loss, objective_loss.
        """
        raw = self.decision_function(X)
        y = self._check_labels(y, raw.shape[0], "y")
        outputs = raw.shape[1]
        targets = self._targets(y, outputs)
        objective, _ = self._loss_function(self.loss_, 1.0)(raw[:, None, :], targets)
        if self.predictor_type == "regressor":
            residual = raw[:, 0] - y
            mse = float(np.mean(residual ** 2))
            return {"mse": mse, "rmse": math.sqrt(mse), "absolute_loss": float(np.mean(np.abs(residual))),
                    "objective_loss": float(objective.mean())}
        prediction = self._outputs(raw)
        labels, predicted = y.astype(np.int64), prediction["predicted_label"]
        metrics = {"accuracy": float(np.mean(predicted == labels)), "objective_loss": float(objective.mean())}
        if self.predictor_type == "binary_classifier":
            precision, recall, f_beta, _ = precision_recall_fscore_support(
                labels, predicted, beta=self.f_beta, average="binary", zero_division=0)
            return {**metrics, "precision": float(precision), "recall": float(recall), "f_beta": float(f_beta)}
        classes = np.arange(outputs)
        precision, recall, f_beta, _ = precision_recall_fscore_support(
            labels, predicted, labels=classes, beta=self.f_beta, average="macro", zero_division=0)
        top_k = 1.0 if self.accuracy_top_k >= outputs else top_k_accuracy_score(
            labels, prediction["score"], k=self.accuracy_top_k, labels=classes)
        return {**metrics, "top_k_accuracy": float(top_k), "macro_precision": float(precision),
                "macro_recall": float(recall), "macro_f_beta": float(f_beta),
                "dcg": float(dcg_score(targets[:, 0, :], prediction["score"]))}

    # -- persistence --------------------------------------------------------------------------

    def save(self, path: str | Path) -> None:
        """Write the fitted model to the directory `path` (JSON and .npz, no pickle)."""
        self._check_fitted()
        attributes = {"threshold": self.threshold_, "best_model": self.best_model_, "loss": self.loss_,
                      "selection_criterion": self.selection_criterion_, "epochs_trained": self.epochs_trained_,
                      "n_features_in": self.n_features_in_}
        arrays = {"coef": self.coef_, "intercept": self.intercept_, "validation_scores": self.validation_scores_,
                  **{f"setting_{name}": values for name, values in self.model_settings_.items()}}
        save_model(path, "linear_learner", self.get_params(), attributes, arrays)

    @classmethod
    def load(cls, path: str | Path) -> LinearLearner:
        """A fitted model read back from `save`'s directory."""
        model, attributes, arrays = load_model(path, "linear_learner", cls)
        model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
        model.validation_scores_ = arrays["validation_scores"]
        model.model_settings_ = {name.removeprefix("setting_"): values for name, values in arrays.items()
                                 if name.startswith("setting_")}
        model.threshold_ = attributes["threshold"]
        model.best_model_ = attributes["best_model"]
        model.loss_ = attributes["loss"]
        model.selection_criterion_ = attributes["selection_criterion"]
        model.epochs_trained_ = attributes["epochs_trained"]
        model.n_features_in_ = attributes["n_features_in"]
        return model

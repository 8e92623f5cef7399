"""Loss functions of the linear learner, vectorised over examples, models and outputs.

A loss takes raw outputs `f` of shape (examples, models, outputs) and targets `y` that
broadcast against it, and returns the per-example loss of each model (summed over outputs,
shape (examples, models)) with its gradient with respect to `f`. Classification targets are 0/1
(one-hot for several classes, one-vs-rest for logistic and hinge); regression targets are values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import expit, logsumexp

Loss = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
Pointwise = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def _logistic(f: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (np.logaddexp(0.0, f) - y * f).sum(-1), expit(f) - y


def _softmax(f: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    log_norm = logsumexp(f, axis=-1, keepdims=True)
    return log_norm[..., 0] - (y * f).sum(-1), np.exp(f - log_norm) - y


def _residual_losses(quantile: float, loss_insensitivity: float, huber_delta: float) -> dict[str, Pointwise]:
    """Regression losses as functions of the residual r = prediction - label."""

    def squared(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return r ** 2, 2.0 * r

    def absolute(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.abs(r), np.sign(r)

    def eps_squared(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        excess = np.maximum(np.abs(r) - loss_insensitivity, 0.0)
        return excess ** 2, 2.0 * excess * np.sign(r)

    def eps_absolute(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        excess = np.maximum(np.abs(r) - loss_insensitivity, 0.0)
        return excess, np.sign(r) * (excess > 0.0)

    def pinball(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return np.maximum(-quantile * r, (1.0 - quantile) * r), np.where(r < 0.0, -quantile, 1.0 - quantile)

    def huber(r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        size = np.abs(r)
        loss = np.where(size <= huber_delta, 0.5 * r ** 2, huber_delta * (size - 0.5 * huber_delta))
        return loss, np.clip(r, -huber_delta, huber_delta)

    return {"squared_loss": squared, "absolute_loss": absolute, "eps_insensitive_squared_loss": eps_squared,
            "eps_insensitive_absolute_loss": eps_absolute, "quantile_loss": pinball, "huber_loss": huber}


def make_loss(name: str, *, margin: float, quantile: float, loss_insensitivity: float,
              huber_delta: float) -> Loss:
    """The loss called `name`, with its parameters bound."""
    if name == "logistic":
        return _logistic
    if name == "softmax_loss":
        return _softmax
    if name == "hinge_loss":
        def hinge(f: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            sign = 2.0 * y - 1.0
            violation = margin - sign * f
            return np.maximum(violation, 0.0).sum(-1), -sign * (violation > 0.0)
        return hinge
    of_residual = _residual_losses(quantile, loss_insensitivity, huber_delta)[name]

    def regression(f: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        loss, grad = of_residual(f - y)
        return loss.sum(-1), grad
    return regression

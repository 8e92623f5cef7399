"""Tuning a binary classifier's decision threshold for a metric, for many models at once."""

from __future__ import annotations

import numpy as np


def tune_thresholds(scores: np.ndarray, labels: np.ndarray, criterion: str, *, beta: float,
                    target_recall: float, target_precision: float) -> tuple[np.ndarray, np.ndarray]:
    """The best value of `criterion` each model reaches, and the score threshold reaching it.

    `scores` has one column per model; an example is predicted positive when its score is at or
    above the threshold. Thresholds sit halfway between consecutive distinct scores. The criteria:
    `accuracy`, `f_beta`, `precision_at_target_recall` (best precision among thresholds whose
    recall reaches the target) and `recall_at_target_precision` (the converse). When no
    threshold reaches a target the value is 0 and the threshold is the one closest to it.
    """
    n, num_models = scores.shape
    order = np.argsort(-scores, axis=0, kind="stable")
    ranked = np.take_along_axis(scores, order, axis=0)
    # Row i of the cumulative counts is the cut that predicts the top i examples positive.
    true_pos = np.vstack([np.zeros((1, num_models)), np.cumsum(labels[order], axis=0)])
    predicted = np.arange(n + 1, dtype=np.float64)[:, None]
    false_pos = predicted - true_pos
    positives = float(labels.sum())
    negatives = n - positives

    recall = true_pos / max(positives, 1.0)
    precision = np.divide(true_pos, predicted, out=np.zeros_like(true_pos), where=predicted > 0)
    if criterion == "accuracy":
        objective = (true_pos + negatives - false_pos) / n
    elif criterion == "f_beta":
        weighted = (1.0 + beta ** 2) * true_pos
        denominator = weighted + beta ** 2 * (positives - true_pos) + false_pos
        objective = np.divide(weighted, denominator, out=np.zeros_like(weighted), where=denominator > 0)
    elif criterion == "precision_at_target_recall":
        objective = np.where(recall >= target_recall, precision, recall - 1.0)
    else:  # recall_at_target_precision
        objective = np.where(precision >= target_precision, recall, precision - 1.0)

    # A cut between two equal scores cannot be realised by a threshold.
    realisable = np.ones((n + 1, num_models), dtype=bool)
    realisable[1:n] = ranked[:-1] > ranked[1:]
    objective = np.where(realisable, objective, -np.inf)
    best = np.argmax(objective, axis=0)
    columns = np.arange(num_models)
    values = np.maximum(objective[best, columns], 0.0)

    upper = np.vstack([np.nextafter(ranked[:1], np.inf), ranked])[best, columns]  # lowest positive score
    lower = np.vstack([ranked, ranked[-1:]])[best, columns]  # highest negative score
    middle = 0.5 * (upper + lower)
    thresholds = np.where((middle > lower) | (best == n), middle, upper)
    return values, thresholds

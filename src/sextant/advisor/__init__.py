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


def advise(problem: str) -> dict[str, Any]:
    """Ranked recommendations for a problem, as a JSON-ready dict."""
    return advisor().advise(problem).as_dict()

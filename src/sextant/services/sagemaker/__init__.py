"""Amazon SageMaker: training jobs, models, endpoints and batch transform on the local platform."""

from __future__ import annotations

from ...platform import Platform
from .training import create_training_job, describe_training_job, list_training_jobs, stop_training_job
from .training import fail_interrupted as _fail_interrupted_training

__all__ = ["create_training_job", "describe_training_job", "list_training_jobs", "stop_training_job"]


def on_startup(platform: Platform) -> None:
    """Pick up after a restart: interrupted jobs end Failed."""
    _fail_interrupted_training(platform)

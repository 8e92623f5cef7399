"""Amazon SageMaker: training jobs, models, endpoints and batch transform on the local platform."""

from __future__ import annotations

from ...platform import Platform
from .hosting import (create_endpoint, create_endpoint_config, create_model, delete_endpoint,
                      delete_endpoint_config, delete_model, describe_endpoint, describe_endpoint_config,
                      describe_model, list_endpoint_configs, list_endpoints, list_models, redeploy,
                      update_endpoint, update_endpoint_weights_and_capacities)
from .transform import (create_transform_job, describe_transform_job, list_transform_jobs,
                        stop_transform_job)
from .transform import fail_interrupted as fail_interrupted_transforms
from .training import (create_training_job, describe_training_job, fail_interrupted, list_training_jobs,
                       stop_training_job)

__all__ = ["create_training_job", "describe_training_job", "list_training_jobs", "stop_training_job",
           "create_model", "describe_model", "delete_model", "list_models", "create_endpoint_config",
           "describe_endpoint_config", "delete_endpoint_config", "list_endpoint_configs", "create_endpoint",
           "describe_endpoint", "list_endpoints", "update_endpoint", "update_endpoint_weights_and_capacities",
           "delete_endpoint", "create_transform_job", "describe_transform_job", "list_transform_jobs",
           "stop_transform_job"]


def on_startup(platform: Platform) -> None:
    """Pick up after a restart: interrupted jobs end Failed, endpoints come back."""
    fail_interrupted(platform)
    fail_interrupted_transforms(platform)
    redeploy(platform)

"""The AWS services Sextant answers for, and their botocore service models.

Models are read from the botocore installed with Sextant, so request parsing, validation
and response serialization follow exactly what AWS's own clients send and expect.
"""

from __future__ import annotations

import importlib
from functools import cached_property
from types import ModuleType

import botocore.session
from botocore import xform_name
from botocore.model import OperationModel, ServiceModel

# Every AWS API in Sextant's scope (the ML stack plus what ML workflows call along the way).
# A service here without a package in `sextant.services` answers NotImplemented, naming the call.
SERVICE_NAMES: tuple[str, ...] = (
    "s3", "sts", "iam", "logs", "cloudwatch",
    "sagemaker", "sagemaker-runtime", "sagemaker-featurestore-runtime", "sagemaker-a2i-runtime",
    "sagemaker-metrics", "comprehend", "comprehendmedical", "translate", "polly", "transcribe",
    "rekognition", "textract", "kendra", "kendra-ranking", "lexv2-models", "lexv2-runtime",
    "personalize", "personalize-runtime", "personalize-events", "forecast", "forecastquery",
    "frauddetector", "bedrock", "bedrock-runtime", "bedrock-agent", "bedrock-agent-runtime",
    "codeguru-reviewer", "codeguruprofiler", "lookoutequipment", "lookoutmetrics", "panorama",
    "connect", "healthlake",
)


class Service:
    """One AWS API: its botocore model and, if Sextant implements it, its handler module."""

    def __init__(self, name: str, model: ServiceModel) -> None:
        self.name = name
        self.model = model
        self.protocol = model.protocol
        self.signing_name = model.signing_name
        self.target_prefix: str | None = model.metadata.get("targetPrefix")

    @cached_property
    def handlers(self) -> ModuleType | None:
        """The `sextant.services.<name>` package, or None when no operation is implemented."""
        try:
            return importlib.import_module(f"sextant.services.{self.name.replace('-', '_')}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith("sextant.services"):
                return None
            raise

    @cached_property
    def operations(self) -> dict[str, OperationModel]:
        return {name: self.model.operation_model(name) for name in self.model.operation_names}

    def handler(self, operation: str):
        """The function implementing `operation` (named in snake_case in the service package), or None."""
        module = self.handlers
        return None if module is None else getattr(module, xform_name(operation), None)

    @cached_property
    def implemented(self) -> tuple[str, ...]:
        """The operations Sextant implements (handler modules do not change while the server runs)."""
        return tuple(op for op in self.model.operation_names if self.handler(op) is not None)


class Catalog:
    """All served services, indexed the ways AWS clients address them."""

    def __init__(self, names: tuple[str, ...] = SERVICE_NAMES) -> None:
        session = botocore.session.get_session()
        available = set(session.get_available_services())
        self.services: dict[str, Service] = {}
        for name in names:
            if name in available:
                self.services[name] = Service(name, session.get_service_model(name))
        self.by_target_prefix: dict[str, Service] = {}
        self.by_signing_name: dict[str, list[Service]] = {}
        for service in self.services.values():
            if service.target_prefix:
                self.by_target_prefix.setdefault(service.target_prefix, service)
            self.by_signing_name.setdefault(service.signing_name, []).append(service)

    def __getitem__(self, name: str) -> Service:
        return self.services[name]

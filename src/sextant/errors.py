"""The one exception every layer raises to answer a request with an AWS error.

It lives below all layers so that storage, platform and services raise the same thing the
wire layer serializes."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """An AWS error response.

    `code` is AWS's error code (`ValidationException`, `NoSuchKey`, …). `status` is the HTTP
    status; when None the serializer takes it from the service model's error shape, else 400.
    `fields` are extra members of the error shape (S3's `Key`, `BucketName`, …).
    """

    def __init__(self, code: str, message: str, status: int | None = None, sender_fault: bool = True,
                 **fields: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.sender_fault = sender_fault
        self.fields = fields

    def __repr__(self) -> str:
        return f"ServiceError({self.code!r}, {self.message!r}, status={self.status})"


def not_implemented(service: str, operation: str) -> ServiceError:
    """The answer for an operation that exists in AWS but that Sextant does not implement (yet)."""
    return ServiceError(
        "NotImplemented",
        f"Sextant does not implement {service}:{operation} yet. "
        "The operation exists in AWS; see `sextant status` for what is served.",
        status=501,
        sender_fault=False,
    )

"""The request and response as the wire layer sees them, independent of the ASGI server."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import BinaryIO, Iterable
from urllib.parse import parse_qs


@dataclass
class HttpRequest:
    """One HTTP request. `path` and `query_string` are raw (still percent-encoded)."""

    method: str
    path: str
    query_string: str
    raw_headers: list[tuple[str, str]]
    body: bytes = b""
    stream: BinaryIO | None = None  # set instead of `body` for streaming payloads

    @cached_property
    def headers(self) -> dict[str, str]:
        """Headers by lower-case name; repeated headers joined with ','."""
        merged: dict[str, str] = {}
        for name, value in self.raw_headers:
            key = name.lower()
            merged[key] = f"{merged[key]},{value}" if key in merged else value
        return merged

    @cached_property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(self.query_string, keep_blank_values=True) if self.query_string else {}

    @property
    def host(self) -> str:
        return self.headers.get("host", "")


@dataclass
class HttpResponse:
    """`body` is bytes, or an iterable of byte chunks / a binary file for streamed payloads."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | Iterable[bytes] | BinaryIO = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)

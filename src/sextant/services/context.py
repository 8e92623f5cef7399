"""What a handler knows about the request it answers, besides its parameters."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import Settings
from ..platform import Platform
from ..store import Store


@dataclass
class Context:
    account: str
    region: str
    request_id: str
    service: str
    operation: str
    store: Store
    platform: Platform
    settings: Settings
    headers: dict[str, str]
    base_url: str
    access_key: str | None = None
    trailers: dict[str, str] = field(default_factory=dict)  # aws-chunked trailers, filled as the body is read
    status: int | None = None  # overrides the operation's HTTP status (S3's 206 Partial Content)

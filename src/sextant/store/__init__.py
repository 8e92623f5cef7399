"""Storage: resource metadata (SQLAlchemy) and objects (local files or any S3 endpoint)."""

from __future__ import annotations

from ..config import Settings
from .db import Resource, Resources, connect
from .events import LogEvents
from .objects import LocalObjectStore, ObjectAttributes, ObjectInfo

__all__ = ["Store", "Resource", "Resources", "ObjectAttributes", "ObjectInfo"]


class Store:
    """Everything Sextant keeps: opened once per server from its settings."""

    def __init__(self, settings: Settings) -> None:
        self.engine = connect(settings.database_url, settings.home)
        self.resources = Resources(self.engine)
        self.log_events = LogEvents(self.engine)
        if settings.s3_endpoint:
            from .remote import RemoteObjectStore

            self.objects = RemoteObjectStore(settings)
        else:
            self.objects = LocalObjectStore(settings.home / "objects", self.engine, self.resources)

    def describe(self) -> dict[str, object]:
        return {"metadata": self.engine.dialect.name, "objects": self.objects.describe()}

    def close(self) -> None:
        self.engine.dispose()

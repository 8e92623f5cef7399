"""Metadata: SQLAlchemy over SQLite (a file in SEXTANT_HOME) or PostgreSQL (SEXTANT_DATABASE_URL)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (BigInteger, Column, Double, Index, Integer, MetaData, String, Table, Text,
                        UniqueConstraint, bindparam, create_engine, delete, event, insert, select, update)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

# S3 lists keys in UTF-8 byte order: SQLite's default BINARY collation is that; PostgreSQL needs "C".
Key = String(1024).with_variant(String(1024, collation="C"), "postgresql")

resources = Table(
    "resources", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("type", String(64), nullable=False),
    Column("name", Key, nullable=False),
    Column("arn", String(2048), nullable=False, unique=True),
    Column("status", String(64)),
    Column("created_at", Double, nullable=False),
    Column("updated_at", Double, nullable=False),
    Column("document", Text, nullable=False),
    UniqueConstraint("account", "region", "type", "name"),
    Index("ix_resources_type_name", "type", "name"),
)

objects = Table(
    "s3_objects", metadata,
    Column("bucket", String(63), primary_key=True),
    Column("key", Key, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(80), nullable=False),
    Column("last_modified", Double, nullable=False),
    Column("blob", String(255), nullable=False),
    Column("attributes", Text, nullable=False),
)

uploads = Table(
    "s3_uploads", metadata,
    Column("upload_id", String(64), primary_key=True),
    Column("bucket", String(63), nullable=False),
    Column("key", Key, nullable=False),
    Column("initiated", Double, nullable=False),
    Column("attributes", Text, nullable=False),
    Index("ix_uploads_bucket_key", "bucket", "key"),
)

parts = Table(
    "s3_parts", metadata,
    Column("upload_id", String(64), primary_key=True),
    Column("part_number", Integer, primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("etag", String(80), nullable=False),
    Column("last_modified", Double, nullable=False),
    Column("blob", String(255), nullable=False),
    Column("checksums", Text, nullable=False),
)


log_events = Table(
    "log_events", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("account", String(12), nullable=False),
    Column("region", String(32), nullable=False),
    Column("log_group", String(512), nullable=False),
    Column("log_stream", String(512), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("ingestion_time", BigInteger, nullable=False),
    Column("message", Text, nullable=False),
    Index("ix_log_events_stream", "account", "region", "log_group", "log_stream", "timestamp"),
)


# Statements of the hot paths, built once (building a statement costs more than running it on SQLite).
_GET = select(resources).where(resources.c.account == bindparam("account"), resources.c.region == bindparam("region"),
                               resources.c.type == bindparam("type"), resources.c.name == bindparam("name"))
_FIND = select(resources).where(resources.c.type == bindparam("type"), resources.c.name == bindparam("name"))
_INSERT = insert(resources)


@lru_cache(maxsize=None)
def _list_statement(columns: tuple[str, ...]):
    """SELECT of the resources matching the given columns, oldest first (one statement per column set)."""
    query = select(resources).where(*(resources.c[name] == bindparam(name) for name in columns))
    return query.order_by(resources.c.created_at, resources.c.id)


def connect(url: str | None, home: Path) -> Engine:
    """An engine on `url`, or on `home/sextant.db` (SQLite, WAL) when no URL is given; tables created."""
    if url is None:
        home.mkdir(parents=True, exist_ok=True)
        engine = create_engine(f"sqlite:///{home / 'sextant.db'}", pool_size=32, max_overflow=32,
                               connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()
    else:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    metadata.create_all(engine)
    return engine


def now() -> float:
    return time.time()


def to_datetime(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


class AlreadyExists(Exception):
    """A resource with the same account, region, type and name (or ARN) exists."""


@dataclass
class Resource:
    """One AWS resource: identity, status, timestamps and its Describe* document."""

    account: str
    region: str
    type: str
    name: str
    arn: str
    status: str | None = None
    document: dict[str, Any] = field(default_factory=dict)
    created_at: float = field(default_factory=now)
    updated_at: float = field(default_factory=now)

    @classmethod
    def _from_row(cls, row: Any) -> "Resource":
        return cls(row.account, row.region, row.type, row.name, row.arn, row.status,
                   json.loads(row.document), row.created_at, row.updated_at)


class Resources:
    """The one generic way every service stores its resources."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def create(self, resource: Resource) -> Resource:
        """Insert a new resource; AlreadyExists when its name or ARN is taken."""
        try:
            with self.engine.begin() as connection:
                connection.execute(_INSERT, dict(
                    account=resource.account, region=resource.region, type=resource.type, name=resource.name,
                    arn=resource.arn, status=resource.status, created_at=resource.created_at,
                    updated_at=resource.updated_at, document=json.dumps(resource.document, default=str)))
        except IntegrityError:
            raise AlreadyExists(resource.arn) from None
        return resource

    def get(self, account: str, region: str, type: str, name: str) -> Resource | None:
        with self.engine.connect() as connection:
            row = connection.execute(_GET, dict(account=account, region=region, type=type, name=name)).first()
        return Resource._from_row(row) if row else None

    def find(self, type: str, name: str) -> Resource | None:
        """A resource by type and name in any account and region (for globally unique names)."""
        with self.engine.connect() as connection:
            row = connection.execute(_FIND, dict(type=type, name=name)).first()
        return Resource._from_row(row) if row else None

    def list(self, type: str, account: str | None = None, region: str | None = None,
             status: str | None = None) -> list[Resource]:
        """Resources of a type (optionally of one account/region/status), oldest first."""
        filters = {"type": type, "account": account, "region": region, "status": status}
        filters = {name: value for name, value in filters.items() if value is not None}
        with self.engine.connect() as connection:
            rows = connection.execute(_list_statement(tuple(filters)), filters).all()
        return [Resource._from_row(row) for row in rows]

    def save(self, resource: Resource) -> Resource:
        """Write back a resource's status and document (updating `updated_at`)."""
        resource.updated_at = now()
        with self.engine.begin() as connection:
            connection.execute(update(resources).where(resources.c.arn == resource.arn).values(
                status=resource.status, updated_at=resource.updated_at,
                document=json.dumps(resource.document, default=str)))
        return resource

    def delete(self, resource: Resource) -> bool:
        with self.engine.begin() as connection:
            return connection.execute(delete(resources).where(resources.c.arn == resource.arn)).rowcount > 0

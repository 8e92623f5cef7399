"""Log events (CloudWatch Logs data): appended by services and jobs, read back in order."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.engine import Engine

from .db import log_events


@dataclass
class LogEvent:
    id: int
    log_stream: str
    timestamp: int  # milliseconds since the epoch
    ingestion_time: int
    message: str


@dataclass
class StreamStats:
    first_timestamp: int | None
    last_timestamp: int | None
    last_ingestion: int | None
    stored_bytes: int


class LogEvents:
    """Events of log streams, keyed by account, region, group and stream."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def append(self, account: str, region: str, group: str, stream: str,
               events: Iterable[tuple[int, str]]) -> int:
        """Store (timestamp ms, message) events; returns how many were stored."""
        ingested = int(time.time() * 1000)
        rows = [dict(account=account, region=region, log_group=group, log_stream=stream, timestamp=timestamp,
                     ingestion_time=ingested, message=message) for timestamp, message in events]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(insert(log_events), rows)
        return len(rows)

    def _scope(self, account: str, region: str, group: str, streams: list[str] | None = None,
               stream_prefix: str | None = None):
        clauses = [log_events.c.account == account, log_events.c.region == region, log_events.c.log_group == group]
        if streams is not None:
            clauses.append(log_events.c.log_stream.in_(streams))
        if stream_prefix:
            clauses.append(log_events.c.log_stream.startswith(stream_prefix, autoescape=True))
        return clauses

    def read(self, account: str, region: str, group: str, streams: list[str] | None = None, *,
             stream_prefix: str | None = None, start: int | None = None, end: int | None = None,
             after_id: int | None = None, before_id: int | None = None, limit: int = 10000,
             newest: bool = False, contains: list[str] | None = None) -> list[LogEvent]:
        """Events in the order they were stored (chronological: PutLogEvents batches must be, and
        batches append); `newest` takes the last `limit` of them, still returned oldest first."""
        clauses = self._scope(account, region, group, streams, stream_prefix)
        if start is not None:
            clauses.append(log_events.c.timestamp >= start)
        if end is not None:
            clauses.append(log_events.c.timestamp < end)
        if after_id is not None:
            clauses.append(log_events.c.id > after_id)
        if before_id is not None:
            clauses.append(log_events.c.id < before_id)
        for term in contains or ():
            clauses.append(log_events.c.message.contains(term, autoescape=True))
        order = log_events.c.id.desc() if newest else log_events.c.id
        query = select(log_events).where(and_(*clauses)).order_by(order).limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        events = [LogEvent(r.id, r.log_stream, r.timestamp, r.ingestion_time, r.message) for r in rows]
        return events[::-1] if newest else events

    def stats(self, account: str, region: str, group: str) -> dict[str, StreamStats]:
        """Per-stream first/last event times and stored bytes."""
        query = select(log_events.c.log_stream, func.min(log_events.c.timestamp), func.max(log_events.c.timestamp),
                       func.max(log_events.c.ingestion_time), func.sum(func.length(log_events.c.message))
                       ).where(and_(*self._scope(account, region, group))).group_by(log_events.c.log_stream)
        with self.engine.connect() as connection:
            return {row[0]: StreamStats(row[1], row[2], row[3], int(row[4] or 0))
                    for row in connection.execute(query)}

    def delete(self, account: str, region: str, group: str, stream: str | None = None) -> None:
        clauses = self._scope(account, region, group, [stream] if stream is not None else None)
        with self.engine.begin() as connection:
            connection.execute(delete(log_events).where(and_(*clauses)))

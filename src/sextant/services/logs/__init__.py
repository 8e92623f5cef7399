"""Amazon CloudWatch Logs: log groups, streams and events (training jobs write theirs here)."""

from __future__ import annotations

import shlex
from typing import Any

from ...errors import ServiceError
from ...store import Resource, Store
from ...store.db import AlreadyExists
from ...store.events import LogEvent
from ..context import Context
from ..paging import page

GROUP, STREAM = "logs:log-group", "logs:log-stream"
MAX_BATCH_EVENTS = 10_000
MAX_BATCH_BYTES = 1_048_576


def _group_arn(context: Context, group: str) -> str:
    return f"arn:aws:logs:{context.region}:{context.account}:log-group:{group}"


def _group(context: Context, name: str | None) -> Resource:
    if not name:
        raise ServiceError("InvalidParameterException", "Either logGroupName or logGroupIdentifier is required")
    name = name.rsplit(":log-group:", 1)[-1].removesuffix(":*")  # an ARN works as an identifier too
    group = context.store.resources.get(context.account, context.region, GROUP, name)
    if group is None:
        raise ServiceError("ResourceNotFoundException", "The specified log group does not exist.")
    return group


def _stream(context: Context, group: str, name: str) -> Resource:
    stream = context.store.resources.get(context.account, context.region, STREAM, f"{group}:{name}")
    if stream is None:
        raise ServiceError("ResourceNotFoundException", "The specified log stream does not exist.")
    return stream


def append_events(store: Store, account: str, region: str, group: str, stream: str,
                  events: list[tuple[int, str]]) -> None:
    """Write events to a stream, creating its group and stream as AWS services do for their own logs."""
    group_arn = f"arn:aws:logs:{region}:{account}:log-group:{group}"
    for type_, name, arn in ((GROUP, group, group_arn),
                             (STREAM, f"{group}:{stream}", f"{group_arn}:log-stream:{stream}")):
        if store.resources.get(account, region, type_, name) is None:
            try:
                store.resources.create(Resource(account, region, type_, name, arn))
            except AlreadyExists:
                pass
    store.log_events.append(account, region, group, stream, events)


def create_log_group(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    name = params["logGroupName"]
    try:
        context.store.resources.create(Resource(context.account, context.region, GROUP, name,
                                                _group_arn(context, name), document={"tags": params.get("tags", {}),
                                                "logGroupClass": params.get("logGroupClass", "STANDARD")}))
    except AlreadyExists:
        raise ServiceError("ResourceAlreadyExistsException", "The specified log group already exists") from None
    return {}


def delete_log_group(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    group = _group(context, params["logGroupName"])
    for stream in context.store.resources.list(STREAM, context.account, context.region):
        if stream.name.startswith(group.name + ":"):
            context.store.resources.delete(stream)
    context.store.log_events.delete(context.account, context.region, group.name)
    context.store.resources.delete(group)
    return {}


def describe_log_groups(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    prefix = params.get("logGroupNamePrefix") or ""
    pattern = (params.get("logGroupNamePattern") or "").lower()
    groups = sorted((g for g in context.store.resources.list(GROUP, context.account, context.region)
                     if g.name.startswith(prefix) and pattern in g.name.lower()), key=lambda g: g.name)
    chosen, token = page(groups, params.get("nextToken"), min(params.get("limit", 50), 50),
                         "InvalidParameterException")
    result: dict[str, Any] = {"logGroups": [{
        "logGroupName": g.name, "creationTime": int(g.created_at * 1000), "arn": f"{g.arn}:*",
        "logGroupArn": g.arn, "metricFilterCount": 0, "logGroupClass": g.document.get("logGroupClass", "STANDARD"),
        "storedBytes": sum(s.stored_bytes for s in context.store.log_events.stats(
            context.account, context.region, g.name).values()),
    } for g in chosen]}
    if token:
        result["nextToken"] = token
    return result


def create_log_stream(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    group = _group(context, params["logGroupName"])
    name = params["logStreamName"]
    if ":" in name or "*" in name:
        raise ServiceError("InvalidParameterException", "logStreamName must not contain ':' or '*'")
    try:
        context.store.resources.create(Resource(context.account, context.region, STREAM, f"{group.name}:{name}",
                                                f"{group.arn}:log-stream:{name}"))
    except AlreadyExists:
        raise ServiceError("ResourceAlreadyExistsException", "The specified log stream already exists") from None
    return {}


def delete_log_stream(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    group = _group(context, params["logGroupName"])
    stream = _stream(context, group.name, params["logStreamName"])
    context.store.log_events.delete(context.account, context.region, group.name, params["logStreamName"])
    context.store.resources.delete(stream)
    return {}


def describe_log_streams(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    group = _group(context, params.get("logGroupName") or params.get("logGroupIdentifier"))
    prefix = params.get("logStreamNamePrefix") or ""
    order = params.get("orderBy", "LogStreamName")
    if prefix and order == "LastEventTime":
        raise ServiceError("InvalidParameterException",
                           "Cannot order by LastEventTime with a logStreamNamePrefix.")
    stats = context.store.log_events.stats(context.account, context.region, group.name)
    streams = []
    for resource in context.store.resources.list(STREAM, context.account, context.region):
        name = resource.name[len(group.name) + 1:]
        if not resource.name.startswith(group.name + ":") or not name.startswith(prefix):
            continue
        entry: dict[str, Any] = {"logStreamName": name, "creationTime": int(resource.created_at * 1000),
                                 "arn": resource.arn, "storedBytes": 0}
        if name in stats:
            stat = stats[name]
            entry.update(firstEventTimestamp=stat.first_timestamp, lastEventTimestamp=stat.last_timestamp,
                         lastIngestionTime=stat.last_ingestion, storedBytes=stat.stored_bytes)
        streams.append(entry)
    if order == "LastEventTime":
        streams.sort(key=lambda s: (s.get("lastEventTimestamp") or 0, s["logStreamName"]))
    else:
        streams.sort(key=lambda s: s["logStreamName"])
    if params.get("descending"):
        streams.reverse()
    chosen, token = page(streams, params.get("nextToken"), min(params.get("limit", 50), 50),
                         "InvalidParameterException")
    return {"logStreams": list(chosen), **({"nextToken": token} if token else {})}


def put_log_events(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    group = _group(context, params["logGroupName"])
    _stream(context, group.name, params["logStreamName"])
    events = params["logEvents"]
    if len(events) > MAX_BATCH_EVENTS:
        raise ServiceError("InvalidParameterException", f"logEvents holds more than {MAX_BATCH_EVENTS} events")
    if sum(len(e["message"].encode()) + 26 for e in events) > MAX_BATCH_BYTES:
        raise ServiceError("InvalidParameterException", "The batch of log events exceeds 1,048,576 bytes")
    timestamps = [e["timestamp"] for e in events]
    if timestamps != sorted(timestamps):
        raise ServiceError("InvalidParameterException",
                           "Log events in a single PutLogEvents request must be in chronological order.")
    context.store.log_events.append(context.account, context.region, group.name, params["logStreamName"],
                                    ((e["timestamp"], e["message"]) for e in events))
    return {"nextSequenceToken": str(len(events))}


def _event(event: LogEvent) -> dict[str, Any]:
    return {"timestamp": event.timestamp, "message": event.message, "ingestionTime": event.ingestion_time}


def get_log_events(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    group = _group(context, params.get("logGroupName") or params.get("logGroupIdentifier"))
    stream = params["logStreamName"]
    _stream(context, group.name, stream)
    limit = min(params.get("limit", 10000), 10000)
    token = params.get("nextToken") or ""
    window = dict(start=params.get("startTime"), end=params.get("endTime"), limit=limit)
    read = context.store.log_events.read
    try:
        if token.startswith("f/"):
            events = read(context.account, context.region, group.name, [stream], after_id=int(token[2:]), **window)
        elif token.startswith("b/"):
            events = read(context.account, context.region, group.name, [stream], before_id=int(token[2:]),
                          newest=True, **window)
        elif token:
            raise ValueError(token)
        else:
            events = read(context.account, context.region, group.name, [stream],
                          newest=not params.get("startFromHead", False), **window)
    except ValueError:
        raise ServiceError("InvalidParameterException", f"The specified nextToken is invalid: {token}") from None
    if events:
        forward, backward = f"f/{events[-1].id}", f"b/{events[0].id}"
    else:  # nothing new: AWS hands back the token it was given, which ends the SDK's polling loop
        forward = token if token.startswith("f/") else "f/0"
        backward = token if token.startswith("b/") else "b/0"
    return {"events": [_event(e) for e in events], "nextForwardToken": forward, "nextBackwardToken": backward}


def filter_log_events(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    group = _group(context, params.get("logGroupName") or params.get("logGroupIdentifier"))
    try:
        terms = [t for t in shlex.split(params.get("filterPattern") or "") if t]
    except ValueError:
        raise ServiceError("InvalidParameterException", "Invalid character(s) in term of filterPattern") from None
    token = params.get("nextToken")
    try:
        after = int(token) if token else None
    except ValueError:
        raise ServiceError("InvalidParameterException", f"The specified nextToken is invalid: {token}") from None
    limit = min(params.get("limit", 10000), 10000)
    events = context.store.log_events.read(
        context.account, context.region, group.name, params.get("logStreamNames"),
        stream_prefix=params.get("logStreamNamePrefix"), start=params.get("startTime"), end=params.get("endTime"),
        after_id=after, limit=limit + 1, contains=terms)
    result: dict[str, Any] = {"events": [{**_event(e), "logStreamName": e.log_stream, "eventId": str(e.id)}
                                         for e in events[:limit]], "searchedLogStreams": []}
    if len(events) > limit:
        result["nextToken"] = str(events[limit - 1].id)
    return result

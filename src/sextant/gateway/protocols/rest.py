"""The REST binding shared by rest-json and rest-xml: URI labels, query string, headers, payload."""

from __future__ import annotations

import base64
import json
from typing import Any, Callable

from botocore.model import OperationModel, Shape

from ..messages import HttpRequest
from .shapes import ShapeError, from_text, join, to_text

BodyReader = Callable[[Shape, bytes, frozenset[str]], dict[str, Any]]
BodyWriter = Callable[[Shape, dict[str, Any], frozenset[str]], bytes]


def _header_value(member: Shape, text: str, path: str) -> Any:
    if member.type_name == "list":
        return [from_text(member.member, item.strip(), path) for item in text.split(",") if item.strip()]
    if member.serialization.get("jsonvalue"):
        try:
            return json.loads(base64.b64decode(text))
        except ValueError:
            raise ShapeError(path, "Header value is not base64-encoded JSON") from None
    if member.type_name == "timestamp":
        return from_text(member, text, path, "rfc822")
    return from_text(member, text, path)


def bind_request(op: OperationModel, request: HttpRequest, labels: dict[str, str],
                 read_body: BodyReader) -> dict[str, Any]:
    """Parameters of a REST request: members bound to the URI, query, headers and body."""
    shape = op.input_shape
    if shape is None:
        return {}
    params: dict[str, Any] = {}
    bound_query: set[str] = set()
    body_members: set[str] = set()
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        where = member.serialization.get("name", name)
        if location == "uri":
            if where in labels:
                params[name] = from_text(member, labels[where], name)
        elif location == "querystring":
            if member.type_name == "map":
                continue
            bound_query.add(where)
            values = request.query.get(where)
            if values is None:
                continue
            if member.type_name == "list":
                params[name] = [from_text(member.member, value, join(name, i + 1)) for i, value in enumerate(values)]
            else:
                params[name] = from_text(member, values[0], name)
        elif location == "header":
            text = request.headers.get(where.lower())
            if text is not None:
                params[name] = _header_value(member, text, name)
        elif location == "headers":
            prefix = where.lower()
            found = {key[len(prefix):]: value for key, value in request.headers.items() if key.startswith(prefix)}
            if found:
                params[name] = found
        elif location is None:
            body_members.add(name)
    for name, member in shape.members.items():  # a map bound to the query takes every other parameter
        if member.serialization.get("location") == "querystring" and member.type_name == "map":
            rest = {key: values for key, values in request.query.items() if key not in bound_query}
            if member.value.type_name == "list":
                params[name] = rest
            else:
                params[name] = {key: values[0] for key, values in rest.items()}
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        if member.type_name in ("blob", "string"):
            if request.stream is not None:
                params[payload] = request.stream
            elif request.body:
                params[payload] = request.body if member.type_name == "blob" else request.body.decode()
        elif request.body.strip():
            params[payload] = read_body(member, request.body, frozenset())
    elif body_members and request.body.strip():
        skip = frozenset(shape.members) - body_members
        params.update(read_body(shape, request.body, skip))
    return params


def render_response(op: OperationModel, result: dict[str, Any], write_body: BodyWriter,
                    content_type: str) -> tuple[int, list[tuple[str, str]], Any]:
    """Status, headers and body of a REST response: members bound to headers, status and payload."""
    status = op.http.get("responseCode", 200)
    headers: list[tuple[str, str]] = []
    shape = op.output_shape
    if shape is None:
        return status, headers, b""
    body_members: set[str] = set()
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        value = result.get(name)
        if location is None:
            body_members.add(name)
        elif value is None:
            continue
        elif location == "header":
            where = member.serialization.get("name", name)
            if member.type_name == "list":
                headers.append((where, ",".join(to_text(member.member, item) for item in value)))
            elif member.serialization.get("jsonvalue"):
                headers.append((where, base64.b64encode(json.dumps(value).encode()).decode()))
            else:
                headers.append((where, to_text(member, value, "rfc822")))
        elif location == "headers":
            prefix = member.serialization.get("name", name)
            headers.extend((prefix + key, str(item)) for key, item in value.items())
        elif location == "statusCode":
            status = int(value)
    payload = shape.serialization.get("payload")
    if payload:
        member = shape.members[payload]
        value = result.get(payload)
        if value is None:
            return status, headers, b""
        if member.type_name == "blob":
            return status, headers, value
        if member.type_name == "string":
            return status, headers, value.encode()
        headers.append(("Content-Type", content_type))
        return status, headers, write_body(member, value, frozenset())
    if any(result.get(name) is not None for name in body_members):
        headers.append(("Content-Type", content_type))
        return status, headers, write_body(shape, result, frozenset(shape.members) - body_members)
    return status, headers, b""

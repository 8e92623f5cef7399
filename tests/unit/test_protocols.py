"""Round trips between botocore's client side and Sextant's server side, for every protocol.

For operations of every served service, deterministic example parameters are serialized by
botocore's own request serializer, routed and parsed by Sextant, and must come back equal;
example results serialized by Sextant must parse back equal with botocore's response parser.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timezone
from urllib.parse import urlencode, urlsplit

import pytest
from botocore import parsers, serialize
from botocore.awsrequest import HeadersDict, prepare_request_dict
from botocore.response import StreamingBody

from sextant.gateway.catalog import Catalog
from sextant.gateway.messages import HttpRequest
from sextant.gateway.protocols import PROTOCOLS
from sextant.gateway.routing import Router
from sextant.gateway.sigv4 import Credential

CATALOG = Catalog()
ROUTER = Router(CATALOG)
MOMENT = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)


def example(shape, rng: random.Random, depth: int = 0, header: bool = False):
    """A deterministic value that satisfies `shape`'s type and constraints."""
    kind = shape.type_name
    if kind == "structure":
        members = {n: m for n, m in shape.members.items() if not m.serialization.get("eventstream")}
        if shape.is_tagged_union:
            name = rng.choice(sorted(members))
            return {name: example(members[name], rng, depth + 1)}
        chosen = {}
        for name, member in members.items():
            if name in shape.required_members or (depth < 3 and rng.random() < 0.6) or \
                    (not chosen and name == list(members)[-1]):
                chosen[name] = example(member, rng, depth + 1,
                                       header=member.serialization.get("location") in ("header", "headers"))
        return chosen
    if kind == "list":  # recursive shapes end in empty lists and maps
        return [example(shape.member, rng, depth + 1, header) for _ in range(rng.randint(1, 2) if depth < 5 else 0)]
    if kind == "map":
        return {f"key{i}": example(shape.value, rng, depth + 1, header) for i in range(rng.randint(1, 2) if depth < 5 else 0)}
    if kind == "string":
        if shape.enum:
            return rng.choice(shape.enum)
        if shape.serialization.get("jsonvalue") and header:
            return {"a": [1, "b"]}
        low = shape.metadata.get("min", 1)
        high = shape.metadata.get("max", 40)
        size = max(low, min(high, rng.randint(3, 12)))
        return "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(size))
    if kind in ("integer", "long"):
        low = int(shape.metadata.get("min", 0))
        return rng.randint(low, max(low, int(min(shape.metadata.get("max", 1000), 1000))))
    if kind in ("float", "double"):
        return 1.5
    if kind == "boolean":
        return rng.random() < 0.5
    if kind == "timestamp":
        return MOMENT
    if kind == "blob":
        return b"blob \x00\xff data"
    if kind == "document":
        return {"doc": [1, "two"]}
    raise AssertionError(kind)


def normalize(value):
    """Compare values across client and server: streams read, timestamps in UTC, absent = empty."""
    if hasattr(value, "read"):
        return value.read()
    if isinstance(value, dict):
        items = {k: normalize(v) for k, v in value.items() if k != "ResponseMetadata"}
        return {k: v for k, v in items.items() if v not in ({}, "", b"", [])}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc)
    if isinstance(value, bytearray):
        return bytes(value)
    return value


# Operations a request cannot tell apart from another one (same method, path and parameters):
# S3 Express's ListDirectoryBuckets looks like ListBuckets once the endpoint is the same, and
# bedrock-agent-runtime's tagging calls share bedrock-agent's paths and signing name (AWS tells them apart
# by host name); Sextant routes them to bedrock-agent, whose resources they tag.
AMBIGUOUS = {("s3", "ListDirectoryBuckets"), ("bedrock-agent-runtime", "ListTagsForResource"),
             ("bedrock-agent-runtime", "TagResource"), ("bedrock-agent-runtime", "UntagResource")}
# Answers botocore reads with a handler of its own rather than its response parser.
HANDLER_PARSED = {("s3", "GetBucketLocation")}


def operations():
    for name, service in sorted(CATALOG.services.items()):
        for op_name, op in sorted(service.operations.items()):
            if op.get_event_stream_input() or op.get_event_stream_output() or op.deprecated or \
                    (name, op_name) in AMBIGUOUS:
                continue
            yield pytest.param(name, op_name, id=f"{name}.{op_name}")


OPERATIONS = list(operations())


def client_request(service, op, params) -> HttpRequest:
    serializer = serialize.create_serializer(service.protocol, include_validation=False)
    request = serializer.serialize_to_request(params, op)
    prepare_request_dict(request, endpoint_url="http://127.0.0.1:4599")
    url = urlsplit(request["url"])
    body = request["body"]
    if isinstance(body, dict):  # query protocol: form fields
        body = urlencode(body, doseq=True)
    if isinstance(body, str):
        body = body.encode()
    headers = [(k, v.decode() if isinstance(v, bytes) else str(v)) for k, v in request["headers"].items()]
    headers.append(("Host", "127.0.0.1:4599"))
    return HttpRequest(request["method"], url.path, url.query, headers, body or b"")


@pytest.mark.parametrize("service_name,operation", OPERATIONS)
def test_request_round_trip(service_name, operation):
    service = CATALOG[service_name]
    op = service.operations[operation]
    if op.input_shape is None:
        pytest.skip("no input")
    params = example(op.input_shape, random.Random(f"{service_name}.{operation}"))
    request = client_request(service, op, params)
    credential = Credential("AKID", "20240101", "us-east-1", service.signing_name)
    route = ROUTER.resolve(request, credential)
    assert (route.service.name, route.operation) == (service_name, operation)
    parsed = PROTOCOLS[route.protocol](service.model).parse(op, request, route.labels)
    assert normalize(parsed) == normalize(params)


@pytest.mark.parametrize("service_name,operation", OPERATIONS)
def test_response_round_trip(service_name, operation):
    service = CATALOG[service_name]
    op = service.operations[operation]
    if op.output_shape is None or (service_name, operation) in HANDLER_PARSED:
        pytest.skip("no output parsed by botocore's parser")
    result = example(op.output_shape, random.Random(f"out.{service_name}.{operation}"))
    response = PROTOCOLS[service.protocol](service.model).serialize(op, result, "req-1")
    body = response.body
    if op.has_streaming_output:
        body = StreamingBody(io.BytesIO(body), len(body))
    parsed = parsers.create_parser(service.protocol).parse(
        {"status_code": response.status, "headers": HeadersDict(response.headers), "body": body}, op.output_shape)
    assert normalize(parsed) == normalize(result)

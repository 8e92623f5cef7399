"""Find the (service, operation) a request addresses, the way AWS's front ends do.

Signals, strongest first: `X-Amz-Target` (json), `Smithy-Protocol` with its path (rpc-v2-cbor),
the SigV4 credential scope's signing name (header or presigned query) narrowed by method and
URI template (rest-json, rest-xml) or the `Action` parameter (query), and the Host header for
S3 virtual-host-style addressing. Unsigned requests with no other signal are S3's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import parse_qs, unquote

from botocore.model import OperationModel

from .catalog import Catalog, Service
from ..errors import ServiceError
from .messages import HttpRequest
from .sigv4 import Credential

_LABEL = re.compile(r"\{([^}+]+)(\+?)\}")
_S3_AWS_HOST = re.compile(r"^(?P<bucket>.+)\.s3[.-]([a-z0-9-]+\.)?amazonaws\.com$")
_VHOST_SUFFIXES = (".localhost", ".s3.localhost")


@dataclass(frozen=True)
class Route:
    """The request's service and operation, with the values of its URI labels."""

    service: Service
    operation: str
    protocol: str
    labels: dict[str, str]

    @property
    def op(self) -> OperationModel:
        return self.service.operations[self.operation]


@dataclass(frozen=True)
class _Template:
    operation: str
    method: str
    pattern: re.Pattern[str]
    literal_length: int
    query: dict[str, str | None]
    required_query: tuple[str, ...]
    required_headers: tuple[str, ...]
    deprecated: bool

    def score(self, request: HttpRequest) -> tuple[int, ...] | None:
        """How specifically this template matches `request`, or None if it does not."""
        if self.method != request.method or self.pattern.fullmatch(request.path) is None:
            return None
        matched_literals = 0
        for key, value in self.query.items():
            if key == "x-id" and key not in request.query:
                continue  # clients other than botocore (presigned URLs, plain HTTP) omit x-id
            if key not in request.query or (value is not None and request.query[key][0] != value):
                return None
            matched_literals += 1
        if not all(name in request.query for name in self.required_query) or \
                not all(name in request.headers for name in self.required_headers):
            return None
        return (matched_literals, self.literal_length, len(self.required_query) + len(self.required_headers),
                not self.deprecated)


def _compile(op: OperationModel) -> _Template:
    uri = op.http.get("requestUri", "/")
    path, _, query = uri.partition("?")
    regex, last, literal = "", 0, 0
    for match in _LABEL.finditer(path):
        regex += re.escape(path[last:match.start()])
        literal += match.start() - last
        regex += f"(?P<{_group(match.group(1))}>{'.+' if match.group(2) else '[^/]+'})"
        last = match.end()
    regex += re.escape(path[last:])
    literal += len(path) - last
    if not regex.endswith("/"):
        regex += "/?"
    literals = {}
    for part in filter(None, query.split("&")):
        key, sep, value = part.partition("=")
        literals[key] = value if sep else None
    required_query, required_headers = [], []
    shape = op.input_shape
    for name in (shape.required_members if shape is not None else ()):
        member = shape.members[name]
        location = member.serialization.get("location")
        if location == "querystring":
            required_query.append(member.serialization.get("name", name))
        elif location == "header":
            required_headers.append(member.serialization.get("name", name).lower())
    return _Template(op.name, op.http.get("method", "POST"), re.compile(regex), literal, literals,
                     tuple(required_query), tuple(required_headers), op.deprecated)


def _group(label: str) -> str:
    return "L_" + re.sub(r"\W", "_", label)


class RestIndex:
    """Every operation of a REST service as a matchable URI template."""

    def __init__(self, service: Service) -> None:
        self.service = service

    @cached_property
    def templates(self) -> dict[str, list[_Template]]:
        """Templates by HTTP method."""
        by_method: dict[str, list[_Template]] = {}
        for op in self.service.operations.values():
            template = _compile(op)
            by_method.setdefault(template.method, []).append(template)
        return by_method

    def match(self, request: HttpRequest) -> tuple[tuple[int, ...], str, dict[str, str]] | None:
        best = None
        for template in self.templates.get(request.method, ()):
            score = template.score(request)
            if score is not None and (best is None or score > best[0]):
                best = (score, template)
        if best is None:
            return None
        score, template = best
        match = template.pattern.fullmatch(request.path)
        op = self.service.operations[template.operation]
        labels = {}
        for label in _LABEL.findall(op.http.get("requestUri", "/").partition("?")[0]):
            labels[label[0]] = unquote(match.group(_group(label[0])))
        return score, template.operation, labels


class Router:
    """Resolve requests against a catalog."""

    def __init__(self, catalog: Catalog, hostnames: tuple[str, ...] = ()) -> None:
        self.catalog = catalog
        self.hostnames = hostnames
        self._rest: dict[str, RestIndex] = {}

    def _rest_index(self, service: Service) -> RestIndex:
        index = self._rest.get(service.name)
        if index is None:
            index = self._rest[service.name] = RestIndex(service)
        return index

    def s3_virtual_host_bucket(self, host: str) -> str | None:
        """The bucket named by a virtual-host-style Host header, if any."""
        name = host.rsplit(":", 1)[0].lower() if not host.startswith("[") else ""
        match = _S3_AWS_HOST.match(name)
        if match:
            return match.group("bucket")
        for suffix in (*(f".{h}" for h in self.hostnames), *_VHOST_SUFFIXES):
            if name.endswith(suffix) and len(name) > len(suffix):
                bucket = name[: -len(suffix)]
                return bucket.removesuffix(".s3") if suffix != ".s3.localhost" else bucket
        return None

    def resolve(self, request: HttpRequest, credential: Credential | None) -> Route:
        """The route of a request whose body (for query services) has been read."""
        target = request.headers.get("x-amz-target")
        if target:
            prefix, _, operation = target.rpartition(".")
            service = self.catalog.by_target_prefix.get(prefix)
            if service is None:
                raise ServiceError("UnknownOperationException", f"No service answers X-Amz-Target {target!r}")
            return self._checked(service, operation, "json", request.method)
        if request.headers.get("smithy-protocol") == "rpc-v2-cbor":
            parts = request.path.strip("/").split("/")
            if len(parts) != 4 or parts[0] != "service" or parts[2] != "operation":
                raise ServiceError("UnknownOperationException",
                                   f"rpc-v2-cbor path must be /service/NAME/operation/NAME, got {request.path!r}")
            service = self.catalog.by_target_prefix.get(parts[1])
            if service is None:
                raise ServiceError("UnknownOperationException", f"No service named {parts[1]!r}")
            return self._checked(service, parts[3], "smithy-rpc-v2-cbor", request.method)
        if credential is not None:
            candidates = self.catalog.by_signing_name.get(credential.service)
            if not candidates:
                raise ServiceError("UnknownOperationException",
                                   f"Sextant does not serve the AWS service signed as {credential.service!r}")
        else:
            candidates = [self.catalog["s3"]]
        if any(s.protocol == "rest-xml" for s in candidates):
            bucket = self.s3_virtual_host_bucket(request.host)
            if bucket:
                request.path = f"/{bucket}{request.path}"
        return self._by_candidates(request, candidates)

    def is_query_candidate(self, credential: Credential | None) -> bool:
        """Whether the body must be read before routing (query protocol: the Action is in it)."""
        if credential is None:
            return False
        return any(s.protocol == "query" for s in self.catalog.by_signing_name.get(credential.service, ()))

    def _by_candidates(self, request: HttpRequest, candidates: list[Service]) -> Route:
        query_services = [s for s in candidates if s.protocol == "query"]
        if query_services:
            action = request.query.get("Action", [None])[0] or _form_value(request.body, "Action")
            if not action:
                raise ServiceError("MissingAction", "The request must contain the parameter Action", status=400)
            return self._checked(query_services[0], action, "query", request.method)
        best = None
        for service in candidates:
            if service.protocol not in ("rest-json", "rest-xml"):
                continue
            found = self._rest_index(service).match(request)
            if found is not None and (best is None or found[0] > best[0]):
                best = (found[0], service, found[1], found[2])
        if best is None:
            names = ", ".join(s.name for s in candidates)
            if any(s.protocol == "rest-xml" for s in candidates):
                raise ServiceError("MethodNotAllowed",
                                   f"The specified method {request.method} is not allowed against this resource "
                                   f"({request.path})", status=405, Method=request.method, ResourceType="OBJECT")
            raise ServiceError("UnknownOperationException",
                               f"No operation of {names} matches {request.method} {request.path}", status=404)
        _, service, operation, labels = best
        return Route(service, operation, service.protocol, labels)

    def _checked(self, service: Service, operation: str, protocol: str, method: str) -> Route:
        if method != "POST" and protocol != "query":
            raise ServiceError("MethodNotAllowed", f"{service.name} expects POST requests, got {method}", status=405)
        if operation not in service.operations:
            raise ServiceError("UnknownOperationException" if protocol != "query" else "InvalidAction",
                               f"{service.name} has no operation {operation!r}", status=400)
        return Route(service, operation, protocol, {})


def _form_value(body: bytes, name: str) -> str | None:
    values = parse_qs(body.decode("utf-8", "replace")).get(name)
    return values[0] if values else None

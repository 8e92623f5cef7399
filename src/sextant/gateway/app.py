"""The ASGI application: one port, every service.

request → route (service, operation) → read body → authenticate → parse and validate →
handler in a worker thread → serialize → response, with one structured log line per request.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from .. import __version__
from ..config import Settings
from ..errors import ServiceError, not_implemented
from ..platform import Platform
from ..services.context import Context
from ..store import Store
from . import sigv4
from .body import AwsChunkedReader, ReceiveStream
from .catalog import Catalog, Service
from .messages import HttpRequest, HttpResponse
from .protocols import PROTOCOLS, Protocol
from .routing import Route, Router
from .validation import constraint_errors, validation_message

log = logging.getLogger("sextant.requests")
CHUNK = 4 * 1024 * 1024  # bytes of a streamed response read per worker-thread hop
MAX_OBJECT_BYTES = 5 * 1024**3
SMALL_BODY_BYTES = 8 * 1024 * 1024  # streamed bodies up to this size are read before the handler runs
# what is still read (and dropped) of a body over the limit, so that a client that finishes sending within
# it reads the 413 instead of a reset connection
OVERSIZED_DRAIN_BYTES = 8 * 1024 * 1024


class Gateway:
    """The server: an ASGI callable over a catalog of services and a store."""

    def __init__(self, settings: Settings, store: Store | None = None, catalog: Catalog | None = None) -> None:
        if settings.auth == "sigv4" and not settings.access_keys:
            raise ValueError("SEXTANT_AUTH=sigv4 needs SEXTANT_ACCESS_KEYS=AKID:SECRET[:ACCOUNT],...")
        self.settings = settings
        self.store = store or Store(settings)
        self.platform = Platform(settings, self.store)
        self.catalog = catalog or Catalog()
        self.router = Router(self.catalog, hostnames=(settings.host,))
        self.protocols: dict[tuple[str, str], Protocol] = {}
        self.executor = ThreadPoolExecutor(max_workers=64, thread_name_prefix="sextant")

    # --- ASGI -------------------------------------------------------------------------------

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            return
        started = time.perf_counter()
        request = HttpRequest(
            method=scope["method"],
            path=(scope.get("raw_path") or scope["path"].encode()).decode("latin-1").split("?", 1)[0],
            query_string=scope.get("query_string", b"").decode("latin-1"),
            raw_headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
        )
        request_id = str(uuid.uuid4())
        if request.path.startswith("/_sextant/"):
            if request.method == "POST":
                request.body = await self._read_all(receive)
            response, service, operation = await self._internal(request), "sextant", request.path
        else:
            response, service, operation = await self._answer(request, request_id, receive)
        await self._send(send, response, head=request.method == "HEAD")
        log.info(json.dumps({"service": service, "operation": operation, "status": response.status,
                             "ms": round((time.perf_counter() - started) * 1000, 2), "request_id": request_id}))

    async def _websocket(self, scope: dict[str, Any], receive, send) -> None:
        """WebSocket APIs (Transcribe's streaming form). A service package's `WEBSOCKET_ROUTES` maps a path to a
        session factory `(store, account, region, query)`; each binary message goes to the session's `receive`,
        whose answers go back, until the session is `closed`. The URL is presigned with SigV4 as AWS's is."""
        request = HttpRequest("GET", scope["path"], scope.get("query_string", b"").decode("latin-1"),
                              [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]])
        await receive()  # websocket.connect
        factory = next((routes[request.path] for service in self.catalog.services.values()
                        if (routes := getattr(service.handlers, "WEBSOCKET_ROUTES", None)) and request.path in routes),
                       None)
        loop = asyncio.get_running_loop()
        try:
            if factory is None:
                raise ServiceError("NotFound", f"No WebSocket API at {request.path}")
            credential = self._credential(request)
            if self.settings.auth == "sigv4":
                self._authenticate(request, credential, self._fallback_protocol(request))
            query = {name: values[-1] for name, values in request.query.items()}
            session = await loop.run_in_executor(
                self.executor, factory, self.store, self.settings.account_for(credential and credential.access_key),
                credential.region if credential else self.settings.s3_region, query)
        except ServiceError as error:  # refused before the upgrade: the client sees HTTP 403 and the reason is logged
            log.info(json.dumps({"websocket": request.path, "refused": f"{error.code}: {error.message}"}))
            await send({"type": "websocket.close", "code": 1008})
            return
        await send({"type": "websocket.accept"})
        while not session.closed:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes") or (message.get("text") or "").encode()
            for answer in await loop.run_in_executor(self.executor, session.receive, data):
                await send({"type": "websocket.send", "bytes": answer})
        await send({"type": "websocket.close", "code": 1000})

    async def _lifespan(self, receive, send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.start_services()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.platform.endpoints.stop_all()
                self.executor.shutdown(wait=False, cancel_futures=True)
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    def start_services(self) -> None:
        """Let each implemented service pick up where the last server left off (`on_startup(platform)`)."""
        for service in self.catalog.services.values():
            hook = getattr(service.handlers, "on_startup", None)
            if hook is not None:
                hook(self.platform)

    async def _answer(self, request: HttpRequest, request_id: str, receive) -> tuple[HttpResponse, str, str]:
        service, operation, protocol = "-", "-", None
        body_stream: ReceiveStream | None = None
        body_read = False
        try:
            credential = self._credential(request)
            if self.router.is_query_candidate(credential) or \
                    request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
                request.body = await self._read_all(receive)
                body_read = True
            route = self.router.resolve(request, credential)
            service, operation = route.service.name, route.operation
            protocol = self._protocol(route.service, route.protocol)
            context = self._context(request, request_id, route, credential)
            if not body_read:
                if route.op.get_streaming_input() is not None and route.protocol.startswith("rest"):
                    if _content_length(request) <= SMALL_BODY_BYTES:  # cheaper read whole on the event loop
                        stream = io.BytesIO(await self._read_all(receive))
                        body_read = True
                    else:
                        stream = body_stream = ReceiveStream(receive, asyncio.get_running_loop(), MAX_OBJECT_BYTES)
                    if "aws-chunked" in request.headers.get("content-encoding", ""):
                        stream = AwsChunkedReader(stream, context.trailers)
                    request.stream = stream
                else:
                    request.body = await self._read_all(receive)
                    body_read = True
            if self.settings.auth == "sigv4":
                self._authenticate(request, credential, protocol)
            params = protocol.parse(route.op, request, route.labels)
            if route.op.input_shape is not None:
                errors = constraint_errors(route.op.input_shape, params)
                if errors:
                    raise ServiceError(protocol.validation_code, validation_message(errors))
            handler = route.service.handler(route.operation)
            if handler is None:
                raise not_implemented(service, operation)
            loop = asyncio.get_running_loop()
            result = await loop.run_in_executor(self.executor, handler, context, params)
            response = protocol.serialize(route.op, result or {}, request_id)
            if context.status is not None:
                response.status = context.status
        except ServiceError as error:
            response = (protocol or self._fallback_protocol(request)).serialize_error(error, request_id)
        except Exception:  # a bug: answer 500 with the request id, log the traceback
            logging.getLogger("sextant").exception("unhandled error in %s:%s (request %s)", service, operation,
                                                   request_id)
            error = ServiceError("InternalFailure", f"Internal error in Sextant (request {request_id})",
                                 status=500, sender_fault=False)
            response = (protocol or self._fallback_protocol(request)).serialize_error(error, request_id)
        if not (body_read or (body_stream is not None and body_stream.done)) and _has_body(request):
            # The body was never read (a client sending `Expect: 100-continue` has not even sent it):
            # the connection cannot carry another request.
            response.headers.append(("Connection", "close"))
        return response, service, operation

    async def _read_all(self, receive) -> bytes:
        chunks, total = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ServiceError("IncompleteBody", "The client closed the connection before sending the body")
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > self.settings.max_body_bytes:
                await _discard(receive, message, OVERSIZED_DRAIN_BYTES)
                raise ServiceError("RequestEntityTooLarge", f"Request body exceeds {self.settings.max_body_bytes} "
                                   "bytes (SEXTANT_MAX_BODY_BYTES)", status=413)
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _send(self, send, response: HttpResponse, head: bool) -> None:
        body = response.body
        headers = [(name.lower().encode("latin-1"), str(value).encode("latin-1", "replace"))
                   for name, value in response.headers]
        if isinstance(body, (bytes, bytearray)):
            if response.header("content-length") is None:
                headers.append((b"content-length", str(len(body)).encode()))
            await send({"type": "http.response.start", "status": response.status, "headers": headers})
            await send({"type": "http.response.body", "body": b"" if head else bytes(body)})
            return
        await send({"type": "http.response.start", "status": response.status, "headers": headers})
        loop = asyncio.get_running_loop()
        reader = body if hasattr(body, "read") else _IterReader(iter(body))
        try:
            while not head and getattr(reader, "remaining", 1) > 0:  # a known length ends without a last read
                chunk = await loop.run_in_executor(self.executor, reader.read, CHUNK)
                if not chunk:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            close = getattr(reader, "close", None)
            if close is not None:
                close()
        await send({"type": "http.response.body", "body": b""})

    # --- pieces -----------------------------------------------------------------------------

    def _credential(self, request: HttpRequest) -> sigv4.Credential | None:
        try:
            return sigv4.parse_credential(request.headers, request.query)
        except sigv4.SignatureError as exc:
            if self.settings.auth == "sigv4":
                raise ServiceError("IncompleteSignature", exc.reason, status=403) from None
            return None

    def _context(self, request: HttpRequest, request_id: str, route: Route,
                 credential: sigv4.Credential | None) -> Context:
        access_key = credential.access_key if credential else None
        return Context(
            account=self.settings.account_for(access_key),
            region=credential.region if credential else self.settings.s3_region,
            request_id=request_id, service=route.service.name, operation=route.operation,
            store=self.store, platform=self.platform, settings=self.settings, headers=request.headers,
            base_url=f"http://{request.host or f'{self.settings.host}:{self.settings.port}'}",
            access_key=access_key)

    def _authenticate(self, request: HttpRequest, credential: sigv4.Credential | None, protocol: Protocol) -> None:
        s3_style = protocol.name in ("rest-xml", "query")
        if credential is None:
            reason = "Request is not signed: Sextant runs with SEXTANT_AUTH=sigv4"
            if "AWSAccessKeyId" in request.query or request.headers.get("authorization", "").startswith("AWS "):
                reason = "Signature Version 2 is not accepted; sign with SigV4 (boto3: signature_version='s3v4')"
            raise ServiceError("AccessDenied" if s3_style else "MissingAuthenticationTokenException", reason,
                               status=403)
        secret = self.settings.access_keys.get(credential.access_key, (None,))[0]
        if secret is None:
            raise ServiceError("InvalidAccessKeyId" if s3_style else "UnrecognizedClientException",
                               f"The AWS access key id {credential.access_key} is not known to this server",
                               status=403)
        body_hash = hashlib.sha256(request.body).hexdigest() if request.stream is None else None
        try:
            sigv4.verify(request.method, request.path, request.query_string, request.raw_headers, body_hash, secret)
        except sigv4.SignatureError as exc:
            raise ServiceError("SignatureDoesNotMatch" if s3_style else "InvalidSignatureException",
                               f"The request signature we calculated does not match the signature you provided: "
                               f"{exc.reason}", status=403) from None

    def _protocol(self, service: Service, name: str) -> Protocol:
        key = (service.name, name)
        protocol = self.protocols.get(key)
        if protocol is None:
            protocol = self.protocols[key] = PROTOCOLS[name](service.model)
        return protocol

    def _fallback_protocol(self, request: HttpRequest) -> Protocol:
        """How to word an error raised before the service was known."""
        headers = request.headers
        if "x-amz-target" in headers:
            return self._protocol(self.catalog["sagemaker"], "json")
        if headers.get("smithy-protocol") == "rpc-v2-cbor":
            return self._protocol(self.catalog["comprehendmedical"], "smithy-rpc-v2-cbor")
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return self._protocol(self.catalog["sts"], "query")
        if headers.get("content-type", "").startswith("application/json"):
            return self._protocol(self.catalog["sagemaker-runtime"], "rest-json")
        return self._protocol(self.catalog["s3"], "rest-xml")

    async def _internal(self, request: HttpRequest) -> HttpResponse:
        """Sextant's own endpoints: GET /_sextant/health, POST /_sextant/advise {"problem": "..."}."""
        path = request.path.rstrip("/")
        if path == "/_sextant/health" and request.method in ("GET", "HEAD"):
            return _json(200, self.health())
        if path == "/_sextant/advise" and request.method == "POST":
            try:
                asked = json.loads(request.body or b"{}")
                problem, data, target = asked.get("problem", ""), asked.get("data"), asked.get("target")
            except (ValueError, AttributeError):
                return _json(400, {"message": 'The body must be JSON: {"problem": "...", "data": "s3://..."}'})
            if data is not None and not str(data).startswith("s3://"):
                return _json(400, {"message": "data must be an s3:// URI of this server's S3"})
            from ..advisor import advise

            own_url = f"http://127.0.0.1:{self.settings.port}"  # the data is in this server's own S3
            try:
                return _json(200, await asyncio.get_running_loop().run_in_executor(
                    self.executor, advise, problem, data, target, own_url))
            except ValueError as error:
                return _json(400, {"message": str(error)})
        return _json(404, {"message": f"No such Sextant endpoint: {request.method} {request.path}"})

    def health(self) -> dict[str, Any]:
        services = {name: {"protocol": service.protocol, "implemented": len(service.implemented)}
                    for name, service in self.catalog.services.items()}
        return {"status": "ok", "version": __version__, "services": services, "store": self.store.describe(),
                "auth": self.settings.auth}


async def _discard(receive, message: dict[str, Any], limit: int) -> None:
    """Read and drop the rest of a request body, up to `limit` bytes."""
    dropped = 0
    while message.get("more_body", False) and message["type"] != "http.disconnect" and dropped <= limit:
        message = await receive()
        dropped += len(message.get("body", b""))


def _json(status: int, document: dict[str, Any]) -> HttpResponse:
    return HttpResponse(status, [("Content-Type", "application/json")], json.dumps(document, default=str).encode())


def _content_length(request: HttpRequest) -> float:
    """The declared body length; infinite when unknown (chunked transfer)."""
    try:
        return int(request.headers["content-length"])
    except (KeyError, ValueError):
        return float("inf")


def _has_body(request: HttpRequest) -> bool:
    headers = request.headers
    return headers.get("content-length", "0") != "0" or "transfer-encoding" in headers


class _IterReader:
    def __init__(self, chunks) -> None:
        self.chunks = chunks

    def read(self, size: int = -1) -> bytes:
        return next(self.chunks, b"")

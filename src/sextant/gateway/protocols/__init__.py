"""Server side of the AWS wire protocols: parse a request into parameters, serialize a result or error.

One class per protocol named in botocore's service models; all of them are driven by the
model's shapes, so no operation needs code of its own here.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

import cbor2
from botocore.model import OperationModel, ServiceModel, Shape

from ...errors import ServiceError
from ..messages import HttpRequest, HttpResponse
from . import rest, xml
from .shapes import DocumentCodec, ShapeError, decode_document, encode_document, from_text, join

S3_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
# Root elements S3 really sends (the model leaves them unnamed; other S3 clients check them).
S3_ROOTS = {
    "ListBuckets": "ListAllMyBucketsResult", "ListObjects": "ListBucketResult",
    "ListObjectsV2": "ListBucketResult", "CreateMultipartUpload": "InitiateMultipartUploadResult",
    "DeleteObjects": "DeleteResult",
}
# Outputs S3 sends as a lone root element whose text is the output's only member (the model nests it).
S3_TEXT_ROOTS = {"GetBucketLocation": "LocationConstraint"}


def error_statuses(model: ServiceModel) -> dict[str, int]:
    """HTTP status of each modeled error code of a service."""
    statuses = {}
    for shape in model.error_shapes:
        error = shape.metadata.get("error", {})
        statuses[error.get("code", shape.name)] = error.get("httpStatusCode", 400)
    return statuses


class Protocol:
    """Parse and serialize for one wire protocol."""

    name = ""
    validation_code = "ValidationException"
    serialization_code = "SerializationException"
    request_id_header = "x-amzn-RequestId"

    def __init__(self, model: ServiceModel) -> None:
        self.model = model
        self.statuses = error_statuses(model)

    def parse(self, op: OperationModel, request: HttpRequest, labels: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError

    def serialize(self, op: OperationModel, result: dict[str, Any], request_id: str) -> HttpResponse:
        raise NotImplementedError

    def serialize_error(self, error: ServiceError, request_id: str) -> HttpResponse:
        raise NotImplementedError

    def status_of(self, error: ServiceError) -> int:
        return error.status or self.statuses.get(error.code, 400 if error.sender_fault else 500)


class JsonProtocol(Protocol):
    """`json` (X-Amz-Target) — SageMaker, Comprehend, Transcribe, Translate, …"""

    name = "json"
    codec = DocumentCodec(binary=False)

    @property
    def content_type(self) -> str:
        return f"application/x-amz-json-{self.model.metadata.get('jsonVersion', '1.0')}"

    def load(self, body: bytes) -> Any:
        try:
            return json.loads(body) if body.strip() else {}
        except ValueError as exc:
            raise ServiceError(self.serialization_code, f"Request body is not valid JSON: {exc}") from None

    def dump(self, value: Any) -> bytes:
        return json.dumps(value, separators=(",", ":")).encode()

    def parse(self, op, request, labels):
        if op.input_shape is None:
            return {}
        return self.decode(op.input_shape, self.load(request.body))

    def decode(self, shape: Shape, document: Any, skip: frozenset[str] = frozenset()) -> dict[str, Any]:
        try:
            params = decode_document(shape, document, self.codec)
        except ShapeError as exc:
            raise ServiceError(self.serialization_code, str(exc)) from None
        for name in skip:
            params.pop(name, None)
        return params

    def encode(self, shape: Shape | None, result: dict[str, Any]) -> bytes:
        return self.dump(encode_document(shape, result, self.codec) if shape is not None else {})

    def serialize(self, op, result, request_id):
        return HttpResponse(200, [("Content-Type", self.content_type), (self.request_id_header, request_id)],
                            self.encode(op.output_shape, result))

    def error_body(self, error: ServiceError) -> dict[str, Any]:
        return {"__type": error.code, "message": error.message, **error.fields}

    def serialize_error(self, error, request_id):
        headers = [("Content-Type", self.content_type), (self.request_id_header, request_id),
                   ("x-amzn-ErrorType", error.code)]
        return HttpResponse(self.status_of(error), headers, self.dump(self.error_body(error)))


class RestJsonProtocol(JsonProtocol):
    """`rest-json` — sagemaker-runtime, Polly, Bedrock, Lex V2, …"""

    name = "rest-json"
    content_type = "application/json"

    def parse(self, op, request, labels):
        def read_body(shape: Shape, body: bytes, skip: frozenset[str]) -> dict[str, Any]:
            return self.decode(shape, self.load(body), skip)

        try:
            return rest.bind_request(op, request, labels, read_body)
        except ShapeError as exc:
            raise ServiceError(self.serialization_code, str(exc)) from None

    def serialize(self, op, result, request_id):
        def write_body(shape: Shape, value: dict[str, Any], skip: frozenset[str]) -> bytes:
            return self.encode(shape, {k: v for k, v in value.items() if k not in skip})

        status, headers, body = rest.render_response(op, result, write_body, self.content_type)
        headers.append((self.request_id_header, request_id))
        return HttpResponse(status, headers, body)


class CborProtocol(JsonProtocol):
    """`smithy-rpc-v2-cbor` — Comprehend Medical in current botocore."""

    name = "smithy-rpc-v2-cbor"
    content_type = "application/cbor"
    codec = DocumentCodec(binary=True)

    def load(self, body: bytes) -> Any:
        try:
            return cbor2.loads(body) if body else {}
        except (cbor2.CBORDecodeError, ValueError) as exc:
            raise ServiceError(self.serialization_code, f"Request body is not valid CBOR: {exc}") from None

    def dump(self, value: Any) -> bytes:
        return cbor2.dumps(value, datetime_as_timestamp=True, timezone=None)

    def serialize(self, op, result, request_id):
        response = super().serialize(op, result, request_id)
        response.headers.append(("Smithy-Protocol", "rpc-v2-cbor"))
        return response

    def serialize_error(self, error, request_id):
        response = super().serialize_error(error, request_id)
        response.headers.append(("Smithy-Protocol", "rpc-v2-cbor"))
        return response


class RestXmlProtocol(Protocol):
    """`rest-xml` — S3."""

    name = "rest-xml"
    validation_code = "InvalidArgument"
    serialization_code = "MalformedXML"
    request_id_header = "x-amz-request-id"

    def parse(self, op, request, labels):
        def read_body(shape: Shape, body: bytes, skip: frozenset[str]) -> dict[str, Any]:
            params = xml.read_element(shape, xml.parse_xml(body))
            return {k: v for k, v in params.items() if k not in skip}

        try:
            return rest.bind_request(op, request, labels, read_body)
        except ShapeError as exc:
            raise ServiceError(self.serialization_code if "XML" in str(exc) else "InvalidArgument", str(exc)) from None

    def serialize(self, op, result, request_id):
        if op.name == "GetBucketLocation":  # the one S3 answer whose root element holds text
            text = xml.escape(result.get("LocationConstraint") or "")
            body = f'<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="{S3_NAMESPACE}">{text}' \
                   "</LocationConstraint>"
            return HttpResponse(200, [("Content-Type", "application/xml"), (self.request_id_header, request_id)],
                                body.encode())

        def write_body(shape: Shape, value: dict[str, Any], skip: frozenset[str]) -> bytes:
            root = shape.serialization.get("name") or S3_ROOTS.get(op.name) or f"{op.name}Result"
            return xml.document(root, shape, value, shape.serialization.get("xmlNamespace", {}).get("uri", S3_NAMESPACE), skip)

        ids = [(self.request_id_header, request_id), ("x-amz-id-2", request_id)]
        text_root = S3_TEXT_ROOTS.get(op.name)
        if text_root is not None:  # e.g. <LocationConstraint>eu-west-1</LocationConstraint>, empty for us-east-1
            body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{text_root} xmlns="{S3_NAMESPACE}">'
                    f'{xml.escape(result.get(text_root) or "")}</{text_root}>')
            return HttpResponse(200, [("Content-Type", "application/xml"), *ids], body.encode())
        status, headers, body = rest.render_response(op, result, write_body, "application/xml")
        return HttpResponse(status, headers + ids, body)

    def serialize_error(self, error, request_id):
        headers = [("Content-Type", "application/xml"), (self.request_id_header, request_id),
                   ("x-amz-id-2", request_id)]
        if self.status_of(error) == 304:  # a 304 has no content (RFC 9110 15.4.5): a body would desync keep-alive
            return HttpResponse(304, headers[1:], b"")
        out = ['<?xml version="1.0" encoding="UTF-8"?>\n<Error>']
        for tag, value in (("Code", error.code), ("Message", error.message), *error.fields.items(),
                           ("RequestId", request_id)):
            out.append(f"<{tag}>{xml.escape(str(value))}</{tag}>")
        out.append("</Error>")
        return HttpResponse(self.status_of(error), headers, "".join(out).encode())


class QueryProtocol(Protocol):
    """`query` — STS and IAM: form-encoded requests, XML responses."""

    name = "query"
    validation_code = "ValidationError"
    serialization_code = "MalformedInput"

    @property
    def namespace(self) -> str:
        return f"https://{self.model.endpoint_prefix}.amazonaws.com/doc/{self.model.api_version}/"

    def parse(self, op, request, labels):
        form = {key: values[0] for key, values in request.query.items()}
        if request.body:
            form.update({k: v[0] for k, v in parse_qs(request.body.decode("utf-8", "replace"),
                                                       keep_blank_values=True).items()})
        if op.input_shape is None:
            return {}
        try:
            return self._read(op.input_shape, form, "")
        except ShapeError as exc:
            raise ServiceError(self.serialization_code, str(exc)) from None

    def _read(self, shape: Shape, form: dict[str, str], prefix: str) -> Any:
        kind = shape.type_name
        if kind == "structure":
            result = {}
            for name, member in shape.members.items():
                key = join(prefix, member.serialization.get("name", name))
                if key in form or any(k.startswith(key + ".") for k in form):
                    result[name] = self._read(member, form, key)
            return result
        if kind == "list":
            base = prefix if shape.serialization.get("flattened") else \
                join(prefix, shape.member.serialization.get("name", "member"))
            items, index = [], 1
            while f"{base}.{index}" in form or any(k.startswith(f"{base}.{index}.") for k in form):
                items.append(self._read(shape.member, form, f"{base}.{index}"))
                index += 1
            return items
        if kind == "map":
            base = prefix if shape.serialization.get("flattened") else join(prefix, "entry")
            key_name = shape.key.serialization.get("name", "key")
            value_name = shape.value.serialization.get("name", "value")
            result, index = {}, 1
            while f"{base}.{index}.{key_name}" in form:
                result[form[f"{base}.{index}.{key_name}"]] = self._read(shape.value, form, f"{base}.{index}.{value_name}")
                index += 1
            return result
        return from_text(shape, form.get(prefix, ""), prefix)

    def serialize(self, op, result, request_id):
        out = [f'<?xml version="1.0" encoding="UTF-8"?>\n<{op.name}Response xmlns="{self.namespace}">']
        shape = op.output_shape
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper", f"{op.name}Result")
            out.append(f"<{wrapper}>")
            xml.write_members(out, shape, result)
            out.append(f"</{wrapper}>")
        out.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{op.name}Response>")
        return HttpResponse(200, [("Content-Type", "text/xml"), (self.request_id_header, request_id)],
                            "".join(out).encode())

    def serialize_error(self, error, request_id):
        kind = "Sender" if error.sender_fault else "Receiver"
        body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="{self.namespace}"><Error>'
                f"<Type>{kind}</Type><Code>{xml.escape(error.code)}</Code><Message>{xml.escape(error.message)}"
                f"</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        return HttpResponse(self.status_of(error), [("Content-Type", "text/xml"),
                                                    (self.request_id_header, request_id)], body.encode())


PROTOCOLS: dict[str, type[Protocol]] = {
    cls.name: cls for cls in (JsonProtocol, RestJsonProtocol, CborProtocol, RestXmlProtocol, QueryProtocol)
}

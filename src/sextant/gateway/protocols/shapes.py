"""Walking botocore shapes: decoding wire values into typed parameters and encoding results.

Handlers see typed values: `datetime` (UTC) for timestamps, `bytes` for blobs, `int`/`float`/
`bool`/`str`, and dicts/lists for structures, maps and lists, keyed by AWS member names.
"""

from __future__ import annotations

import base64
import binascii
import math
from datetime import datetime, timezone
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any, Callable

from botocore.model import Shape


class ShapeError(Exception):
    """A wire value does not have the type its shape requires."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{message} at '{path}'" if path else message)
        self.path = path


def join(path: str, name: str | int) -> str:
    return f"{path}.{name}" if path else str(name)


# --- timestamps -----------------------------------------------------------------------------

def parse_timestamp(value: Any) -> datetime:
    """Epoch seconds, ISO 8601 or RFC 822 → aware UTC datetime."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.utc)
    if isinstance(value, str):
        text = value.strip()
        try:
            return datetime.fromtimestamp(float(text), tz=timezone.utc)
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
        except ValueError:
            pass
        try:
            return parsedate_to_datetime(text).astimezone(timezone.utc)
        except (TypeError, ValueError):
            pass
    raise ValueError(f"not a timestamp: {value!r}")


def format_timestamp(value: Any, fmt: str) -> str | float:
    """Render a timestamp as `iso8601`, `rfc822` or `unixTimestamp`."""
    moment = parse_timestamp(value).astimezone(timezone.utc)
    if fmt == "unixTimestamp":
        return round(moment.timestamp(), 3)
    if fmt == "rfc822":
        return format_datetime(moment, usegmt=True)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def timestamp_format(shape: Shape, default: str) -> str:
    return shape.serialization.get("timestampFormat", default)


# --- text values (XML, query strings, headers, URI labels) ----------------------------------

def from_text(shape: Shape, text: str, path: str, timestamp_default: str = "iso8601") -> Any:
    """A scalar sent as text → its typed value."""
    kind = shape.type_name
    try:
        if kind == "string":
            return text
        if kind in ("integer", "long"):
            return int(text)
        if kind in ("float", "double"):
            return float(text)
        if kind == "boolean":
            lowered = text.lower()
            if lowered not in ("true", "false"):
                raise ValueError(text)
            return lowered == "true"
        if kind == "timestamp":
            return parse_timestamp(text)
        if kind == "blob":
            return base64.b64decode(text, validate=True)
    except (ValueError, binascii.Error):
        raise ShapeError(path, f"Value '{text}' is not a valid {kind}") from None
    raise ShapeError(path, f"A {kind} cannot be sent as text")


def to_text(shape: Shape, value: Any, timestamp_default: str = "iso8601") -> str:
    """A typed scalar → its text form."""
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        return str(format_timestamp(value, timestamp_format(shape, timestamp_default)))
    if kind == "blob":
        return base64.b64encode(value).decode() if isinstance(value, (bytes, bytearray)) else str(value)
    if kind in ("float", "double") and isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
    return str(value)


# --- documents (JSON and CBOR bodies) -------------------------------------------------------

class DocumentCodec:
    """How a document protocol writes the two types JSON has no native form for."""

    def __init__(self, binary: bool) -> None:
        self.binary = binary  # CBOR: blobs are byte strings, timestamps are datetimes

    def decode_blob(self, value: Any, path: str) -> bytes:
        if self.binary and isinstance(value, (bytes, bytearray)):
            return bytes(value)
        if isinstance(value, str):
            try:
                return base64.b64decode(value, validate=True)
            except binascii.Error:
                raise ShapeError(path, "Value is not valid base64") from None
        raise ShapeError(path, "Expected a base64-encoded blob")

    def encode_blob(self, value: bytes) -> Any:
        return bytes(value) if self.binary else base64.b64encode(value).decode()

    def encode_timestamp(self, shape: Shape, value: Any) -> Any:
        if self.binary:
            return parse_timestamp(value)
        return format_timestamp(value, timestamp_format(shape, "unixTimestamp"))


def wire_name(member_name: str, member: Shape) -> str:
    return member.serialization.get("name", member_name)


_SCALAR_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "long": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "double": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
}

_TYPE_WORDS = {"structure": "an object", "list": "an array", "map": "an object", "string": "a string",
               "integer": "an integer", "long": "an integer", "float": "a number", "double": "a number",
               "boolean": "a boolean"}


def decode_document(shape: Shape, value: Any, codec: DocumentCodec, path: str = "") -> Any:
    """A parsed JSON/CBOR value → typed parameters, checking every type against the shape."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        if not isinstance(value, dict):
            raise ShapeError(path, "Expected an object")
        by_wire = {wire_name(name, member): (name, member) for name, member in shape.members.items()}
        result = {}
        for key, item in value.items():
            if key in by_wire:
                name, member = by_wire[key]
                decoded = decode_document(member, item, codec, join(path, name))
                if decoded is not None:
                    result[name] = decoded
        return result
    if kind == "list":
        if not isinstance(value, list):
            raise ShapeError(path, "Expected an array")
        return [decode_document(shape.member, item, codec, join(path, index + 1))
                for index, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise ShapeError(path, "Expected an object")
        return {key: decode_document(shape.value, item, codec, join(path, key)) for key, item in value.items()}
    if kind == "timestamp":
        try:
            return parse_timestamp(value)
        except ValueError:
            raise ShapeError(path, "Expected a timestamp") from None
    if kind == "blob":
        return codec.decode_blob(value, path)
    if kind in ("float", "double") and value in ("NaN", "Infinity", "-Infinity"):
        return float(value)
    check = _SCALAR_CHECKS.get(kind)
    if check is not None and not check(value):
        raise ShapeError(path, f"Expected {_TYPE_WORDS[kind]}, got {type(value).__name__} {value!r:.40}")
    return value


def encode_document(shape: Shape, value: Any, codec: DocumentCodec) -> Any:
    """Typed result values → a JSON/CBOR-ready value; members not in the shape are left out."""
    kind = shape.type_name
    if kind == "structure":
        return {wire_name(name, member): encode_document(member, value[name], codec)
                for name, member in shape.members.items() if value.get(name) is not None}
    if kind == "list":
        return [encode_document(shape.member, item, codec) for item in value]
    if kind == "map":
        return {key: encode_document(shape.value, item, codec) for key, item in value.items()}
    if kind == "timestamp":
        return codec.encode_timestamp(shape, value)
    if kind == "blob":
        return codec.encode_blob(value if isinstance(value, (bytes, bytearray)) else str(value).encode())
    if kind in ("float", "double") and isinstance(value, float) and not math.isfinite(value):
        return to_text(shape, value)
    return value

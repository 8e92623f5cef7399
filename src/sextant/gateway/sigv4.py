"""AWS Signature Version 4 verification (header and presigned-query forms).

Mirrors what botocore signs (the pure-Python signers in botocore.auth and the awscrt ones in
botocore.crt.auth), so requests from boto3, the AWS CLI and the sagemaker SDK verify.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote, unquote_to_bytes

_ALGORITHM = "AWS4-HMAC-SHA256"
_AUTH_PREFIX = _ALGORITHM + " "
_TIMESTAMP_FORMAT = "%Y%m%dT%H%M%SZ"
_MAX_SKEW = timedelta(minutes=15)
_MAX_EXPIRES = 7 * 24 * 3600
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
# Signing names botocore signs with the S3 signers: path used as sent, presigned payload unsigned.
_S3_SERVICES = frozenset({"s3", "s3-object-lambda", "s3-outposts", "s3express"})


@dataclass(frozen=True)
class Credential:
    """The credential scope of a signed request."""

    access_key: str
    date: str  # YYYYMMDD from the credential scope
    region: str
    service: str  # signing name, e.g. "s3", "sagemaker", "sts"


class SignatureError(Exception):
    """Raised when a request's signature is missing, malformed, expired or wrong. `.reason` is a short human message."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_credential(headers: Mapping[str, str], query: Mapping[str, list[str]]) -> Credential | None:
    """Return the credential scope of a request, or None when it carries no SigV4 credential.

    ``headers`` has lower-case names; ``query`` is the decoded query (name -> values).
    Raises SignatureError for a malformed credential or a non-SigV4 Authorization header.
    """
    auth = headers.get("authorization")
    if auth is not None:
        start = auth.find("Credential=")
        if not auth.startswith(_AUTH_PREFIX) or start < 0:
            raise SignatureError("unsupported Authorization header (only AWS4-HMAC-SHA256 is accepted)")
        end = auth.find(",", start)
        return _parse_scope(auth[start + 11 : end if end >= 0 else None].strip())
    values = query.get("X-Amz-Credential")
    return _parse_scope(values[0]) if values else None


def verify(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: list[tuple[str, str]],
    body_sha256: str | None,
    secret_key: str,
    now: datetime | None = None,
) -> None:
    """Verify a request's SigV4 signature (Authorization header or presigned query) against ``secret_key``.

    ``raw_path``/``raw_query`` are exactly as received (still percent-encoded, query without '?');
    ``headers`` is the raw header list (original names, repeats allowed; decode bytes as latin-1).
    The payload hash is the x-amz-content-sha256 header when present, else UNSIGNED-PAYLOAD for
    presigned S3 URLs, else ``body_sha256`` (None means an empty body). Raises SignatureError on a
    missing/malformed/wrong signature, an expired presigned URL, or a header-form request date more
    than 15 minutes from ``now`` (default: current UTC time; naive datetimes are taken as UTC).
    """
    header_map: dict[str, list[str]] = {}
    for name, value in headers:
        header_map.setdefault(name.lower(), []).append(value)
    pairs = [(key, value) for key, _, value in (pair.partition("=") for pair in raw_query.split("&") if pair)]

    authorization = header_map.get("authorization")
    if authorization:
        if not authorization[0].startswith(_AUTH_PREFIX):
            raise SignatureError("unsupported Authorization header (only AWS4-HMAC-SHA256 is accepted)")
        items = (item.strip().partition("=") for item in authorization[0][len(_AUTH_PREFIX) :].split(","))
        fields = {key: value for key, _, value in items}
        presigned = False
        timestamp = _header_timestamp(header_map)
    else:
        fields = {key[6:]: unquote(value) for key, value in pairs if key.startswith("X-Amz-")}
        if fields.get("Algorithm") != _ALGORITHM:
            raise SignatureError("request is not signed with AWS4-HMAC-SHA256")
        presigned = True
        timestamp = fields.get("Date", "")
    try:
        credential = _parse_scope(fields["Credential"])
        signed_names = fields["SignedHeaders"].split(";")
        signature = fields["Signature"]
    except KeyError as missing:
        raise SignatureError(f"signature is missing {missing.args[0]}") from None

    signed_at = _parse_timestamp(timestamp)
    if credential.date != timestamp[:8]:
        raise SignatureError("credential scope date does not match the request date")
    now = _utc(now or datetime.now(timezone.utc))
    if presigned:
        _check_expiry(fields.get("Expires", ""), signed_at, now)
    elif abs(now - signed_at) > _MAX_SKEW:
        raise SignatureError("request time is more than 15 minutes from the server time")

    if "host" not in signed_names:
        raise SignatureError("the host header must be signed")
    canonical_headers = []
    for name in signed_names:
        values = header_map.get(name)
        if values is None:
            raise SignatureError(f"signed header {name!r} is missing from the request")
        canonical_headers.append(f"{name}:{','.join(' '.join(v.split()) for v in values)}\n")

    if "x-amz-content-sha256" in header_map:
        payload_hash = header_map["x-amz-content-sha256"][0]
    elif presigned and credential.service in _S3_SERVICES:
        payload_hash = _UNSIGNED_PAYLOAD
    else:
        payload_hash = body_sha256 or _EMPTY_SHA256

    canonical_request = "\n".join(
        (
            method.upper(),
            _canonical_uri(raw_path, credential.service),
            _canonical_query(pairs),
            "".join(canonical_headers),
            ";".join(signed_names),
            payload_hash,
        )
    )
    scope = f"{credential.date}/{credential.region}/{credential.service}/aws4_request"
    string_to_sign = f"{_ALGORITHM}\n{timestamp}\n{scope}\n{hashlib.sha256(canonical_request.encode()).hexdigest()}"
    key = ("AWS4" + secret_key).encode()
    for part in (credential.date, credential.region, credential.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    expected = hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise SignatureError("the request signature does not match the signature computed with the secret key")


def _parse_scope(value: str) -> Credential:
    parts = value.split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not all(parts):
        raise SignatureError(f"malformed credential scope {value!r}")
    return Credential(parts[0], parts[1], parts[2], parts[3])


def _header_timestamp(header_map: dict[str, list[str]]) -> str:
    """X-Amz-Date, or (as botocore does when a Date header is set) the Date header in SigV4 format."""
    if "x-amz-date" in header_map:
        return header_map["x-amz-date"][0]
    if "date" not in header_map:
        raise SignatureError("request has neither an X-Amz-Date nor a Date header")
    try:
        return _utc(parsedate_to_datetime(header_map["date"][0])).strftime(_TIMESTAMP_FORMAT)
    except (TypeError, ValueError):
        raise SignatureError("malformed Date header") from None


def _parse_timestamp(value: str) -> datetime:
    try:
        return datetime.strptime(value, _TIMESTAMP_FORMAT).replace(tzinfo=timezone.utc)
    except ValueError:
        raise SignatureError(f"malformed request date {value!r}") from None


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _check_expiry(expires: str, signed_at: datetime, now: datetime) -> None:
    if not expires.isdecimal() or not 0 < int(expires) <= _MAX_EXPIRES:
        raise SignatureError("X-Amz-Expires must be between 1 and 604800 seconds")
    if now - signed_at > timedelta(seconds=int(expires)):
        raise SignatureError("the presigned URL has expired")
    if signed_at - now > _MAX_SKEW:
        raise SignatureError("the presigned URL is not valid yet")


def _canonical_uri(raw_path: str, service: str) -> str:
    """S3 signs the path as sent; other services sign the dot-normalized path percent-encoded once more."""
    if service in _S3_SERVICES:
        return raw_path or "/"
    segments: list[str] = []
    for segment in raw_path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    path = "/" + "/".join(segments)
    if raw_path.endswith("/") and segments:
        path += "/"
    return quote(path, safe="/~")


def _canonical_query(pairs: list[tuple[str, str]]) -> str:
    """Every parameter but X-Amz-Signature, decoded ('+' is a space) then RFC 3986-encoded, sorted."""
    encoded = sorted(
        (_uri_encode(key), _uri_encode(value)) for key, value in pairs if key != "X-Amz-Signature"
    )
    return "&".join(f"{key}={value}" for key, value in encoded)


def _uri_encode(raw: str) -> str:
    return quote(unquote_to_bytes(raw.replace("+", " ")), safe="-_.~")

"""s3:// URIs."""

from __future__ import annotations

import re

_URI = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")


def split(uri: str, field: str = "S3Uri") -> tuple[str, str]:
    """(bucket, key or prefix) of an s3:// URI; ValueError naming `field` when malformed."""
    match = _URI.match(uri or "")
    if match is None:
        raise ValueError(f"{field} {uri!r} is not a valid S3 URI (s3://bucket/prefix)")
    return match.group(1), match.group(2) or ""


def join(bucket: str, *parts: str) -> str:
    return "s3://" + "/".join([bucket, *(p.strip("/") for p in parts if p.strip("/"))])

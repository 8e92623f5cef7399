"""Where Transcribe reads its input: s3:// and https S3 URIs, read from the object store."""

from __future__ import annotations

import re
from urllib.parse import unquote

from ...errors import ServiceError
from ...platform import s3uri
from ...store import Store
from ..jobs import JobFailed

MAX_MEDIA_BYTES = 2 * 1024 ** 3  # AWS's batch limit: 2 GB
_PATH_STYLE = re.compile(r"^https?://s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?/([^/]+)/(.+)$")
_VIRTUAL_HOST = re.compile(r"^https?://([a-z0-9][a-z0-9.-]+[a-z0-9])\.s3(?:[.-][a-z0-9-]+)?\.amazonaws\.com(?:\.cn)?/(.+)$")
UNREADABLE = ("The S3 URI that you provided can't be accessed. Make sure that you have read permission and try "
              "your request again.")


def s3_location(uri: str, field: str) -> tuple[str, str]:
    """(bucket, key) of an s3:// or https S3 URI; BadRequestException naming `field` when it is neither."""
    for pattern in (_PATH_STYLE, _VIRTUAL_HOST):
        match = pattern.match(uri)
        if match:
            return match.group(1), unquote(match.group(2))
    try:
        bucket, key = s3uri.split(uri, field)
    except ValueError as exc:
        raise ServiceError("BadRequestException", str(exc)) from None
    if not key or key.endswith("/"):
        raise ServiceError("BadRequestException", f"{field} {uri!r} must name an object, not a bucket or folder.")
    return bucket, key


def read_media(store: Store, bucket: str, key: str, limit: int = MAX_MEDIA_BYTES) -> bytes:
    """The bytes of one object; JobFailed with AWS's wording when it is missing or too large."""
    try:
        info, reader = store.objects.open_object(bucket, key)
    except ServiceError:
        raise JobFailed(UNREADABLE) from None
    try:
        if info.size > limit:
            raise JobFailed(f"Invalid file size: file size too large. The file is {info.size} bytes; the maximum "
                            f"is {limit} bytes.")
        return reader.read()
    finally:
        reader.close()

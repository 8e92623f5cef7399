"""Amazon S3: buckets, objects, ranges, copies and multipart uploads over the object store."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from typing import Any
from urllib.parse import quote, unquote

from ...errors import ServiceError
from ...store.checksums import ALGORITHMS
from ...store.objects import CONTENT_HEADERS, ObjectAttributes, ObjectInfo
from ..context import Context

_BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d+\.\d+\.\d+\.\d+$")
MAX_KEY_BYTES = 1024
READ_ATTEMPTS = 5


def _owner(context: Context) -> dict[str, str]:
    return {"ID": hashlib.sha256(context.account.encode()).hexdigest(), "DisplayName": f"sextant-{context.account}"}


def _key(params: dict[str, Any]) -> str:
    key = params["Key"]
    if ".." in key.split("/"):
        raise ServiceError("InvalidArgument", "Object key must not contain '..' path segments", ArgumentName="Key",
                           ArgumentValue=key)
    size = len(key.encode())
    if size > MAX_KEY_BYTES:
        raise ServiceError("KeyTooLongError", "Your key is too long", MaxSizeAllowed=MAX_KEY_BYTES, Size=size)
    return key


def _quoted(etag: str) -> str:
    return f'"{etag}"'


def _checksum_fields(algorithms: dict[str, str], checksum_type: str | None) -> dict[str, str]:
    fields = {f"Checksum{name}": value for name, value in algorithms.items()}
    if fields and checksum_type:
        fields["ChecksumType"] = checksum_type
    return fields


def _attributes(params: dict[str, Any]) -> ObjectAttributes:
    headers = {name: params[name] for name in CONTENT_HEADERS if params.get(name) is not None}
    if "ContentEncoding" in headers:  # aws-chunked is how the body travelled, not how the object is stored
        encoding = ",".join(p for p in headers["ContentEncoding"].split(",") if p.strip() != "aws-chunked")
        headers["ContentEncoding"] = encoding
        if not encoding:
            del headers["ContentEncoding"]
    if "Expires" in headers and isinstance(headers["Expires"], datetime):
        headers["Expires"] = headers["Expires"].isoformat()
    return ObjectAttributes(content_type=params.get("ContentType"), metadata=params.get("Metadata") or {},
                            headers=headers)


def _requested_algorithm(context: Context, params: dict[str, Any]) -> str | None:
    """The checksum algorithm a write names: the algorithm header, a checksum header or a trailer."""
    if params.get("ChecksumAlgorithm"):
        return params["ChecksumAlgorithm"].upper()
    for name in ALGORITHMS:
        if params.get(f"Checksum{name}"):
            return name
    trailer = context.headers.get("x-amz-trailer", "").lower()
    if trailer.startswith("x-amz-checksum-"):
        return trailer.removeprefix("x-amz-checksum-").upper()
    return None


def _verifier(context: Context, params: dict[str, Any], algorithm: str | None):
    """Check Content-MD5 and the sent checksum (header or aws-chunked trailer) against the data received."""
    if algorithm is not None and algorithm not in ALGORITHMS:
        raise ServiceError("InvalidRequest", f"Checksum algorithm {algorithm} is not supported by Sextant "
                           f"(supported: {', '.join(ALGORITHMS)})")

    def verify(digests: dict[str, str]) -> None:
        if params.get("ContentMD5") and params["ContentMD5"] != digests["MD5"]:
            raise ServiceError("BadDigest", "The Content-MD5 you specified did not match what we received.")
        if algorithm is None:
            return
        sent = params.get(f"Checksum{algorithm}") or context.trailers.get(f"x-amz-checksum-{algorithm.lower()}")
        if sent and sent != digests[algorithm]:
            raise ServiceError("BadDigest", f"The {algorithm} you specified did not match the calculated checksum.")

    return verify


# --- buckets -------------------------------------------------------------------------------

def create_bucket(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    name = params["Bucket"]
    if not _BUCKET_NAME.match(name) or ".." in name or _IP_ADDRESS.match(name):
        raise ServiceError("InvalidBucketName", "The specified bucket is not valid.", BucketName=name)
    region = (params.get("CreateBucketConfiguration") or {}).get("LocationConstraint") or context.region
    context.store.objects.create_bucket(name, context.account, region)
    return {"Location": f"/{name}", "BucketArn": f"arn:aws:s3:::{name}"}


def head_bucket(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    bucket = context.store.objects.bucket(params["Bucket"])
    return {"BucketRegion": bucket.region, "BucketArn": bucket.arn}


def get_bucket_location(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    region = context.store.objects.bucket(params["Bucket"]).region
    return {"LocationConstraint": None if region == "us-east-1" else region}


def delete_bucket(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    context.store.objects.delete_bucket(params["Bucket"])
    return {}


def list_buckets(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    buckets = context.store.objects.list_buckets(context.account)
    prefix = params.get("Prefix") or ""
    after = params.get("ContinuationToken") or ""
    chosen = [b for b in buckets if b.name.startswith(prefix) and b.name > after
              and (not params.get("BucketRegion") or b.region == params["BucketRegion"])]
    limit = params.get("MaxBuckets") or 10000
    result: dict[str, Any] = {
        "Buckets": [{"Name": b.name, "CreationDate": b.created_at, "BucketRegion": b.region,
                     "BucketArn": b.arn} for b in chosen[:limit]],
        "Owner": _owner(context),
    }
    if prefix:
        result["Prefix"] = prefix
    if len(chosen) > limit:
        result["ContinuationToken"] = chosen[limit - 1].name
    return result


# --- objects -------------------------------------------------------------------------------

def put_object(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    key = _key(params)
    attributes = _attributes(params)
    algorithm = _requested_algorithm(context, params)
    attributes.checksum_algorithm = algorithm
    body = params.get("Body", b"")
    stream = body if hasattr(body, "read") else _BytesReader(body)
    check_digests = _verifier(context, params, algorithm)

    def verify(digests: dict[str, str]) -> None:
        check_digests(digests)
        _check_write_conditions(context, params, params["Bucket"], key)

    info = context.store.objects.put_object(params["Bucket"], key, stream, attributes, verify)
    return {"ETag": _quoted(info.etag), "Size": info.size,
            **_checksum_fields(info.attributes.checksums, info.attributes.checksum_type)}


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self.data, self.offset = data, 0

    def read(self, size: int = -1) -> bytes:
        end = len(self.data) if size < 0 else self.offset + size
        chunk, self.offset = self.data[self.offset:end], min(end, len(self.data))
        return chunk


def _check_conditions(info: ObjectInfo, params: dict[str, Any], prefix: str = "") -> None:
    """If-Match / If-None-Match / If-(Un)Modified-Since, as S3 evaluates them."""
    etag = _quoted(info.etag)
    modified = info.last_modified.replace(microsecond=0)
    if_match, if_none_match = params.get(f"{prefix}IfMatch"), params.get(f"{prefix}IfNoneMatch")
    if if_match and if_match not in ("*", etag, info.etag):
        raise ServiceError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                           status=412, Condition="If-Match")
    if not if_match and params.get(f"{prefix}IfUnmodifiedSince") and modified > params[f"{prefix}IfUnmodifiedSince"]:
        raise ServiceError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                           status=412, Condition="If-Unmodified-Since")
    if if_none_match and if_none_match in ("*", etag, info.etag):
        raise ServiceError("NotModified", "Not Modified", status=304)
    if not if_none_match and params.get(f"{prefix}IfModifiedSince") and modified <= params[f"{prefix}IfModifiedSince"]:
        raise ServiceError("NotModified", "Not Modified", status=304)


def _check_write_conditions(context: Context, params: dict[str, Any], bucket: str, key: str) -> None:
    """If-None-Match: * (create only) and If-Match: <etag> (replace only that version) of a write."""
    if_match, if_none_match = params.get("IfMatch"), params.get("IfNoneMatch")
    if not if_match and not if_none_match:
        return
    try:
        current = context.store.objects.head_object(bucket, key)
    except ServiceError as error:
        if error.code != "NoSuchKey":
            raise
        current = None
    if current is None:
        if if_match:
            raise ServiceError("NoSuchKey", "The specified key does not exist.", status=404, Key=key)
        return
    if if_none_match and if_none_match in ("*", _quoted(current.etag), current.etag):
        raise ServiceError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                           status=412, Condition="If-None-Match")
    if if_match and if_match not in ("*", _quoted(current.etag), current.etag):
        raise ServiceError("PreconditionFailed", "At least one of the pre-conditions you specified did not hold",
                           status=412, Condition="If-Match")


def _range(header: str | None, size: int) -> tuple[int, int] | None:
    """(first, last) byte of a `Range: bytes=…` header; None for no (or an ignorable) range."""
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first, _, last = header[6:].strip().partition("-")
    try:
        if first == "":
            length = int(last)
            if length == 0:
                raise ValueError
            return max(0, size - length), size - 1
        start = int(first)
        end = int(last) if last else size - 1
    except ValueError:
        return None
    if start >= size or end < start:
        raise ServiceError("InvalidRange", "The requested range is not satisfiable", status=416,
                           RangeRequested=header, ActualObjectSize=size)
    return start, min(end, size - 1)


def _object_fields(info: ObjectInfo, params: dict[str, Any]) -> dict[str, Any]:
    attributes = info.attributes
    fields: dict[str, Any] = {
        "ETag": _quoted(info.etag), "LastModified": info.last_modified, "ContentLength": info.size,
        "ContentType": attributes.content_type or "binary/octet-stream", "Metadata": attributes.metadata,
        "AcceptRanges": "bytes", **attributes.headers,
    }
    if params.get("ChecksumMode") == "ENABLED":
        fields.update(_checksum_fields(attributes.checksums, attributes.checksum_type))
    for name in ("CacheControl", "ContentDisposition", "ContentEncoding", "ContentLanguage", "ContentType",
                 "Expires"):
        if params.get(f"Response{name}"):
            fields[name] = params[f"Response{name}"]
    return fields


def _read(context: Context, params: dict[str, Any], with_body: bool) -> dict[str, Any]:
    bucket, key = params["Bucket"], _key(params)
    store = context.store.objects
    for _ in range(READ_ATTEMPTS):
        info = store.head_object(bucket, key)
        _check_conditions(info, params)
        fields = _object_fields(info, params)
        span = _range(params.get("Range"), info.size)
        if span is not None:
            context.status = 206
            fields["ContentRange"] = f"bytes {span[0]}-{span[1]}/{info.size}"
            fields["ContentLength"] = span[1] - span[0] + 1
            for name in [f for f in fields if f.startswith("Checksum")]:
                del fields[name]
        if not with_body:
            return fields
        start, end = span if span is not None else (0, None)
        fields["Body"] = _open_version(context, info, start, end)
        if fields["Body"] is not None:
            return fields
    raise _overwritten()


def _open_version(context: Context, info: ObjectInfo, start: int, end: int | None):
    """A reader of bytes start..end of the version of an object `info` describes; None if it was replaced since."""
    opened, body = context.store.objects.open_object(info.bucket, info.key, start, end)
    if (opened.etag, opened.last_modified) == (info.etag, info.last_modified):
        return body
    body.close()
    return None


def _overwritten() -> ServiceError:
    return ServiceError("SlowDown", "The object is being overwritten faster than it can be read; retry",
                        status=503, sender_fault=False)


def get_object(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _read(context, params, with_body=True)


def head_object(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _read(context, params, with_body=False)


def delete_object(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    context.store.objects.delete_object(params["Bucket"], _key(params))
    context.status = 204
    return {}


def delete_objects(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    bucket = params["Bucket"]
    context.store.objects.bucket(bucket)
    request = params["Delete"]
    if len(request.get("Objects", [])) > 1000:
        raise ServiceError("MalformedXML", "The XML you provided was not well-formed or did not validate against "
                           "our published schema (at most 1000 keys per request)")
    deleted, errors = [], []
    for item in request.get("Objects", []):
        try:
            context.store.objects.delete_object(bucket, _key(item))
            deleted.append({"Key": item["Key"]})
        except ServiceError as error:
            errors.append({"Key": item["Key"], "Code": error.code, "Message": error.message})
    return {"Deleted": [] if request.get("Quiet") else deleted, "Errors": errors}


def _copy_source(text: str) -> tuple[str, str]:
    source = unquote(text.split("?versionId=", 1)[0]).lstrip("/")
    bucket, _, key = source.partition("/")
    if not bucket or not key:
        raise ServiceError("InvalidArgument", "Copy Source must mention the source bucket and key: "
                           "sourcebucket/sourcekey", ArgumentName="x-amz-copy-source", ArgumentValue=text)
    if ".." in key.split("/"):
        raise ServiceError("InvalidArgument", "Object key must not contain '..' path segments")
    return bucket, key


def copy_object(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    source_bucket, source_key = _copy_source(params["CopySource"])
    key = _key(params)
    store = context.store.objects
    source = store.head_object(source_bucket, source_key)
    _check_conditions(source, params, prefix="CopySource")
    replace = params.get("MetadataDirective") == "REPLACE"
    if (source_bucket, source_key) == (params["Bucket"], key) and not replace:
        raise ServiceError("InvalidRequest", "This copy request is illegal because it is trying to copy an object "
                           "to itself without changing the object's metadata, storage class, website redirect "
                           "location or encryption attributes.")
    info = store.copy_object(source_bucket, source_key, params["Bucket"], key,
                             _attributes(params) if replace else None)
    return {"CopyObjectResult": {"ETag": _quoted(info.etag), "LastModified": info.last_modified,
                                 **_checksum_fields(info.attributes.checksums, None)}}


def _encode(value: str | None, encoding: str | None) -> str | None:
    return quote(value, safe="/") if value is not None and encoding == "url" else value


def list_objects_v2(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    token = params.get("ContinuationToken")
    if token:
        try:
            after = base64.urlsafe_b64decode(token.encode()).decode()
        except ValueError:
            raise ServiceError("InvalidArgument", "The continuation token provided is incorrect",
                               ArgumentName="continuation-token") from None
    else:
        after = params.get("StartAfter") or ""
    listing, result = _list(context, params, after, owner=bool(params.get("FetchOwner")))
    encoding = params.get("EncodingType")
    result.update(KeyCount=len(listing.objects) + len(listing.common_prefixes), ContinuationToken=token,
                  StartAfter=_encode(params.get("StartAfter"), encoding))
    if listing.truncated:
        result["NextContinuationToken"] = base64.urlsafe_b64encode(listing.last.encode()).decode()
    return result


def list_objects(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    listing, result = _list(context, params, params.get("Marker") or "", owner=True)
    result["Marker"] = _encode(params.get("Marker") or "", params.get("EncodingType"))
    if listing.truncated and params.get("Delimiter"):
        result["NextMarker"] = _encode(listing.last, params.get("EncodingType"))
    return result


def _listed_checksum(attributes: ObjectAttributes) -> dict[str, Any]:
    """ChecksumAlgorithm/ChecksumType of a listing entry (a remote store's listing knows only the algorithm)."""
    algorithms = list(attributes.checksums) or ([attributes.checksum_algorithm] if attributes.checksum_algorithm else [])
    return {"ChecksumAlgorithm": algorithms, "ChecksumType": attributes.checksum_type} if algorithms else {}


def _list(context: Context, params: dict[str, Any], after: str, owner: bool):
    prefix, delimiter = params.get("Prefix") or "", params.get("Delimiter") or ""
    max_keys = min(params.get("MaxKeys", 1000), 1000)
    listing = context.store.objects.list_objects(params["Bucket"], prefix, delimiter, after, max_keys)
    if max_keys == 0:  # an empty page is complete: a token to resume from nothing would restart the listing
        listing.truncated = False
    encoding = params.get("EncodingType")
    return listing, {
        "Name": params["Bucket"], "Prefix": _encode(prefix, encoding), "Delimiter": _encode(delimiter or None, encoding),
        "MaxKeys": max_keys, "EncodingType": encoding, "IsTruncated": listing.truncated,
        "Contents": [{"Key": _encode(o.key, encoding), "LastModified": o.last_modified, "ETag": _quoted(o.etag),
                      "Size": o.size, "StorageClass": "STANDARD",
                      **_listed_checksum(o.attributes),
                      **({"Owner": _owner(context)} if owner else {})}
                     for o in listing.objects],
        "CommonPrefixes": [{"Prefix": _encode(p, encoding)} for p in listing.common_prefixes],
    }


# --- multipart uploads ---------------------------------------------------------------------

def create_multipart_upload(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    key = _key(params)
    attributes = _attributes(params)
    algorithm = params.get("ChecksumAlgorithm")
    if algorithm and algorithm.upper() not in ALGORITHMS:
        raise ServiceError("InvalidRequest", f"Checksum algorithm {algorithm} is not supported by Sextant")
    attributes.checksum_algorithm = algorithm.upper() if algorithm else None
    if algorithm:
        attributes.checksum_type = params.get("ChecksumType") or \
            ("FULL_OBJECT" if algorithm.upper() == "CRC64NVME" else "COMPOSITE")
    upload = context.store.objects.create_upload(params["Bucket"], key, attributes)
    return {"Bucket": params["Bucket"], "Key": key, "UploadId": upload.upload_id,
            "ChecksumAlgorithm": attributes.checksum_algorithm, "ChecksumType": attributes.checksum_type}


def _part_number(params: dict[str, Any]) -> int:
    if not 1 <= params["PartNumber"] <= 10000:
        raise ServiceError("InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive",
                           ArgumentName="partNumber", ArgumentValue=params["PartNumber"])
    return params["PartNumber"]


def upload_part(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    _part_number(params)
    algorithm = _requested_algorithm(context, params)
    body = params.get("Body", b"")
    part = context.store.objects.upload_part(
        params["Bucket"], _key(params), params["UploadId"], params["PartNumber"],
        body if hasattr(body, "read") else _BytesReader(body), algorithm, _verifier(context, params, algorithm))
    return {"ETag": _quoted(part.etag), **_checksum_fields(part.checksums, None)}


def _copy_range(header: str | None, size: int) -> tuple[int, int | None]:
    """(first, last) byte of `x-amz-copy-source-range: bytes=first-last`; the whole object when absent."""
    if not header:
        return 0, None
    match = re.fullmatch(r"bytes=(\d+)-(\d+)", header.strip())
    if match is None:
        raise ServiceError("InvalidArgument", "The x-amz-copy-source-range value must be of the form "
                           "bytes=first-last where first and last are the zero-based offsets of the first and last "
                           "bytes to copy", ArgumentName="x-amz-copy-source-range", ArgumentValue=header)
    first, last = int(match.group(1)), int(match.group(2))
    if first > last or last >= size:
        raise ServiceError("InvalidArgument", f"Range specified is not valid for source object of size: {size}",
                           ArgumentName="x-amz-copy-source-range", ArgumentValue=header)
    return first, last


def upload_part_copy(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    source_bucket, source_key = _copy_source(params["CopySource"])
    number, key = _part_number(params), _key(params)
    store = context.store.objects
    store.upload(params["Bucket"], key, params["UploadId"])
    for _ in range(READ_ATTEMPTS):
        source = store.head_object(source_bucket, source_key)
        _check_conditions(source, params, prefix="CopySource")
        reader = _open_version(context, source, *_copy_range(params.get("CopySourceRange"), source.size))
        if reader is not None:
            break
    else:
        raise _overwritten()
    try:
        part = store.upload_part(params["Bucket"], key, params["UploadId"], number, reader)
    finally:
        reader.close()
    return {"CopyPartResult": {"ETag": _quoted(part.etag), "LastModified": part.last_modified,
                               **_checksum_fields(part.checksums, None)}}


def complete_multipart_upload(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    key = _key(params)
    requested = [(p["PartNumber"], p["ETag"]) for p in (params.get("MultipartUpload") or {}).get("Parts", [])]
    _check_write_conditions(context, params, params["Bucket"], key)
    info = context.store.objects.complete_upload(params["Bucket"], key, params["UploadId"], requested)
    return {"Location": f"{context.base_url}/{params['Bucket']}/{quote(key)}", "Bucket": params["Bucket"],
            "Key": key, "ETag": _quoted(info.etag),
            **_checksum_fields(info.attributes.checksums, info.attributes.checksum_type)}


def abort_multipart_upload(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    context.store.objects.abort_upload(params["Bucket"], _key(params), params["UploadId"])
    context.status = 204
    return {}


def list_parts(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    marker = int(params.get("PartNumberMarker") or 0)
    max_parts = min(params.get("MaxParts", 1000), 1000)
    upload, found, truncated = context.store.objects.list_parts(params["Bucket"], _key(params), params["UploadId"],
                                                                marker, max_parts)
    result = {
        "Bucket": params["Bucket"], "Key": upload.key, "UploadId": upload.upload_id,
        "PartNumberMarker": str(marker), "MaxParts": max_parts, "IsTruncated": truncated,
        "Parts": [{"PartNumber": p.part_number, "LastModified": p.last_modified, "ETag": _quoted(p.etag),
                   "Size": p.size, **_checksum_fields(p.checksums, None)} for p in found],
        "Initiator": _owner(context), "Owner": _owner(context), "StorageClass": "STANDARD",
        "ChecksumAlgorithm": upload.attributes.checksum_algorithm,
        "ChecksumType": upload.attributes.checksum_type,
    }
    if found:
        result["NextPartNumberMarker"] = str(found[-1].part_number)
    return result


def list_multipart_uploads(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    max_uploads = min(params.get("MaxUploads", 1000), 1000)
    found, truncated = context.store.objects.list_uploads(
        params["Bucket"], params.get("Prefix") or "", params.get("KeyMarker") or "",
        params.get("UploadIdMarker") or "", max_uploads)
    result = {
        "Bucket": params["Bucket"], "KeyMarker": params.get("KeyMarker") or "",
        "UploadIdMarker": params.get("UploadIdMarker") or "", "MaxUploads": max_uploads,
        "IsTruncated": truncated, "Prefix": params.get("Prefix"),
        "Uploads": [{"UploadId": u.upload_id, "Key": u.key, "Initiated": u.initiated, "StorageClass": "STANDARD",
                     "Owner": _owner(context), "Initiator": _owner(context),
                     "ChecksumAlgorithm": u.attributes.checksum_algorithm,
                     "ChecksumType": u.attributes.checksum_type} for u in found],
    }
    if truncated and found:
        result["NextKeyMarker"], result["NextUploadIdMarker"] = found[-1].key, found[-1].upload_id
    return result

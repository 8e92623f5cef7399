"""Objects in an external S3-compatible store (MinIO, Ceph, AWS, another Sextant), through boto3.

The remote holds everything — buckets, objects, their attributes and multipart uploads — in its own
native fields (content type, user metadata, content headers, checksums, checksum type): nothing is
kept locally but the spool file of a write in progress. The remote's errors are raised as the
ServiceError S3 answers, with its code, message, status and fields.
"""

from __future__ import annotations

import tempfile
from http import HTTPStatus
from typing import Any, BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from ..config import DEFAULT_ACCOUNT, Settings
from ..errors import ServiceError
from . import checksums
from .db import Resource, now, to_datetime
from .objects import (BUCKET, CONTENT_HEADERS, Listing, ObjectAttributes, ObjectInfo, PartInfo, UploadInfo, Verifier,
                      spool)



def _service_error(exc: ClientError) -> ServiceError:
    """The remote's error as Sextant raises it."""
    fields = dict(exc.response.get("Error", {}))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 500)
    code, message = str(fields.pop("Code", "")), str(fields.pop("Message", ""))
    if not code or code.isdigit():  # an answer to HEAD has no body: name the error by its status
        code = "AccessDenied" if status == 403 else HTTPStatus(status).phrase.replace(" ", "")
    return ServiceError(code, message, status=status, sender_fault=status < 500, **fields)


def _no_such_bucket(name: str) -> ServiceError:
    return ServiceError("NoSuchBucket", "The specified bucket does not exist", status=404, BucketName=name)


def _checksum_values(found: dict[str, str]) -> dict[str, str]:
    """Checksums by algorithm as the `Checksum<ALGORITHM>` members of a request."""
    return {f"Checksum{name}": value for name, value in found.items()}


def _sent(algorithm: str | None, digests: dict[str, str]) -> dict[str, str]:
    """The members of a write that make the remote check and store the checksum of `algorithm`."""
    return {"ChecksumAlgorithm": algorithm, f"Checksum{algorithm}": digests[algorithm]} if algorithm else {}


def _checksums(entry: dict[str, Any]) -> dict[str, str]:
    """The `Checksum<ALGORITHM>` members of an answer, by algorithm."""
    return {name: entry[f"Checksum{name}"] for name in checksums.ALGORITHMS if entry.get(f"Checksum{name}")}


def _etag(entry: dict[str, Any]) -> str:
    return entry["ETag"].strip('"')


def _info(bucket: str, key: str, size: int, response: dict[str, Any]) -> ObjectInfo:
    """An object's info from a HeadObject or GetObject answer."""
    found = _checksums(response)
    headers = {name: response[name] for name in CONTENT_HEADERS if response.get(name) is not None}
    if "Expires" in headers:  # botocore parses it; the store keeps ISO text, as the local store does
        headers["Expires"] = headers["Expires"].isoformat()
    attributes = ObjectAttributes(content_type=response.get("ContentType"), metadata=response.get("Metadata", {}),
                                  headers=headers, checksum_algorithm=next(iter(found), None),
                                  checksum_type=response.get("ChecksumType") if found else None, checksums=found)
    return ObjectInfo(bucket, key, size, _etag(response), response["LastModified"], attributes)


def _part(entry: dict[str, Any]) -> PartInfo:
    return PartInfo(entry["PartNumber"], entry["Size"], _etag(entry), entry["LastModified"], _checksums(entry))


def _upload(bucket: str, entry: dict[str, Any]) -> UploadInfo:
    """An upload from a ListMultipartUploads entry (which carries no content type or metadata)."""
    attributes = ObjectAttributes(checksum_algorithm=entry.get("ChecksumAlgorithm"),
                                  checksum_type=entry.get("ChecksumType"))
    return UploadInfo(entry["UploadId"], bucket, entry["Key"], entry["Initiated"], attributes)


def _writing(attributes: ObjectAttributes) -> dict[str, Any]:
    """PutObject / CopyObject / CreateMultipartUpload members that carry an object's attributes."""
    content_type = {"ContentType": attributes.content_type} if attributes.content_type else {}
    return {**content_type, "Metadata": attributes.metadata, **attributes.headers}


class RemoteObjectStore:
    """The object store behind `SEXTANT_S3_ENDPOINT`: the same interface as LocalObjectStore."""

    kind = "s3"

    def __init__(self, settings: Settings) -> None:
        if not settings.s3_endpoint:
            raise ValueError("the remote object store needs SEXTANT_S3_ENDPOINT")
        self.endpoint: str = settings.s3_endpoint
        self.region = settings.s3_region
        self.tmp = settings.home / "spool"
        self.tmp.mkdir(parents=True, exist_ok=True)
        config = Config(s3={"addressing_style": "path"}, retries={"mode": "standard", "max_attempts": 3},
                        connect_timeout=10, read_timeout=120, max_pool_connections=64,
                        # checksums are sent only when an object has one, so the remote stores no others
                        request_checksum_calculation="when_required",
                        response_checksum_validation="when_required")
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint, region_name=self.region, aws_access_key_id=settings.s3_access_key,
            aws_secret_access_key=settings.s3_secret_key, config=config)

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One remote call; its failure raised as a ServiceError."""
        try:
            return getattr(self.client, operation)(**params)
        except ClientError as exc:
            raise _service_error(exc) from None
        except BotoCoreError as exc:
            raise ServiceError("ServiceUnavailable", f"The object store at {self.endpoint} did not answer: {exc}",
                               status=503, sender_fault=False) from None

    # --- buckets ----------------------------------------------------------------------------

    def _listed(self, prefix: str = "") -> list[dict[str, Any]]:
        """The remote's ListBuckets entries whose names start with `prefix`."""
        found: list[dict[str, Any]] = []
        params: dict[str, Any] = {"Prefix": prefix} if prefix else {}
        while True:
            page = self._call("list_buckets", MaxBuckets=1000, **params)
            found += [entry for entry in page.get("Buckets", []) if entry["Name"].startswith(prefix)]
            if not page.get("ContinuationToken"):
                return found
            params["ContinuationToken"] = page["ContinuationToken"]

    def _resource(self, name: str, account: str, region: str | None, created: float) -> Resource:
        return Resource(account, region or self.region, BUCKET, name, f"arn:aws:s3:::{name}",
                        document={"Name": name}, created_at=created, updated_at=created)

    def _head_bucket(self, name: str) -> dict[str, Any]:
        try:
            return self._call("head_bucket", Bucket=name)
        except ServiceError as error:
            if error.status == 404:
                raise _no_such_bucket(name) from None
            raise

    def create_bucket(self, name: str, account: str, region: str) -> Resource:
        # AWS in us-east-1 answers 200 to re-creating a bucket one owns; S3 elsewhere (and the local store) 409
        if any(entry["Name"] == name for entry in self._listed(name)):
            raise ServiceError("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket "
                               "succeeded and you already own it.", status=409, BucketName=name)
        location = {} if region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        self._call("create_bucket", Bucket=name, **location)
        return self._resource(name, account, region, now())

    def bucket(self, name: str) -> Resource:
        """A bucket: HeadBucket for its existence and region, ListBuckets for its creation date."""
        region = self._head_bucket(name).get("BucketRegion")
        created = next((entry["CreationDate"].timestamp() for entry in self._listed(name) if entry["Name"] == name),
                       now())  # a bucket the credential can reach without owning it is not listed
        return self._resource(name, DEFAULT_ACCOUNT, region, created)

    def list_buckets(self, account: str) -> list[Resource]:
        """Every bucket of the remote credential: all Sextant accounts share it."""
        return sorted((self._resource(entry["Name"], account, entry.get("BucketRegion"),
                                      entry["CreationDate"].timestamp()) for entry in self._listed()),
                      key=lambda resource: resource.name)

    def delete_bucket(self, name: str) -> None:
        self._call("delete_bucket", Bucket=name)

    # --- writing ----------------------------------------------------------------------------

    def put_object(self, bucket: str, key: str, stream: BinaryIO, attributes: ObjectAttributes,
                   verify: Verifier | None = None) -> ObjectInfo:
        algorithm = attributes.checksum_algorithm
        with tempfile.TemporaryFile(dir=self.tmp) as handle:
            size, digests = spool(stream, handle, [algorithm] if algorithm else [], verify)
            md5 = digests.pop("MD5")
            response = self._call("put_object", Bucket=bucket, Key=key, Body=handle, ContentMD5=md5,
                                  **_writing(attributes), **_sent(algorithm, digests))
        attributes.checksums = digests
        attributes.checksum_type = "FULL_OBJECT" if digests else None
        return ObjectInfo(bucket, key, size, _etag(response), to_datetime(now()), attributes)

    def copy_object(self, source_bucket: str, source_key: str, bucket: str, key: str,
                    attributes: ObjectAttributes | None) -> ObjectInfo:
        """Copy an object; `attributes` None keeps the source's (MetadataDirective COPY)."""
        directive = {"MetadataDirective": "COPY"} if attributes is None else \
            {"MetadataDirective": "REPLACE", **_writing(attributes)}
        self._call("copy_object", Bucket=bucket, Key=key, CopySource={"Bucket": source_bucket, "Key": source_key},
                   **directive)
        return self.head_object(bucket, key)

    def delete_object(self, bucket: str, key: str) -> None:
        self._call("delete_object", Bucket=bucket, Key=key)

    # --- reading ----------------------------------------------------------------------------

    def head_object(self, bucket: str, key: str) -> ObjectInfo:
        try:
            response = self._call("head_object", Bucket=bucket, Key=key, ChecksumMode="ENABLED")
        except ServiceError as error:
            if error.status != 404:
                raise
            self._head_bucket(bucket)
            raise ServiceError("NoSuchKey", "The specified key does not exist.", status=404, Key=key) from None
        return _info(bucket, key, response["ContentLength"], response)

    def open_object(self, bucket: str, key: str, start: int = 0, end: int | None = None) -> tuple[ObjectInfo, Any]:
        """The object's info and a reader of bytes start..end (inclusive; end None = to the end)."""
        span = {} if start == 0 and end is None else {"Range": f"bytes={start}-{'' if end is None else end}"}
        response = self._call("get_object", Bucket=bucket, Key=key, ChecksumMode="ENABLED", **span)
        size = int(response["ContentRange"].rpartition("/")[2]) if response.get("ContentRange") \
            else response["ContentLength"]
        return _info(bucket, key, size, response), response["Body"]

    def list_objects(self, bucket: str, prefix: str = "", delimiter: str = "", after: str = "",
                     max_keys: int = 1000) -> Listing:
        """Keys in UTF-8 order after `after`, rolled up into common prefixes at `delimiter`."""
        params = {name: value for name, value in
                  {"Prefix": prefix, "Delimiter": delimiter, "StartAfter": after}.items() if value}
        found: list[ObjectInfo | str] = []
        while True:
            # one more than a page, to know whether it is truncated, and one more for `after` listed again
            page = self._call("list_objects_v2", Bucket=bucket, MaxKeys=min(max_keys + 2 - len(found), 1000),
                              **params)
            entries: list[ObjectInfo | str] = [
                ObjectInfo(bucket, entry["Key"], entry["Size"], _etag(entry), entry["LastModified"],
                           ObjectAttributes(checksum_algorithm=(entry.get("ChecksumAlgorithm") or [None])[0],
                                            checksum_type=entry.get("ChecksumType")))
                for entry in page.get("Contents", [])]
            # when `after` is a common prefix (the last entry of a page), a remote may roll it up again
            entries += [entry["Prefix"] for entry in page.get("CommonPrefixes", []) if entry["Prefix"] != after]
            found += sorted(entries, key=lambda item: item.key if isinstance(item, ObjectInfo) else item)
            if len(found) > max_keys or not page.get("IsTruncated"):
                break
            params["ContinuationToken"] = page["NextContinuationToken"]
        truncated = len(found) > max_keys
        found = found[:max_keys]
        last = found[-1] if found else ""
        return Listing([item for item in found if isinstance(item, ObjectInfo)],
                       [item for item in found if isinstance(item, str)], truncated,
                       last.key if isinstance(last, ObjectInfo) else last)

    # --- multipart --------------------------------------------------------------------------

    def create_upload(self, bucket: str, key: str, attributes: ObjectAttributes) -> UploadInfo:
        checksum = {name: value for name, value in {"ChecksumAlgorithm": attributes.checksum_algorithm,
                                                    "ChecksumType": attributes.checksum_type}.items() if value}
        response = self._call("create_multipart_upload", Bucket=bucket, Key=key, **_writing(attributes), **checksum)
        return UploadInfo(response["UploadId"], bucket, key, to_datetime(now()), attributes)

    def upload(self, bucket: str, key: str, upload_id: str) -> UploadInfo:
        """An upload in progress, found with ListMultipartUploads (S3 keeps its content attributes hidden)."""
        params: dict[str, Any] = {"Prefix": key}
        while True:
            page = self._call("list_multipart_uploads", Bucket=bucket, **params)
            for entry in page.get("Uploads", []):
                if entry["UploadId"] == upload_id and entry["Key"] == key:
                    return _upload(bucket, entry)
            if not page.get("IsTruncated"):
                raise ServiceError("NoSuchUpload", "The specified multipart upload does not exist. The upload ID "
                                   "may be invalid, or the upload may have been aborted or completed.", status=404,
                                   UploadId=upload_id)
            params.update(KeyMarker=page["NextKeyMarker"], UploadIdMarker=page["NextUploadIdMarker"])

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, stream: BinaryIO,
                    algorithm: str | None = None, verify: Verifier | None = None) -> PartInfo:
        # the request's algorithm is verified; the upload's is the one the remote combines, so it is sent
        combined = self.upload(bucket, key, upload_id).attributes.checksum_algorithm or algorithm
        algorithms = list(dict.fromkeys(name for name in (algorithm, combined) if name))
        with tempfile.TemporaryFile(dir=self.tmp) as handle:
            size, digests = spool(stream, handle, algorithms, verify)
            md5 = digests.pop("MD5")
            response = self._call("upload_part", Bucket=bucket, Key=key, UploadId=upload_id,
                                  PartNumber=part_number, Body=handle, ContentMD5=md5, **_sent(combined, digests))
        return PartInfo(part_number, size, _etag(response), to_datetime(now()), digests)

    def _parts(self, bucket: str, key: str, upload_id: str, after: int, max_parts: int
               ) -> tuple[list[PartInfo], bool]:
        page = self._call("list_parts", Bucket=bucket, Key=key, UploadId=upload_id, PartNumberMarker=after,
                          MaxParts=max_parts)
        return [_part(entry) for entry in page.get("Parts", [])], bool(page.get("IsTruncated"))

    def list_parts(self, bucket: str, key: str, upload_id: str, after: int = 0, max_parts: int = 1000
                   ) -> tuple[UploadInfo, list[PartInfo], bool]:
        upload = self.upload(bucket, key, upload_id)
        return upload, *self._parts(bucket, key, upload_id, after, max_parts)

    def list_uploads(self, bucket: str, prefix: str = "", key_marker: str = "", upload_id_marker: str = "",
                     max_uploads: int = 1000) -> tuple[list[UploadInfo], bool]:
        markers = {name: value for name, value in {"Prefix": prefix, "KeyMarker": key_marker,
                                                   "UploadIdMarker": upload_id_marker}.items() if value}
        page = self._call("list_multipart_uploads", Bucket=bucket, MaxUploads=max_uploads, **markers)
        return [_upload(bucket, entry) for entry in page.get("Uploads", [])], bool(page.get("IsTruncated"))

    def abort_upload(self, bucket: str, key: str, upload_id: str) -> None:
        self._call("abort_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id)

    def complete_upload(self, bucket: str, key: str, upload_id: str, requested: list[tuple[int, str]]) -> ObjectInfo:
        """Join the named parts (number, ETag) into the object, as CompleteMultipartUpload does."""
        stored: dict[int, PartInfo] = {}
        truncated = True
        while truncated:  # the remote wants each part's checksum back when the upload has an algorithm
            found, truncated = self._parts(bucket, key, upload_id, max(stored, default=0), 1000)
            stored.update((part.part_number, part) for part in found)
            truncated = truncated and bool(found)
        parts = [{"PartNumber": number, "ETag": etag,
                  **_checksum_values(stored[number].checksums if number in stored else {})}
                 for number, etag in requested]
        self._call("complete_multipart_upload", Bucket=bucket, Key=key, UploadId=upload_id,
                   MultipartUpload={"Parts": parts})
        return self.head_object(bucket, key)

    def describe(self) -> dict[str, str]:
        return {"kind": self.kind, "endpoint": self.endpoint, "region": self.region}

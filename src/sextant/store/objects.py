"""Objects: S3 semantics over the local filesystem, indexed in the metadata database.

Object data lives in `<home>/objects/<bucket>/<xx>/<uuid>` — file names never derive from keys,
so no key can reach a file outside its bucket. Writes go to a temporary file that is renamed
into place before the index points at it: a crash never leaves a partial object visible.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Callable

from sqlalchemy import and_, bindparam, delete, insert, select
from sqlalchemy.engine import Engine

from ..errors import ServiceError
from . import checksums
from .db import Resource, Resources, now, objects, parts, to_datetime, uploads

CHUNK = 1024 * 1024
CONTENT_HEADERS = ("CacheControl", "ContentDisposition", "ContentEncoding", "ContentLanguage", "Expires")
MIN_PART_SIZE = 5 * 1024 * 1024
BUCKET = "s3:bucket"


@dataclass
class ObjectAttributes:
    """What a writer sets on an object besides its data."""

    content_type: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)  # ContentEncoding, CacheControl, …
    checksum_algorithm: str | None = None
    checksum_type: str | None = None  # FULL_OBJECT or COMPOSITE (multipart)
    checksums: dict[str, str] = field(default_factory=dict)  # filled by the store

    @classmethod
    def from_json(cls, text: str) -> "ObjectAttributes":
        return cls(**json.loads(text))


@dataclass
class ObjectInfo:
    bucket: str
    key: str
    size: int
    etag: str  # without quotes; `<md5>` or `<md5-of-md5s>-N`
    last_modified: datetime
    attributes: ObjectAttributes


@dataclass
class PartInfo:
    part_number: int
    size: int
    etag: str
    last_modified: datetime
    checksums: dict[str, str]


@dataclass
class UploadInfo:
    upload_id: str
    bucket: str
    key: str
    initiated: datetime
    attributes: ObjectAttributes


@dataclass
class Listing:
    objects: list[ObjectInfo]
    common_prefixes: list[str]
    truncated: bool
    last: str  # the last key or common prefix listed: where the next page starts after


_OBJECT = (objects.c.bucket == bindparam("bucket")) & (objects.c.key == bindparam("key"))
_SELECT_OBJECT = select(objects).where(_OBJECT)
_SELECT_BLOB = select(objects.c.blob).where(_OBJECT)
_DELETE_OBJECT = delete(objects).where(_OBJECT)
_INSERT_OBJECT = insert(objects)

Verifier = Callable[[dict[str, str]], None]
"""Called with the computed digests (base64, by algorithm, MD5 included) before an object is committed;
raises to refuse the write."""


def spool(stream: BinaryIO, handle: BinaryIO, algorithms: list[str], verify: Verifier | None
          ) -> tuple[int, dict[str, str]]:
    """Copy `stream` into `handle` computing MD5 and `algorithms`, let `verify` see the digests, rewind."""
    digests = {name: checksums.new(name) for name in ["MD5", *algorithms]}
    size = 0
    while chunk := stream.read(CHUNK):
        handle.write(chunk)
        size += len(chunk)
        for digest in digests.values():
            digest.update(chunk)
    values = {name: checksums.encode(digest.digest()) for name, digest in digests.items()}
    if verify is not None:
        verify(values)
    handle.seek(0)
    return size, values


def successor(prefix: str) -> str:
    """The smallest string greater than every string that starts with `prefix`."""
    while prefix and ord(prefix[-1]) == 0x10FFFF:
        prefix = prefix[:-1]
    return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else ""


class LimitedReader:
    """A read-only view of `length` bytes of an open file from `start`."""

    def __init__(self, handle: BinaryIO, start: int, length: int) -> None:
        handle.seek(start)
        self.handle, self.remaining = handle, length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size < 0 else min(size, self.remaining)
        data = self.handle.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.handle.close()


class LocalObjectStore:
    """The embedded object store."""

    kind = "local"

    def __init__(self, root: Path, engine: Engine, resources: Resources) -> None:
        self.root = root
        self.engine = engine
        self.resources = resources
        self.tmp = root / ".tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        for leftover in self.tmp.iterdir():  # writes a crash interrupted; they were never visible
            leftover.unlink(missing_ok=True)

    # --- buckets ----------------------------------------------------------------------------

    def create_bucket(self, name: str, account: str, region: str) -> Resource:
        existing = self.resources.find(BUCKET, name)
        if existing is not None:
            code = "BucketAlreadyOwnedByYou" if existing.account == account else "BucketAlreadyExists"
            raise ServiceError(code, "The requested bucket name is not available." if code == "BucketAlreadyExists"
                               else "Your previous request to create the named bucket succeeded and you already own it.",
                               status=409, BucketName=name)
        resource = Resource(account, region, BUCKET, name, f"arn:aws:s3:::{name}", document={"Name": name})
        (self.root / name).mkdir(parents=True, exist_ok=True)
        return self.resources.create(resource)

    def bucket(self, name: str) -> Resource:
        resource = self.resources.find(BUCKET, name)
        if resource is None:
            raise ServiceError("NoSuchBucket", "The specified bucket does not exist", status=404, BucketName=name)
        return resource

    def list_buckets(self, account: str) -> list[Resource]:
        return sorted(self.resources.list(BUCKET, account=account), key=lambda r: r.name)

    def delete_bucket(self, name: str) -> None:
        resource = self.bucket(name)
        with self.engine.connect() as connection:
            if connection.execute(select(objects.c.key).where(objects.c.bucket == name).limit(1)).first():
                raise ServiceError("BucketNotEmpty", "The bucket you tried to delete is not empty", status=409,
                                   BucketName=name)
            pending = connection.execute(select(uploads.c.upload_id).where(uploads.c.bucket == name)).scalars().all()
        for upload_id in pending:  # unfinished uploads go with their bucket
            self._drop_upload(upload_id)
        self.resources.delete(resource)
        shutil.rmtree(self.root / name, ignore_errors=True)

    # --- writing ----------------------------------------------------------------------------

    def _spool(self, stream: BinaryIO, algorithms: list[str], verify: Verifier | None) -> tuple[Path, int, dict[str, str]]:
        """Copy `stream` to a temporary file, computing digests; the file is removed if anything fails."""
        path = self.tmp / uuid.uuid4().hex
        try:
            with open(path, "wb") as handle:
                size, values = spool(stream, handle, algorithms, verify)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return path, size, values

    def _place(self, bucket: str, temporary: Path) -> str:
        """Rename a finished temporary file into the bucket; returns its path relative to the root."""
        name = uuid.uuid4().hex
        relative = f"{bucket}/{name[:2]}/{name}"
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temporary, target)
        return relative

    def _commit(self, bucket: str, key: str, size: int, etag: str, blob: str,
                attributes: ObjectAttributes) -> ObjectInfo:
        modified = now()
        with self.engine.begin() as connection:
            old = connection.execute(_SELECT_BLOB, dict(bucket=bucket, key=key)).scalar()
            if old is not None:
                connection.execute(_DELETE_OBJECT, dict(bucket=bucket, key=key))
            connection.execute(_INSERT_OBJECT, dict(
                bucket=bucket, key=key, size=size, etag=etag, last_modified=modified, blob=blob,
                attributes=json.dumps(asdict(attributes))))
        if old is not None and old != blob:
            (self.root / old).unlink(missing_ok=True)
        return ObjectInfo(bucket, key, size, etag, to_datetime(modified), attributes)

    def put_object(self, bucket: str, key: str, stream: BinaryIO, attributes: ObjectAttributes,
                   verify: Verifier | None = None) -> ObjectInfo:
        self.bucket(bucket)
        algorithms = [attributes.checksum_algorithm] if attributes.checksum_algorithm else []
        temporary, size, digests = self._spool(stream, algorithms, verify)
        md5 = digests.pop("MD5")
        attributes.checksums = digests
        attributes.checksum_type = "FULL_OBJECT" if digests else None
        blob = self._place(bucket, temporary)
        return self._commit(bucket, key, size, base64.b64decode(md5).hex(), blob, attributes)

    def copy_object(self, source_bucket: str, source_key: str, bucket: str, key: str,
                    attributes: ObjectAttributes | None) -> ObjectInfo:
        """Copy an object; `attributes` None keeps the source's (MetadataDirective COPY)."""
        self.bucket(bucket)
        temporary = self.tmp / uuid.uuid4().hex
        # objects are immutable files: a hard link is a safe copy
        source, _ = self._with_data(source_bucket, source_key, lambda path: os.link(path, temporary))
        if attributes is None:
            attributes = source.attributes
        else:
            attributes.checksums, attributes.checksum_type = source.attributes.checksums, source.attributes.checksum_type
        return self._commit(bucket, key, source.size, source.etag, self._place(bucket, temporary), attributes)

    def delete_object(self, bucket: str, key: str) -> None:
        self.bucket(bucket)
        with self.engine.begin() as connection:
            blob = connection.execute(_SELECT_BLOB, dict(bucket=bucket, key=key)).scalar()
            connection.execute(_DELETE_OBJECT, dict(bucket=bucket, key=key))
        if blob is not None:
            (self.root / blob).unlink(missing_ok=True)

    # --- reading ----------------------------------------------------------------------------

    def _row(self, bucket: str, key: str) -> tuple[ObjectInfo, str]:
        with self.engine.connect() as connection:
            row = connection.execute(_SELECT_OBJECT, dict(bucket=bucket, key=key)).first()
        if row is None:
            self.bucket(bucket)
            raise ServiceError("NoSuchKey", "The specified key does not exist.", status=404, Key=key)
        info = ObjectInfo(bucket, key, row.size, row.etag, to_datetime(row.last_modified),
                          ObjectAttributes.from_json(row.attributes))
        return info, row.blob

    def _with_data(self, bucket: str, key: str, use: Callable[[Path], Any]) -> tuple[ObjectInfo, Any]:
        """The object's info and `use(path of its data file)`, for one and the same version of the object.

        A concurrent overwrite or delete may unlink the file between reading the index and using it:
        then the index is read again.
        """
        previous = None
        while True:
            info, blob = self._row(bucket, key)
            try:
                return info, use(self.root / blob)
            except FileNotFoundError:
                if blob == previous:
                    raise
                previous = blob

    def head_object(self, bucket: str, key: str) -> ObjectInfo:
        return self._row(bucket, key)[0]

    def open_object(self, bucket: str, key: str, start: int = 0, end: int | None = None) -> tuple[ObjectInfo, Any]:
        """The object's info and a reader of bytes start..end (inclusive; end None = to the end)."""
        info, handle = self._with_data(bucket, key, lambda path: open(path, "rb"))
        last = info.size - 1 if end is None else min(end, info.size - 1)
        return info, LimitedReader(handle, start, max(0, last - start + 1))

    def list_objects(self, bucket: str, prefix: str = "", delimiter: str = "", after: str = "",
                     max_keys: int = 1000) -> Listing:
        """Keys in UTF-8 order after `after`, rolled up into common prefixes at `delimiter`."""
        self.bucket(bucket)
        found: list[ObjectInfo | str] = []
        lower, inclusive = max(after, prefix), not after or prefix > after
        upper = successor(prefix) if prefix else None
        batch = min(max(max_keys + 1, 100), 1001)
        with self.engine.connect() as connection:
            while len(found) <= max_keys:
                query = select(objects).where(objects.c.bucket == bucket,
                                              objects.c.key >= lower if inclusive else objects.c.key > lower)
                if upper is not None:
                    query = query.where(objects.c.key < upper)
                rows = connection.execute(query.order_by(objects.c.key).limit(batch)).all()
                if not rows:
                    break
                for row in rows:
                    rest = row.key[len(prefix):]
                    cut = rest.find(delimiter) if delimiter else -1
                    if cut >= 0:
                        common = prefix + rest[: cut + len(delimiter)]
                        if common != after:
                            found.append(common)
                        lower, inclusive = successor(common), True
                        break
                    found.append(ObjectInfo(bucket, row.key, row.size, row.etag, to_datetime(row.last_modified),
                                            ObjectAttributes.from_json(row.attributes)))
                    lower, inclusive = row.key, False
                    if len(found) > max_keys:
                        break
                else:
                    if len(rows) < batch:
                        break
        truncated = len(found) > max_keys
        found = found[:max_keys]
        last = found[-1] if found else ""
        return Listing([item for item in found if isinstance(item, ObjectInfo)],
                       [item for item in found if isinstance(item, str)], truncated,
                       last.key if isinstance(last, ObjectInfo) else last)

    # --- multipart --------------------------------------------------------------------------

    def create_upload(self, bucket: str, key: str, attributes: ObjectAttributes) -> UploadInfo:
        self.bucket(bucket)
        # ids sort in creation order, as S3 lists the uploads of one key: pages can resume after an id
        upload_id = f"{time.time_ns():016x}{uuid.uuid4().hex[:16]}"
        initiated = now()
        with self.engine.begin() as connection:
            connection.execute(insert(uploads).values(upload_id=upload_id, bucket=bucket, key=key,
                                                      initiated=initiated, attributes=json.dumps(asdict(attributes))))
        return UploadInfo(upload_id, bucket, key, to_datetime(initiated), attributes)

    def upload(self, bucket: str, key: str, upload_id: str) -> UploadInfo:
        with self.engine.connect() as connection:
            row = connection.execute(select(uploads).where(uploads.c.upload_id == upload_id)).first()
        if row is None or row.bucket != bucket or row.key != key:
            raise ServiceError("NoSuchUpload", "The specified multipart upload does not exist. The upload ID may "
                               "be invalid, or the upload may have been aborted or completed.", status=404,
                               UploadId=upload_id)
        return UploadInfo(row.upload_id, row.bucket, row.key, to_datetime(row.initiated),
                          ObjectAttributes.from_json(row.attributes))

    def upload_part(self, bucket: str, key: str, upload_id: str, part_number: int, stream: BinaryIO,
                    algorithm: str | None = None, verify: Verifier | None = None) -> PartInfo:
        upload = self.upload(bucket, key, upload_id)
        # the request's algorithm is verified; the upload's is what CompleteMultipartUpload combines
        algorithms = list(dict.fromkeys(a for a in (algorithm, upload.attributes.checksum_algorithm) if a))
        temporary, size, digests = self._spool(stream, algorithms, verify)
        etag = base64.b64decode(digests.pop("MD5")).hex()
        blob = self._place(bucket, temporary)
        modified = now()
        with self.engine.begin() as connection:
            old = connection.execute(select(parts.c.blob).where(
                parts.c.upload_id == upload_id, parts.c.part_number == part_number)).scalar()
            connection.execute(delete(parts).where(parts.c.upload_id == upload_id,
                                                   parts.c.part_number == part_number))
            connection.execute(insert(parts).values(upload_id=upload_id, part_number=part_number, size=size,
                                                    etag=etag, last_modified=modified, blob=blob,
                                                    checksums=json.dumps(digests)))
        if old is not None:
            (self.root / old).unlink(missing_ok=True)
        return PartInfo(part_number, size, etag, to_datetime(modified), digests)

    def list_parts(self, bucket: str, key: str, upload_id: str, after: int = 0, max_parts: int = 1000
                   ) -> tuple[UploadInfo, list[PartInfo], bool]:
        upload = self.upload(bucket, key, upload_id)
        with self.engine.connect() as connection:
            rows = connection.execute(select(parts).where(parts.c.upload_id == upload_id, parts.c.part_number > after)
                                      .order_by(parts.c.part_number).limit(max_parts + 1)).all()
        found = [PartInfo(r.part_number, r.size, r.etag, to_datetime(r.last_modified), json.loads(r.checksums))
                 for r in rows]
        return upload, found[:max_parts], len(found) > max_parts

    def list_uploads(self, bucket: str, prefix: str = "", key_marker: str = "", upload_id_marker: str = "",
                     max_uploads: int = 1000) -> tuple[list[UploadInfo], bool]:
        self.bucket(bucket)
        query = select(uploads).where(uploads.c.bucket == bucket)
        if prefix:
            query = query.where(uploads.c.key >= prefix, uploads.c.key < successor(prefix))
        if key_marker and upload_id_marker:
            query = query.where((uploads.c.key > key_marker) | and_(uploads.c.key == key_marker,
                                                                     uploads.c.upload_id > upload_id_marker))
        elif key_marker:
            query = query.where(uploads.c.key > key_marker)
        with self.engine.connect() as connection:
            rows = connection.execute(query.order_by(uploads.c.key, uploads.c.upload_id)
                                      .limit(max_uploads + 1)).all()
        found = [UploadInfo(r.upload_id, r.bucket, r.key, to_datetime(r.initiated),
                            ObjectAttributes.from_json(r.attributes)) for r in rows]
        return found[:max_uploads], len(found) > max_uploads

    def abort_upload(self, bucket: str, key: str, upload_id: str) -> None:
        self.upload(bucket, key, upload_id)
        self._drop_upload(upload_id)

    def _drop_upload(self, upload_id: str) -> None:
        with self.engine.begin() as connection:
            blobs = connection.execute(select(parts.c.blob).where(parts.c.upload_id == upload_id)).scalars().all()
            connection.execute(delete(parts).where(parts.c.upload_id == upload_id))
            connection.execute(delete(uploads).where(uploads.c.upload_id == upload_id))
        for blob in blobs:
            (self.root / blob).unlink(missing_ok=True)

    def complete_upload(self, bucket: str, key: str, upload_id: str, requested: list[tuple[int, str]]) -> ObjectInfo:
        """Join the named parts (number, ETag) into the object, as CompleteMultipartUpload does."""
        upload = self.upload(bucket, key, upload_id)
        if not requested:
            raise ServiceError("MalformedXML", "You must specify at least one part.")
        numbers = [number for number, _ in requested]
        if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
            raise ServiceError("InvalidPartOrder", "The list of parts was not in ascending order. Parts must be "
                               "ordered by part number.", UploadId=upload_id)
        with self.engine.connect() as connection:
            rows = {r.part_number: r for r in connection.execute(
                select(parts).where(parts.c.upload_id == upload_id)).all()}
        chosen = []
        for index, (number, etag) in enumerate(requested):
            row = rows.get(number)
            if row is None or row.etag != etag.strip('"'):
                raise ServiceError("InvalidPart", "One or more of the specified parts could not be found. The part "
                                   "may not have been uploaded, or the specified entity tag may not have matched "
                                   "the part's entity tag.", UploadId=upload_id, PartNumber=number, ETag=etag)
            if index < len(requested) - 1 and row.size < MIN_PART_SIZE:
                raise ServiceError("EntityTooSmall", "Your proposed upload is smaller than the minimum allowed "
                                   "object size.", ProposedSize=row.size, MinSizeAllowed=MIN_PART_SIZE,
                                   PartNumber=number, ETag=etag)
            chosen.append(row)
        attributes = upload.attributes
        algorithm = attributes.checksum_algorithm
        full = checksums.new(algorithm) if algorithm and attributes.checksum_type == "FULL_OBJECT" else None
        temporary = self.tmp / uuid.uuid4().hex
        md5s = checksums.new("MD5")
        size = 0
        try:
            with open(temporary, "wb") as out:
                for row in chosen:
                    md5s.update(bytes.fromhex(row.etag))
                    with open(self.root / row.blob, "rb") as part:
                        if full is None:
                            shutil.copyfileobj(part, out, CHUNK)
                        else:
                            while chunk := part.read(CHUNK):
                                out.write(chunk)
                                full.update(chunk)
                    size += row.size
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        if algorithm:
            if full is not None:
                attributes.checksums = {algorithm: checksums.encode(full.digest())}
            else:
                attributes.checksum_type = "COMPOSITE"
                attributes.checksums = {algorithm: checksums.composite(
                    algorithm, [json.loads(r.checksums).get(algorithm, "") for r in chosen])}
        info = self._commit(bucket, key, size, f"{md5s.digest().hex()}-{len(chosen)}",
                            self._place(bucket, temporary), attributes)
        self._drop_upload(upload_id)
        return info

    def describe(self) -> dict[str, str]:
        return {"kind": self.kind, "root": str(self.root)}

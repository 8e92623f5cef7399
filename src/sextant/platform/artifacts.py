"""model.tar.gz and friends: folders packed to and unpacked from the object store."""

from __future__ import annotations

import tarfile
import tempfile
from pathlib import Path
from typing import Any

from ..store.objects import ObjectAttributes
from . import s3uri


def pack(folder: Path, objects: Any, uri: str) -> int:
    """tar.gz the contents of `folder` (paths relative to it) into the object at `uri`; returns its size."""
    bucket, key = s3uri.split(uri)
    with tempfile.TemporaryFile() as spool:
        with tarfile.open(fileobj=spool, mode="w:gz") as archive:
            for path in sorted(folder.rglob("*")):
                archive.add(path, arcname=str(path.relative_to(folder)), recursive=False)
        spool.seek(0)
        info = objects.put_object(bucket, key, spool, ObjectAttributes(content_type="application/x-tar"))
    return info.size


def unpack(objects: Any, uri: str, folder: Path) -> None:
    """Extract the tar.gz object at `uri` into `folder`; members may not leave it (tarfile's data filter)."""
    bucket, key = s3uri.split(uri)
    folder.mkdir(parents=True, exist_ok=True)
    _, reader = objects.open_object(bucket, key)
    with tempfile.TemporaryFile() as spool:
        try:
            while chunk := reader.read(1024 * 1024):
                spool.write(chunk)
        finally:
            reader.close()
        spool.seek(0)
        with tarfile.open(fileobj=spool, mode="r:*") as archive:
            archive.extractall(folder, filter="data")


def upload_tree(folder: Path, objects: Any, uri: str) -> int:
    """Copy every file under `folder` to `uri/<relative path>`; returns the number of files."""
    bucket, prefix = s3uri.split(uri)
    count = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        with open(path, "rb") as handle:
            key = "/".join(filter(None, [prefix.rstrip("/"), str(path.relative_to(folder))]))
            objects.put_object(bucket, key, handle, ObjectAttributes())
        count += 1
    return count

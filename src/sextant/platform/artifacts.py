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


def upload_tree(folder: Path, objects: Any, uri: str, synced: dict[str, tuple[int, int]]) -> int:
    """Copy the files under `folder` that changed since `synced` (relative path → (mtime, size), updated)
    to `uri/<relative path>`, leaving out hidden (partly written) ones; returns how many were copied."""
    bucket, prefix = s3uri.split(uri)
    count = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")):
        relative = str(path.relative_to(folder))
        stat = path.stat()
        if synced.get(relative) == (stat.st_mtime_ns, stat.st_size):
            continue
        with open(path, "rb") as handle:
            objects.put_object(bucket, "/".join(filter(None, [prefix.rstrip("/"), relative])), handle,
                               ObjectAttributes())
        synced[relative] = (stat.st_mtime_ns, stat.st_size)
        count += 1
    return count

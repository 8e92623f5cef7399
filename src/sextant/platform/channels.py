"""Training channels: S3 data laid out in `/opt/ml/input/data/<channel>` (File mode) or fed
through FIFOs `<channel>_<epoch>` (Pipe mode), as SageMaker does."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..errors import ServiceError
from . import s3uri

COPY_CHUNK = 1024 * 1024


class ChannelError(Exception):
    """The data of a channel cannot be had; the message is written for the user (a ClientError)."""


@dataclass(frozen=True)
class S3Object:
    bucket: str
    key: str
    relative: str  # path under the channel folder


def keys(objects: Any, bucket: str, prefix: str) -> Iterator[str]:
    """Every key under `prefix`, in order."""
    after = ""
    while True:
        listing = objects.list_objects(bucket, prefix, "", after, 1000)
        for item in listing.objects:
            yield item.key
        if not listing.truncated:
            return
        after = listing.last


def resolve(objects: Any, channel: dict[str, Any], host_index: int = 0, host_count: int = 1) -> list[S3Object]:
    """The S3 objects of one channel (InputDataConfig entry) for one host, in key order."""
    source = channel["DataSource"].get("S3DataSource")
    if source is None:
        raise ChannelError(f"Channel {channel['ChannelName']}: only S3DataSource is supported")
    uri = source["S3Uri"]
    try:
        bucket, prefix = s3uri.split(uri)
    except ValueError as exc:
        raise ChannelError(str(exc)) from None
    kind = source.get("S3DataType", "S3Prefix")
    try:
        if kind == "S3Prefix":
            found = [S3Object(bucket, key, key[len(prefix):].lstrip("/") or key.rsplit("/", 1)[-1])
                     for key in keys(objects, bucket, prefix)]
        elif kind == "ManifestFile":
            found = _manifest(objects, bucket, prefix)
        else:
            raise ChannelError(f"Channel {channel['ChannelName']}: S3DataType {kind} is not supported yet")
    except ServiceError as error:
        raise ChannelError(f"Channel {channel['ChannelName']}: cannot read {uri}: {error.code}: {error.message}")
    found = [item for item in found if not item.key.endswith("/")]
    if not found:
        raise ChannelError(f'No S3 objects found under S3 URL "{uri}" given in input data source '
                           f"(channel {channel['ChannelName']}). Please ensure that the bucket exists and that "
                           "objects exist under that S3 prefix.")
    if source.get("S3DataDistributionType") == "ShardedByS3Key":
        found = found[host_index::host_count]
    return found


def _manifest(objects: Any, bucket: str, key: str) -> list[S3Object]:
    _, reader = objects.open_object(bucket, key)
    try:
        entries = json.loads(reader.read())
    except ValueError as exc:
        raise ChannelError(f"Manifest s3://{bucket}/{key} is not valid JSON: {exc}") from None
    finally:
        reader.close()
    if not entries or not isinstance(entries[0], dict) or "prefix" not in entries[0]:
        raise ChannelError(f'Manifest s3://{bucket}/{key} must start with {{"prefix": "s3://..."}}')
    try:
        base_bucket, base = s3uri.split(entries[0]["prefix"], "manifest prefix")
    except ValueError as exc:
        raise ChannelError(str(exc)) from None
    return [S3Object(base_bucket, base + relative, relative) for relative in entries[1:]]


def _inside(folder: Path, relative: str) -> Path:
    target = (folder / relative).resolve()
    if not target.is_relative_to(folder.resolve()):
        raise ChannelError(f"Object path {relative!r} would escape the channel folder")
    return target


def download(objects: Any, items: list[S3Object], folder: Path) -> int:
    """Copy objects into `folder`; returns the bytes copied."""
    total = 0
    folder.mkdir(parents=True, exist_ok=True)
    for item in items:
        target = _inside(folder, item.relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        _, reader = objects.open_object(item.bucket, item.key)
        try:
            with open(target, "wb") as out:
                while chunk := reader.read(COPY_CHUNK):
                    out.write(chunk)
                    total += len(chunk)
        finally:
            reader.close()
    return total


class PipeFeeder:
    """Feeds a channel's objects into FIFOs `<folder>/<channel>_<epoch>`, one epoch per open by the reader."""

    def __init__(self, objects: Any, items: list[S3Object], folder: Path, channel: str, gzipped: bool) -> None:
        self.objects, self.items, self.folder, self.channel, self.gzipped = objects, items, folder, channel, gzipped
        self.stopped = threading.Event()
        self.current: Path | None = None
        self.thread = threading.Thread(target=self._run, name=f"pipe-{channel}", daemon=True)

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self._make(0)
        self.thread.start()

    def _make(self, epoch: int) -> Path:
        path = self.folder / f"{self.channel}_{epoch}"
        path.unlink(missing_ok=True)
        os.mkfifo(path)
        self.current = path
        return path

    def _run(self) -> None:
        epoch = 0
        while not self.stopped.is_set():
            path = self.current if epoch == 0 else self._make(epoch)
            try:
                with open(path, "wb") as pipe:  # blocks until the algorithm opens this epoch
                    if self.stopped.is_set():
                        return
                    for item in self.items:
                        _, reader = self.objects.open_object(item.bucket, item.key)
                        source = gzip.GzipFile(fileobj=reader) if self.gzipped else reader
                        try:
                            shutil.copyfileobj(source, pipe, COPY_CHUNK)
                        finally:
                            reader.close()
            except (BrokenPipeError, OSError):
                if self.stopped.is_set():
                    return
            epoch += 1

    def stop(self) -> None:
        """End feeding; unblocks a writer waiting for a reader that will never come."""
        self.stopped.set()
        if self.current is not None and self.current.exists():
            try:
                descriptor = os.open(self.current, os.O_RDONLY | os.O_NONBLOCK)
                os.close(descriptor)
            except OSError:
                pass
        self.thread.join(timeout=5)

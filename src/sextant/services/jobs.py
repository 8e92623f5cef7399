"""What the AI services' asynchronous jobs share: S3 input and output, a job thread, restarts.

Comprehend, Translate, Transcribe and Polly each have their own job status names; a `JobKind`
names them once and the functions here do the rest the same way for every service.
"""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from ..errors import ServiceError
from ..platform import Platform, s3uri
from ..platform.channels import keys
from ..store import Resource, Store
from ..store.objects import ObjectAttributes

# Job documents are written from job threads and request threads: one lock orders them.
DOCUMENT_LOCK = threading.RLock()


class JobFailed(Exception):
    """Raised by a job's work: the job ends failed with this message as its reason."""


@dataclass(frozen=True)
class JobKind:
    """One service's job resource type and status vocabulary."""

    type: str               # resource type in the store, e.g. "comprehend:entities-detection-job"
    status_field: str       # e.g. "JobStatus", "TranscriptionJobStatus", "TaskStatus"
    running: str            # e.g. "IN_PROGRESS"
    completed: str          # e.g. "COMPLETED"
    failed: str             # e.g. "FAILED"
    reason_field: str = "Message"           # FailureReason, Message, TaskStatusReason …
    end_field: str | None = "EndTime"       # set when the job ends (CompletionTime, …)
    stopping: str | None = None             # e.g. "STOP_REQUESTED"
    stopped: str | None = None              # e.g. "STOPPED"


def update_document(store: Store, resource: Resource, change: Callable[[dict[str, Any]], None],
                    status_field: str | None = None) -> Resource:
    """Re-read a resource, apply `change` to its document, save it (under the document lock)."""
    with DOCUMENT_LOCK:
        fresh = store.resources.get(resource.account, resource.region, resource.type, resource.name)
        if fresh is None:
            return resource
        change(fresh.document)
        if status_field:
            fresh.status = fresh.document.get(status_field, fresh.status)
        return store.resources.save(fresh)


def run(platform: Platform, kind: JobKind, resource: Resource, work: Callable[[Callable[[], bool]], dict[str, Any] | None]
        ) -> None:
    """Run `work(stop_requested)` in a thread; its returned dict joins the document as the job completes
    (a status under `kind.status_field` in it replaces `kind.completed`).

    `work` may poll `stop_requested()` between documents and return early; the job then ends stopped.
    JobFailed (or any other error) ends it failed with the message as its reason.
    """
    class Handle:
        def __init__(self) -> None:
            self.stop_event = threading.Event()

        def stop(self) -> None:
            self.stop_event.set()

    handle = Handle()

    def finish(status: str, extra: dict[str, Any]) -> None:
        def change(document: dict[str, Any]) -> None:
            document.update(extra)
            document[kind.status_field] = status
            if kind.end_field:
                document[kind.end_field] = time.time()
        update_document(platform.store, resource, change, kind.status_field)

    def target() -> None:
        try:
            result = work(handle.stop_event.is_set) or {}
        except JobFailed as exc:
            finish(kind.failed, {kind.reason_field: str(exc)})
        except Exception as exc:  # noqa: BLE001 - a job never stays running because of a bug
            finish(kind.failed, {kind.reason_field: f"InternalServerError: {type(exc).__name__}: {exc}"})
        else:
            stopped = handle.stop_event.is_set() and kind.stopped
            # work may name its own final status (e.g. Translate's COMPLETED_WITH_ERROR)
            finish(kind.stopped if stopped else result.pop(kind.status_field, kind.completed), result)

    update_document(platform.store, resource, lambda doc: doc.__setitem__(kind.status_field, kind.running),
                    kind.status_field)
    platform.jobs.start(kind.type, resource.name, handle, target)


def request_stop(platform: Platform, kind: JobKind, resource: Resource) -> Resource:
    """Ask a running job to stop; its status becomes the kind's `stopping` until the work notices."""
    handle = platform.jobs.get(kind.type, resource.name)
    if handle is None or kind.stopping is None:
        return resource
    handle.stop()
    return update_document(platform.store, resource,
                           lambda doc: doc.__setitem__(kind.status_field, kind.stopping), kind.status_field)


def fail_interrupted(platform: Platform, kind: JobKind) -> None:
    """After a restart: jobs left running end failed, with a reason saying why."""
    active = {status for status in (kind.running, kind.stopping) if status}
    for resource in platform.store.resources.list(kind.type):
        if resource.document.get(kind.status_field) in active or resource.status in active:
            def change(document: dict[str, Any]) -> None:
                document[kind.status_field] = kind.failed
                document[kind.reason_field] = "InternalServerError: Sextant restarted while the job was running"
                if kind.end_field:
                    document[kind.end_field] = time.time()
            update_document(platform.store, resource, change, kind.status_field)


def input_objects(store: Store, uri: str, field: str) -> Iterator[tuple[str, bytes]]:
    """(key, data) of every object under an s3:// prefix (or the one object it names), in key order.

    JobFailed names `field` when the URI is malformed, the bucket is missing or nothing is there.
    """
    try:
        bucket, prefix = s3uri.split(uri, field)
        found = list(keys(store.objects, bucket, prefix))
    except ValueError as exc:
        raise JobFailed(str(exc)) from None
    except ServiceError as exc:
        raise JobFailed(f"{field} {uri}: {exc.message}") from None
    found = [key for key in found if not key.endswith("/")]
    if not found:
        raise JobFailed(f"{field} {uri}: no objects found at this location")
    for key in found:
        _, reader = store.objects.open_object(bucket, key)
        try:
            yield key, reader.read()
        finally:
            reader.close()


def write_object(store: Store, uri: str, data: bytes, content_type: str = "application/octet-stream") -> None:
    """Write one object at an s3:// URI (bucket and full key)."""
    bucket, key = s3uri.split(uri)
    store.objects.put_object(bucket, key, io.BytesIO(data), ObjectAttributes(content_type=content_type))


def check_bucket(store: Store, uri: str, field: str) -> tuple[str, str]:
    """(bucket, prefix) of an s3:// URI whose bucket exists; ValidationException naming `field` otherwise."""
    try:
        bucket, prefix = s3uri.split(uri, field)
        store.objects.bucket(bucket)
    except ValueError as exc:
        raise ServiceError("ValidationException", str(exc)) from None
    except ServiceError:
        raise ServiceError("ValidationException", f"{field}: the bucket of {uri} does not exist") from None
    return bucket, prefix


def service_bucket(store: Store, name: str, account: str, region: str) -> str:
    """A bucket a service keeps its own files in (transcripts, terminology files), created on first use."""
    try:
        store.objects.bucket(name)
    except ServiceError:
        try:
            store.objects.create_bucket(name, account, region)
        except ServiceError as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise
    return name

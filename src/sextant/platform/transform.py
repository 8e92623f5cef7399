"""Batch transform: every input object split into records, batched into requests to the model's
servers, and the answers assembled into `<key>.out` objects — as SageMaker's transform jobs do."""

from __future__ import annotations

import csv
import gzip
import io
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable

from ..store.objects import ObjectAttributes
from . import channels, jsonpath, s3uri
from .serving import Deployment, Endpoints, VariantSpec

MB = 1024 * 1024


class TransformError(Exception):
    """The job cannot go on; the message is its FailureReason."""


@dataclass
class TransformSpec:
    input: dict[str, Any]  # TransformInput
    output: dict[str, Any]  # TransformOutput
    batch_strategy: str = "MultiRecord"
    max_payload_mb: int = 6
    max_concurrent: int = 1
    data_processing: dict[str, Any] = field(default_factory=dict)


def _records(data: bytes, split: str) -> list[bytes]:
    if split == "Line":
        return [line for line in data.splitlines() if line.strip()]
    if split == "None":
        return [data]
    raise TransformError(f"SplitType {split} is not supported yet (Line and None are)")


def _is_json(content_type: str) -> bool:
    return "json" in content_type


def _as_value(record: bytes, content_type: str) -> Any:
    text = record.decode()
    if _is_json(content_type):
        return json.loads(text)
    return next(csv.reader([text]))


def _as_record(value: Any, content_type: str) -> bytes:
    if _is_json(content_type):
        return json.dumps(value, separators=(",", ":")).encode()
    values = value if isinstance(value, list) else [value]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(values)
    return buffer.getvalue().encode()


class TransformRun:
    """Runs one transform job against a deployment of the model (blocking `execute`)."""

    def __init__(self, spec: TransformSpec, objects: Any, endpoints: Endpoints, variant: Callable[[], VariantSpec],
                 log: Callable[[str, list[tuple[int, str]]], None]) -> None:
        """`variant` prepares the model's servers (downloading its data) when the run starts."""
        self.spec, self.objects, self.endpoints, self.variant, self.log = spec, objects, endpoints, variant, log
        self.stopped = threading.Event()
        self.deployment: Deployment | None = None

    def stop(self) -> None:
        self.stopped.set()

    def execute(self) -> None:
        source = self.spec.input["DataSource"]["S3DataSource"]
        try:
            items = channels.resolve(self.objects, {"ChannelName": "input", "DataSource": {"S3DataSource": source}})
        except channels.ChannelError as error:
            raise TransformError(f"ClientError: {error}") from None
        self.deployment = self.endpoints.deploy([self.variant()], "", self.log)
        try:
            with ThreadPoolExecutor(max_workers=max(1, self.spec.max_concurrent)) as pool:
                for item in items:
                    if self.stopped.is_set():
                        return
                    self._transform(item, pool)
        finally:
            self.deployment.stop()

    def _transform(self, item: channels.S3Object, pool: ThreadPoolExecutor) -> None:
        _, reader = self.objects.open_object(item.bucket, item.key)
        try:
            data = reader.read()
        finally:
            reader.close()
        if self.spec.input.get("CompressionType") == "Gzip":
            data = gzip.decompress(data)
        content_type = self.spec.input.get("ContentType", "application/octet-stream")
        accept = self.spec.output.get("Accept") or content_type
        records = _records(data, self.spec.input.get("SplitType", "None"))
        processing = self.spec.data_processing
        inputs = records
        if processing.get("InputFilter") and processing["InputFilter"] != "$":
            inputs = [_as_record(self._select(processing["InputFilter"], _as_value(r, content_type)), content_type)
                      for r in records]
        batches = self._batches(inputs)
        answers = list(pool.map(lambda batch: self._invoke(batch, content_type, accept, item.key), batches))
        outputs = [line for answer, batch in zip(answers, batches) for line in self._split_answer(answer, batch)]
        if processing.get("JoinSource") == "Input":
            outputs = [self._join(record, output, content_type, accept) for record, output in zip(records, outputs)]
        if processing.get("OutputFilter") and processing["OutputFilter"] != "$":
            outputs = [_as_record(self._select(processing["OutputFilter"], _as_value(o, accept)), accept)
                       for o in outputs]
        joiner = b"\n" if self.spec.output.get("AssembleWith") == "Line" else b""
        body = joiner.join(outputs) + (b"\n" if joiner and outputs else b"")
        bucket, prefix = s3uri.split(self.spec.output["S3OutputPath"])
        key = "/".join(filter(None, [prefix.rstrip("/"), item.relative + ".out"]))
        self.objects.put_object(bucket, key, io.BytesIO(body), ObjectAttributes(content_type=accept))

    @staticmethod
    def _select(expression: str, value: Any) -> Any:
        try:
            return jsonpath.select(expression, value)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise TransformError(f"ClientError: the filter {expression!r} does not apply to a record: {exc}") from None

    def _batches(self, records: list[bytes]) -> list[list[bytes]]:
        if self.spec.batch_strategy == "SingleRecord":
            return [[record] for record in records]
        limit = max(1, self.spec.max_payload_mb) * MB
        batches: list[list[bytes]] = [[]]
        size = 0
        for record in records:
            if batches[-1] and size + len(record) + 1 > limit:
                batches.append([])
                size = 0
            if len(record) > limit:
                raise TransformError(f"ClientError: a record of {len(record)} bytes exceeds MaxPayloadInMB")
            batches[-1].append(record)
            size += len(record) + 1
        return [batch for batch in batches if batch]

    def _invoke(self, batch: list[bytes], content_type: str, accept: str, key: str) -> bytes:
        body = b"\n".join(batch) + (b"\n" if len(batch) > 1 else b"")
        status, data, _ = self.deployment.choose(None).next_instance().invoke(body, content_type, accept, {})
        if status != 200:
            raise TransformError(f"ClientError: the model answered {status} for {key}: "
                                 f"{data.decode('utf-8', 'replace')[:500]}")
        return data

    def _split_answer(self, answer: bytes, batch: list[bytes]) -> list[bytes]:
        """One output per input record when the answer has one line per record, else the whole answer."""
        lines = [line for line in answer.splitlines() if line.strip()]
        if len(batch) > 1 and len(lines) != len(batch):
            raise TransformError(f"ClientError: the model returned {len(lines)} lines for {len(batch)} records; "
                                 "use BatchStrategy SingleRecord or a model that answers one line per record")
        return lines if len(batch) > 1 or len(lines) == 1 else [answer.rstrip(b"\n")]

    @staticmethod
    def _join(record: bytes, output: bytes, content_type: str, accept: str) -> bytes:
        if _is_json(content_type):
            joined = json.loads(record)
            value = json.loads(output) if _is_json(accept) else output.decode()
            if isinstance(joined, dict):
                joined["SageMakerOutput"] = value
            else:
                joined = [*joined, value]
            return json.dumps(joined, separators=(",", ":")).encode()
        return record + b"," + output

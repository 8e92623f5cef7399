"""What a data file is: modality, columns, target and its type, class balance, sparsity, size."""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

IMAGE = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff"}
AUDIO = {".wav", ".mp3", ".flac", ".ogg", ".opus", ".m4a", ".webm"}
TEXT = {".txt", ".md", ".json", ".jsonl"}
TARGET_NAMES = ("target", "label", "class", "y", "outcome", "churn", "income", "price", "median_house_value")
SAMPLE_ROWS = 20_000
TEXT_WORDS = 4  # a column whose cells average this many words holds documents, not categories
S3_SAMPLE_BYTES = 64 * 1024**2  # of a large object in S3, only the beginning is read


@dataclass
class Profile:
    path: str
    modality: str  # tabular | time-series | user-item-interactions | text | images | audio | unknown
    size_bytes: int
    rows: int | None = None  # class counts and column types come from the first SAMPLE_ROWS rows
    columns: list[str] = field(default_factory=list)
    numeric: list[str] = field(default_factory=list)
    categorical: list[str] = field(default_factory=list)
    target: str | None = None
    problem_type: str | None = None  # binary | multiclass | regression
    classes: dict[str, int] = field(default_factory=dict)
    sparsity: float | None = None
    text_columns: list[str] = field(default_factory=list)  # free-text columns of a table (words, not codes)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def profile(path: str | Path, target: str | None = None, endpoint_url: str | None = None) -> Profile:
    """Profile a local file or folder, or an s3:// object or prefix (read through `endpoint_url`, by default
    AWS_ENDPOINT_URL or the local Sextant); ValueError with a readable message when it cannot be read."""
    if str(path).startswith("s3://"):
        return _from_s3(str(path), target, endpoint_url or _default_endpoint())
    location = Path(path)
    if not location.exists():
        raise ValueError(f"{location} does not exist")
    if location.is_dir():
        files = [p for p in location.rglob("*") if p.is_file()]
        suffixes = {p.suffix.lower() for p in files}
        size = sum(p.stat().st_size for p in files)
        modality = "images" if suffixes & IMAGE else "audio" if suffixes & AUDIO else "unknown"
        return Profile(str(location), modality, size, rows=len(files))
    size = location.stat().st_size
    suffix = location.suffix.lower()
    if suffix in IMAGE:
        return Profile(str(location), "images", size, rows=1)
    if suffix in AUDIO:
        return Profile(str(location), "audio", size, rows=1)
    try:
        with open(location, newline="", encoding="utf-8") as handle:
            head = handle.read(1 << 20)
    except UnicodeDecodeError:
        raise ValueError(f"{location} is neither text nor a known image or audio format") from None
    if suffix in TEXT:
        return Profile(str(location), "text", size, rows=head.count("\n"))
    return _tabular(location, head, size, target)


def _default_endpoint() -> str:
    return os.environ.get("AWS_ENDPOINT_URL") or f"http://127.0.0.1:{os.environ.get('SEXTANT_PORT', '4599')}"


def _from_s3(uri: str, target: str | None, endpoint_url: str) -> Profile:
    """Profile what an s3:// URI names: one object (its first S3_SAMPLE_BYTES), or the objects under a prefix."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    bucket, _, key = uri[len("s3://"):].partition("/")
    session = boto3.Session(region_name=os.environ.get("AWS_REGION", "us-east-1"))
    anyone = {} if session.get_credentials() else {"aws_access_key_id": "sextant", "aws_secret_access_key": "sextant"}
    s3 = session.client("s3", endpoint_url=endpoint_url, **anyone)  # a local Sextant takes any credentials
    try:
        found = [item for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=key)
                 for item in page.get("Contents", []) if not item["Key"].endswith("/")]
        if not found:
            raise ValueError(f"{uri}: no objects there")
        exact = next((item for item in found if item["Key"] == key), None)
        size = exact["Size"] if exact else sum(item["Size"] for item in found)
        suffixes = {Path(item["Key"]).suffix.lower() for item in found}
        if exact is None and suffixes & (IMAGE | AUDIO):
            modality = "images" if suffixes & IMAGE else "audio"
            return Profile(uri, modality, size, rows=len(found))
        sample = exact or found[0]
        body = s3.get_object(Bucket=bucket, Key=sample["Key"], Range=f"bytes=0-{S3_SAMPLE_BYTES - 1}")["Body"].read()
    except (BotoCoreError, ClientError) as error:
        raise ValueError(f"{uri}: cannot read it from {endpoint_url}: {error}") from None
    partial = sample["Size"] > len(body)
    if partial:
        body = body[:body.rfind(b"\n") + 1]  # whole rows only
    with tempfile.TemporaryDirectory() as folder:
        local = Path(folder) / (Path(sample["Key"]).name or "object")
        local.write_bytes(body)
        result = profile(local, target)
    result.path, result.size_bytes = uri, size
    if partial or exact is None:
        result.notes.append(f"profiled {len(body):,} bytes of {size:,} in {uri}; row counts are of that sample")
    if size > 10 * 1024**3 and not any("over 10 GB" in note for note in result.notes):
        result.notes.append("over 10 GB: stream it (Pipe or Fast File mode) rather than copying it to the instance")
    return result


def _tabular(location: Path, head: str, size: int, target: str | None) -> Profile:
    try:
        dialect = csv.Sniffer().sniff(head[:65536], delimiters=",\t;|")
        has_header = csv.Sniffer().has_header(head[:65536])
    except csv.Error:
        return Profile(str(location), "text", size, rows=head.count("\n"))
    rows = []
    with open(location, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle, dialect)
        header = next(reader) if has_header else None
        total = 0
        for row in reader:
            if row:
                total += 1
                if len(rows) < SAMPLE_ROWS:
                    rows.append([cell.strip() for cell in row])
    if not rows:
        raise ValueError(f"{location} has no data rows")
    width = max(len(row) for row in rows)
    columns = [c.strip() for c in header] if header else [f"column_{i + 1}" for i in range(width)]
    values = list(zip(*(row + [""] * (width - len(row)) for row in rows)))
    numeric = [name for name, column in zip(columns, values)
               if sum(_number(v) is not None for v in column if v) >= 0.95 * max(1, sum(1 for v in column if v))]
    result = Profile(str(location), "tabular", size, rows=total,
                     columns=columns, numeric=numeric, categorical=[c for c in columns if c not in numeric])
    result.text_columns = [name for name, column in zip(columns, values) if name not in numeric
                           and sum(len(v.split()) for v in column) >= TEXT_WORDS * max(1, len(column))]
    lowered = [c.lower() for c in columns]
    if {"user_id", "item_id"} <= set(lowered) or {"user", "item"} <= set(lowered):
        result.modality = "user-item-interactions"
    elif any(k in c for c in lowered for k in ("timestamp", "date", "time")) and len(numeric) <= 3:
        result.modality = "time-series"
    zeros = sum(1 for name, column in zip(columns, values) if name in numeric for v in column if _number(v) == 0)
    cells = sum(len(column) for name, column in zip(columns, values) if name in numeric)
    result.sparsity = round(zeros / cells, 4) if cells else None
    if target == "none":  # said outright: nothing to predict (clustering, projection)
        result.target = None
    else:
        last = next((c for c in reversed(columns) if c not in result.text_columns), None)
        result.target = target or next((c for c in columns if c.lower() in TARGET_NAMES), None) or \
            (last if result.modality == "tabular" else None)
    if result.target is not None:
        if result.target not in columns:
            raise ValueError(f"target column {result.target!r} is not one of the columns: {', '.join(columns)}")
        column = values[columns.index(result.target)]
        distinct = {v.rstrip(".") for v in column if v}
        if result.target in numeric and len(distinct) > 20:
            result.problem_type = "regression"
        else:
            result.problem_type = "binary" if len(distinct) == 2 else "multiclass"
            counts: dict[str, int] = {}
            for v in column:
                counts[v.rstrip(".")] = counts.get(v.rstrip("."), 0) + 1
            result.classes = dict(sorted(counts.items(), key=lambda item: -item[1]))
    if result.text_columns and result.problem_type in ("binary", "multiclass") and result.modality == "tabular":
        result.modality = "text"  # labelled documents: a text classification problem
    if size > 10 * 1024**3:
        result.notes.append("over 10 GB: stream it (Pipe or Fast File mode) rather than copying it to the instance")
    return result


def describe(profile_: Profile) -> str:
    """A sentence about the data, appended to the problem before it is matched to the catalogue."""
    if profile_.modality == "text" and profile_.problem_type:
        return (f"The data is labelled text documents ({', '.join(profile_.text_columns)}) to classify into "
                f"{len(profile_.classes)} classes.")
    if profile_.modality != "tabular" or not profile_.problem_type:
        return f"The data is {profile_.modality.replace('-', ' ')}."
    kind = {"binary": "a yes/no classification", "multiclass": "a classification into several classes",
            "regression": "a numeric prediction"}[profile_.problem_type]
    return f"The data is a table of {len(profile_.columns)} columns; the target {profile_.target} makes it {kind}."


"""S3 through the AWS CLI (v1): the high-level `aws s3` commands and `aws s3api`."""

from __future__ import annotations

import json
import os
import random
import subprocess
import uuid
from pathlib import Path

import pytest

MB = 1024 * 1024


@pytest.fixture
def aws(server, tmp_path):
    """Run `aws …` against the server; returns stdout and fails the test on a non-zero exit."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env.update(AWS_ENDPOINT_URL=server.url, AWS_ACCESS_KEY_ID="AKIDTEST", AWS_SECRET_ACCESS_KEY="secret",
               AWS_DEFAULT_REGION="us-east-1", AWS_CONFIG_FILE=str(tmp_path / "no-config"),
               AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-credentials"))

    def run(*args: str) -> str:
        result = subprocess.run(["aws", *args], env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"aws {' '.join(args)} failed:\n{result.stderr}"
        return result.stdout

    return run


def make_tree(root: Path) -> dict[str, bytes]:
    """A folder of 30 files: nested folders, spaces and unicode in names, an empty file and a 20 MB one."""
    rng = random.Random(0)
    names = ["top.txt", "with space.bin", "ünïcödé.dat", "日本語/ファイル.txt", "empty", "a/b/c/deep.bin",
             "a/b/sibling file", "a/x+y=z.txt", "media/big video.bin"]
    names += [f"data/part-{index:03d}.csv" for index in range(14)]
    names += [f"nested/{depth}/" * depth + f"leaf {depth}.json" for depth in range(1, 8)]
    tree = {}
    for name in names:
        size = 20 * MB if name == "media/big video.bin" else 0 if name == "empty" else rng.randrange(1, 200_000)
        tree[name] = rng.randbytes(size)
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(tree[name])
    return tree


def read_tree(root: Path) -> dict[str, bytes]:
    return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}


def test_mb_cp_ls(aws, s3, tmp_path):
    """`aws s3 mb`, `cp` up and down, and `ls` of buckets and prefixes."""
    bucket = f"t-cli-{uuid.uuid4().hex[:10]}"
    assert f"make_bucket: {bucket}" in aws("s3", "mb", f"s3://{bucket}")
    assert bucket in aws("s3", "ls").split()

    source = tmp_path / "report é.txt"
    data = random.Random(1).randbytes(123_456)
    source.write_bytes(data)
    aws("s3", "cp", str(source), f"s3://{bucket}/docs/report é.txt")
    assert s3.get_object(Bucket=bucket, Key="docs/report é.txt")["Body"].read() == data

    listing = aws("s3", "ls", f"s3://{bucket}/docs/").splitlines()
    assert len(listing) == 1 and listing[0].split(None, 3)[2:] == ["123456", "report é.txt"]
    assert aws("s3", "ls", f"s3://{bucket}/").split() == ["PRE", "docs/"]

    target = tmp_path / "down" / "copy.txt"
    aws("s3", "cp", f"s3://{bucket}/docs/report é.txt", str(target))
    assert target.read_bytes() == data


def test_sync_round_trip_and_rm(aws, s3, bucket, tmp_path):
    """`aws s3 sync` a folder tree up and back down byte for byte; `rm --recursive` empties the bucket."""
    tree = make_tree(tmp_path / "up")
    aws("s3", "sync", str(tmp_path / "up"), f"s3://{bucket}/tree")
    keys = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
            for o in page.get("Contents", [])]
    assert sorted(keys) == sorted(f"tree/{name}" for name in tree)
    big = s3.head_object(Bucket=bucket, Key="tree/media/big video.bin")
    assert big["ContentLength"] == 20 * MB and big["ETag"].endswith('-3"')  # 8 MB parts
    assert aws("s3", "sync", str(tmp_path / "up"), f"s3://{bucket}/tree") == ""  # nothing changed

    aws("s3", "sync", f"s3://{bucket}/tree", str(tmp_path / "down"))
    assert read_tree(tmp_path / "down") == tree

    removed = aws("s3", "rm", f"s3://{bucket}/tree", "--recursive")
    assert removed.count("delete: ") == len(tree)
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    assert aws("s3", "ls", f"s3://{bucket}/", "--recursive") == ""


def test_cp_and_mv_between_buckets(aws, s3, bucket):
    """`aws s3 cp` / `mv` from bucket to bucket, a 20 MB object included (a multipart copy), then `rb --force`."""
    other = f"t-cli-other-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=other)
    big, small = random.Random(2).randbytes(20 * MB), b"small object"
    s3.put_object(Bucket=bucket, Key="big.bin", Body=big)
    s3.put_object(Bucket=bucket, Key="small.txt", Body=small)
    aws("s3", "cp", f"s3://{bucket}/big.bin", f"s3://{other}/copies/big.bin")
    aws("s3", "mv", f"s3://{bucket}/small.txt", f"s3://{other}/moved.txt")
    assert s3.get_object(Bucket=other, Key="copies/big.bin")["Body"].read() == big
    assert s3.get_object(Bucket=other, Key="moved.txt")["Body"].read() == small
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["big.bin"]
    assert f"remove_bucket: {other}" in aws("s3", "rb", f"s3://{other}", "--force")
    assert other not in [b["Name"] for b in s3.list_buckets()["Buckets"]]


def test_s3api_put_and_get_object(aws, bucket, tmp_path):
    """`aws s3api put-object` / `head-object` / `get-object` with content type and metadata."""
    source, target = tmp_path / "in.json", tmp_path / "out.json"
    source.write_bytes(json.dumps({"sextant": list(range(1000))}).encode())
    put = json.loads(aws("s3api", "put-object", "--bucket", bucket, "--key", "api/in.json", "--body", str(source),
                         "--content-type", "application/json", "--metadata", "origin=cli,run=7"))
    head = json.loads(aws("s3api", "head-object", "--bucket", bucket, "--key", "api/in.json"))
    assert head["ETag"] == put["ETag"] and head["ContentLength"] == source.stat().st_size
    got = json.loads(aws("s3api", "get-object", "--bucket", bucket, "--key", "api/in.json", str(target)))
    assert (got["ContentType"], got["Metadata"]) == ("application/json", {"origin": "cli", "run": "7"})
    assert target.read_bytes() == source.read_bytes()

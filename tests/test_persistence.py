"""Everything survives a restart, on SQLite and on PostgreSQL; a crash never exposes a partial object."""

from __future__ import annotations

import hashlib
import os
import random
import socket
import uuid

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def database_env(request):
    """Server environment for each metadata backend (a fresh PostgreSQL database per test)."""
    if request.param == "sqlite":
        yield {}
        return
    url = os.environ.get("SEXTANT_TEST_DATABASE_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI must provide SEXTANT_TEST_DATABASE_URL (see scripts/postgres-up)")
        pytest.skip("set SEXTANT_TEST_DATABASE_URL (scripts/postgres-up) to test PostgreSQL")
    import psycopg

    name = f"sextant_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    yield {"SEXTANT_DATABASE_URL": url.rsplit("/", 1)[0] + "/" + name}
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_restart_keeps_buckets_objects_and_uploads(make_server, database_env):
    server = make_server(database_env)
    s3 = server.client("s3")
    rng = random.Random(7)
    objects = {f"dir {i}/ключ-{i}.bin": rng.randbytes(rng.randint(0, 50_000)) for i in range(12)}
    s3.create_bucket(Bucket="durable")
    s3.create_bucket(Bucket="durable-2")
    for key, data in objects.items():
        s3.put_object(Bucket="durable", Key=key, Body=data, ContentType="application/x-test", Metadata={"n": key[-5:]})
    upload = s3.create_multipart_upload(Bucket="durable", Key="big.bin")["UploadId"]
    part_one = rng.randbytes(5 * 1024 * 1024)
    etag_one = s3.upload_part(Bucket="durable", Key="big.bin", UploadId=upload, PartNumber=1, Body=part_one)["ETag"]

    s3 = server.restart().client("s3")

    assert {b["Name"] for b in s3.list_buckets()["Buckets"]} >= {"durable", "durable-2"}
    listed = s3.list_objects_v2(Bucket="durable")["Contents"]
    assert sorted(o["Key"] for o in listed) == sorted(objects)
    for key, data in objects.items():
        got = s3.get_object(Bucket="durable", Key=key)
        assert got["Body"].read() == data
        assert got["ContentType"] == "application/x-test" and got["Metadata"] == {"n": key[-5:]}
        assert got["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket="durable")["Uploads"]] == [upload]
    part_two = rng.randbytes(1000)
    etag_two = s3.upload_part(Bucket="durable", Key="big.bin", UploadId=upload, PartNumber=2, Body=part_two)["ETag"]
    s3.complete_multipart_upload(Bucket="durable", Key="big.bin", UploadId=upload, MultipartUpload={
        "Parts": [{"PartNumber": 1, "ETag": etag_one}, {"PartNumber": 2, "ETag": etag_two}]})
    assert s3.get_object(Bucket="durable", Key="big.bin")["Body"].read() == part_one + part_two
    assert server.health()["store"]["metadata"] == ("postgresql" if database_env else "sqlite")


def test_killed_upload_leaves_no_partial_object(make_server, database_env):
    server = make_server(database_env)
    s3 = server.client("s3")
    s3.create_bucket(Bucket="crash")
    s3.put_object(Bucket="crash", Key="obj", Body=b"old version")
    with socket.create_connection(("127.0.0.1", server.port)) as connection:
        connection.sendall(
            b"PUT /crash/obj HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10000000\r\n"
            b"Authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/s3/aws4_request, "
            b"SignedHeaders=host, Signature=00\r\n\r\n" + b"n" * 4_000_000)
        server.stop(kill=True)
    s3 = server.start().client("s3")
    assert s3.get_object(Bucket="crash", Key="obj")["Body"].read() == b"old version"
    assert [o["Key"] for o in s3.list_objects_v2(Bucket="crash")["Contents"]] == ["obj"]
    assert not any((server.home / "objects" / ".tmp").iterdir())  # the interrupted write was cleaned up

"""S3 through real clients: boto3, plain HTTP (presigned URLs, virtual hosts, aws-chunked bodies)."""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import random
import threading
import urllib.request
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, unquote_plus
from xml.etree import ElementTree

import pytest
import requests
from awscrt import checksums as crt
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum

MB = 1024 * 1024
S3_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
# A credential scope that tells the router the request is S3's (auth is off: nothing is verified).
S3_AUTHORIZATION = ("AWS4-HMAC-SHA256 Credential=AKIDTEST/20240101/us-east-1/s3/aws4_request, "
                    "SignedHeaders=host, Signature=" + "0" * 64)
ODD_KEYS = ["with space", "ünïcödé/日本語.txt", "a+b", "100%", "k=v&x=y", "a/b/c", "tilde~!*'()", "emoji 😀",
            "xml<&>\"'", "folder/", "double//slash", "dot/./segment", "tab\tand\nnewline", "semi;colon,comma#hash?q"]


def payload(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def md5_hex(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def crc32_b64(data: bytes) -> str:
    return b64(zlib.crc32(data).to_bytes(4, "big"))


def error_of(excinfo: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def utf8_sorted(keys) -> list[str]:
    return sorted(keys, key=lambda key: key.encode())


def raw_request(server, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    """One plain HTTP request on its own connection: (status, lower-case headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def fill(s3, bucket: str, keys, seed: int = 0) -> dict[str, bytes]:
    """Put one small object per key; returns the data by key."""
    contents = {key: payload(10 + index, seed + index) for index, key in enumerate(keys)}
    for key, data in contents.items():
        s3.put_object(Bucket=bucket, Key=key, Body=data)
    return contents


@pytest.fixture(scope="module")
def shared_bucket(server) -> str:
    """A bucket for parametrized tests (their node names are not valid bucket names)."""
    name = f"t-shared-{uuid.uuid4().hex[:12]}"
    server.client("s3").create_bucket(Bucket=name)
    return name


# --- buckets -----------------------------------------------------------------------------------


def test_bucket_lifecycle(s3):
    """Create, list, head, locate and delete buckets; a deleted bucket is gone everywhere."""
    name, europe = f"t-life-{uuid.uuid4().hex[:8]}", f"t-eu-{uuid.uuid4().hex[:8]}"
    created = s3.create_bucket(Bucket=name)
    assert created["Location"] == f"/{name}"
    s3.create_bucket(Bucket=europe, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})

    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    assert {name, europe} <= set(names) and names == sorted(names)
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] is None
    assert s3.get_bucket_location(Bucket=europe)["LocationConstraint"] == "eu-west-1"
    assert s3.head_bucket(Bucket=europe)["BucketRegion"] == "eu-west-1"

    for bucket in (name, europe):
        s3.delete_bucket(Bucket=bucket)
    assert name not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    with pytest.raises(ClientError) as excinfo:
        s3.head_bucket(Bucket=name)
    assert error_of(excinfo) == ("404", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket(Bucket=name)
    assert error_of(excinfo) == ("NoSuchBucket", 404)


@pytest.mark.parametrize("name", ["Upper-Case", "ab", "a..b", "192.168.1.1", "-dash-first", "dash-last-",
                                  "under_score", "x" * 64])
def test_create_bucket_invalid_name(s3, name):
    """Names S3 refuses are refused with InvalidBucketName."""
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket=name)
    assert error_of(excinfo) == ("InvalidBucketName", 400)


def test_create_bucket_twice(s3, bucket):
    """Creating a bucket one already owns is a 409 BucketAlreadyOwnedByYou."""
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket=bucket)
    assert error_of(excinfo) == ("BucketAlreadyOwnedByYou", 409)


def test_delete_bucket_not_empty(s3, bucket):
    """A bucket with an object cannot be deleted until the object is."""
    s3.put_object(Bucket=bucket, Key="keep", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket(Bucket=bucket)
    assert error_of(excinfo) == ("BucketNotEmpty", 409)
    assert s3.get_object(Bucket=bucket, Key="keep")["Body"].read() == b"x"
    s3.delete_object(Bucket=bucket, Key="keep")
    s3.delete_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.list_objects_v2(Bucket=bucket)
    assert error_of(excinfo) == ("NoSuchBucket", 404)


def test_object_in_missing_bucket(s3):
    """Reads and writes against a bucket that does not exist answer NoSuchBucket."""
    missing = f"t-missing-{uuid.uuid4().hex[:8]}"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=missing, Key="k")
    assert error_of(excinfo) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=missing, Key="k", Body=b"data")
    assert error_of(excinfo) == ("NoSuchBucket", 404)


def test_connection_reusable_after_early_error(s3, bucket):
    """An error answered before the body is read (Expect: 100-continue) must not break the next request.

    botocore sends PutObject with `Expect: 100-continue` and withholds the body when the answer is
    final; the server must then close the connection (or read the body), or the next request on the
    pooled connection is parsed as the rest of the previous one's body.
    """
    for _ in range(2):
        with pytest.raises(ClientError) as excinfo:
            s3.put_object(Bucket=bucket + "-missing", Key="k", Body=b"data")
        assert error_of(excinfo) == ("NoSuchBucket", 404)
        s3.put_object(Bucket=bucket, Key="k", Body=b"after")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"after"


# --- objects -----------------------------------------------------------------------------------


def test_put_get_head_round_trip(s3, bucket):
    """Content type, user metadata and content headers come back as written; the ETag is the MD5."""
    data = payload(4096, seed=1)
    headers = {"ContentType": "application/x-sextant", "CacheControl": "max-age=60",
               "ContentDisposition": 'attachment; filename="d.bin"', "ContentLanguage": "fr"}
    put = s3.put_object(Bucket=bucket, Key="dir/object.bin", Body=data, Metadata={"owner": "ada", "n": "7"},
                        **headers)
    assert put["ETag"] == f'"{md5_hex(data)}"'
    expires = datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    s3.put_object(Bucket=bucket, Key="expiring", Body=b"e", Expires=expires)
    assert s3.head_object(Bucket=bucket, Key="expiring")["ExpiresString"] == "Wed, 02 Jan 2030 03:04:05 GMT"

    got = s3.get_object(Bucket=bucket, Key="dir/object.bin")
    assert got["Body"].read() == data
    head = s3.head_object(Bucket=bucket, Key="dir/object.bin")
    for response in (got, head):
        assert response["ETag"] == put["ETag"]
        assert response["ContentLength"] == len(data)
        assert response["Metadata"] == {"owner": "ada", "n": "7"}
        assert {name: response[name] for name in headers} == headers
        assert abs(response["LastModified"] - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_overwrite_and_empty_object(s3, bucket):
    """A second PutObject replaces the first; an empty body is a valid object."""
    s3.put_object(Bucket=bucket, Key="k", Body=b"first", Metadata={"v": "1"})
    s3.put_object(Bucket=bucket, Key="k", Body=b"")
    got = s3.get_object(Bucket=bucket, Key="k")
    assert got["Body"].read() == b"" and got["ContentLength"] == 0
    assert got["Metadata"] == {} and got["ETag"] == f'"{md5_hex(b"")}"'
    assert got["ContentType"] == "binary/octet-stream"


def test_conditional_put(s3, bucket):
    """PutObject with If-None-Match: * only creates; with If-Match only replaces the named version."""
    first = s3.put_object(Bucket=bucket, Key="once", Body=b"first", IfNoneMatch="*")["ETag"]
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="once", Body=b"second", IfNoneMatch="*")
    assert error_of(excinfo) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="once", Body=b"third", IfMatch=f'"{md5_hex(b"other")}"')
    assert error_of(excinfo) == ("PreconditionFailed", 412)
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"first"
    s3.put_object(Bucket=bucket, Key="once", Body=b"fourth", IfMatch=first)
    assert s3.get_object(Bucket=bucket, Key="once")["Body"].read() == b"fourth"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="never", Body=b"x", IfMatch=first)
    assert error_of(excinfo) == ("NoSuchKey", 404)


def test_key_length_limit(s3, bucket):
    """Keys may be up to 1024 UTF-8 bytes long; longer ones are KeyTooLongError."""
    longest = "é" * 512
    s3.put_object(Bucket=bucket, Key=longest, Body=b"ok")
    assert s3.get_object(Bucket=bucket, Key=longest)["Body"].read() == b"ok"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key=longest + "x", Body=b"too long")
    assert error_of(excinfo) == ("KeyTooLongError", 400)


def test_missing_key(s3, bucket):
    """GetObject of a missing key is NoSuchKey; HeadObject a bare 404."""
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="nope")
    assert error_of(excinfo) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key="nope")
    assert error_of(excinfo) == ("404", 404)


RANGE_DATA = payload(1000, seed=2)


@pytest.mark.parametrize("header, first, last", [
    ("bytes=0-9", 0, 9), ("bytes=100-199", 100, 199), ("bytes=-50", 950, 999), ("bytes=990-", 990, 999),
    ("bytes=995-5000", 995, 999), ("bytes=-5000", 0, 999), ("bytes=500-500", 500, 500),
])
def test_get_range(s3, shared_bucket, header, first, last):
    """Ranged GETs answer 206 with the requested bytes and a Content-Range."""
    s3.put_object(Bucket=shared_bucket, Key="range", Body=RANGE_DATA)
    got = s3.get_object(Bucket=shared_bucket, Key="range", Range=header)
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert got["Body"].read() == RANGE_DATA[first:last + 1]
    assert got["ContentRange"] == f"bytes {first}-{last}/1000"
    assert got["ContentLength"] == last - first + 1


@pytest.mark.parametrize("header", ["bytes=1000-", "bytes=5000-6000"])
def test_get_range_unsatisfiable(s3, shared_bucket, header):
    """A range that starts past the end is InvalidRange (416)."""
    s3.put_object(Bucket=shared_bucket, Key="range", Body=RANGE_DATA)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=shared_bucket, Key="range", Range=header)
    assert error_of(excinfo) == ("InvalidRange", 416)


def test_conditional_get(s3, bucket):
    """If-Match / If-None-Match / If-(Un)Modified-Since are evaluated against the object."""
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"conditional")["ETag"]
    past, future = datetime.now(timezone.utc) - timedelta(days=1), datetime.now(timezone.utc) + timedelta(days=1)
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"conditional"
    assert s3.get_object(Bucket=bucket, Key="c", IfNoneMatch='"0123"')["ETag"] == etag
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=past)["ETag"] == etag

    for condition, expected in (({"IfMatch": '"0123"'}, ("PreconditionFailed", 412)),
                                ({"IfUnmodifiedSince": past}, ("PreconditionFailed", 412)),
                                ({"IfNoneMatch": etag}, ("304", 304)),
                                ({"IfModifiedSince": future}, ("304", 304))):
        with pytest.raises(ClientError) as excinfo:
            s3.get_object(Bucket=bucket, Key="c", **condition)
        assert error_of(excinfo) == expected, condition
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key="c", IfMatch='"0123"')
    assert error_of(excinfo)[1] == 412


def test_not_modified_has_no_body(server, s3, bucket):
    """A 304 carries no content, so the next response on the same connection is read intact."""
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"cached")["ETag"]
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        for headers, status, body in (({"If-None-Match": etag}, 304, b""), ({}, 200, b"cached"),
                                      ({"If-None-Match": etag}, 304, b""), ({"If-Match": etag}, 200, b"cached")):
            connection.request("GET", f"/{bucket}/c", headers={"Authorization": S3_AUTHORIZATION, **headers})
            response = connection.getresponse()
            assert (response.status, response.read()) == (status, body)
    finally:
        connection.close()


@pytest.mark.parametrize("key", ODD_KEYS)
def test_odd_keys(s3, shared_bucket, key):
    """Keys with spaces, unicode and URL/XML-special characters round-trip exactly."""
    key = f"odd/{key}"
    data = key.encode() * 3
    s3.put_object(Bucket=shared_bucket, Key=key, Body=data)
    assert s3.get_object(Bucket=shared_bucket, Key=key)["Body"].read() == data
    assert s3.head_object(Bucket=shared_bucket, Key=key)["ContentLength"] == len(data)
    listed = s3.list_objects_v2(Bucket=shared_bucket, Prefix=key)["Contents"]
    assert [o["Key"] for o in listed] == [key]
    s3.delete_object(Bucket=shared_bucket, Key=key)
    with pytest.raises(ClientError):
        s3.head_object(Bucket=shared_bucket, Key=key)


def test_read_while_overwritten(server, bucket):
    """Reads racing overwrites of the same key always get one whole, self-consistent version."""
    versions = {md5_hex(data): data for data in (payload(size, seed=size) for size in (1, 70_000, 300_000))}
    writer, reader = server.client("s3"), server.client("s3")
    writer.put_object(Bucket=bucket, Key="hot", Body=versions[min(versions)])
    stop, failures = threading.Event(), []

    def overwrite():
        try:
            while not stop.is_set():
                for data in versions.values():
                    writer.put_object(Bucket=bucket, Key="hot", Body=data)
        except Exception as exc:  # reported by the test thread
            failures.append(exc)

    thread = threading.Thread(target=overwrite)
    thread.start()
    try:
        for _ in range(150):
            got = reader.get_object(Bucket=bucket, Key="hot")
            body = got["Body"].read()
            assert got["ETag"].strip('"') in versions and body == versions[got["ETag"].strip('"')]
            ranged = reader.get_object(Bucket=bucket, Key="hot", Range="bytes=0-9")
            assert ranged["Body"].read() == versions[ranged["ETag"].strip('"')][:10]
    finally:
        stop.set()
        thread.join()
    assert failures == []


def test_delete_object(s3, bucket):
    """DeleteObject answers 204, also for a key that does not exist."""
    s3.put_object(Bucket=bucket, Key="gone", Body=b"x")
    s3.put_object(Bucket=bucket, Key="stays", Body=b"y")
    assert s3.delete_object(Bucket=bucket, Key="gone")["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.delete_object(Bucket=bucket, Key="never")["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="gone")
    assert error_of(excinfo) == ("NoSuchKey", 404)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["stays"]


def test_delete_objects(s3, bucket):
    """DeleteObjects reports each deleted key, or nothing in Quiet mode."""
    fill(s3, bucket, [f"d/{i}" for i in range(6)])
    loud = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d/0"}, {"Key": "d/1"}, {"Key": "absent"}]})
    assert sorted(d["Key"] for d in loud["Deleted"]) == ["absent", "d/0", "d/1"]
    assert not loud.get("Errors")
    quiet = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "d/2"}, {"Key": "d/3"}], "Quiet": True})
    assert not quiet.get("Deleted") and not quiet.get("Errors")
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["d/4", "d/5"]


def test_copy_object(s3, bucket):
    """CopyObject keeps (COPY) or replaces (REPLACE) metadata, within and across buckets."""
    data = payload(3000, seed=3)
    source = "src/ünï code+1.bin"
    etag = s3.put_object(Bucket=bucket, Key=source, Body=data, ContentType="text/x-source",
                         Metadata={"origin": "src"})["ETag"]
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": source})
    assert copied["CopyObjectResult"]["ETag"] == etag
    head = s3.head_object(Bucket=bucket, Key="copy")
    assert (head["ContentType"], head["Metadata"]) == ("text/x-source", {"origin": "src"})

    s3.copy_object(Bucket=bucket, Key="replaced", CopySource={"Bucket": bucket, "Key": source},
                   MetadataDirective="REPLACE", ContentType="text/x-new", Metadata={"fresh": "yes"})
    head = s3.head_object(Bucket=bucket, Key="replaced")
    assert (head["ContentType"], head["Metadata"], head["ETag"]) == ("text/x-new", {"fresh": "yes"}, etag)

    other = f"t-copy-target-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=other)
    s3.copy_object(Bucket=other, Key="nested/copy", CopySource=f"{bucket}/{source}")
    assert s3.get_object(Bucket=other, Key="nested/copy")["Body"].read() == data

    s3.put_object(Bucket=bucket, Key=source, Body=b"changed")  # the copies are independent of the source
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == data
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "copy"})
    assert error_of(excinfo) == ("InvalidRequest", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="x", CopySource={"Bucket": bucket, "Key": "absent"})
    assert error_of(excinfo) == ("NoSuchKey", 404)


# --- listing -----------------------------------------------------------------------------------

LIST_KEYS = ["a", "a/1", "a/2", "a/b/1", "a/b/2", "a b", "a+b", "a-z", "b/1", "b/2/x", "b/3", "c", "d/é",
             "d/z", "dé", "déjà/1", "e", "f/1/2/3", "f/1/4", "g", "zz", "~", "Z", "日本/1", "😀"]


def delimited(keys: list[str], prefix: str, delimiter: str) -> list[str]:
    """What a delimited listing holds, in order: keys, and common prefixes (ending with the delimiter)."""
    entries = []
    for key in utf8_sorted(k for k in keys if k.startswith(prefix)):
        cut = key.find(delimiter, len(prefix))
        entry = key if cut < 0 else key[:cut + len(delimiter)]
        if entry not in entries:
            entries.append(entry)
    return entries


@pytest.fixture(scope="module")
def listing_bucket(server) -> str:
    """A bucket holding exactly LIST_KEYS."""
    s3 = server.client("s3")
    name = f"t-list-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    fill(s3, name, LIST_KEYS)
    return name


def pages_v2(s3, bucket: str, **params) -> list[dict]:
    pages, token = [], None
    while True:
        page = s3.list_objects_v2(Bucket=bucket, **params, **({"ContinuationToken": token} if token else {}))
        pages.append(page)
        if not page["IsTruncated"]:
            return pages
        token = page["NextContinuationToken"]


def test_list_v2_flat_pagination(s3, listing_bucket):
    """25 keys, 7 per page: pages in UTF-8 order, each truncated but the last, with sizes and ETags."""
    expected = utf8_sorted(LIST_KEYS)
    pages = pages_v2(s3, listing_bucket, MaxKeys=7)
    assert [len(p.get("Contents", [])) for p in pages] == [7, 7, 7, 4]
    assert [p["KeyCount"] for p in pages] == [7, 7, 7, 4]
    assert [p["IsTruncated"] for p in pages] == [True, True, True, False]
    assert [o["Key"] for p in pages for o in p["Contents"]] == expected
    first = pages[0]["Contents"][0]
    assert first["Size"] == 10 + LIST_KEYS.index(first["Key"])
    assert first["ETag"] == f'"{md5_hex(payload(first["Size"], LIST_KEYS.index(first["Key"])))}"'


def test_list_v2_delimited_pagination(s3, listing_bucket):
    """With Delimiter='/', pages mix keys and CommonPrefixes in one UTF-8 order."""
    expected = delimited(LIST_KEYS, "", "/")
    pages = pages_v2(s3, listing_bucket, Delimiter="/", MaxKeys=7)
    seen = []
    for page in pages:
        entries = [o["Key"] for o in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        assert page["KeyCount"] == len(entries) <= 7
        seen += utf8_sorted(entries)
    assert seen == expected
    assert len(pages) == -(-len(expected) // 7)


def test_list_v2_prefix_and_delimiter(s3, listing_bucket):
    """Prefix narrows the listing; Delimiter rolls deeper keys up under the prefix."""
    flat = s3.list_objects_v2(Bucket=listing_bucket, Prefix="a/")
    assert [o["Key"] for o in flat["Contents"]] == ["a/1", "a/2", "a/b/1", "a/b/2"]
    nested = s3.list_objects_v2(Bucket=listing_bucket, Prefix="a/", Delimiter="/")
    assert [o["Key"] for o in nested["Contents"]] == ["a/1", "a/2"]
    assert [p["Prefix"] for p in nested["CommonPrefixes"]] == ["a/b/"]
    assert nested["Prefix"] == "a/" and nested["Delimiter"] == "/"
    deep = s3.list_objects_v2(Bucket=listing_bucket, Prefix="f/", Delimiter="/")
    assert "Contents" not in deep and [p["Prefix"] for p in deep["CommonPrefixes"]] == ["f/1/"]
    none = s3.list_objects_v2(Bucket=listing_bucket, Prefix="nothing-here")
    assert none["KeyCount"] == 0 and "Contents" not in none and not none["IsTruncated"]


def test_list_max_keys_zero(s3, listing_bucket):
    """MaxKeys=0 is an empty, complete page (a truncated one would send paginators round forever)."""
    v2 = s3.list_objects_v2(Bucket=listing_bucket, MaxKeys=0)
    assert (v2["KeyCount"], v2["IsTruncated"], "NextContinuationToken" in v2) == (0, False, False)
    v1 = s3.list_objects(Bucket=listing_bucket, MaxKeys=0, Delimiter="/")
    assert (v1["IsTruncated"], "Contents" in v1, "NextMarker" in v1) == (False, False, False)


def test_list_owner(s3, listing_bucket):
    """ListObjectsV2 names each object's owner with FetchOwner; ListObjects always does."""
    without = s3.list_objects_v2(Bucket=listing_bucket, MaxKeys=2)["Contents"]
    assert all("Owner" not in o for o in without)
    owner = s3.list_buckets()["Owner"]
    with_owner = s3.list_objects_v2(Bucket=listing_bucket, MaxKeys=2, FetchOwner=True)["Contents"]
    assert [o["Owner"]["ID"] for o in with_owner] == [owner["ID"]] * 2
    v1 = s3.list_objects(Bucket=listing_bucket, MaxKeys=2)["Contents"]
    assert [o["Owner"]["ID"] for o in v1] == [owner["ID"]] * 2


def test_list_v2_start_after(s3, listing_bucket):
    """StartAfter lists only keys strictly after it (it need not exist)."""
    expected = utf8_sorted(LIST_KEYS)
    for after in ("b/2/x", "b/2", "d"):
        got = s3.list_objects_v2(Bucket=listing_bucket, StartAfter=after)
        assert [o["Key"] for o in got["Contents"]] == [k for k in expected if k.encode() > after.encode()]
        assert got["StartAfter"] == after


def test_list_v2_paginator(s3, listing_bucket):
    """boto3's paginator walks every page, flat and delimited."""
    paginator = s3.get_paginator("list_objects_v2")
    flat = paginator.paginate(Bucket=listing_bucket, PaginationConfig={"PageSize": 7})
    assert [o["Key"] for o in flat.search("Contents")] == utf8_sorted(LIST_KEYS)
    pages = list(paginator.paginate(Bucket=listing_bucket, Delimiter="/", PaginationConfig={"PageSize": 4}))
    prefixes = [p["Prefix"] for page in pages for p in page.get("CommonPrefixes", [])]
    assert prefixes == [e for e in delimited(LIST_KEYS, "", "/") if e.endswith("/")]


def test_list_v2_encoding_type_url(s3, bucket):
    """EncodingType=url percent-encodes keys (even ones XML cannot carry); boto3 decodes them by default."""
    keys = ["plain", "with space", "a+b", "ctl\x01char", "ünï/ç", "q?&=%"]
    fill(s3, bucket, keys)
    raw = s3.list_objects_v2(Bucket=bucket, EncodingType="url")  # explicit: botocore leaves values encoded
    assert raw["EncodingType"] == "url"
    encoded = [o["Key"] for o in raw["Contents"]]
    assert all(k.isascii() and k.isprintable() and " " not in k for k in encoded)
    assert [unquote_plus(k) for k in encoded] == utf8_sorted(keys)
    decoded = s3.list_objects_v2(Bucket=bucket)  # botocore sets EncodingType=url itself and decodes
    assert [o["Key"] for o in decoded["Contents"]] == utf8_sorted(keys)
    grouped = s3.list_objects_v2(Bucket=bucket, Prefix="ünï/", Delimiter="/", EncodingType="url")
    assert unquote_plus(grouped["Prefix"]) == "ünï/" and grouped["Prefix"].isascii()


def test_list_without_encoding_is_escaped_xml(server, bucket, s3):
    """Without EncodingType the listing is well-formed XML with the keys escaped in it."""
    keys = ["xml<&>\"'", "日本/語"]
    fill(s3, bucket, keys)
    status, headers, body = raw_request(server, "GET", f"/{bucket}?list-type=2",
                                        headers={"Authorization": S3_AUTHORIZATION})
    assert status == 200 and headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(body)
    assert root.tag == f"{S3_NS}ListBucketResult"
    assert [e.text for e in root.iter(f"{S3_NS}Key")] == utf8_sorted(keys)


def test_list_objects_v1(s3, listing_bucket):
    """ListObjects (v1): Marker and MaxKeys pagination, and NextMarker with a delimiter."""
    expected = utf8_sorted(LIST_KEYS)
    first = s3.list_objects(Bucket=listing_bucket, MaxKeys=10)
    assert [o["Key"] for o in first["Contents"]] == expected[:10] and first["IsTruncated"]
    rest = s3.list_objects(Bucket=listing_bucket, Marker=expected[9])
    assert [o["Key"] for o in rest["Contents"]] == expected[10:] and not rest["IsTruncated"]
    grouped = s3.list_objects(Bucket=listing_bucket, Delimiter="/", MaxKeys=3)
    assert grouped["IsTruncated"] and grouped["NextMarker"] == delimited(LIST_KEYS, "", "/")[2]
    walked = s3.get_paginator("list_objects").paginate(Bucket=listing_bucket, PaginationConfig={"PageSize": 6})
    assert [o["Key"] for o in walked.search("Contents")] == expected


# --- multipart uploads -------------------------------------------------------------------------


def multipart_etag(parts: list[bytes]) -> str:
    return f'"{hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest()}-{len(parts)}"'


def start_upload(s3, bucket: str, key: str, parts: list[bytes], **params) -> tuple[str, list[dict]]:
    """Create an upload and send `parts`; returns its id and the parts as CompleteMultipartUpload names them."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key=key, **params)["UploadId"]
    sent = []
    for number, data in enumerate(parts, start=1):
        etag = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data)["ETag"]
        assert etag == f'"{md5_hex(data)}"'
        sent.append({"PartNumber": number, "ETag": etag})
    return upload_id, sent


def test_multipart_upload(s3, bucket):
    """Upload three parts, list them, complete: the object is their concatenation with an `-N` ETag."""
    parts = [payload(5 * MB, seed=10), payload(5 * MB + 7, seed=11), payload(1234, seed=12)]
    upload_id, sent = start_upload(s3, bucket, "big/object", parts, ContentType="application/x-parts",
                                   Metadata={"kind": "multipart"})

    listed = s3.list_parts(Bucket=bucket, Key="big/object", UploadId=upload_id)
    assert [(p["PartNumber"], p["ETag"], p["Size"]) for p in listed["Parts"]] == \
        [(s["PartNumber"], s["ETag"], len(d)) for s, d in zip(sent, parts)]
    uploads = s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
    assert [(u["Key"], u["UploadId"]) for u in uploads] == [("big/object", upload_id)]

    done = s3.complete_multipart_upload(Bucket=bucket, Key="big/object", UploadId=upload_id,
                                        MultipartUpload={"Parts": sent})
    assert done["ETag"] == multipart_etag(parts)
    got = s3.get_object(Bucket=bucket, Key="big/object")
    assert hashlib.sha256(got["Body"].read()).digest() == hashlib.sha256(b"".join(parts)).digest()
    assert (got["ETag"], got["ContentLength"]) == (done["ETag"], sum(map(len, parts)))
    assert (got["ContentType"], got["Metadata"]) == ("application/x-parts", {"kind": "multipart"})
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    with pytest.raises(ClientError) as excinfo:
        s3.list_parts(Bucket=bucket, Key="big/object", UploadId=upload_id)
    assert error_of(excinfo) == ("NoSuchUpload", 404)


def test_multipart_part_pagination_and_replace(s3, bucket):
    """ListParts pages with MaxParts; re-sending a part number replaces that part."""
    upload_id, sent = start_upload(s3, bucket, "paged", [payload(100, seed=n) for n in range(5)])
    s3.upload_part(Bucket=bucket, Key="paged", UploadId=upload_id, PartNumber=2, Body=b"replacement")
    page = s3.list_parts(Bucket=bucket, Key="paged", UploadId=upload_id, MaxParts=2)
    assert [p["PartNumber"] for p in page["Parts"]] == [1, 2] and page["IsTruncated"]
    assert page["Parts"][1]["ETag"] == f'"{md5_hex(b"replacement")}"' and page["Parts"][1]["Size"] == 11
    rest = s3.list_parts(Bucket=bucket, Key="paged", UploadId=upload_id,
                         PartNumberMarker=int(page["NextPartNumberMarker"]))
    assert [p["PartNumber"] for p in rest["Parts"]] == [3, 4, 5] and not rest["IsTruncated"]


def test_multipart_abort(s3, bucket):
    """An aborted upload is gone: NoSuchUpload for its parts and its completion; no object appears."""
    upload_id, sent = start_upload(s3, bucket, "aborted", [payload(1000, seed=5)])
    assert s3.abort_multipart_upload(Bucket=bucket, Key="aborted",
                                     UploadId=upload_id)["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as excinfo:
        s3.list_parts(Bucket=bucket, Key="aborted", UploadId=upload_id)
    assert error_of(excinfo) == ("NoSuchUpload", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="aborted", UploadId=upload_id,
                                     MultipartUpload={"Parts": sent})
    assert error_of(excinfo) == ("NoSuchUpload", 404)
    assert s3.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0


def test_multipart_upload_part_after_abort(s3, bucket):
    """UploadPart to an aborted upload is NoSuchUpload."""
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="k", UploadId=upload_id)
    with pytest.raises(ClientError) as excinfo:
        s3.upload_part(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1, Body=b"late")
    assert error_of(excinfo) == ("NoSuchUpload", 404)


def test_multipart_complete_errors(s3, bucket):
    """Wrong part ETag → InvalidPart; parts out of order → InvalidPartOrder; small inner part → EntityTooSmall."""
    upload_id, sent = start_upload(s3, bucket, "bad", [payload(5 * MB, seed=20), payload(100, seed=21),
                                                       payload(100, seed=22)])

    def complete(parts):
        with pytest.raises(ClientError) as excinfo:
            s3.complete_multipart_upload(Bucket=bucket, Key="bad", UploadId=upload_id,
                                         MultipartUpload={"Parts": parts})
        return error_of(excinfo)

    assert complete([sent[0], {"PartNumber": 2, "ETag": f'"{md5_hex(b"other")}"'}]) == ("InvalidPart", 400)
    assert complete([sent[0], {"PartNumber": 9, "ETag": sent[1]["ETag"]}]) == ("InvalidPart", 400)
    assert complete([sent[1], sent[0]]) == ("InvalidPartOrder", 400)
    assert complete([sent[0], sent[1], sent[2]]) == ("EntityTooSmall", 400)
    # the failures left the upload intact: a valid subset still completes
    done = s3.complete_multipart_upload(Bucket=bucket, Key="bad", UploadId=upload_id,
                                        MultipartUpload={"Parts": [sent[0], sent[2]]})
    assert done["ETag"] == multipart_etag([payload(5 * MB, seed=20), payload(100, seed=22)])
    assert s3.head_object(Bucket=bucket, Key="bad")["ContentLength"] == 5 * MB + 100


def test_upload_part_copy(s3, bucket):
    """UploadPartCopy makes parts of whole objects or byte ranges of them."""
    source = payload(6 * MB, seed=80)
    etag = s3.put_object(Bucket=bucket, Key="source", Body=source)["ETag"]
    upload_id = s3.create_multipart_upload(Bucket=bucket, Key="assembled")["UploadId"]
    copy = {"Bucket": bucket, "Key": "assembled", "UploadId": upload_id, "CopySource": f"{bucket}/source"}
    whole = s3.upload_part_copy(**copy, PartNumber=1, CopySourceIfMatch=etag)["CopyPartResult"]
    ranged = s3.upload_part_copy(**copy, PartNumber=2, CopySourceRange="bytes=100-199")["CopyPartResult"]
    assert (whole["ETag"], ranged["ETag"]) == (etag, f'"{md5_hex(source[100:200])}"')
    for extra, expected in (({"CopySourceRange": f"bytes=0-{6 * MB}"}, ("InvalidArgument", 400)),
                            ({"CopySourceIfMatch": '"0123"'}, ("PreconditionFailed", 412))):
        with pytest.raises(ClientError) as excinfo:
            s3.upload_part_copy(**copy, PartNumber=3, **extra)
        assert error_of(excinfo) == expected
    s3.complete_multipart_upload(Bucket=bucket, Key="assembled", UploadId=upload_id, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": whole["ETag"]}, {"PartNumber": 2, "ETag": ranged["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="assembled")["Body"].read() == source + source[100:200]


def test_list_multipart_uploads_pagination(s3, bucket):
    """Uploads list by key, then by initiation, and page with KeyMarker/UploadIdMarker without loss."""
    expected = [(key, s3.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"])
                for key in ("b", "a", "b", "c", "a", "b", "d/x")]
    expected.sort(key=lambda item: item[0])  # stable: uploads of one key stay in initiation order
    pages = list(s3.get_paginator("list_multipart_uploads").paginate(Bucket=bucket,
                                                                     PaginationConfig={"PageSize": 2}))
    assert len(pages) == 4
    assert [(u["Key"], u["UploadId"]) for page in pages for u in page.get("Uploads", [])] == expected
    after = s3.list_multipart_uploads(Bucket=bucket, KeyMarker="b")
    assert [(u["Key"], u["UploadId"]) for u in after["Uploads"]] == expected[5:]
    prefixed = s3.list_multipart_uploads(Bucket=bucket, Prefix="d/")
    assert [u["Key"] for u in prefixed["Uploads"]] == ["d/x"]


@pytest.mark.parametrize("algorithm, digest", [
    ("CRC32", lambda d: zlib.crc32(d).to_bytes(4, "big")),
    ("SHA256", lambda d: hashlib.sha256(d).digest()),
])
def test_multipart_composite_checksum(s3, shared_bucket, algorithm, digest):
    """An upload created with a checksum algorithm gets the COMPOSITE checksum of its parts' checksums,
    even when a part was sent with boto3's default CRC32 instead."""
    key = f"composite-{algorithm}"
    parts = [payload(5 * MB, seed=70), payload(1000, seed=71)]
    upload_id = s3.create_multipart_upload(Bucket=shared_bucket, Key=key, ChecksumAlgorithm=algorithm)["UploadId"]
    sent = []
    for number, data in enumerate(parts, start=1):
        answer = s3.upload_part(Bucket=shared_bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data,
                                **({"ChecksumAlgorithm": algorithm} if number == 1 else {}))
        assert answer[f"Checksum{algorithm}"] == b64(digest(data))
        sent.append({"PartNumber": number, "ETag": answer["ETag"], f"Checksum{algorithm}": b64(digest(data))})
    done = s3.complete_multipart_upload(Bucket=shared_bucket, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": sent})
    expected = f"{b64(digest(b''.join(digest(p) for p in parts)))}-2"
    assert done[f"Checksum{algorithm}"] == expected
    head = s3.head_object(Bucket=shared_bucket, Key=key, ChecksumMode="ENABLED")
    assert head[f"Checksum{algorithm}"] == expected and head["ChecksumType"] == "COMPOSITE"


@pytest.mark.parametrize("algorithm, digest", [
    ("CRC32", lambda d: zlib.crc32(d).to_bytes(4, "big")),
    ("CRC64NVME", lambda d: crt.crc64nvme(d).to_bytes(8, "big")),
])
def test_multipart_full_object_checksum(s3, shared_bucket, algorithm, digest):
    """A FULL_OBJECT upload gets the checksum of the whole object, as if it had been sent in one piece."""
    key = f"full-{algorithm}"
    parts = [payload(5 * MB, seed=72), payload(3000, seed=73)]
    upload_id = s3.create_multipart_upload(Bucket=shared_bucket, Key=key, ChecksumAlgorithm=algorithm,
                                           ChecksumType="FULL_OBJECT")["UploadId"]
    sent = [{"PartNumber": number, "ETag": s3.upload_part(Bucket=shared_bucket, Key=key, UploadId=upload_id,
                                                          PartNumber=number, Body=data,
                                                          ChecksumAlgorithm=algorithm)["ETag"]}
            for number, data in enumerate(parts, start=1)]
    done = s3.complete_multipart_upload(Bucket=shared_bucket, Key=key, UploadId=upload_id,
                                        MultipartUpload={"Parts": sent})
    whole = b64(digest(b"".join(parts)))
    assert (done[f"Checksum{algorithm}"], done["ChecksumType"]) == (whole, "FULL_OBJECT")
    got = s3.get_object(Bucket=shared_bucket, Key=key, ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == whole and got["Body"].read() == b"".join(parts)


def test_delete_bucket_discards_uploads(s3):
    """Deleting a bucket discards its unfinished uploads: a new bucket of that name starts clean."""
    name = f"t-uploads-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name)
    upload_id, _ = start_upload(s3, name, "pending", [b"part"])
    s3.delete_bucket(Bucket=name)
    s3.create_bucket(Bucket=name)
    assert s3.list_multipart_uploads(Bucket=name).get("Uploads", []) == []
    with pytest.raises(ClientError) as excinfo:
        s3.list_parts(Bucket=name, Key="pending", UploadId=upload_id)
    assert error_of(excinfo) == ("NoSuchUpload", 404)


def test_upload_and_download_file(s3, bucket, tmp_path):
    """boto3's managed transfer: a 100 MB file goes up in parts and comes back identical."""
    source, target = tmp_path / "up.bin", tmp_path / "down.bin"
    data = payload(100 * MB, seed=30)
    source.write_bytes(data)
    config = TransferConfig()
    s3.upload_file(str(source), bucket, "transfer/big.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="transfer/big.bin")
    parts = -(-len(data) // config.multipart_chunksize)
    assert head["ContentLength"] == len(data) and head["ETag"].endswith(f'-{parts}"')
    s3.download_file(bucket, "transfer/big.bin", str(target), Config=config)
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()


# --- checksums ---------------------------------------------------------------------------------


def test_default_crc32_checksum(s3, bucket):
    """boto3 sends a CRC32 by default: it is checked, stored and returned in ChecksumMode."""
    data = payload(70_000, seed=40)
    put = s3.put_object(Bucket=bucket, Key="crc", Body=data)
    assert put["ChecksumCRC32"] == crc32_b64(data)
    got = s3.get_object(Bucket=bucket, Key="crc", ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == crc32_b64(data) and got["Body"].read() == data
    head = s3.head_object(Bucket=bucket, Key="crc", ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == crc32_b64(data)


@pytest.mark.parametrize("algorithm, digest", [
    ("SHA256", lambda d: hashlib.sha256(d).digest()),
    ("SHA1", lambda d: hashlib.sha1(d).digest()),
    ("CRC32C", lambda d: crt.crc32c(d).to_bytes(4, "big")),
    ("CRC64NVME", lambda d: crt.crc64nvme(d).to_bytes(8, "big")),
])
def test_checksum_algorithms(s3, shared_bucket, algorithm, digest):
    """Every flexible checksum algorithm is computed, returned and served back."""
    data = payload(50_000, seed=41)
    key = f"checksum-{algorithm}"
    put = s3.put_object(Bucket=shared_bucket, Key=key, Body=data, ChecksumAlgorithm=algorithm)
    assert put[f"Checksum{algorithm}"] == b64(digest(data))
    got = s3.get_object(Bucket=shared_bucket, Key=key, ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == b64(digest(data)) and got["Body"].read() == data


@pytest.mark.parametrize("wrong", [
    {"ChecksumCRC32": "AAAAAA=="},
    {"ChecksumSHA256": b64(hashlib.sha256(b"other").digest())},
    {"ContentMD5": b64(hashlib.md5(b"other").digest())},
])
def test_bad_digest_is_not_stored(s3, shared_bucket, wrong):
    """A body that does not match the checksum sent with it is refused with BadDigest and not stored."""
    key = f"bad-digest-{next(iter(wrong))}"
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=shared_bucket, Key=key, Body=payload(1000, seed=42), **wrong)
    assert error_of(excinfo) == ("BadDigest", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=shared_bucket, Key=key)
    assert error_of(excinfo) == ("NoSuchKey", 404)


def test_good_content_md5(s3, bucket):
    """A matching Content-MD5 is accepted."""
    data = payload(1000, seed=43)
    put = s3.put_object(Bucket=bucket, Key="md5", Body=data, ContentMD5=b64(hashlib.md5(data).digest()))
    assert put["ETag"] == f'"{md5_hex(data)}"'


def aws_chunked(data: bytes, chunk_size: int = 64 * 1024) -> bytes:
    """`data` as an aws-chunked body with an x-amz-checksum-crc32 trailer, as botocore writes it over https."""
    return AwsChunkedWrapper(io.BytesIO(data), Crc32Checksum, "x-amz-checksum-crc32", chunk_size).read()


def put_aws_chunked(server, bucket: str, key: str, body: bytes, decoded_length: int, trailer: bool = True):
    headers = {"Authorization": S3_AUTHORIZATION, "Content-Encoding": "aws-chunked",
               "x-amz-decoded-content-length": str(decoded_length), "Content-Type": "text/x-chunked",
               "x-amz-content-sha256": ("STREAMING-UNSIGNED-PAYLOAD-TRAILER" if trailer
                                        else "STREAMING-AWS4-HMAC-SHA256-PAYLOAD")}
    if trailer:
        headers["x-amz-trailer"] = "x-amz-checksum-crc32"
    return raw_request(server, "PUT", f"/{bucket}/{quote(key)}", body, headers)


def test_aws_chunked_upload(server, s3, bucket):
    """An aws-chunked body with a CRC32 trailer is decoded, verified and stored as the plain bytes."""
    data = payload(200_000, seed=50)
    status, _, body = put_aws_chunked(server, bucket, "chunked/obj", aws_chunked(data), len(data))
    assert status == 200, body
    got = s3.get_object(Bucket=bucket, Key="chunked/obj", ChecksumMode="ENABLED")
    assert got["Body"].read() == data
    assert got["ETag"] == f'"{md5_hex(data)}"' and got["ContentLength"] == len(data)
    assert got["ChecksumCRC32"] == crc32_b64(data)
    assert got["ContentType"] == "text/x-chunked" and "ContentEncoding" not in got


def test_aws_chunked_signed_chunks(server, s3, bucket):
    """Chunks carrying `;chunk-signature=` extensions (SigV4 streaming) decode the same way."""
    data = payload(1500, seed=51)
    signature = ";chunk-signature=" + "0" * 64
    body = (f"3e8{signature}\r\n".encode() + data[:1000] + f"\r\n1f4{signature}\r\n".encode() + data[1000:]
            + f"\r\n0{signature}\r\n\r\n".encode())
    status, _, answer = put_aws_chunked(server, bucket, "signed", body, len(data), trailer=False)
    assert status == 200, answer
    assert s3.get_object(Bucket=bucket, Key="signed")["Body"].read() == data


def test_aws_chunked_wrong_trailer(server, s3, bucket):
    """A trailer checksum that does not match the decoded body is BadDigest; nothing is stored."""
    data = payload(100_000, seed=52)
    body = aws_chunked(data).replace(crc32_b64(data).encode(), crc32_b64(b"other").encode())
    status, _, answer = put_aws_chunked(server, bucket, "chunked/bad", body, len(data))
    assert status == 400 and b"<Code>BadDigest</Code>" in answer
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key="chunked/bad")
    assert error_of(excinfo) == ("404", 404)


# --- plain HTTP: presigned URLs, virtual hosts, hostile keys -----------------------------------


def test_presigned_get_and_put(s3, bucket):
    """Presigned GetObject and PutObject URLs work from plain HTTP clients."""
    data = payload(10_000, seed=60)
    s3.put_object(Bucket=bucket, Key="pre/get me", Body=data)
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "pre/get me",
                                                          "ResponseContentDisposition": "attachment"}, ExpiresIn=300)
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.read() == data and response.headers["Content-Disposition"] == "attachment"

    uploaded = payload(20_000, seed=61)
    url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "pre/put ü"}, ExpiresIn=300)
    answer = requests.put(url, data=uploaded, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["ETag"] == f'"{md5_hex(uploaded)}"'
    assert s3.get_object(Bucket=bucket, Key="pre/put ü")["Body"].read() == uploaded


def test_virtual_host_addressing(server, s3, bucket):
    """`Host: <bucket>.localhost` addresses the bucket; the path is the key."""
    data = payload(5000, seed=62)
    s3.put_object(Bucket=bucket, Key="vhost/key one", Body=data)
    status, headers, body = raw_request(server, "GET", "/vhost/key%20one",
                                        headers={"Host": f"{bucket}.localhost:{server.port}"})
    assert status == 200 and body == data and headers["etag"] == f'"{md5_hex(data)}"'
    status, _, body = raw_request(server, "GET", "/?list-type=2", headers={"Host": f"{bucket}.localhost"})
    assert status == 200 and b"<Key>vhost/key one</Key>" in body


def test_dot_dot_keys_are_refused(server, s3, bucket):
    """Keys with a `..` segment are InvalidArgument; nothing lands outside the server home."""
    token = f"escape-{uuid.uuid4().hex}"
    outside = server.home.parent
    before = {p for p in outside.rglob("*") if server.home not in p.parents}
    keys = [f"../{token}", f"a/../../{token}", f"../../../../../../../../tmp/{token}", "a/.."]
    for key in keys:
        for method in ("PUT", "GET"):
            status, _, body = raw_request(server, method, f"/{bucket}/{quote(key, safe='/')}", b"x" * 10,
                                          {"Authorization": S3_AUTHORIZATION})
            assert status == 400 and b"<Code>InvalidArgument</Code>" in body, (method, key, body)
        status, _, body = raw_request(server, "PUT", f"/{bucket}/{quote(key, safe='')}", b"y",
                                      {"Authorization": S3_AUTHORIZATION})
        assert status == 400 and b"<Code>InvalidArgument</Code>" in body, (key, body)
    for key in keys:
        with pytest.raises(ClientError) as excinfo:
            s3.get_object(Bucket=bucket, Key=key)
        assert error_of(excinfo) == ("InvalidArgument", 400)
    assert server.health()["status"] == "ok"
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
    after = {p for p in outside.rglob("*") if server.home not in p.parents}
    assert after == before
    assert not Path("/tmp", token).exists() and not list(outside.parent.rglob(f"*{token}*"))
    s3.put_object(Bucket=bucket, Key="a/..b/c..", Body=b"dots inside names are fine")
    assert s3.get_object(Bucket=bucket, Key="a/..b/c..")["Body"].read() == b"dots inside names are fine"

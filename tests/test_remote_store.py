"""The external object store: Sextant B keeps its buckets and objects in Sextant A (SEXTANT_S3_ENDPOINT)."""

from __future__ import annotations

import base64
import hashlib
import json
import random
from datetime import datetime, timezone

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from sextant.config import Settings
from sextant.errors import ServiceError
from sextant.store.remote import RemoteObjectStore

SEED = 7_2024
MB = 1024 * 1024
SECRET = "remote-secret-key"
NOWHERE = "http://127.0.0.1:1"  # nothing listens on port 1


@pytest.fixture
def pair(make_server):
    """Server A (embedded store) and server B storing everything in A."""
    a = make_server({"SEXTANT_S3_ENDPOINT": ""})
    b = make_server({"SEXTANT_S3_ENDPOINT": a.url, "SEXTANT_S3_ACCESS_KEY_ID": "AKIDREMOTE",
                     "SEXTANT_S3_SECRET_ACCESS_KEY": SECRET, "SEXTANT_S3_REGION": "us-east-1"})
    return a, b


def data(size: int, salt: int = 0) -> bytes:
    return random.Random(SEED + salt).randbytes(size)


def error_of(call, *args, **params) -> tuple[str, int]:
    with pytest.raises(ClientError) as caught:
        call(*args, **params)
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_health_names_the_remote_store_without_its_secret(pair):
    a, b = pair
    health = b.health()
    assert health["store"]["objects"] == {"kind": "s3", "endpoint": a.url, "region": "us-east-1"}
    assert SECRET not in json.dumps(health)


def test_objects_live_in_the_remote_store(pair):
    a, b = pair
    sb, sa = b.client("s3"), a.client("s3")
    sb.create_bucket(Bucket="remote-objects")
    listed_a = {x["Name"]: x for x in sa.list_buckets()["Buckets"]}
    listed_b = {x["Name"]: x for x in sb.list_buckets()["Buckets"]}
    assert listed_b["remote-objects"]["CreationDate"] == listed_a["remote-objects"]["CreationDate"]
    assert sb.head_bucket(Bucket="remote-objects")["BucketRegion"] == "us-east-1"

    text, blob = b"hello from B\n" * 100, data(300_000)
    expires = datetime(2030, 1, 1, tzinfo=timezone.utc)
    sb.put_object(Bucket="remote-objects", Key="docs/readme.txt", Body=text, ContentType="text/plain",
                  Metadata={"author": "ada", "run": "7"}, CacheControl="max-age=60", ContentLanguage="en",
                  ContentEncoding="identity", ContentDisposition='attachment; filename="readme.txt"', Expires=expires)
    put = sb.put_object(Bucket="remote-objects", Key="data/blob.bin", Body=blob, ChecksumAlgorithm="SHA256",
                        ContentType="application/octet-stream", Metadata={"kind": "blob"})
    sha256 = base64.b64encode(hashlib.sha256(blob).digest()).decode()
    assert put["ChecksumSHA256"] == sha256 and put["ETag"] == f'"{hashlib.md5(blob).hexdigest()}"'

    got = sb.get_object(Bucket="remote-objects", Key="docs/readme.txt")
    assert got["Body"].read() == text
    assert (got["ContentType"], got["Metadata"], got["CacheControl"], got["ContentLanguage"], got["Expires"]) == \
        ("text/plain", {"author": "ada", "run": "7"}, "max-age=60", "en", expires)
    assert got["ContentDisposition"] == 'attachment; filename="readme.txt"'
    head = sb.head_object(Bucket="remote-objects", Key="data/blob.bin", ChecksumMode="ENABLED")
    assert (head["ContentLength"], head["ChecksumSHA256"], head["Metadata"]) == (len(blob), sha256, {"kind": "blob"})
    part = sb.get_object(Bucket="remote-objects", Key="data/blob.bin", Range="bytes=1000-1999")
    assert part["Body"].read() == blob[1000:2000] and part["ContentRange"] == f"bytes 1000-1999/{len(blob)}"
    assert sb.get_object(Bucket="remote-objects", Key="data/blob.bin", Range="bytes=-10")["Body"].read() == blob[-10:]

    direct = sa.head_object(Bucket="remote-objects", Key="docs/readme.txt")
    assert (direct["ContentType"], direct["Metadata"], direct["CacheControl"], direct["ContentLanguage"],
            direct["ContentEncoding"], direct["Expires"]) == \
        ("text/plain", {"author": "ada", "run": "7"}, "max-age=60", "en", "identity", expires)

    sb.copy_object(Bucket="remote-objects", Key="copies/kept.bin",
                   CopySource={"Bucket": "remote-objects", "Key": "data/blob.bin"})
    sb.copy_object(Bucket="remote-objects", Key="copies/replaced.bin", MetadataDirective="REPLACE",
                   CopySource={"Bucket": "remote-objects", "Key": "data/blob.bin"}, ContentType="application/x-new",
                   Metadata={"kind": "copy"})
    sb.delete_object(Bucket="remote-objects", Key="docs/readme.txt")

    expected = {"data/blob.bin": ("application/octet-stream", {"kind": "blob"}),
                "copies/kept.bin": ("application/octet-stream", {"kind": "blob"}),
                "copies/replaced.bin": ("application/x-new", {"kind": "copy"})}
    for key, (content_type, metadata) in expected.items():
        direct = sa.get_object(Bucket="remote-objects", Key=key)
        assert (direct["Body"].read(), direct["ContentType"], direct["Metadata"]) == (blob, content_type, metadata)
        through = sb.head_object(Bucket="remote-objects", Key=key)
        assert (through["ETag"], through["LastModified"]) == (direct["ETag"], direct["LastModified"])
    assert error_of(sa.head_object, Bucket="remote-objects", Key="docs/readme.txt") == ("404", 404)
    assert sorted(o["Key"] for o in sa.list_objects_v2(Bucket="remote-objects")["Contents"]) == sorted(expected)


def _pages(client, **params) -> list[tuple[list[tuple[str, int, str]], list[str], bool]]:
    pages = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket="remote-list", **params):
        pages.append(([(o["Key"], o["Size"], o["ETag"]) for o in page.get("Contents", [])],
                      [p["Prefix"] for p in page.get("CommonPrefixes", [])], page["IsTruncated"]))
    return pages


def test_listings_match_the_remote_page_for_page(pair):
    a, b = pair
    sb, sa = b.client("s3"), a.client("s3")
    sb.create_bucket(Bucket="remote-list")
    rng = random.Random(SEED)
    keys = {f"logs/{year}/{month:02d}/{rng.randrange(10**6):06d}.log" for year in (2023, 2024)
            for month in range(1, 5) for _ in range(3)}
    keys |= {"a", "a/b", "a/b/c", "a-b", "b/", "top.txt", "é/1", "z/deep/er/key", "logs/readme"}
    for index, key in enumerate(sorted(keys)):
        sb.put_object(Bucket="remote-list", Key=key, Body=data(rng.randrange(1, 500), index))

    assert [k for page in _pages(sb) for k, _, _ in page[0]] == sorted(keys, key=lambda k: k.encode())
    for params in ({}, {"Delimiter": "/"}, {"Prefix": "logs/", "Delimiter": "/"},
                   {"Prefix": "logs/2024/", "Delimiter": "/"}, {"StartAfter": "a/b", "Delimiter": "/"},
                   {"StartAfter": "logs/", "Delimiter": "/"}, {"Prefix": "a", "Delimiter": "b"}):
        for size in (1, 2, 3, 7, 1000):
            through = _pages(sb, PaginationConfig={"PageSize": size}, **params)
            assert through == _pages(sa, PaginationConfig={"PageSize": size}, **params), (params, size)
    marker_pages = []
    for client in (sb, sa):
        pages = client.get_paginator("list_objects").paginate(Bucket="remote-list", Delimiter="/",
                                                               PaginationConfig={"PageSize": 2})
        marker_pages.append([(page.get("NextMarker"), [p["Prefix"] for p in page.get("CommonPrefixes", [])])
                             for page in pages])
    assert marker_pages[0] == marker_pages[1]


def test_multipart_uploads_go_to_the_remote(pair, tmp_path):
    a, b = pair
    sb, sa = b.client("s3"), a.client("s3")
    sb.create_bucket(Bucket="remote-multipart")
    payload = data(12 * MB, 1)
    source = tmp_path / "model.bin"
    source.write_bytes(payload)
    sb.upload_file(str(source), "remote-multipart", "models/model.bin",
                   ExtraArgs={"ContentType": "application/x-model", "Metadata": {"epoch": "3"}},
                   Config=TransferConfig(multipart_threshold=5 * MB, multipart_chunksize=5 * MB))
    direct = sa.get_object(Bucket="remote-multipart", Key="models/model.bin")
    assert direct["Body"].read() == payload and direct["ETag"].endswith('-3"')
    assert (direct["ContentType"], direct["Metadata"]) == ("application/x-model", {"epoch": "3"})
    through = sb.head_object(Bucket="remote-multipart", Key="models/model.bin", ChecksumMode="ENABLED")
    checked = sa.head_object(Bucket="remote-multipart", Key="models/model.bin", ChecksumMode="ENABLED")
    assert {k: v for k, v in through.items() if k.startswith(("Checksum", "ETag"))} == \
        {k: v for k, v in checked.items() if k.startswith(("Checksum", "ETag"))}
    ranged = sb.get_object(Bucket="remote-multipart", Key="models/model.bin", Range=f"bytes={5 * MB - 3}-{5 * MB + 2}")
    assert ranged["Body"].read() == payload[5 * MB - 3:5 * MB + 3]
    target = tmp_path / "back.bin"
    sb.download_file("remote-multipart", "models/model.bin", str(target))
    assert target.read_bytes() == payload

    upload = sb.create_multipart_upload(Bucket="remote-multipart", Key="parts/x", ChecksumAlgorithm="SHA256",
                                        Metadata={"stage": "wip"})["UploadId"]
    etags = [sb.upload_part(Bucket="remote-multipart", Key="parts/x", UploadId=upload, PartNumber=n,
                            Body=payload[(n - 1) * 5 * MB:n * 5 * MB], ChecksumAlgorithm="SHA256")["ETag"]
             for n in (1, 2)]
    small = sb.upload_part(Bucket="remote-multipart", Key="parts/y", PartNumber=1, Body=b"tiny",
                           UploadId=sb.create_multipart_upload(Bucket="remote-multipart", Key="parts/y")["UploadId"])
    listed = sb.list_parts(Bucket="remote-multipart", Key="parts/x", UploadId=upload)
    assert [(p["PartNumber"], p["Size"], p["ETag"]) for p in listed["Parts"]] == [(1, 5 * MB, etags[0]),
                                                                                  (2, 5 * MB, etags[1])]
    assert listed["Parts"][0]["ChecksumSHA256"] == base64.b64encode(hashlib.sha256(payload[:5 * MB]).digest()).decode()
    assert listed["ChecksumAlgorithm"] == "SHA256"
    uploads = {u["Key"]: u for u in sb.list_multipart_uploads(Bucket="remote-multipart")["Uploads"]}
    assert set(uploads) == {"parts/x", "parts/y"} and uploads["parts/x"]["UploadId"] == upload
    assert {u["UploadId"] for u in sa.list_multipart_uploads(Bucket="remote-multipart")["Uploads"]} == \
        {u["UploadId"] for u in uploads.values()}

    def complete(*parts, key="parts/x", upload_id=upload):
        return sb.complete_multipart_upload(Bucket="remote-multipart", Key=key, UploadId=upload_id,
                                            MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in parts]})

    assert error_of(complete, (1, etags[0]), (2, '"0000"'))[0] == "InvalidPart"
    assert error_of(complete, (2, etags[1]), (1, etags[0]))[0] == "InvalidPartOrder"
    y_upload = sb.list_multipart_uploads(Bucket="remote-multipart", Prefix="parts/y")["Uploads"][0]["UploadId"]
    sb.upload_part(Bucket="remote-multipart", Key="parts/y", UploadId=y_upload, PartNumber=2, Body=b"more")
    assert error_of(complete, (1, small["ETag"]), (2, f'"{hashlib.md5(b"more").hexdigest()}"'), key="parts/y",
                    upload_id=y_upload)[0] == "EntityTooSmall"
    done = complete((1, etags[0]), (2, etags[1]))
    assert done["ETag"] == sa.head_object(Bucket="remote-multipart", Key="parts/x")["ETag"]
    assert sa.get_object(Bucket="remote-multipart", Key="parts/x")["Body"].read() == payload[:10 * MB]
    assert sa.head_object(Bucket="remote-multipart", Key="parts/x")["Metadata"] == {"stage": "wip"}
    sb.abort_multipart_upload(Bucket="remote-multipart", Key="parts/y", UploadId=y_upload)
    assert error_of(sb.list_parts, Bucket="remote-multipart", Key="parts/y", UploadId=y_upload) == ("NoSuchUpload", 404)
    assert "Uploads" not in sa.list_multipart_uploads(Bucket="remote-multipart")


def test_errors_come_back_with_s3_codes(pair):
    a, b = pair
    sb, sa = b.client("s3"), a.client("s3")
    sb.create_bucket(Bucket="remote-errors")
    assert error_of(sb.get_object, Bucket="remote-errors", Key="missing") == ("NoSuchKey", 404)
    assert error_of(sb.head_object, Bucket="remote-errors", Key="missing") == ("404", 404)
    assert error_of(sb.get_object, Bucket="no-such-bucket", Key="k") == ("NoSuchBucket", 404)
    assert error_of(sb.put_object, Bucket="no-such-bucket", Key="k", Body=b"x") == ("NoSuchBucket", 404)
    assert error_of(sb.list_objects_v2, Bucket="no-such-bucket") == ("NoSuchBucket", 404)
    assert error_of(sb.head_bucket, Bucket="no-such-bucket") == ("404", 404)
    assert error_of(sb.create_bucket, Bucket="remote-errors") == ("BucketAlreadyOwnedByYou", 409)
    assert error_of(sb.list_parts, Bucket="remote-errors", Key="k", UploadId="nope") == ("NoSuchUpload", 404)
    wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    assert error_of(sb.put_object, Bucket="remote-errors", Key="bad", Body=b"body", ContentMD5=wrong_md5) == \
        ("BadDigest", 400)
    assert error_of(sa.head_object, Bucket="remote-errors", Key="bad") == ("404", 404)
    sb.put_object(Bucket="remote-errors", Key="k", Body=b"x")
    assert error_of(sb.delete_bucket, Bucket="remote-errors") == ("BucketNotEmpty", 409)
    sb.delete_object(Bucket="remote-errors", Key="k")
    sb.delete_bucket(Bucket="remote-errors")
    assert "remote-errors" not in [x["Name"] for x in sa.list_buckets()["Buckets"]]


def test_restart_keeps_everything_because_b_holds_nothing(pair):
    a, b = pair
    sb = b.client("s3")
    sb.create_bucket(Bucket="remote-restart")
    objects = {f"k/{n}": data(1000 + n, n) for n in range(5)}
    for key, body in objects.items():
        sb.put_object(Bucket="remote-restart", Key=key, Body=body, Metadata={"n": key[-1]})
    upload = sb.create_multipart_upload(Bucket="remote-restart", Key="later")["UploadId"]
    etag = sb.upload_part(Bucket="remote-restart", Key="later", UploadId=upload, PartNumber=1, Body=b"last")["ETag"]

    b.restart()
    sb = b.client("s3")
    for key, body in objects.items():
        got = sb.get_object(Bucket="remote-restart", Key=key)
        assert (got["Body"].read(), got["Metadata"]) == (body, {"n": key[-1]})
    sb.complete_multipart_upload(Bucket="remote-restart", Key="later", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]})
    assert sb.get_object(Bucket="remote-restart", Key="later")["Body"].read() == b"last"
    assert not (b.home / "objects").exists() and not any((b.home / "spool").iterdir())


def test_a_common_prefix_listed_again_after_itself_is_skipped(tmp_path):
    """Some remotes roll the keys after `after` up into `after` again when it is a common prefix."""
    store = RemoteObjectStore(Settings(home=tmp_path, s3_endpoint=NOWHERE, s3_access_key="a", s3_secret_key="b"))
    moment = datetime(2024, 1, 1, tzinfo=timezone.utc)
    with Stubber(store.client) as stub:
        stub.add_response("list_objects_v2", {
            "CommonPrefixes": [{"Prefix": "a/"}, {"Prefix": "c/"}], "IsTruncated": False,
            "Contents": [{"Key": "b", "Size": 1, "ETag": '"e"', "LastModified": moment}]},
            {"Bucket": "x", "Delimiter": "/", "StartAfter": "a/", "MaxKeys": 3})
        listing = store.list_objects("x", delimiter="/", after="a/", max_keys=1)
    assert ([o.key for o in listing.objects], listing.common_prefixes, listing.truncated, listing.last) == \
        (["b"], [], True, "b")


def test_an_unreachable_remote_answers_service_unavailable(tmp_path):
    store = RemoteObjectStore(Settings(home=tmp_path, s3_endpoint=NOWHERE, s3_access_key="a", s3_secret_key="b"))
    with pytest.raises(ServiceError) as caught:
        store.list_buckets("123456789012")
    assert (caught.value.code, caught.value.status) == ("ServiceUnavailable", 503)

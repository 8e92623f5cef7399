"""SEXTANT_AUTH=sigv4: signatures checked against configured keys, in every protocol's words."""

from __future__ import annotations

import urllib.error
import urllib.request

import botocore.exceptions
import pytest

KEYS = "AKIDGOOD:goodsecret:111122223333,AKIDOTHER:othersecret"


@pytest.fixture
def secured(make_server):
    return make_server({"SEXTANT_AUTH": "sigv4", "SEXTANT_ACCESS_KEYS": KEYS})


def code_of(call) -> tuple[str, int]:
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    return caught.value.response["Error"]["Code"], caught.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_right_keys_work_and_name_the_account(secured):
    s3 = secured.client("s3", "AKIDGOOD", "goodsecret")
    s3.create_bucket(Bucket="secured-bucket")
    s3.put_object(Bucket="secured-bucket", Key="a b/ü.txt", Body=b"signed")
    assert s3.get_object(Bucket="secured-bucket", Key="a b/ü.txt")["Body"].read() == b"signed"
    assert secured.client("sts", "AKIDGOOD", "goodsecret").get_caller_identity()["Account"] == "111122223333"
    assert secured.client("sts", "AKIDOTHER", "othersecret").get_caller_identity()["Account"] == "123456789012"
    code, status = code_of(lambda: secured.client("sagemaker", "AKIDGOOD", "goodsecret").list_notebook_instances())
    assert (code, status) == ("NotImplemented", 501)  # signature accepted, operation not served


def test_wrong_secret_in_every_protocol(secured):
    assert code_of(lambda: secured.client("s3", "AKIDGOOD", "wrong").list_buckets()) == ("SignatureDoesNotMatch", 403)
    assert code_of(lambda: secured.client("sts", "AKIDGOOD", "wrong").get_caller_identity()) == \
        ("SignatureDoesNotMatch", 403)
    assert code_of(lambda: secured.client("sagemaker", "AKIDGOOD", "wrong").list_training_jobs()) == \
        ("InvalidSignatureException", 403)
    assert code_of(lambda: secured.client("sagemaker-runtime", "AKIDGOOD", "wrong").invoke_endpoint(
        EndpointName="x", Body=b"1")) == ("InvalidSignatureException", 403)
    assert code_of(lambda: secured.client("comprehendmedical", "AKIDGOOD", "wrong").detect_phi(Text="x")) == \
        ("InvalidSignatureException", 403)
    assert secured.health()["status"] == "ok"


def test_unknown_key_and_unsigned_requests(secured):
    assert code_of(lambda: secured.client("s3", "AKIDNOBODY", "x").list_buckets()) == ("InvalidAccessKeyId", 403)
    assert code_of(lambda: secured.client("sagemaker", "AKIDNOBODY", "x").list_training_jobs()) == \
        ("UnrecognizedClientException", 403)
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(f"{secured.url}/")
    assert caught.value.code == 403 and b"AccessDenied" in caught.value.read()


def test_presigned_urls_are_verified(secured):
    s3 = secured.client("s3", "AKIDGOOD", "goodsecret", signature_version="s3v4")
    s3.create_bucket(Bucket="presigned")
    s3.put_object(Bucket="presigned", Key="k", Body=b"presigned body")
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "presigned", "Key": "k"}, ExpiresIn=60)
    assert urllib.request.urlopen(url).read() == b"presigned body"
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(url.replace("Key=k", "Key=k").replace("/k?", "/other?"))
    assert caught.value.code == 403 and b"SignatureDoesNotMatch" in caught.value.read()
    forged = secured.client("s3", "AKIDGOOD", "wrong", signature_version="s3v4").generate_presigned_url(
        "get_object", Params={"Bucket": "presigned", "Key": "k"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(forged)
    assert caught.value.code == 403

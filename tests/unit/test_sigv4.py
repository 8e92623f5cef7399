"""SigV4 verification against requests signed by botocore itself."""

from __future__ import annotations

import hashlib
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import BaseSigner, S3SigV4Auth, S3SigV4QueryAuth, SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.crt import auth as crt_auth
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.utils import percent_encode

try:
    import sextant  # noqa: F401
except ImportError:  # package not installed and no conftest adding src/ yet
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))

from sextant.gateway.sigv4 import Credential, SignatureError, parse_credential, verify

ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
CREDENTIALS = Credentials(ACCESS_KEY, SECRET_KEY)
ENDPOINT = "http://127.0.0.1:9700"
SIGNED_AT = datetime(2024, 5, 17, 12, 30, 45)  # naive UTC, as botocore's clock returns
NOW = SIGNED_AT.replace(tzinfo=timezone.utc)
SPECIAL_KEY = "dir/my file ü 100%.txt"


# With awscrt installed (a Sextant dependency) real boto3 clients sign with botocore.crt.auth,
# so every hand-built request is signed by both the pure-Python and the CRT signers.
PYTHON_SIGNERS = {"v4": SigV4Auth, "v4-query": SigV4QueryAuth, "s3v4": S3SigV4Auth, "s3v4-query": S3SigV4QueryAuth}
SIGNER_SETS = {"python": PYTHON_SIGNERS, "crt": {name: crt_auth.CRT_AUTH_TYPE_MAPS[name] for name in PYTHON_SIGNERS}}


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """botocore 1.43 signers (Python and CRT) read the time through get_current_datetime, not datetime."""

    def clock(remove_tzinfo: bool = True) -> datetime:
        return SIGNED_AT if remove_tzinfo else NOW

    monkeypatch.setattr(botocore.auth, "get_current_datetime", clock)
    monkeypatch.setattr(crt_auth, "get_current_datetime", clock)


@pytest.fixture(params=sorted(SIGNER_SETS))
def signers(request: pytest.FixtureRequest) -> dict[str, type[BaseSigner]]:
    return SIGNER_SETS[request.param]


class Wire:
    """A signed request as a server receives it."""

    def __init__(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> None:
        parts = urlsplit(url)
        self.method, self.path, self.query, self.body = method, parts.path, parts.query, body
        self.headers = headers if any(n.lower() == "host" for n, _ in headers) else [*headers, ("Host", parts.netloc)]

    def verify(self, body_sha256: str | None = None, secret: str = SECRET_KEY, now: datetime = NOW, **changes: str) -> None:
        fields = {"method": self.method, "raw_path": self.path, "raw_query": self.query, **changes}
        verify(fields["method"], fields["raw_path"], fields["raw_query"], self.headers, body_sha256, secret, now=now)

    def header_map(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers}


def sign(signer: BaseSigner, method: str, url: str, body: bytes = b"", headers: dict[str, str] | None = None,
         context: dict[str, object] | None = None) -> Wire:
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {})
    request.context.update(context or {})
    signer.add_auth(request)
    prepared = request.prepare()
    # HTTPHeaders keeps repeated names, the prepared dict would not.
    return Wire(method, prepared.url, list(request.headers.items()), body)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def capture(client: object, call: str, **params: object) -> Wire:
    """Run a real boto3 call and return the request it would have sent."""
    captured: list[Wire] = []

    class Sent(Exception):
        pass

    def before_send(request: object, **_: object) -> None:
        headers = [(n, v.decode("latin-1") if isinstance(v, bytes) else v) for n, v in request.headers.items()]
        body = request.body.read() if hasattr(request.body, "read") else request.body or b""
        body = body.encode() if isinstance(body, str) else body
        captured.append(Wire(request.method, request.url, headers, body))
        raise Sent

    client.meta.events.register("before-send", before_send)
    with pytest.raises(Sent):
        getattr(client, call)(**params)
    return captured[0]


def boto3_client(service: str, **config: object) -> object:
    return boto3.client(service, endpoint_url=ENDPOINT, region_name="us-east-1", aws_access_key_id=ACCESS_KEY,
                        aws_secret_access_key=SECRET_KEY, config=Config(**config))


# --- JSON protocol (sagemaker) -------------------------------------------------------------------------


@pytest.fixture
def sagemaker_post(signers: dict[str, type[BaseSigner]]) -> Wire:
    body = b'{"ModelName": "m1"}'
    headers = {"X-Amz-Target": "SageMaker.DescribeModel", "Content-Type": "application/x-amz-json-1.1"}
    return sign(signers["v4"](CREDENTIALS, "sagemaker", "us-east-1"), "POST", ENDPOINT + "/", body, headers)


def test_json_post_verifies_with_body_hash(sagemaker_post: Wire) -> None:
    assert "x-amz-content-sha256" not in sagemaker_post.header_map()
    sagemaker_post.verify(sha256(sagemaker_post.body))


def test_json_post_rejects_wrong_secret(sagemaker_post: Wire) -> None:
    with pytest.raises(SignatureError, match="does not match"):
        sagemaker_post.verify(sha256(sagemaker_post.body), secret="not-the-secret")


def test_json_post_rejects_tampered_header(sagemaker_post: Wire) -> None:
    sagemaker_post.headers = [(n, "SageMaker.DeleteModel" if n == "X-Amz-Target" else v) for n, v in sagemaker_post.headers]
    with pytest.raises(SignatureError):
        sagemaker_post.verify(sha256(sagemaker_post.body))


def test_json_post_rejects_tampered_body_and_method(sagemaker_post: Wire) -> None:
    with pytest.raises(SignatureError):
        sagemaker_post.verify(sha256(b'{"ModelName": "m2"}'))
    with pytest.raises(SignatureError):
        sagemaker_post.verify(sha256(sagemaker_post.body), method="PUT")


def test_real_boto3_sagemaker_call_verifies() -> None:
    wire = capture(boto3_client("sagemaker"), "describe_model", ModelName="m1")
    assert parse_credential(wire.header_map(), {}) == Credential(ACCESS_KEY, "20240517", "us-east-1", "sagemaker")
    wire.verify(sha256(wire.body))


# --- request time ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("offset", [timedelta(minutes=20), timedelta(minutes=-20)])
def test_request_date_twenty_minutes_off_is_rejected(sagemaker_post: Wire, offset: timedelta) -> None:
    with pytest.raises(SignatureError, match="15 minutes"):
        sagemaker_post.verify(sha256(sagemaker_post.body), now=NOW + offset)


def test_request_date_within_skew_and_naive_now_accepted(sagemaker_post: Wire) -> None:
    sagemaker_post.verify(sha256(sagemaker_post.body), now=SIGNED_AT + timedelta(minutes=14))


def test_date_header_instead_of_x_amz_date() -> None:
    """The Python signer rewrites a Date header and then omits X-Amz-Date."""
    wire = sign(SigV4Auth(CREDENTIALS, "sts", "us-east-1"), "GET", ENDPOINT + "/?Action=GetCallerIdentity",
                headers={"Date": "Mon, 01 Jan 2001 00:00:00 GMT"})
    assert "x-amz-date" not in wire.header_map()
    wire.verify()


# --- S3 -------------------------------------------------------------------------------------------------


def test_s3_put_with_special_key_uses_path_as_sent(signers: dict[str, type[BaseSigner]]) -> None:
    url = f"{ENDPOINT}/bucket/{percent_encode(SPECIAL_KEY, safe='/~')}"
    wire = sign(signers["s3v4"](CREDENTIALS, "s3", "us-east-1"), "PUT", url, b"hello world")
    assert wire.path == "/bucket/dir/my%20file%20%C3%BC%20100%25.txt"
    assert wire.header_map()["x-amz-content-sha256"] == sha256(b"hello world")
    wire.verify()
    with pytest.raises(SignatureError):  # a differently-encoded path is a different resource
        wire.verify(raw_path="/bucket/dir/my%20file%20%C3%BC%20100%25%2Etxt")


def test_s3_unsigned_payload(signers: dict[str, type[BaseSigner]]) -> None:
    context = {"client_config": Config(s3={"payload_signing_enabled": False})}
    wire = sign(signers["s3v4"](CREDENTIALS, "s3", "us-east-1"), "PUT", ENDPOINT + "/bucket/key", b"data", context=context)
    assert wire.header_map()["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    wire.verify(body_sha256=sha256(b"anything else"))


def test_real_boto3_put_object_with_special_key() -> None:
    wire = capture(boto3_client("s3", s3={"addressing_style": "path"}), "put_object", Bucket="bkt", Key=SPECIAL_KEY,
                   Body=b"hello")
    assert wire.path == "/bkt/dir/my%20file%20%C3%BC%20100%25.txt"
    wire.verify()


def test_repeated_headers_and_whitespace_are_canonicalized(signers: dict[str, type[BaseSigner]]) -> None:
    request = AWSRequest(method="GET", url=ENDPOINT + "/bucket/key", headers={"X-Amz-Meta-Note": "  a   b  "})
    request.headers["X-Amz-Meta-Tag"] = "one"
    request.headers["X-Amz-Meta-Tag"] = "two"  # HTTPHeaders appends: a repeated header
    signers["s3v4"](CREDENTIALS, "s3", "us-east-1").add_auth(request)
    wire = Wire("GET", request.url, list(request.headers.items()), b"")
    assert [v for n, v in wire.headers if n == "X-Amz-Meta-Tag"] == ["one", "two"]
    wire.verify()
    wire.headers = [(n, "a b" if n == "X-Amz-Meta-Note" else v) for n, v in wire.headers]
    wire.verify()  # trimmed and collapsed: same canonical value
    wire.headers = [(n, v) for n, v in wire.headers if (n, v) != ("X-Amz-Meta-Tag", "two")]
    with pytest.raises(SignatureError):
        wire.verify()


# --- presigned URLs -------------------------------------------------------------------------------------


@pytest.fixture
def presigned_get() -> Wire:
    client = boto3_client("s3", signature_version="s3v4", s3={"addressing_style": "path"})
    url = client.generate_presigned_url("get_object", Params={"Bucket": "bkt", "Key": SPECIAL_KEY,
                                                              "ResponseContentType": "text/plain; charset=utf-8"},
                                        ExpiresIn=600)
    return Wire("GET", url, [], b"")


def test_presigned_s3_get_verifies(presigned_get: Wire) -> None:
    query = parse_qs(presigned_get.query)
    assert query["X-Amz-Expires"] == ["600"] and query["X-Amz-SignedHeaders"] == ["host"]
    presigned_get.verify()
    presigned_get.verify(now=NOW + timedelta(seconds=600))


def test_presigned_s3_get_expired(presigned_get: Wire) -> None:
    with pytest.raises(SignatureError, match="expired"):
        presigned_get.verify(now=NOW + timedelta(seconds=601))


def test_presigned_s3_get_rejects_tampered_query(presigned_get: Wire) -> None:
    tampered = presigned_get.query.replace("X-Amz-Expires=600", "X-Amz-Expires=6000")
    assert tampered != presigned_get.query
    with pytest.raises(SignatureError, match="does not match"):
        presigned_get.verify(raw_query=tampered)
    with pytest.raises(SignatureError, match="does not match"):
        presigned_get.verify(raw_query=presigned_get.query.replace("text%2Fplain", "text%2Fhtml"))


def test_presigned_s3_get_rejects_wrong_secret_and_missing_host(presigned_get: Wire) -> None:
    with pytest.raises(SignatureError):
        presigned_get.verify(secret="nope")
    presigned_get.headers = [("Host", "127.0.0.1:9701")]
    with pytest.raises(SignatureError):
        presigned_get.verify()


def test_presigned_url_dated_in_the_future_is_not_valid_yet(presigned_get: Wire) -> None:
    with pytest.raises(SignatureError, match="not valid yet"):
        presigned_get.verify(now=NOW - timedelta(hours=1))


def test_presigned_s3_signer_directly(signers: dict[str, type[BaseSigner]]) -> None:
    signer = signers["s3v4-query"](CREDENTIALS, "s3", "us-east-1", expires=60)
    wire = sign(signer, "GET", f"{ENDPOINT}/bucket/{percent_encode(SPECIAL_KEY, safe='/~')}?versionId=3&acl")
    wire.verify()
    with pytest.raises(SignatureError, match="expired"):
        wire.verify(now=NOW + timedelta(seconds=61))


def test_presigned_non_s3_signs_the_empty_body_hash(signers: dict[str, type[BaseSigner]]) -> None:
    """SigV4QueryAuth (e.g. EKS tokens: presigned STS GetCallerIdentity) hashes the body, not UNSIGNED-PAYLOAD."""
    signer = signers["v4-query"](CREDENTIALS, "sts", "us-east-1", expires=60)
    wire = sign(signer, "GET", ENDPOINT + "/?Action=GetCallerIdentity&Version=2011-06-15",
                headers={"x-k8s-aws-id": "my-cluster"})
    wire.verify()
    with pytest.raises(SignatureError):
        wire.verify(body_sha256=sha256(b"not empty"))
    wire.headers = [(n, "other" if n == "x-k8s-aws-id" else v) for n, v in wire.headers]
    with pytest.raises(SignatureError):
        wire.verify()


# --- query protocol (sts) -------------------------------------------------------------------------------


def test_sts_query_protocol_post(signers: dict[str, type[BaseSigner]]) -> None:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    wire = sign(signers["v4"](CREDENTIALS, "sts", "us-east-1"), "POST", ENDPOINT + "/", body, headers)
    wire.verify(sha256(body))
    with pytest.raises(SignatureError):
        wire.verify(sha256(b"Action=AssumeRole&Version=2011-06-15"))


def test_real_boto3_sts_call_verifies() -> None:
    wire = capture(boto3_client("sts"), "get_caller_identity")
    wire.verify(sha256(wire.body))


def test_signed_query_string_rejects_tampered_value(signers: dict[str, type[BaseSigner]]) -> None:
    url = ENDPOINT + "/?Action=ListUsers&PathPrefix=%2Fteam%20a%2F&Marker=a%2Bb&Flag"
    wire = sign(signers["v4"](CREDENTIALS, "iam", "us-east-1"), "GET", url)
    wire.verify()
    with pytest.raises(SignatureError):
        wire.verify(raw_query=wire.query.replace("team", "tean"))


def test_form_encoded_params_are_canonicalized_like_botocore() -> None:
    """Python signer: AWSRequest(params=...) signs %20 but sends '+' (urlencode); '+' decodes as a space."""
    request = AWSRequest(method="GET", url=ENDPOINT + "/", params={"Action": "ListUsers", "PathPrefix": "/a b~c/"})
    SigV4Auth(CREDENTIALS, "iam", "us-east-1").add_auth(request)
    wire = Wire("GET", request.prepare().url, list(request.headers.items()), b"")
    assert "a+b" in wire.query
    wire.verify()


# --- non-S3 path encoding -------------------------------------------------------------------------------


def test_non_s3_path_is_encoded_twice(signers: dict[str, type[BaseSigner]]) -> None:
    url = ENDPOINT + "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A1%3Afunction%3Afn/dir%2Fname/invocations"
    wire = sign(signers["v4"](CREDENTIALS, "lambda", "us-east-1"), "POST", url, b"{}")
    assert SigV4Auth(CREDENTIALS, "lambda", "us-east-1")._normalize_url_path(wire.path).count("%252F") == 1
    wire.verify(sha256(b"{}"))
    with pytest.raises(SignatureError):  # '%2F' is not '/'
        wire.verify(sha256(b"{}"), raw_path=wire.path.replace("%2F", "/"))


def test_non_s3_path_dot_segments_and_double_slashes_are_normalized(signers: dict[str, type[BaseSigner]]) -> None:
    wire = sign(signers["v4"](CREDENTIALS, "sagemaker", "us-east-1"), "GET", ENDPOINT + "//a/./b/../c%20d/")
    assert wire.path == "//a/./b/../c%20d/"
    wire.verify()


# --- parse_credential -----------------------------------------------------------------------------------


def test_parse_credential_header_form(sagemaker_post: Wire) -> None:
    expected = Credential(ACCESS_KEY, "20240517", "us-east-1", "sagemaker")
    assert parse_credential(sagemaker_post.header_map(), {}) == expected


def test_parse_credential_query_form(presigned_get: Wire) -> None:
    expected = Credential(ACCESS_KEY, "20240517", "us-east-1", "s3")
    assert parse_credential({"host": "127.0.0.1:9700"}, parse_qs(presigned_get.query)) == expected


def test_parse_credential_unsigned() -> None:
    assert parse_credential({"host": "127.0.0.1:9700"}, {"prefix": ["a"]}) is None


@pytest.mark.parametrize("authorization", [
    "AWS AKIDEXAMPLE:c2lnbmF0dXJl",
    "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=00",
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240517/us-east-1/s3, SignedHeaders=host, Signature=00",
])
def test_parse_credential_malformed(authorization: str) -> None:
    with pytest.raises(SignatureError):
        parse_credential({"authorization": authorization}, {})


def test_verify_rejects_unsigned_and_incomplete_requests() -> None:
    with pytest.raises(SignatureError, match="not signed"):
        verify("GET", "/", "", [("Host", "h")], None, SECRET_KEY, now=NOW)
    auth = f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/20240517/us-east-1/s3/aws4_request, Signature=00"
    headers = [("Host", "h"), ("X-Amz-Date", "20240517T123045Z"), ("Authorization", auth)]
    with pytest.raises(SignatureError, match="SignedHeaders"):
        verify("GET", "/", "", headers, None, SECRET_KEY, now=NOW)
    headers[2] = ("Authorization", auth.replace("Signature=00", "SignedHeaders=host, Signature=é"))
    with pytest.raises(SignatureError, match="does not match"):
        verify("GET", "/", "", headers, None, SECRET_KEY, now=NOW)


def test_presigned_extreme_dates_and_expires_are_rejected(presigned_get: Wire) -> None:
    far_future = presigned_get.query.replace("X-Amz-Date=20240517T123045Z", "X-Amz-Date=99991231T235959Z")
    with pytest.raises(SignatureError):
        presigned_get.verify(raw_query=far_future.replace("X-Amz-Credential=AKIDEXAMPLE%2F20240517",
                                                          "X-Amz-Credential=AKIDEXAMPLE%2F99991231"))
    for expires in ("0", "604801", "-1", "²", ""):
        with pytest.raises(SignatureError, match="X-Amz-Expires"):
            presigned_get.verify(raw_query=presigned_get.query.replace("X-Amz-Expires=600", f"X-Amz-Expires={expires}"))


def test_verify_rejects_scope_date_mismatch(sagemaker_post: Wire) -> None:
    sagemaker_post.headers = [(n, "20240518T000000Z" if n == "X-Amz-Date" else v) for n, v in sagemaker_post.headers]
    with pytest.raises(SignatureError, match="scope date"):
        sagemaker_post.verify(sha256(sagemaker_post.body), now=datetime(2024, 5, 18, tzinfo=timezone.utc))

"""The wire layer through real clients: routing, every protocol's errors, validation, bad input."""

from __future__ import annotations

import http.client
import json
import os
import subprocess
import sys

import botocore.exceptions
import cbor2
import pytest

AUTH_SAGEMAKER = ("AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/sagemaker/aws4_request, "
                  "SignedHeaders=host, Signature=00")


def raw(server, method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None):
    """Send one raw HTTP request; returns (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def json_call(server, target: str, body: bytes, method: str = "POST"):
    return raw(server, method, "/", body, {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1",
                                           "Authorization": AUTH_SAGEMAKER})


def assert_healthy(server) -> None:
    assert server.health()["status"] == "ok"


def error_of(call):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call()
    return caught.value.response


def test_unimplemented_operation_names_service_and_operation(server):
    response = error_of(lambda: server.client("sagemaker").list_notebook_instances())
    assert response["Error"]["Code"] == "NotImplemented"
    assert "sagemaker:ListNotebookInstances" in response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_rest_json_and_cbor_requests_are_parsed(server):
    runtime = server.client("sagemaker-runtime")
    response = error_of(lambda: runtime.invoke_endpoint_async(EndpointName="ep", InputLocation="s3://b/k"))
    assert "sagemaker-runtime:InvokeEndpointAsync" in response["Error"]["Message"]
    response = error_of(lambda: runtime.invoke_endpoint(EndpointName="e" * 64, Body=b"1"))
    assert response["Error"]["Code"] == "ValidationException"
    assert "endpointName" in response["Error"]["Message"]
    medical = server.client("comprehendmedical")
    response = error_of(lambda: medical.infer_icd10_cm(Text="Patient John Smith, 42, has a fever"))
    assert response["Error"]["Code"] == "NotImplemented"
    assert "comprehendmedical:InferICD10CM" in response["Error"]["Message"]
    phi = medical.detect_phi(Text="Patient John Smith, 42")["Entities"]
    assert "NAME" in {entity["Type"] for entity in phi}


def test_cbor_validation_error_is_cbor(server):
    status, headers, body = raw(server, "POST", "/service/ComprehendMedical_20181030/operation/DetectPHI",
                                cbor2.dumps({"Text": ""}), {"Smithy-Protocol": "rpc-v2-cbor",
                                                            "Content-Type": "application/cbor"})
    assert status == 400
    error = cbor2.loads(body)
    assert error["__type"] == "ValidationException"
    assert "'text'" in error["message"]
    assert headers["smithy-protocol"] == "rpc-v2-cbor"


def test_missing_required_member(server):
    status, headers, body = json_call(server, "SageMaker.DescribeTrainingJob", b"{}")
    assert status == 400
    assert headers["x-amzn-errortype"] == "ValidationException"
    error = json.loads(body)
    assert error["__type"] == "ValidationException"
    assert "Value null at 'trainingJobName' failed to satisfy constraint: Member must not be null" in error["message"]
    assert headers["x-amzn-requestid"]


def test_constraint_messages_name_the_member(server):
    body = json.dumps({"TrainingJobName": "bad name!", "MaxResults": 0}).encode()
    status, _, data = json_call(server, "SageMaker.ListTrainingJobs", json.dumps({"MaxResults": 101}).encode())
    assert status == 400 and "'maxResults'" in json.loads(data)["message"]
    status, _, data = json_call(server, "SageMaker.DescribeTrainingJob", body)
    message = json.loads(data)["message"]
    assert status == 400 and "'trainingJobName'" in message and "regular expression pattern" in message
    status, _, data = json_call(server, "SageMaker.ListTrainingJobs", json.dumps({"StatusEquals": "Nope"}).encode())
    assert status == 400 and "enum value set" in json.loads(data)["message"]


def test_wrong_type_is_a_serialization_error(server):
    status, _, data = json_call(server, "SageMaker.DescribeTrainingJob", b'{"TrainingJobName": 5}')
    error = json.loads(data)
    assert status == 400 and error["__type"] == "SerializationException" and "TrainingJobName" in error["message"]
    status, _, data = json_call(server, "SageMaker.ListTrainingJobs", b'{"MaxResults": "ten"}')
    assert status == 400 and json.loads(data)["__type"] == "SerializationException"


def test_invalid_json(server):
    status, _, data = json_call(server, "SageMaker.DescribeTrainingJob", b'{"TrainingJobName": ')
    assert status == 400 and json.loads(data)["__type"] == "SerializationException"
    assert_healthy(server)


def test_unknown_operation_and_service(server):
    status, _, data = json_call(server, "SageMaker.NoSuchThing", b"{}")
    assert status == 400 and json.loads(data)["__type"] == "UnknownOperationException"
    status, _, data = json_call(server, "NoSuchService_20200101.Foo", b"{}")
    assert status == 400 and json.loads(data)["__type"] == "UnknownOperationException"
    status, _, data = raw(server, "POST", "/", b"Action=NoSuchAction&Version=2011-06-15", {
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": AUTH_SAGEMAKER.replace("sagemaker", "sts")})
    assert status == 400 and b"<Code>InvalidAction</Code>" in data
    assert_healthy(server)


def test_wrong_http_method(server):
    status, _, data = json_call(server, "SageMaker.ListTrainingJobs", b"", method="GET")
    assert status == 405
    status, _, data = raw(server, "PATCH", "/some-bucket")
    assert status == 405 and b"<Code>MethodNotAllowed</Code>" in data
    assert_healthy(server)


def test_oversized_body(server):
    body = b'{"TrainingJobName": "' + b"x" * (33 * 1024 * 1024) + b'"}'
    status, _, data = json_call(server, "SageMaker.DescribeTrainingJob", body)
    assert status == 413
    assert_healthy(server)


def test_sts_identity_uses_the_credentials_account(server):
    assert server.client("sts").get_caller_identity()["Account"] == "123456789012"
    identity = server.client("sts", access_key="210987654321").get_caller_identity()
    assert identity["Account"] == "210987654321"
    assert identity["Arn"] == "arn:aws:iam::210987654321:user/210987654321"


def test_health_and_request_log(server):
    health = server.health()
    assert health["version"]
    assert health["services"]["s3"]["implemented"] >= 15
    assert health["services"]["sts"]["protocol"] == "query"
    assert health["store"]["metadata"] == "sqlite" and health["store"]["objects"]["kind"] == "local"
    server.client("s3").list_buckets()
    lines = [json.loads(line) for line in server.log.read_text().splitlines() if line.startswith("{")]
    entry = next(line for line in reversed(lines) if line["operation"] == "ListBuckets")
    assert entry["service"] == "s3" and entry["status"] == 200 and entry["ms"] >= 0


def test_aws_cli_talks_to_json_and_query_services(server):
    env = {**os.environ, "AWS_ENDPOINT_URL": server.url, "AWS_ACCESS_KEY_ID": "AKIDTEST",
           "AWS_SECRET_ACCESS_KEY": "secret", "AWS_DEFAULT_REGION": "us-east-1"}
    result = subprocess.run(["aws", "sts", "get-caller-identity", "--output", "json"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["Account"] == "123456789012"
    result = subprocess.run(["aws", "sagemaker", "list-notebook-instances"], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode != 0 and "NotImplemented" in result.stderr


def test_status_command(server):
    command = [sys.executable, "-m", "sextant.cli.main", "status", "--port", str(server.port)]
    shown = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0 and "s3" in shown.stdout and "operations" in shown.stdout
    document = json.loads(subprocess.run(command + ["--json"], capture_output=True, text=True, timeout=60).stdout)
    assert document["services"]["s3"]["implemented"] == server.health()["services"]["s3"]["implemented"]
    down = subprocess.run([sys.executable, "-m", "sextant.cli.main", "status", "--port", "9"], capture_output=True,
                          text=True, timeout=60)
    assert down.returncode == 1 and "not answering" in down.stderr

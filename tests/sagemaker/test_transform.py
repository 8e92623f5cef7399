"""Batch transform through boto3: splitting, batching, filters, joins, assembly, errors."""

from __future__ import annotations

import json

import botocore.exceptions
import pytest

from .test_hosting import make_model

WAIT = {"Delay": 0.5, "MaxAttempts": 240}


@pytest.fixture
def sm(server):
    return server.client("sagemaker")


def finished(sm, name: str) -> dict:
    try:
        sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName=name, WaiterConfig=WAIT)
    except botocore.exceptions.WaiterError:
        pass
    return sm.describe_transform_job(TransformJobName=name)


def transform(sm, bucket: str, name: str, **extra) -> dict:
    request = dict(
        TransformJobName=name, ModelName=f"doubler-{bucket}", BatchStrategy="MultiRecord", MaxPayloadInMB=1,
        MaxConcurrentTransforms=2,
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/in/"}},
                        "ContentType": "text/csv", "SplitType": "Line"},
        TransformOutput={"S3OutputPath": f"s3://{bucket}/out/{name}", "AssembleWith": "Line",
                         "Accept": "text/csv"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    request.update(extra)
    sm.create_transform_job(**request)
    return finished(sm, name)


def test_transform_with_filters_and_join(sm, s3, bucket):
    make_model(sm, s3, bucket, f"doubler-{bucket}", 2.0)
    rows = [f"{i},{i + 1},{i + 2}" for i in range(2000)]
    s3.put_object(Bucket=bucket, Key="in/a.csv", Body=("\n".join(rows[:1500]) + "\n").encode())
    s3.put_object(Bucket=bucket, Key="in/b.csv", Body=("\n".join(rows[1500:]) + "\n").encode())

    job = transform(sm, bucket, "plain")
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    out = s3.get_object(Bucket=bucket, Key="out/plain/a.csv.out")["Body"].read().decode().splitlines()
    assert len(out) == 1500 and float(out[10]) == 2 * (10 + 11 + 12)

    job = transform(sm, bucket, "filtered", DataProcessing={"InputFilter": "$[1:]", "JoinSource": "Input",
                                                            "OutputFilter": "$[0,-1]"})
    assert job["TransformJobStatus"] == "Completed", job.get("FailureReason")
    out = s3.get_object(Bucket=bucket, Key="out/filtered/b.csv.out")["Body"].read().decode().splitlines()
    first_id = 1500
    assert out[0].split(",") == [str(first_id), repr(2.0 * (2 * first_id + 3))]
    assert len(out) == 500

    single = transform(sm, bucket, "single", BatchStrategy="SingleRecord",
                       TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                                       "S3Uri": f"s3://{bucket}/in/b.csv"}},
                                       "ContentType": "text/csv", "SplitType": "Line"})
    assert single["TransformJobStatus"] == "Completed"
    names = [j["TransformJobName"] for j in sm.list_transform_jobs(
        StatusEquals="Completed", SortBy="Name", SortOrder="Ascending", MaxResults=100)["TransformJobSummaries"]]
    assert [name for name in names if name in ("filtered", "plain", "single")] == ["filtered", "plain", "single"]


def test_transform_failures(sm, s3, bucket):
    make_model(sm, s3, bucket, f"doubler-{bucket}", 2.0)
    s3.put_object(Bucket=bucket, Key="in/bad.csv", Body=b"1,2\n-5,1\n")
    job = transform(sm, bucket, "model-fails")
    assert job["TransformJobStatus"] == "Failed" and "negative input" in job["FailureReason"]
    job = transform(sm, bucket, "no-input", TransformInput={
        "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/missing/"}},
        "ContentType": "text/csv", "SplitType": "Line"})
    assert job["TransformJobStatus"] == "Failed" and "No S3 objects found" in job["FailureReason"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        transform(sm, bucket, "no-model", ModelName="absent")
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert json.dumps(job, default=str)

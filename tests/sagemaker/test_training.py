"""Training jobs through boto3: script mode end to end, logs, metrics, stop, limits, bad input."""

from __future__ import annotations

import io
import json
import tarfile
import textwrap
import time
from datetime import datetime, timezone

import botocore.exceptions
import pytest

SKLEARN = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
WAIT = {"Delay": 1, "MaxAttempts": 300}


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture
def sm(server):
    return server.client("sagemaker")


@pytest.fixture
def data_bucket(s3, bucket):
    s3.put_object(Bucket=bucket, Key="train/part-1.csv", Body=b"1,2\n3,4\n")
    s3.put_object(Bucket=bucket, Key="train/part-2.csv", Body=b"5,6\n")
    return bucket


def finished(sm, name: str) -> dict:
    """Wait for a job to end (the waiter raises on Failed, which some tests expect) and describe it."""
    try:
        sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName=name, WaiterConfig=WAIT)
    except botocore.exceptions.WaiterError:
        pass
    return sm.describe_training_job(TrainingJobName=name)


def script_job(sm, s3, bucket, name, script, **extra):
    s3.put_object(Bucket=bucket, Key=f"code/{name}.tar.gz", Body=tarball({"train.py": textwrap.dedent(script).encode()}))
    request = dict(
        TrainingJobName=name, RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": SKLEARN, "TrainingInputMode": "File",
                                "MetricDefinitions": [{"Name": "train:total", "Regex": r"total=([0-9.]+)"}]},
        HyperParameters={"sagemaker_program": '"train.py"',
                         "sagemaker_submit_directory": f'"s3://{bucket}/code/{name}.tar.gz"', "scale": "2"},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/train/", "S3DataDistributionType": "FullyReplicated"}},
            "ContentType": "text/csv"}],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    request.update(extra)
    sm.create_training_job(**request)


SUM_SCRIPT = """
    import argparse, glob, json, os
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float)
    args = parser.parse_args()
    total = 0.0
    for path in sorted(glob.glob(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "*.csv"))):
        for line in open(path):
            total += sum(float(v) for v in line.split(","))
    print(f"total={total * args.scale}")
    with open(os.path.join(os.environ["SM_MODEL_DIR"], "model.json"), "w") as out:
        json.dump({"total": total * args.scale, "hosts": json.loads(os.environ["SM_HOSTS"])}, out)
    open(os.path.join(os.environ["SM_OUTPUT_DATA_DIR"], "report.txt"), "w").write("done")
"""


def test_script_mode_job_end_to_end(sm, s3, data_bucket, server):
    script_job(sm, s3, data_bucket, "sum-job", SUM_SCRIPT)
    sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName="sum-job", WaiterConfig=WAIT)
    job = sm.describe_training_job(TrainingJobName="sum-job")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    assert job["SecondaryStatus"] == "Completed"
    statuses = [t["Status"] for t in job["SecondaryStatusTransitions"]]
    assert statuses == ["Starting", "Downloading", "Training", "Uploading", "Completed"]
    assert job["FinalMetricDataList"][0]["MetricName"] == "train:total"
    assert job["FinalMetricDataList"][0]["Value"] == pytest.approx(42.0)
    artifact = job["ModelArtifacts"]["S3ModelArtifacts"]
    assert artifact == f"s3://{data_bucket}/output/sum-job/output/model.tar.gz"
    body = s3.get_object(Bucket=data_bucket, Key="output/sum-job/output/model.tar.gz")["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(body)) as archive:
        assert b'"total": 42.0' in archive.extractfile("model.json").read()
    s3.head_object(Bucket=data_bucket, Key="output/sum-job/output/output.tar.gz")
    assert job["TrainingJobArn"] == "arn:aws:sagemaker:us-east-1:123456789012:training-job/sum-job"

    logs = server.client("logs")
    streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs",
                                        logStreamNamePrefix="sum-job/")["logStreams"]
    events = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                 logStreamName=streams[0]["logStreamName"], startFromHead=True)["events"]
    assert any(e["message"] == "total=42.0" for e in events)

    summaries = sm.list_training_jobs(NameContains="sum-j", StatusEquals="Completed")["TrainingJobSummaries"]
    assert [s["TrainingJobName"] for s in summaries] == ["sum-job"]


def test_failing_script_reports_its_error(sm, s3, data_bucket):
    script_job(sm, s3, data_bucket, "broken-job", "raise ValueError('the data has no label column')\n")
    job = finished(sm, "broken-job")
    assert job["TrainingJobStatus"] == "Failed"
    assert "ExecuteUserScriptError" in job["FailureReason"]
    assert "the data has no label column" in job["FailureReason"]


def test_stop_and_max_runtime(sm, s3, data_bucket):
    sleeper = "import time\nwhile True:\n    time.sleep(0.1)\n"
    script_job(sm, s3, data_bucket, "stop-me", sleeper)
    deadline = time.time() + 60
    while sm.describe_training_job(TrainingJobName="stop-me")["SecondaryStatus"] != "Training":
        assert time.time() < deadline
        time.sleep(0.2)
    sm.stop_training_job(TrainingJobName="stop-me")
    assert finished(sm, "stop-me")["TrainingJobStatus"] == "Stopped"
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sm.stop_training_job(TrainingJobName="stop-me")
    assert caught.value.response["Error"]["Code"] == "ValidationException"

    script_job(sm, s3, data_bucket, "too-long", sleeper, StoppingCondition={"MaxRuntimeInSeconds": 2})
    job = finished(sm, "too-long")
    assert (job["TrainingJobStatus"], job["SecondaryStatus"]) == ("Stopped", "MaxRuntimeExceeded")


def test_bad_input(sm, s3, data_bucket):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        script_job(sm, s3, data_bucket, "bad-uri", SUM_SCRIPT, OutputDataConfig={"S3OutputPath": "not-a-uri"})
    assert caught.value.response["Error"]["Code"] == "ValidationException"
    assert "outputDataConfig.s3OutputPath" in caught.value.response["Error"]["Message"]
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        sm.describe_training_job(TrainingJobName="never-created")
    assert caught.value.response["Error"]["Code"] == "ValidationException"

    script_job(sm, s3, data_bucket, "empty-channel", SUM_SCRIPT, InputDataConfig=[{
        "ChannelName": "train", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                                "S3Uri": f"s3://{data_bucket}/nothing-here/"}}}])
    job = finished(sm, "empty-channel")
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"].startswith("ClientError: No S3 objects found")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        script_job(sm, s3, data_bucket, "empty-channel", SUM_SCRIPT)
    assert caught.value.response["Error"]["Code"] == "ResourceInUse"


XGBOOST_SCRIPT = """
    import os
    import numpy as np
    import xgboost
    if __name__ == "__main__":  # the model server imports this module too
        data = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "data.csv"), delimiter=",")
        booster = xgboost.train({"objective": "reg:squarederror"}, xgboost.DMatrix(data[:, 1:], label=data[:, 0]),
                                20)
        booster.save_model(os.path.join(os.environ["SM_MODEL_DIR"], "xgboost-model"))
"""


def test_xgboost_framework_script_mode(sm, s3, bucket, server):
    """The XGBoost image runs a script when sagemaker_program is set, and serves its model without a model_fn."""
    rows = "\n".join(f"{2 * i},{i}" for i in range(200))
    s3.put_object(Bucket=bucket, Key="xgb-script/data.csv", Body=rows.encode())
    s3.put_object(Bucket=bucket, Key="code/xgb.tar.gz", Body=tarball(
        {"train.py": textwrap.dedent(XGBOOST_SCRIPT).encode()}))
    image = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
    sm.create_training_job(
        TrainingJobName=f"xgb-script-{bucket}", RoleArn=ROLE,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"},
        HyperParameters={"sagemaker_program": '"train.py"',
                         "sagemaker_submit_directory": f'"s3://{bucket}/code/xgb.tar.gz"'},
        InputDataConfig=[{"ChannelName": "train", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/xgb-script/"}}}],
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/output"},
        ResourceConfig={"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    job = finished(sm, f"xgb-script-{bucket}")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    sm.create_model(ModelName=f"xgb-script-{bucket}", ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": image, "ModelDataUrl": job["ModelArtifacts"]["S3ModelArtifacts"],
        "Environment": {"SAGEMAKER_PROGRAM": "train.py",
                        "SAGEMAKER_SUBMIT_DIRECTORY": f"s3://{bucket}/code/xgb.tar.gz"}})
    sm.create_endpoint_config(EndpointConfigName=f"xgb-script-{bucket}", ProductionVariants=[{
        "VariantName": "v", "ModelName": f"xgb-script-{bucket}", "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName=f"xgb-script-{bucket}", EndpointConfigName=f"xgb-script-{bucket}")
    sm.get_waiter("endpoint_in_service").wait(EndpointName=f"xgb-script-{bucket}", WaiterConfig=WAIT)
    answer = server.client("sagemaker-runtime").invoke_endpoint(
        EndpointName=f"xgb-script-{bucket}", Body=b"50\n100\n", ContentType="text/csv", Accept="application/json")
    low, high = json.loads(answer["Body"].read())
    assert abs(low - 100) < 10 and abs(high - 200) < 10


def test_list_training_jobs_filters_sorts_and_pages(make_server):
    server = make_server()
    sm, s3 = server.client("sagemaker"), server.client("s3")
    s3.create_bucket(Bucket="listing")
    s3.put_object(Bucket="listing", Key="train/part-1.csv", Body=b"1,2\n")
    marks = []
    for name in ("alpha-job", "beta-job", "gamma-run"):
        marks.append(time.time())
        script_job(sm, s3, "listing", name, SUM_SCRIPT)
        finished(sm, name)
        time.sleep(0.05)
    names = [s["TrainingJobName"] for page in sm.get_paginator("list_training_jobs").paginate(
        SortBy="Name", SortOrder="Ascending", PaginationConfig={"PageSize": 1}) for s in page["TrainingJobSummaries"]]
    assert names == ["alpha-job", "beta-job", "gamma-run"]
    newest_first = [s["TrainingJobName"] for s in sm.list_training_jobs()["TrainingJobSummaries"]]
    assert newest_first == ["gamma-run", "beta-job", "alpha-job"]
    after = sm.list_training_jobs(CreationTimeAfter=datetime.fromtimestamp(marks[1], timezone.utc),
                                  NameContains="job")["TrainingJobSummaries"]
    assert [s["TrainingJobName"] for s in after] == ["beta-job"]

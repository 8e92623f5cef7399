"""Built-in XGBoost through boto3 on UCI Adult: train, metrics, deploy, invoke, transform, bad input."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from ..datasets import adult, to_csv
from .test_training import ROLE, finished

XGBOOST = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
WAIT = {"Delay": 0.5, "MaxAttempts": 600}


@pytest.fixture
def sm(server):
    return server.client("sagemaker")


def channel(name: str, uri: str, content_type: str = "text/csv") -> dict:
    return {"ChannelName": name, "ContentType": content_type,
            "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": uri}}}


def xgboost_job(sm, bucket: str, name: str, hyperparameters: dict, channels: list[dict]) -> dict:
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE, HyperParameters=hyperparameters,
        AlgorithmSpecification={"TrainingImage": XGBOOST, "TrainingInputMode": "File"},
        InputDataConfig=channels, OutputDataConfig={"S3OutputPath": f"s3://{bucket}/models"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    return finished(sm, name)


def test_xgboost_on_adult_end_to_end(sm, s3, bucket, server):
    X, y, X_test, y_test = adult()
    rng = np.random.default_rng(0)
    order = rng.permutation(len(y))
    train, valid = order[: int(0.8 * len(y))], order[int(0.8 * len(y)):]
    s3.put_object(Bucket=bucket, Key="adult/train/data.csv", Body=to_csv(X[train], y[train]))
    s3.put_object(Bucket=bucket, Key="adult/validation/data.csv", Body=to_csv(X[valid], y[valid]))
    job = xgboost_job(sm, bucket, "xgb-adult", {"objective": "binary:logistic", "num_round": "150", "eta": "0.1",
                                                "max_depth": "6", "eval_metric": "auc", "early_stopping_rounds": "10"},
                      [channel("train", f"s3://{bucket}/adult/train/"),
                       channel("validation", f"s3://{bucket}/adult/validation/")])
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert metrics["validation:auc"] >= 0.90 and metrics["train:auc"] >= metrics["validation:auc"] - 0.05

    sm.create_model(ModelName="xgb-adult", ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": XGBOOST, "ModelDataUrl": job["ModelArtifacts"]["S3ModelArtifacts"]})
    sm.create_endpoint_config(EndpointConfigName="xgb-adult", ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": "xgb-adult", "InitialInstanceCount": 1,
        "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName="xgb-adult", EndpointConfigName="xgb-adult")
    sm.get_waiter("endpoint_in_service").wait(EndpointName="xgb-adult", WaiterConfig=WAIT)
    runtime = server.client("sagemaker-runtime")
    answer = runtime.invoke_endpoint(EndpointName="xgb-adult", Body=to_csv(X_test[:2000]), ContentType="text/csv")
    scores = np.array([float(line) for line in answer["Body"].read().decode().split()])
    assert roc_auc_score(y_test[:2000], scores) >= 0.90
    answer = runtime.invoke_endpoint(EndpointName="xgb-adult", Body=json.dumps(
        {"instances": [{"features": X_test[0].tolist()}]}), ContentType="application/json",
        Accept="application/json")
    assert json.loads(answer["Body"].read())["predictions"][0]["score"] == pytest.approx(scores[0], rel=1e-5)

    s3.put_object(Bucket=bucket, Key="adult/test/features.csv", Body=to_csv(X_test))
    sm.create_transform_job(
        TransformJobName="xgb-adult-test", ModelName="xgb-adult", BatchStrategy="MultiRecord",
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                        "S3Uri": f"s3://{bucket}/adult/test/"}},
                        "ContentType": "text/csv", "SplitType": "Line"},
        TransformOutput={"S3OutputPath": f"s3://{bucket}/adult/predictions", "AssembleWith": "Line"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    sm.get_waiter("transform_job_completed_or_stopped").wait(TransformJobName="xgb-adult-test", WaiterConfig=WAIT)
    out = s3.get_object(Bucket=bucket, Key="adult/predictions/features.csv.out")["Body"].read()
    predicted = np.loadtxt(io.BytesIO(out))
    assert len(predicted) == len(y_test) and roc_auc_score(y_test, predicted) >= 0.90
    sm.delete_endpoint(EndpointName="xgb-adult")


def test_xgboost_bad_input_fails_the_job_with_a_reason(sm, s3, bucket):
    s3.put_object(Bucket=bucket, Key="small/train.csv", Body=b"1,0.5,2\n0,0.1,1\n1,0.7,3\n")
    s3.put_object(Bucket=bucket, Key="text/train.csv", Body=b"1,0.5,2\n0,abc,1\n")
    train = [channel("train", f"s3://{bucket}/small/")]
    job = xgboost_job(sm, bucket, "xgb-missing", {"objective": "binary:logistic"}, train)
    assert job["TrainingJobStatus"] == "Failed"
    assert job["FailureReason"] == "ClientError: Missing required hyperparameter: num_round (XGBoost)"
    job = xgboost_job(sm, bucket, "xgb-range", {"num_round": "5", "eta": "1.5"}, train)
    assert "eta" in job["FailureReason"] and "out of range" in job["FailureReason"]
    job = xgboost_job(sm, bucket, "xgb-text", {"num_round": "5"}, [channel("train", f"s3://{bucket}/text/")])
    assert job["FailureReason"].startswith("ClientError: Channel train:") and "abc" in job["FailureReason"]

"""Built-in Linear Learner, K-Means and PCA through boto3 on real data: train, metrics, deploy, invoke."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_wine
from sklearn.metrics import adjusted_rand_score, roc_auc_score

from ..datasets import adult, housing, to_csv
from .test_builtin_xgboost import channel
from .test_training import ROLE, finished

IMAGES = {name: f"382416733822.dkr.ecr.us-east-1.amazonaws.com/{name}:1"
          for name in ("linear-learner", "kmeans", "pca")}
WAIT = {"Delay": 0.5, "MaxAttempts": 600}


@pytest.fixture
def sm(server):
    return server.client("sagemaker")


def train(sm, bucket: str, name: str, algorithm: str, hyperparameters: dict, channels: list[dict]) -> dict:
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE, HyperParameters=hyperparameters,
        AlgorithmSpecification={"TrainingImage": IMAGES[algorithm], "TrainingInputMode": "File"},
        InputDataConfig=channels, OutputDataConfig={"S3OutputPath": f"s3://{bucket}/models"},
        ResourceConfig={"InstanceType": "ml.c5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 900})
    job = finished(sm, name)
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    return job


def deploy(sm, name: str, algorithm: str, model_uri: str) -> None:
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE,
                    PrimaryContainer={"Image": IMAGES[algorithm], "ModelDataUrl": model_uri})
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    sm.get_waiter("endpoint_in_service").wait(EndpointName=name, WaiterConfig=WAIT)


def invoke(server, name: str, body: bytes, content_type: str = "text/csv") -> dict:
    answer = server.client("sagemaker-runtime").invoke_endpoint(EndpointName=name, Body=body,
                                                                ContentType=content_type,
                                                                Accept="application/json")
    return json.loads(answer["Body"].read())


def test_linear_learner_binary_on_adult(sm, s3, bucket, server):
    X, y, X_test, y_test = adult()
    s3.put_object(Bucket=bucket, Key="ll/train.csv", Body=to_csv(X[:24000], y[:24000]))
    s3.put_object(Bucket=bucket, Key="ll-validation/validation.csv", Body=to_csv(X[24000:], y[24000:]))
    job = train(sm, bucket, "ll-adult", "linear-learner",
                {"predictor_type": "binary_classifier", "epochs": "5", "num_models": "8", "mini_batch_size": "500"},
                [channel("train", f"s3://{bucket}/ll/"), channel("validation", f"s3://{bucket}/ll-validation/")])
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert metrics["validation:binary_classification_accuracy"] >= 0.83
    deploy(sm, "ll-adult", "linear-learner", job["ModelArtifacts"]["S3ModelArtifacts"])
    predictions = invoke(server, "ll-adult", to_csv(X_test[:3000]))["predictions"]
    scores = np.array([p["score"] for p in predictions])
    assert roc_auc_score(y_test[:3000], scores) >= 0.88
    assert {p["predicted_label"] for p in predictions} == {0, 1}


def test_linear_learner_regressor_on_housing(sm, s3, bucket):
    X, y = housing()
    order = np.random.default_rng(1).permutation(len(y))
    train_rows, test_rows = order[:16000], order[16000:]
    s3.put_object(Bucket=bucket, Key="housing/train.csv", Body=to_csv(X[train_rows], y[train_rows]))
    s3.put_object(Bucket=bucket, Key="housing-test/test.csv", Body=to_csv(X[test_rows], y[test_rows]))
    job = train(sm, bucket, "ll-housing", "linear-learner",
                {"predictor_type": "regressor", "epochs": "5", "num_models": "8"},
                [channel("train", f"s3://{bucket}/housing/"), channel("test", f"s3://{bucket}/housing-test/")])
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    r_squared = 1 - metrics["test:mse"] / np.var(y[test_rows])
    assert r_squared >= 0.6 and metrics["test:rmse"] == pytest.approx(np.sqrt(metrics["test:mse"]), rel=1e-6)


def test_kmeans_and_pca_on_digits_and_wine(sm, s3, bucket, server):
    digits = load_digits()
    s3.put_object(Bucket=bucket, Key="digits/train.csv", Body=to_csv(digits.data))
    job = train(sm, bucket, "kmeans-digits", "kmeans",
                {"k": "10", "feature_dim": "64", "init_method": "kmeans++", "extra_center_factor": "4",
                 "mini_batch_size": "500", "epochs": "5"},
                [channel("train", f"s3://{bucket}/digits/"), channel("test", f"s3://{bucket}/digits/")])
    assert {m["MetricName"] for m in job["FinalMetricDataList"]} == {"test:msd"}
    deploy(sm, "kmeans-digits", "kmeans", job["ModelArtifacts"]["S3ModelArtifacts"])
    clusters = [p["closest_cluster"] for p in invoke(server, "kmeans-digits", to_csv(digits.data))["predictions"]]
    assert len(set(clusters)) == 10 and adjusted_rand_score(digits.target, clusters) >= 0.5

    wine = load_wine().data
    s3.put_object(Bucket=bucket, Key="wine/train.csv", Body=to_csv(wine))
    job = train(sm, bucket, "pca-wine", "pca",
                {"feature_dim": "13", "num_components": "3", "mini_batch_size": "100", "subtract_mean": "true"},
                [channel("train", f"s3://{bucket}/wine/")])
    deploy(sm, "pca-wine", "pca", job["ModelArtifacts"]["S3ModelArtifacts"])
    projections = np.array([p["projection"] for p in invoke(server, "pca-wine", to_csv(wine))["projections"]])
    centered = wine - wine.mean(axis=0)
    expected = centered @ np.linalg.svd(centered, full_matrices=False)[2][:3].T
    assert np.allclose(np.abs(projections), np.abs(expected), rtol=1e-3, atol=1e-3)


def test_builtin_bad_hyperparameters(sm, s3, bucket):
    s3.put_object(Bucket=bucket, Key="tiny/train.csv", Body=b"1,2,3\n4,5,6\n7,8,9\n")
    for name, algorithm, hyperparameters, expected in (
            ("km-no-k", "kmeans", {"feature_dim": "3"}, "Missing required hyperparameter: k"),
            ("km-dim", "kmeans", {"feature_dim": "5", "k": "2"}, "feature_dim=5 does not match"),
            ("pca-big", "pca", {"feature_dim": "3", "num_components": "9", "mini_batch_size": "10"},
             "num_components=9"),
            ("ll-type", "linear-learner", {"predictor_type": "classifier"}, "predictor_type")):
        sm.create_training_job(
            TrainingJobName=name, RoleArn=ROLE, HyperParameters=hyperparameters,
            AlgorithmSpecification={"TrainingImage": IMAGES[algorithm], "TrainingInputMode": "File"},
            InputDataConfig=[channel("train", f"s3://{bucket}/tiny/")],
            OutputDataConfig={"S3OutputPath": f"s3://{bucket}/models"},
            ResourceConfig={"InstanceType": "ml.c5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
            StoppingCondition={"MaxRuntimeInSeconds": 600})
        job = finished(sm, name)
        assert job["TrainingJobStatus"] == "Failed" and expected in job["FailureReason"], job.get("FailureReason")
        assert job["FailureReason"].startswith("ClientError:")

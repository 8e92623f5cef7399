"""The sagemaker SDK v2, unchanged, against Sextant: built-in XGBoost and SKLearn script mode, end to end."""

from __future__ import annotations

import io
import os
import textwrap
import time

import boto3
import numpy as np
import pytest
import sagemaker
from sagemaker.inputs import TrainingInput
from sagemaker.serializers import CSVSerializer
from sklearn.metrics import roc_auc_score

from ..datasets import adult, to_csv

ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
_sleep = time.sleep


@pytest.fixture
def session(server, monkeypatch):
    """A sagemaker.Session whose every client talks to Sextant, set up through the environment only:
    AWS_ENDPOINT_URL, and the SDK config file `sextant serve` writes (see the README)."""
    monkeypatch.setenv("SAGEMAKER_USER_CONFIG_OVERRIDE", str(server.home / "sagemaker-sdk-config.yaml"))
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.url)
    monkeypatch.setenv("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    monkeypatch.setattr(time, "sleep", lambda seconds: _sleep(min(seconds, 0.2)))  # the SDK polls every 5–30 s
    boto_session = boto3.Session(aws_access_key_id="AKIDSDK", aws_secret_access_key="secret",
                                 region_name="us-east-1")
    return sagemaker.Session(boto_session=boto_session)


def test_builtin_xgboost_estimator(session):
    X, y, X_test, y_test = adult()
    bucket = session.default_bucket()
    s3 = session.boto_session.client("s3")
    s3.put_object(Bucket=bucket, Key="sdk/train/train.csv", Body=to_csv(X[:20000], y[:20000]))
    s3.put_object(Bucket=bucket, Key="sdk/validation/validation.csv", Body=to_csv(X[20000:], y[20000:]))
    image = sagemaker.image_uris.retrieve("xgboost", "us-east-1", "1.7-1")
    estimator = sagemaker.estimator.Estimator(
        image_uri=image, role=ROLE, instance_count=1, instance_type="ml.m5.xlarge",
        output_path=f"s3://{bucket}/sdk/output", sagemaker_session=session,
        hyperparameters={"objective": "binary:logistic", "num_round": 80, "eval_metric": "auc", "max_depth": 5})
    estimator.fit({"train": TrainingInput(f"s3://{bucket}/sdk/train/", content_type="text/csv"),
                   "validation": TrainingInput(f"s3://{bucket}/sdk/validation/", content_type="text/csv")},
                  logs=True)  # streams the job's CloudWatch log (the SDK checks the job every 30 s)
    job = estimator.latest_training_job.describe()
    metrics = {m["MetricName"]: m["Value"] for m in job["FinalMetricDataList"]}
    assert metrics["validation:auc"] >= 0.90

    predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large", serializer=CSVSerializer())
    try:
        answer = predictor.predict(X_test[:500]).decode()
        scores = np.array([float(v) for v in answer.split()])
        assert roc_auc_score(y_test[:500], scores) >= 0.90
    finally:
        predictor.delete_endpoint()

    s3.put_object(Bucket=bucket, Key="sdk/batch/test.csv", Body=to_csv(X_test[:3000]))
    transformer = estimator.transformer(instance_count=1, instance_type="ml.m5.large",
                                        output_path=f"s3://{bucket}/sdk/batch-out", assemble_with="Line")
    transformer.transform(f"s3://{bucket}/sdk/batch/", content_type="text/csv", split_type="Line", wait=True)
    out = s3.get_object(Bucket=bucket, Key="sdk/batch-out/test.csv.out")["Body"].read()
    assert roc_auc_score(y_test[:3000], np.loadtxt(io.BytesIO(out))) >= 0.90


SCRIPT = '''
    import argparse, os
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    def model_fn(model_dir):
        return joblib.load(os.path.join(model_dir, "model.joblib"))

    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--C", type=float, default=1.0)
        parser.add_argument("--model-dir", default=os.environ["SM_MODEL_DIR"])
        parser.add_argument("--train", default=os.environ["SM_CHANNEL_TRAIN"])
        args = parser.parse_args()
        data = np.loadtxt(os.path.join(args.train, "train.csv"), delimiter=",")
        model = LogisticRegression(C=args.C, max_iter=500).fit(data[:, 1:], data[:, 0])
        print(f"train accuracy={model.score(data[:, 1:], data[:, 0]):.4f}")
        joblib.dump(model, os.path.join(args.model_dir, "model.joblib"))
'''


def test_sklearn_script_mode_estimator(session, tmp_path):
    from sagemaker.sklearn import SKLearn

    X, y, X_test, y_test = adult()
    scale = X.max(axis=0) + 1e-9
    bucket = session.default_bucket()
    session.boto_session.client("s3").put_object(Bucket=bucket, Key="sdk-sklearn/train.csv",
                                                 Body=to_csv(X[:8000] / scale, y[:8000]))
    (tmp_path / "train.py").write_text(textwrap.dedent(SCRIPT))
    estimator = SKLearn(entry_point="train.py", source_dir=str(tmp_path), framework_version="1.2-1",
                        role=ROLE, instance_count=1, instance_type="ml.m5.large", sagemaker_session=session,
                        hyperparameters={"C": 0.5},
                        metric_definitions=[{"Name": "train:accuracy", "Regex": r"train accuracy=([0-9.]+)"}])
    estimator.fit({"train": f"s3://{bucket}/sdk-sklearn/"}, logs=False)  # logs=True: see the XGBoost test
    job = estimator.latest_training_job.describe()
    assert job["FinalMetricDataList"][0]["Value"] >= 0.8
    predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large")
    try:
        labels = np.asarray(predictor.predict(X_test[:400] / scale))
        assert np.mean(labels == y_test[:400]) >= 0.8
    finally:
        predictor.delete_endpoint()
    assert os.environ["AWS_ENDPOINT_URL"]


def test_linear_learner_estimator_with_record_set(session):
    """The SDK's first-party estimator: RecordIO-protobuf data behind a manifest, protobuf in and out."""
    X, y, X_test, y_test = adult()
    estimator = sagemaker.LinearLearner(role=ROLE, instance_count=1, instance_type="ml.c5.xlarge",
                                        predictor_type="binary_classifier", epochs=5, num_models=4,
                                        sagemaker_session=session)
    records = estimator.record_set(X[:12000].astype("float32"), labels=y[:12000].astype("float32"))
    estimator.fit(records, logs=False)
    predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large")
    try:
        results = predictor.predict(X_test[:500].astype("float32"))
        scores = np.array([r.label["score"].float32_tensor.values[0] for r in results])
        labels = np.array([r.label["predicted_label"].float32_tensor.values[0] for r in results])
        assert roc_auc_score(y_test[:500], scores) >= 0.85 and set(labels) <= {0.0, 1.0}
    finally:
        predictor.delete_endpoint()


TORCH_SCRIPT = '''
    import argparse, os
    import numpy as np
    import torch

    def model_fn(model_dir):
        model = torch.nn.Linear(int(open(os.path.join(model_dir, "width")).read()), 1)
        model.load_state_dict(torch.load(os.path.join(model_dir, "model.pth"), weights_only=True))
        return model.eval()

    def predict_fn(data, model):
        with torch.no_grad():
            return torch.sigmoid(model(torch.as_tensor(data, dtype=torch.float32))).numpy().ravel()

    if __name__ == "__main__":
        parser = argparse.ArgumentParser()
        parser.add_argument("--epochs", type=int, default=200)
        args = parser.parse_args()
        torch.manual_seed(0)
        data = np.loadtxt(os.path.join(os.environ["SM_CHANNEL_TRAIN"], "train.csv"), delimiter=",")
        X, y = torch.tensor(data[:, 1:], dtype=torch.float32), torch.tensor(data[:, :1], dtype=torch.float32)
        model = torch.nn.Linear(X.shape[1], 1)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
        for epoch in range(args.epochs):
            optimizer.zero_grad()
            loss = torch.nn.functional.binary_cross_entropy_with_logits(model(X), y)
            loss.backward()
            optimizer.step()
        print(f"final loss={loss.item():.4f}")
        torch.save(model.state_dict(), os.path.join(os.environ["SM_MODEL_DIR"], "model.pth"))
        open(os.path.join(os.environ["SM_MODEL_DIR"], "width"), "w").write(str(X.shape[1]))
'''


def test_pytorch_script_mode_estimator(session, tmp_path):
    """PyTorch script mode on the installed torch: train, then serve with the script's model_fn/predict_fn."""
    pytest.importorskip("torch")
    from sagemaker.pytorch import PyTorch

    X, y, X_test, y_test = adult()
    scale = X.max(axis=0) + 1e-9
    bucket = session.default_bucket()
    session.boto_session.client("s3").put_object(Bucket=bucket, Key="sdk-torch/train.csv",
                                                 Body=to_csv(X[:8000] / scale, y[:8000]))
    (tmp_path / "train.py").write_text(textwrap.dedent(TORCH_SCRIPT))
    estimator = PyTorch(entry_point="train.py", source_dir=str(tmp_path), framework_version="2.1",
                        py_version="py310", role=ROLE, instance_count=1, instance_type="ml.c5.xlarge",
                        sagemaker_session=session, hyperparameters={"epochs": 150})
    estimator.fit({"train": f"s3://{bucket}/sdk-torch/"}, logs=False)
    predictor = estimator.deploy(initial_instance_count=1, instance_type="ml.m5.large")
    try:
        scores = np.asarray(predictor.predict((X_test[:500] / scale).astype("float32")))
        assert roc_auc_score(y_test[:500], scores) >= 0.85
    finally:
        predictor.delete_endpoint()

"""`sextant solve`: implement the top recommendation through the same boto3 API a user calls —
prepare and upload the data, train, evaluate on a held-out split, deploy, predict, and write a script
that reproduces it against Sextant or AWS."""

from __future__ import annotations

import csv
import io
import json
import math
import re
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from . import advise
from .catalog import load
from .profile import Profile, profile
from .recommend import data_hyperparameters

IMAGES = {"xgboost": "sagemaker-xgboost:1.7-1", "linear-learner": "linear-learner:1", "kmeans": "kmeans:1",
          "pca": "pca:1"}
REGISTRY = "683313688378.dkr.ecr.us-east-1.amazonaws.com"  # the image URIs' account does not matter to Sextant
SUPERVISED = ("xgboost", "linear-learner")
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
MAX_CATEGORIES = 50
SEED = 0
BUCKET = "sextant-solve"
TEXT_SOLVERS = ("comprehend",)  # catalogue entries `solve` implements for labelled text
MAX_TEXT_TESTS = 500  # held-out documents classified through the endpoint


@dataclass
class Solution:
    algorithm: str
    job: str
    endpoint: str
    metrics: dict[str, float]
    example: dict[str, Any]
    script: str
    notes: list[str] = field(default_factory=list)


def _table(path: str, target: str | None) -> tuple[np.ndarray, np.ndarray | None, list[str], Profile]:
    """Features (numeric + one-hot categoricals), the encoded target, feature names, and the data's profile."""
    found = profile(path, target)
    if found.modality != "tabular":
        raise ValueError(f"solve works on tabular CSV data and on CSV files of labelled text for now; {path} looks "
                         f"like {found.modality}")
    with open(path, newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.reader(handle, skipinitialspace=True) if row]
    if found.columns and found.columns[0] == rows[0][0].strip() and not found.columns[0].startswith("column_"):
        rows = rows[1:]
    index = {name: i for i, name in enumerate(found.columns)}
    features, names = [], []
    for name in found.columns:
        if name == found.target:
            continue
        column = [row[index[name]].strip() if index[name] < len(row) else "" for row in rows]
        if name in found.numeric:
            features.append(np.array([float(v) if v else math.nan for v in column])[:, None])
            names.append(name)
        else:
            frequency = Counter(column)
            categories = sorted(frequency, key=lambda c: -frequency[c])[:MAX_CATEGORIES]
            lookup = {c: i for i, c in enumerate(categories)}
            one_hot = np.zeros((len(column), len(categories)))
            for r, value in enumerate(column):
                if value in lookup:
                    one_hot[r, lookup[value]] = 1
            features.append(one_hot)
            names += [f"{name}={c}" for c in categories]
    X = np.hstack(features)
    y = None
    if found.target is not None:
        raw = [row[index[found.target]].strip().rstrip(".") for row in rows]
        if found.problem_type == "regression":
            y = np.array([float(v) for v in raw])
        else:
            counts = Counter(raw)  # of two classes the rarer is the positive one (1); several keep their order
            classes = sorted(counts, key=lambda c: -counts[c]) if found.problem_type == "binary" else sorted(counts)
            position = {c: i for i, c in enumerate(classes)}
            y = np.array([position[v] for v in raw], dtype=np.float64)
    return X, y, names, found


def _csv(X: np.ndarray, y: np.ndarray | None = None) -> bytes:
    table = X if y is None else np.column_stack([y, X])
    out = io.StringIO()
    for row in table:
        out.write(",".join("" if math.isnan(v) else f"{v:.10g}" for v in row) + "\n")
    return out.getvalue().encode()


def _hyperparameters(algorithm: str, found: Profile, problem: str, X: np.ndarray) -> dict[str, str]:
    """The training job's hyperparameters: what the data decides (as `advise` reports it), then defaults."""
    decided = {h["name"]: str(h["suggested"]) for h in data_hyperparameters(found, load()[algorithm])}
    if algorithm == "xgboost":
        metric = {"binary": "auc", "multiclass": "mlogloss"}.get(found.problem_type, "rmse")
        return {"num_round": "300", "eta": "0.1", "max_depth": "6", "early_stopping_rounds": "10",
                "eval_metric": metric, **decided}
    if algorithm == "linear-learner":
        return {"epochs": "10", **decided}
    if algorithm == "kmeans":
        said = re.search(r"\b(\d{1,3})\s+(?:segments|groups|clusters|cohorts|personas)\b", problem)
        k = int(said.group(1)) if said else round(math.sqrt(len(X) / 2))  # the usual rule of thumb
        return {"k": str(max(2, min(50, k))), "feature_dim": str(X.shape[1]), "init_method": "kmeans++",
                "mini_batch_size": "1000"}
    return {"num_components": str(max(1, min(10, X.shape[1] - 1))), "feature_dim": str(X.shape[1]),
            "mini_batch_size": "1000", "subtract_mean": "true"}


def _choose(advice: dict[str, Any], problem_type: str) -> tuple[str, list[str]]:
    """The best-ranked recommendation Sextant can train here, or the nearest implemented alternative."""
    notes = []
    ranked = advice["recommendations"]
    top = ranked[0]
    if top["id"] in IMAGES and top["implemented"]:
        return top["id"], notes
    notes.append(f"The top recommendation, {top['name']}, is not implemented in Sextant yet"
                 if not top["implemented"] else f"The top recommendation, {top['name']}, is not a training job")
    for choice in ranked[1:]:
        if choice["id"] in IMAGES and choice["implemented"]:
            notes.append(f"Using the nearest implemented alternative: {choice['name']}.")
            return choice["id"], notes
    fallback = "kmeans" if problem_type == "unsupervised" else "xgboost"
    notes.append(f"Using {fallback}, the implemented algorithm that fits {problem_type} tabular data.")
    return fallback, notes


def _metrics(problem_type: str, algorithm: str, y: np.ndarray | None, answer: list[dict[str, Any]],
             X: np.ndarray) -> dict[str, float]:
    from sklearn import metrics

    if algorithm == "kmeans":
        distances = np.array([a["distance_to_cluster"] for a in answer])
        return {"mean_squared_distance": float(np.mean(distances ** 2))}
    if algorithm == "pca":
        projection = np.array([a["projection"] for a in answer])
        total = float(np.nanvar(X, axis=0).sum())
        return {"explained_variance_ratio": float(projection.var(axis=0).sum() / total) if total else 0.0}
    scores = np.array([a["score"] for a in answer], dtype=object)
    if problem_type == "binary":
        probability = np.array([float(s) for s in scores])
        return {"auc": float(metrics.roc_auc_score(y, probability)),
                "accuracy": float(metrics.accuracy_score(y, probability >= 0.5))}
    if problem_type == "multiclass":
        predicted = np.array([int(np.argmax(s)) if np.ndim(s) else int(a.get("predicted_label", s))
                              for s, a in zip(scores, answer)])
        return {"accuracy": float(metrics.accuracy_score(y, predicted))}
    predicted = np.array([float(s) for s in scores])
    return {"rmse": float(math.sqrt(metrics.mean_squared_error(y, predicted))),
            "r2": float(metrics.r2_score(y, predicted))}


def solve(problem: str, data: str, target: str | None, session, progress: Callable[[str], None],
          script_path: Path) -> Solution:
    """Implement the recommendation for `problem` on `data` through the boto3 clients of `session`."""
    started = time.time()

    def step(text: str) -> None:
        progress(f"[{time.time() - started:6.1f}s] {text}")

    step("Profiling the data and asking the advisor")
    advice = advise(problem, data, target)
    if advice["data"]["modality"] == "text" and advice["data"]["text_columns"] and advice["data"]["problem_type"]:
        return _solve_documents(problem, data, target, advice, session, step, script_path)
    X, y, names, found = _table(data, target)
    problem_type = found.problem_type or "unsupervised"
    algorithm, notes = _choose(advice, problem_type)
    for note in notes:
        step(note)
    if algorithm in SUPERVISED and y is None:
        raise ValueError(f"{algorithm} learns from a target column and the data has none: name it with --target")
    if algorithm not in SUPERVISED:
        problem_type = "unsupervised"
    step(f"Recommendation: {algorithm} for {problem_type} data ({X.shape[0]} rows, {X.shape[1]} features)")
    rng = np.random.default_rng(SEED)
    order = rng.permutation(len(X))
    cut1, cut2 = int(0.7 * len(X)), int(0.85 * len(X))
    train, valid, test = order[:cut1], order[cut1:cut2], order[cut2:]
    name = f"solve-{algorithm}-{uuid.uuid4().hex[:8]}"
    s3, sm = session.client("s3"), session.client("sagemaker")
    runtime = session.client("sagemaker-runtime")
    bucket = BUCKET
    _bucket(s3)
    step(f"Uploading train/validation data to s3://{bucket}/{name}/")
    supervised = algorithm in SUPERVISED
    s3.put_object(Bucket=bucket, Key=f"{name}/train/data.csv", Body=_csv(X[train], y[train] if supervised else None))
    channels = [{"ChannelName": "train", "ContentType": "text/csv",
                 "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/{name}/train/"}}}]
    if supervised:
        s3.put_object(Bucket=bucket, Key=f"{name}/validation/data.csv", Body=_csv(X[valid], y[valid]))
        channels.append({**channels[0], "ChannelName": "validation", "DataSource": {"S3DataSource": {
            "S3DataType": "S3Prefix", "S3Uri": f"s3://{bucket}/{name}/validation/"}}})
    hyperparameters = _hyperparameters(algorithm, found, problem, X[train])
    image = f"{REGISTRY}/{IMAGES[algorithm]}"
    step(f"Training job {name} ({image.rsplit('/', 1)[1]}, {json.dumps(hyperparameters)})")
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE, HyperParameters=hyperparameters,
        AlgorithmSpecification={"TrainingImage": image, "TrainingInputMode": "File"}, InputDataConfig=channels,
        OutputDataConfig={"S3OutputPath": f"s3://{bucket}/{name}/output"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 3600})
    job = _wait(lambda: sm.describe_training_job(TrainingJobName=name), "TrainingJobStatus",
                ("Completed", "Failed", "Stopped"))
    if job["TrainingJobStatus"] != "Completed":
        raise RuntimeError(f"training job {name} ended {job['TrainingJobStatus']}: {job.get('FailureReason')}")
    for metric in job.get("FinalMetricDataList", []):
        step(f"  {metric['MetricName']} = {metric['Value']:.4f}")
    step(f"Deploying endpoint {name}")
    sm.create_model(ModelName=name, ExecutionRoleArn=ROLE, PrimaryContainer={
        "Image": image, "ModelDataUrl": job["ModelArtifacts"]["S3ModelArtifacts"]})
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": name, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)
    endpoint = _wait(lambda: sm.describe_endpoint(EndpointName=name), "EndpointStatus", ("InService", "Failed"))
    if endpoint["EndpointStatus"] != "InService":
        raise RuntimeError(f"endpoint {name} failed: {endpoint.get('FailureReason')}")
    step(f"Evaluating on {len(test)} held-out rows")
    answers = []
    for start in range(0, len(test), 2000):
        rows = test[start:start + 2000]
        reply = runtime.invoke_endpoint(EndpointName=name, Body=_csv(X[rows]), ContentType="text/csv",
                                        Accept="application/json")
        document = json.loads(reply["Body"].read())
        answers += document.get("predictions") or document.get("projections")
    metrics = _metrics(problem_type, algorithm, y[test] if y is not None else None, answers, X[test])
    step("Held-out metrics: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    example = {"features": dict(zip(names, X[test[0]].tolist())), "prediction": answers[0]}
    step(f"Example prediction for the first held-out row: {json.dumps(answers[0])}")
    script_path.write_text(_script(name, image, hyperparameters, algorithm, supervised))
    step(f"Wrote {script_path}: the same steps with boto3, against Sextant or AWS")
    return Solution(algorithm, name, name, metrics, example, str(script_path), notes)


def _solve_documents(problem: str, data: str, target: str | None, advice: dict[str, Any], session,
                     step: Callable[[str], None], script_path: Path) -> Solution:
    """Labelled documents: a Comprehend custom classifier, trained, evaluated, served by a Comprehend endpoint."""
    found = profile(data, target)
    notes = []
    top = advice["recommendations"][0]
    if top["id"] not in TEXT_SOLVERS:
        notes.append(f"The top recommendation, {top['name']}, is not what Sextant implements for labelled text; "
                     "using Amazon Comprehend's custom classification.")
        step(notes[-1])
    with open(data, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    text_column = found.text_columns[0]
    documents = [(row[found.target].strip(), " ".join(row[text_column].split())) for row in rows
                 if row.get(found.target, "").strip() and row.get(text_column, "").strip()]
    order = np.random.default_rng(SEED).permutation(len(documents))
    cut = int(0.85 * len(documents))
    train, test = [documents[i] for i in order[:cut]], [documents[i] for i in order[cut:][:MAX_TEXT_TESTS]]
    step(f"Recommendation: Comprehend custom classifier for {len(found.classes)} classes of "
         f"'{text_column}' ({len(documents)} documents)")
    name = f"solve-classifier-{uuid.uuid4().hex[:8]}"
    s3, comprehend = session.client("s3"), session.client("comprehend")
    _bucket(s3)
    body = io.StringIO()
    csv.writer(body, lineterminator="\n").writerows(train)
    s3.put_object(Bucket=BUCKET, Key=f"{name}/train.csv", Body=body.getvalue().encode())
    step(f"Training classifier {name} on s3://{BUCKET}/{name}/train.csv ({len(train)} documents)")
    arn = comprehend.create_document_classifier(
        DocumentClassifierName=name, DataAccessRoleArn=ROLE, LanguageCode="en", Mode="MULTI_CLASS",
        InputDataConfig={"DataFormat": "COMPREHEND_CSV", "S3Uri": f"s3://{BUCKET}/{name}/train.csv"},
    )["DocumentClassifierArn"]
    trained = _wait(lambda: comprehend.describe_document_classifier(DocumentClassifierArn=arn)[
        "DocumentClassifierProperties"], "Status", ("TRAINED", "TRAINED_WITH_WARNING", "IN_ERROR", "STOPPED"))
    if trained["Status"] not in ("TRAINED", "TRAINED_WITH_WARNING"):
        raise RuntimeError(f"classifier {name} ended {trained['Status']}: {trained.get('Message')}")
    for metric, value in trained["ClassifierMetadata"]["EvaluationMetrics"].items():
        step(f"  {metric} = {value:.4f}")
    step(f"Deploying Comprehend endpoint {name}")
    endpoint = comprehend.create_endpoint(EndpointName=name, ModelArn=arn, DesiredInferenceUnits=1)["EndpointArn"]
    ready = _wait(lambda: comprehend.describe_endpoint(EndpointArn=endpoint)["EndpointProperties"], "Status",
                  ("IN_SERVICE", "FAILED"))
    if ready["Status"] != "IN_SERVICE":
        raise RuntimeError(f"endpoint {name} failed: {ready.get('Message')}")
    step(f"Evaluating on {len(test)} held-out documents")
    predicted = [comprehend.classify_document(Text=text, EndpointArn=endpoint)["Classes"][0]["Name"]
                 for _, text in test]
    from sklearn import metrics as scores

    truth = [label for label, _ in test]
    metrics = {"accuracy": float(scores.accuracy_score(truth, predicted)),
               "macro_f1": float(scores.f1_score(truth, predicted, average="macro"))}
    step("Held-out metrics: " + ", ".join(f"{k} {v:.4f}" for k, v in metrics.items()))
    example = {"text": test[0][1], "prediction": predicted[0], "label": test[0][0]}
    step(f"Example: {test[0][1][:80]!r} → {predicted[0]}")
    script_path.write_text(_document_script(name))
    step(f"Wrote {script_path}: the same steps with boto3, against Sextant or AWS")
    return Solution("comprehend-custom-classifier", name, endpoint, metrics, example, str(script_path), notes)


def _bucket(s3) -> None:
    try:
        s3.create_bucket(Bucket=BUCKET)
    except s3.exceptions.BucketAlreadyOwnedByYou:
        pass


def _wait(describe: Callable[[], dict[str, Any]], field_name: str, final: tuple[str, ...]) -> dict[str, Any]:
    while True:
        document = describe()
        if document[field_name] in final:
            return document
        time.sleep(0.5)


def _document_script(name: str) -> str:
    return f'''"""Reproduce `sextant solve`: a Comprehend custom classifier trained and served with boto3.

Against Sextant: AWS_ENDPOINT_URL=http://127.0.0.1:4599 python {Path(name).name}.py
Against AWS: set BUCKET to a bucket of yours and ROLE to a role Comprehend may use to read it.
Upload train.csv first: rows of label,text without a header.
"""

import time

import boto3

BUCKET = "{BUCKET}"
PREFIX = "{name}"
ROLE = "{ROLE}"

comprehend = boto3.client("comprehend")
name = PREFIX + "-" + time.strftime("%Y%m%d%H%M%S")
arn = comprehend.create_document_classifier(
    DocumentClassifierName=name, DataAccessRoleArn=ROLE, LanguageCode="en", Mode="MULTI_CLASS",
    InputDataConfig={{"DataFormat": "COMPREHEND_CSV", "S3Uri": f"s3://{{BUCKET}}/{{PREFIX}}/train.csv"}})["DocumentClassifierArn"]
while comprehend.describe_document_classifier(DocumentClassifierArn=arn)["DocumentClassifierProperties"]["Status"] \\
        in ("SUBMITTED", "TRAINING"):
    time.sleep(30)
endpoint = comprehend.create_endpoint(EndpointName=name, ModelArn=arn, DesiredInferenceUnits=1)["EndpointArn"]
while comprehend.describe_endpoint(EndpointArn=endpoint)["EndpointProperties"]["Status"] == "CREATING":
    time.sleep(30)
print(comprehend.classify_document(Text="an example document", EndpointArn=endpoint)["Classes"][:3])
'''


def _script(name: str, image: str, hyperparameters: dict[str, str], algorithm: str, supervised: bool) -> str:
    channels = '["train", "validation"]' if supervised else '["train"]'
    return f'''"""Reproduce `sextant solve`: {algorithm} trained and deployed with boto3.

Against Sextant: AWS_ENDPOINT_URL=http://127.0.0.1:4599 python {Path(name).name}.py
Against AWS: set BUCKET to a bucket of yours, ROLE to a SageMaker execution role, and IMAGE to
sagemaker.image_uris.retrieve("{algorithm}", region) (the account in the URI differs by region).
Upload train/data.csv (and validation/data.csv) first: headerless CSV{", the label in the first column" if supervised else ""}.
"""

import time

import boto3

BUCKET = "sextant-solve"
PREFIX = "{name}"
ROLE = "{ROLE}"
IMAGE = "{image}"
HYPERPARAMETERS = {json.dumps(hyperparameters, indent=4)}

sm = boto3.client("sagemaker")
runtime = boto3.client("sagemaker-runtime")
job = PREFIX + "-" + time.strftime("%Y%m%d%H%M%S")
sm.create_training_job(
    TrainingJobName=job, RoleArn=ROLE, HyperParameters=HYPERPARAMETERS,
    AlgorithmSpecification={{"TrainingImage": IMAGE, "TrainingInputMode": "File"}},
    InputDataConfig=[{{"ChannelName": channel, "ContentType": "text/csv", "DataSource": {{"S3DataSource": {{
        "S3DataType": "S3Prefix", "S3Uri": f"s3://{{BUCKET}}/{{PREFIX}}/{{channel}}/"}}}}}} for channel in {channels}],
    OutputDataConfig={{"S3OutputPath": f"s3://{{BUCKET}}/{{PREFIX}}/output"}},
    ResourceConfig={{"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10}},
    StoppingCondition={{"MaxRuntimeInSeconds": 3600}})
sm.get_waiter("training_job_completed_or_stopped").wait(TrainingJobName=job)
artifacts = sm.describe_training_job(TrainingJobName=job)["ModelArtifacts"]["S3ModelArtifacts"]
sm.create_model(ModelName=job, ExecutionRoleArn=ROLE, PrimaryContainer={{"Image": IMAGE, "ModelDataUrl": artifacts}})
sm.create_endpoint_config(EndpointConfigName=job, ProductionVariants=[{{
    "VariantName": "AllTraffic", "ModelName": job, "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}}])
sm.create_endpoint(EndpointName=job, EndpointConfigName=job)
sm.get_waiter("endpoint_in_service").wait(EndpointName=job)
print(runtime.invoke_endpoint(EndpointName=job, Body=open("example.csv", "rb").read(), ContentType="text/csv",
                              Accept="application/json")["Body"].read().decode())
'''

"""Channels and job life: Pipe mode (plain and gzip), manifests, checkpoints, a server killed mid-job."""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path

import numpy as np

from ..datasets import adult, to_csv
from .test_builtin_xgboost import XGBOOST
from .test_training import ROLE, SUM_SCRIPT, finished, script_job


def xgboost_request(bucket: str, name: str, channels: list[dict], rounds: int, **extra) -> dict:
    return dict(TrainingJobName=name, RoleArn=ROLE,
                HyperParameters={"objective": "binary:logistic", "num_round": str(rounds), "max_depth": "3"},
                AlgorithmSpecification={"TrainingImage": XGBOOST, "TrainingInputMode": "File"},
                InputDataConfig=channels, OutputDataConfig={"S3OutputPath": f"s3://{bucket}/models"},
                ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
                StoppingCondition={"MaxRuntimeInSeconds": 600}, **extra)


def source(uri: str, kind: str = "S3Prefix") -> dict:
    return {"S3DataSource": {"S3DataType": kind, "S3Uri": uri, "S3DataDistributionType": "ShardedByS3Key"}}


def test_pipe_mode_plain_and_gzip_and_manifest(server, s3, bucket):
    sm = server.client("sagemaker")
    X, y, _, _ = adult()
    data = to_csv(X[:3000], y[:3000])
    s3.put_object(Bucket=bucket, Key="pipe/part-1.csv", Body=data[: data.index(b"\n", len(data) // 2) + 1])
    s3.put_object(Bucket=bucket, Key="pipe/part-2.csv", Body=data[data.index(b"\n", len(data) // 2) + 1:])
    s3.put_object(Bucket=bucket, Key="zipped/all.csv.gz", Body=gzip.compress(data))
    s3.put_object(Bucket=bucket, Key="manifest.json", Body=json.dumps(
        [{"prefix": f"s3://{bucket}/pipe/"}, "part-1.csv", "part-2.csv"]).encode())
    jobs = {
        "pipe-plain": [{"ChannelName": "train", "ContentType": "text/csv", "InputMode": "Pipe",
                        "DataSource": source(f"s3://{bucket}/pipe/")}],
        "pipe-gzip": [{"ChannelName": "train", "ContentType": "text/csv", "InputMode": "Pipe",
                       "CompressionType": "Gzip", "DataSource": source(f"s3://{bucket}/zipped/")}],
        "manifest": [{"ChannelName": "train", "ContentType": "text/csv",
                      "DataSource": source(f"s3://{bucket}/manifest.json", "ManifestFile")}],
    }
    for name, channels in jobs.items():
        sm.create_training_job(**xgboost_request(bucket, name, channels, 10))
    results = {name: finished(sm, name) for name in jobs}
    for name, job in results.items():
        assert job["TrainingJobStatus"] == "Completed", (name, job.get("FailureReason"))
    # the same rows reach the algorithm whichever way they travel: the models agree
    logs = server.client("logs")
    last_lines = {}
    for name in jobs:
        stream = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs",
                                           logStreamNamePrefix=f"{name}/")["logStreams"][0]["logStreamName"]
        events = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs", logStreamName=stream,
                                     startFromHead=True)["events"]
        last_lines[name] = [e["message"] for e in events if e["message"].startswith("[9]")][0]
    assert len(set(last_lines.values())) == 1, last_lines


def test_stopped_job_resumes_from_its_checkpoint(server, s3, bucket):
    sm = server.client("sagemaker")
    X, y, _, _ = adult()
    s3.put_object(Bucket=bucket, Key="ckpt/train.csv", Body=to_csv(X[:2000], y[:2000]))
    channels = [{"ChannelName": "train", "ContentType": "text/csv", "DataSource": source(f"s3://{bucket}/ckpt/")}]
    checkpoint = {"S3Uri": f"s3://{bucket}/checkpoints/run-1"}
    sm.create_training_job(**xgboost_request(bucket, "long-run", channels, 1_000_000, CheckpointConfig=checkpoint))
    deadline = time.time() + 120
    while sm.describe_training_job(TrainingJobName="long-run")["SecondaryStatus"] != "Training" or \
            not s3.list_objects_v2(Bucket=bucket, Prefix="checkpoints/run-1/").get("KeyCount"):
        assert time.time() < deadline
        time.sleep(0.5)
    sm.stop_training_job(TrainingJobName="long-run")
    assert finished(sm, "long-run")["TrainingJobStatus"] == "Stopped"
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="checkpoints/run-1/")
    saved = [o["Key"] for page in pages for o in page["Contents"]]  # a fast job leaves over 1,000 checkpoints
    done = max(int(key.rsplit(".", 1)[1]) for key in saved) + 1
    sm.create_training_job(**xgboost_request(bucket, "resumed-run", channels, done + 3, CheckpointConfig=checkpoint))
    job = finished(sm, "resumed-run")
    assert job["TrainingJobStatus"] == "Completed", job.get("FailureReason")
    logs = server.client("logs")
    stream = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs",
                                       logStreamNamePrefix="resumed-run/")["logStreams"][0]["logStreamName"]
    messages = [e["message"] for e in logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                                          logStreamName=stream, startFromHead=True)["events"]]
    assert any(m.startswith("Resuming from checkpoint") for m in messages)
    rounds = [m for m in messages if m.startswith("[")]
    assert rounds[0].startswith(f"[{done}]") and len(rounds) == 3


def test_killed_server_never_leaves_a_job_in_progress(make_server):
    server = make_server()
    s3, sm = server.client("s3"), server.client("sagemaker")
    s3.create_bucket(Bucket="killed")
    s3.put_object(Bucket="killed", Key="train/part-1.csv", Body=b"1,2\n")
    script_job(sm, s3, "killed", "forever", "import time\nwhile True:\n    time.sleep(0.1)\n")
    deadline = time.time() + 60
    while sm.describe_training_job(TrainingJobName="forever")["SecondaryStatus"] != "Training":
        assert time.time() < deadline
        time.sleep(0.2)
    server.stop(kill=True)
    sm = server.start().client("sagemaker")
    folder = str(server.home / "jobs" / "training" / "forever")
    deadline = time.time() + 10
    while _processes_in(folder) and time.time() < deadline:  # the job's processes end with their server
        time.sleep(0.2)
    assert not _processes_in(folder)
    job = sm.describe_training_job(TrainingJobName="forever")
    assert job["TrainingJobStatus"] == "Failed" and "restarted" in job["FailureReason"]
    script_job(sm, s3 := server.client("s3"), "killed", "after-restart", SUM_SCRIPT)
    assert finished(sm, "after-restart")["TrainingJobStatus"] == "Completed"
    assert np.isfinite(job["TrainingTimeInSeconds"])


def _processes_in(folder: str) -> list[int]:
    """Processes whose environment names a job folder (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if folder.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found

#!/usr/bin/env python
"""SageMaker core benchmarks: the built-in XGBoost through Sextant, side by side with XGBoost in one process.

    python bench/sagemaker.py            # full run (about 2 minutes)
    python bench/sagemaker.py --quick    # short run (about 1 minute)

What it measures (targets of issue 3, on a 2-core machine), on UCI Adult (tests/datasets.py):

1. training: a built-in XGBoost training job (binary:logistic, 200 rounds, max_depth 6, eta 0.1,
   AUC on train + validation), CreateTrainingJob → Completed polled with DescribeTrainingJob
   every 0.1 s, against parsing the same CSV bytes with numpy + DMatrix + xgboost.train with the
   same parameters and evals in this process. Median of 3 each, interleaved. Target: job ≤ 1.15 ×
   reference + 2 s.
2. InvokeEndpoint latency for one CSV row: raw http.client keep-alive POST to
   /endpoints/NAME/invocations (a dummy SigV4 header for `sagemaker`; auth is off by default) and
   boto3, against booster.predict(DMatrix(row)) on the same model file in this process. Also the
   model server itself (POST /invocations on its own port), to split the hops. Target: p50
   overhead (endpoint − direct) ≤ 3 ms.
3. InvokeEndpoint under 16 concurrent keep-alive clients (asyncio, raw HTTP), endpoints with 1 and
   2 instances, and the model server alone. Target: ≥ 800 req/s.
4. batch transform of 100,000 CSV rows (SplitType Line, MultiRecord, 6 MB payloads, 2 concurrent
   transforms, AssembleWith Line), CreateTransformJob → Completed, against parsing the CSV +
   booster.predict on all rows + writing the predictions as text in this process. Target: ≥ 0.7×
   the reference's rows/s.

The server is `python -m sextant.cli.main serve` on a free 127.0.0.1 port with a temporary home
folder (SEXTANT_* variables from your shell are ignored); it is stopped at the end. Data is seeded.
Prints detail lines as it goes, then a Markdown table: metric / measured / target / pass.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the sagemaker SDK: keep its folder off the import path.
_HERE = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _HERE) and Path(p or ".").resolve() != Path(_HERE)]
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import HOST, Server, cpu_seconds, log_lines, server_ms  # noqa: E402

import argparse  # noqa: E402
import asyncio  # noqa: E402
import http.client  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tarfile  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

SEED = 20240603
BUCKET = "bench-sagemaker"
ROLE = "arn:aws:iam::123456789012:role/SageMakerRole"
XGBOOST_IMAGE = "683313688378.dkr.ecr.us-east-1.amazonaws.com/sagemaker-xgboost:1.7-1"
AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDBENCH/20250101/us-east-1/sagemaker/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, Signature=" + "0" * 64)
HYPERPARAMETERS = {"objective": "binary:logistic", "num_round": "200", "max_depth": "6", "eta": "0.1",
                   "eval_metric": "auc"}
PARAMS = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "eval_metric": "auc"}
ROUNDS = 200
TERMINAL = ("Completed", "Failed", "Stopped")


# --- processes ---------------------------------------------------------------------------------

def model_servers(parent: int) -> dict[int, int]:
    """{pid: port} of the model-server processes a server started (from /proc: parent, cmdline, environ)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid != parent or b"sextant.containers.serve" not in (entry / "cmdline").read_bytes():
                continue
            environ = dict(item.split(b"=", 1) for item in (entry / "environ").read_bytes().split(b"\0") if b"=" in item)
            found[int(entry.name)] = int(environ[b"SEXTANT_SERVE_PORT"])
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return found


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- data --------------------------------------------------------------------------------------

def datasets() -> dict:
    """Adult as label-first CSV (train / validation split 80/20, seeded) and test feature rows."""
    from tests.datasets import adult, to_csv

    X, y, X_test, _ = adult()
    order = np.random.default_rng(SEED).permutation(len(y))
    cut = int(0.8 * len(y))
    train, valid = order[:cut], order[cut:]
    return {"train_csv": to_csv(X[train], y[train]), "valid_csv": to_csv(X[valid], y[valid]),
            "X_test": X_test, "test_lines": to_csv(X_test).rstrip(b"\n").split(b"\n"),
            "features": X.shape[1], "rows": (len(train), len(valid))}


def parse_csv(data: bytes) -> np.ndarray:
    return np.loadtxt(io.BytesIO(data), delimiter=",", dtype=np.float64, ndmin=2)


# --- 1. training -------------------------------------------------------------------------------

def reference_training(data: dict) -> dict:
    import xgboost

    started = time.perf_counter()
    train, valid = parse_csv(data["train_csv"]), parse_csv(data["valid_csv"])
    parsed = time.perf_counter()
    dtrain = xgboost.DMatrix(train[:, 1:], label=train[:, 0])
    dvalid = xgboost.DMatrix(valid[:, 1:], label=valid[:, 0])
    built = time.perf_counter()
    log: dict = {}
    booster = xgboost.train(PARAMS, dtrain, num_boost_round=ROUNDS, evals=[(dtrain, "train"), (dvalid, "validation")],
                            verbose_eval=False, evals_result=log)
    ended = time.perf_counter()
    return {"seconds": ended - started, "parse": parsed - started, "dmatrix": built - parsed, "train": ended - built,
            "validation_auc": log["validation"]["auc"][-1], "trees": booster.num_boosted_rounds()}


def training_job(sm, logs, name: str) -> dict:
    channels = [{"ChannelName": channel, "ContentType": "text/csv", "DataSource": {"S3DataSource": {
        "S3DataType": "S3Prefix", "S3Uri": f"s3://{BUCKET}/adult/{channel}/"}}} for channel in ("train", "validation")]
    wall_start = time.time()
    started = time.perf_counter()
    sm.create_training_job(
        TrainingJobName=name, RoleArn=ROLE, HyperParameters=HYPERPARAMETERS,
        AlgorithmSpecification={"TrainingImage": XGBOOST_IMAGE, "TrainingInputMode": "File"},
        InputDataConfig=channels, OutputDataConfig={"S3OutputPath": f"s3://{BUCKET}/models"},
        ResourceConfig={"InstanceType": "ml.m5.xlarge", "InstanceCount": 1, "VolumeSizeInGB": 10},
        StoppingCondition={"MaxRuntimeInSeconds": 600})
    while True:
        job = sm.describe_training_job(TrainingJobName=name)
        if job["TrainingJobStatus"] in TERMINAL:
            break
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    if job["TrainingJobStatus"] != "Completed":
        raise RuntimeError(f"training job {name}: {job['TrainingJobStatus']}: {job.get('FailureReason')}")
    # Phases from the job's own record (server clock = this machine's clock).
    phases = {t["Status"]: t["StartTime"].timestamp() - wall_start for t in job["SecondaryStatusTransitions"]}
    metrics = {m["MetricName"]: m["Value"] for m in job.get("FinalMetricDataList", [])}
    # First and last round lines of the training process, as the server stamped them when it read them.
    rounds = []
    try:
        streams = logs.describe_log_streams(logGroupName="/aws/sagemaker/TrainingJobs",
                                            logStreamNamePrefix=name)["logStreams"]
        for stream in streams:
            events = logs.get_log_events(logGroupName="/aws/sagemaker/TrainingJobs",
                                         logStreamName=stream["logStreamName"], startFromHead=True)["events"]
            rounds += [e["timestamp"] / 1000 - wall_start for e in events if re.match(r"\[\d+\]#011", e["message"])]
    except Exception as exc:  # noqa: BLE001 - the breakdown is a detail; the timing stands without it
        print(f"    (no round log lines: {exc})")
    return {"seconds": seconds, "phases": phases, "first_round": min(rounds) if rounds else None,
            "last_round": max(rounds) if rounds else None, "rounds_logged": len(rounds),
            "validation_auc": metrics.get("validation:auc"), "model": job["ModelArtifacts"]["S3ModelArtifacts"]}


def bench_training(sm, logs, data: dict, runs: int) -> dict:
    jobs, references = [], []
    for index in range(runs):
        job = training_job(sm, logs, f"bench-xgb-train-{index}")
        jobs.append(job)
        ph = job["phases"]
        steps = " → ".join(f"{k} {v:.2f}" for k, v in ph.items())
        rounds = (f"; rounds logged {job['rounds_logged']}, first at {job['first_round']:.2f}, last at "
                  f"{job['last_round']:.2f} s" if job["first_round"] is not None else "")
        print(f"  job {index + 1}: {job['seconds']:.2f} s (validation AUC {job['validation_auc']:.4f}); "
              f"status times from create: {steps} s{rounds}", flush=True)
        reference = reference_training(data)
        references.append(reference)
        print(f"  xgboost.train {index + 1}: {reference['seconds']:.2f} s (parse CSV {reference['parse']:.2f}, "
              f"DMatrix {reference['dmatrix']:.2f}, train {reference['train']:.2f}; validation AUC "
              f"{reference['validation_auc']:.4f})", flush=True)
    job_s = statistics.median(j["seconds"] for j in jobs)
    ref_s = statistics.median(r["seconds"] for r in references)
    result = {"job_seconds": [j["seconds"] for j in jobs], "reference_seconds": [r["seconds"] for r in references],
              "job_median": job_s, "reference_median": ref_s, "ratio": job_s / ref_s,
              "fixed_overhead": job_s - 1.15 * ref_s, "model": jobs[0]["model"], "jobs": jobs,
              "references": references}
    # Where the job's time goes, from the median job's record.
    median_job = sorted(jobs, key=lambda j: j["seconds"])[len(jobs) // 2]
    ph = median_job["phases"]
    if {"Downloading", "Training", "Uploading"} <= ph.keys() and median_job["first_round"] is not None:
        result["breakdown"] = {
            "create → Downloading": ph["Downloading"],
            "Downloading (S3 → job folder)": ph["Training"] - ph["Downloading"],
            "Training start → first round logged (spawn, imports, parse, DMatrix, round 0)":
                median_job["first_round"] - ph["Training"],
            "first → last round logged": median_job["last_round"] - median_job["first_round"],
            "last round → Uploading (save model, process exit)": ph["Uploading"] - median_job["last_round"],
            "Uploading → Completed seen by the client": median_job["seconds"] - ph["Uploading"],
        }
        print("  median job, where the time goes: " + "; ".join(f"{k} {v:.2f} s"
                                                               for k, v in result["breakdown"].items()))
    print(f"  median: job {job_s:.2f} s vs xgboost.train {ref_s:.2f} s = {result['ratio']:.2f}×; "
          f"job − 1.15 × reference = {result['fixed_overhead']:+.2f} s (target ≤ 2 s)", flush=True)
    return result


# --- 2. latency ---------------------------------------------------------------------------------

def load_booster(s3, model_uri: str, folder: Path):
    import xgboost

    bucket, key = model_uri.removeprefix("s3://").split("/", 1)
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        model = archive.extractfile(archive.getmember("xgboost-model")).read()
    (folder / "xgboost-model").write_bytes(model)
    booster = xgboost.Booster()
    booster.load_model(bytearray(model))  # from memory: no guess of the format from a file name
    return booster


def create_endpoint(sm, name: str, model: str, instances: int) -> None:
    sm.create_endpoint_config(EndpointConfigName=name, ProductionVariants=[{
        "VariantName": "AllTraffic", "ModelName": model, "InitialInstanceCount": instances,
        "InstanceType": "ml.m5.large"}])
    sm.create_endpoint(EndpointName=name, EndpointConfigName=name)


def wait_endpoint(sm, name: str, timeout: float = 180) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        status = sm.describe_endpoint(EndpointName=name)
        if status["EndpointStatus"] == "InService":
            return time.perf_counter() - started
        if status["EndpointStatus"] == "Failed":
            raise RuntimeError(f"endpoint {name} failed: {status.get('FailureReason')}")
        time.sleep(0.05)
    raise RuntimeError(f"endpoint {name} not InService in {timeout} s")


def invoke_headers(length: int) -> dict[str, str]:
    return {"Content-Type": "text/csv", "Authorization": AUTH, "X-Amz-Date": "20250101T000000Z",
            "Content-Length": str(length)}


def post(connection: http.client.HTTPConnection, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    connection.request("POST", path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError(f"POST {path}: HTTP {response.status}: {data[:300]!r}")
    return data


def bench_latency(server: Server, runtime, booster, endpoint: str, model_port: int, row: np.ndarray, body: bytes,
                  rounds: int, per_round: int, boto3_per_round: int) -> dict:
    import xgboost

    gateway = http.client.HTTPConnection(HOST, server.port, timeout=30)
    model = http.client.HTTPConnection(HOST, model_port, timeout=30)
    path = f"/endpoints/{endpoint}/invocations"
    gateway_headers = invoke_headers(len(body))
    model_headers = {"Content-Type": "text/csv", "Content-Length": str(len(body))}
    expected = float(booster.predict(xgboost.DMatrix(row))[0])

    def direct() -> float:
        return float(booster.predict(xgboost.DMatrix(row))[0])

    def direct_csv() -> bytes:
        # What a model server must do besides predicting: parse the CSV text and write the answer.
        features = np.loadtxt(body.decode().splitlines(), delimiter=",", dtype=np.float64, ndmin=2)
        scores = booster.predict(xgboost.DMatrix(features))
        return "".join(f"{float(v)}\n" for v in scores).encode()

    def raw() -> bytes:
        return post(gateway, path, body, gateway_headers)

    def model_server() -> bytes:
        return post(model, "/invocations", body, model_headers)

    def boto3_call() -> bytes:
        return runtime.invoke_endpoint(EndpointName=endpoint, Body=body, ContentType="text/csv")["Body"].read()

    answer = float(raw())
    if abs(answer - expected) > 1e-5:
        raise RuntimeError(f"the endpoint answered {answer}, the booster {expected}")
    series = {name: [] for name in ("direct", "direct + CSV", "model server", "endpoint raw", "endpoint boto3")}
    functions = {"direct": direct, "direct + CSV": direct_csv, "model server": model_server, "endpoint raw": raw,
                 "endpoint boto3": boto3_call}
    for function in functions.values():  # warm-up
        for _ in range(20):
            function()
    skip = log_lines(server.log)
    for _ in range(rounds):  # interleaved in blocks, so noise from other work hits every series alike
        for name, function in functions.items():
            count = boto3_per_round if name == "endpoint boto3" else per_round
            for _ in range(count):
                started = time.perf_counter()
                function()
                series[name].append(time.perf_counter() - started)
    gateway.close()
    model.close()
    logged = server_ms(server.log, skip).get("InvokeEndpoint", [])
    result = {name: {"p50_ms": percentile(v, 0.5) * 1000, "p99_ms": percentile(v, 0.99) * 1000, "n": len(v)}
              for name, v in series.items()}
    if logged:
        result["server logged"] = {"p50_ms": percentile(logged, 0.5), "p99_ms": percentile(logged, 0.99),
                                   "n": len(logged)}
    for name, item in result.items():
        print(f"  {name:16} p50 {item['p50_ms']:7.3f} ms  p99 {item['p99_ms']:7.3f} ms  ({item['n']} calls)"
              + ("  — the gateway's own request-log time for InvokeEndpoint (raw + boto3 calls)"
                 if name == "server logged" else ""))
    result["overhead_ms"] = result["endpoint raw"]["p50_ms"] - result["direct"]["p50_ms"]
    result["overhead_boto3_ms"] = result["endpoint boto3"]["p50_ms"] - result["direct"]["p50_ms"]
    hops = {"model server (HTTP + parse + predict + format) − direct": result["model server"]["p50_ms"]
            - result["direct"]["p50_ms"],
            "endpoint raw − model server (gateway + its hop)": result["endpoint raw"]["p50_ms"]
            - result["model server"]["p50_ms"]}
    result["hops_ms"] = hops
    print(f"  p50 overhead: raw {result['overhead_ms']:.2f} ms, boto3 {result['overhead_boto3_ms']:.2f} ms over "
          f"direct; " + "; ".join(f"{k}: {v:.2f} ms" for k, v in hops.items()), flush=True)
    return result


# --- 3. concurrency -----------------------------------------------------------------------------

def raw_invocation(host_port: int, path: str, body: bytes, signed: bool) -> bytes:
    headers = f"POST {path} HTTP/1.1\r\nHost: {HOST}:{host_port}\r\nContent-Type: text/csv\r\n"
    if signed:
        headers += f"Authorization: {AUTH}\r\nX-Amz-Date: 20250101T000000Z\r\n"
    headers += f"User-Agent: sextant-bench\r\nContent-Length: {len(body)}\r\n\r\n"
    return headers.encode() + body


async def _client(port: int, request: bytes, stop_at: float, record_from: float, latencies: list[float],
                  errors: list[tuple[str, str]]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while True:
            started = time.perf_counter()
            if started >= stop_at:
                break
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            if match is None:
                raise RuntimeError(f"response without content-length: {head[:200]!r}")
            answer = await reader.readexactly(int(match.group(1)))
            measured = started >= record_from
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(("measured" if measured else "warm-up",
                               head.split(b"\r\n", 1)[0].decode() + " " + answer[:300].decode("utf-8", "replace")))
            elif measured:
                latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def _load(port: int, request: bytes, clients: int, seconds: float, warmup: float) -> dict:
    latencies: list[float] = []
    errors: list[tuple[str, str]] = []
    now = time.perf_counter()
    record_from, stop_at = now + warmup, now + warmup + seconds
    tasks = [asyncio.create_task(_client(port, request, stop_at, record_from, latencies, errors))
             for _ in range(clients)]
    await asyncio.sleep(max(0.0, record_from - time.perf_counter()))
    measured_from = time.perf_counter()
    await asyncio.gather(*tasks)
    return {"latencies": latencies, "elapsed": time.perf_counter() - measured_from, "errors": errors}


def bench_load(label: str, port: int, request: bytes, processes: dict[str, list[int]], clients: int, seconds: float,
               warmup: float) -> dict:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    before = {name: sum(cpu_seconds(pid) for pid in pids) for name, pids in processes.items()}
    client_before = time.process_time()
    outcome = runner(_load(port, request, clients, seconds, warmup))
    client_cpu = time.process_time() - client_before
    cpu = {name: sum(cpu_seconds(pid) for pid in pids) - before[name] for name, pids in processes.items()}
    errors = {phase: [text for p, text in outcome["errors"] if p == phase] for phase in ("warm-up", "measured")}
    latencies = outcome["latencies"]
    if not latencies:
        raise RuntimeError(f"{label}: no request succeeded; e.g. {outcome['errors'][:1]}")
    total = len(latencies)
    sent = total * (seconds + warmup) / seconds  # requests over warm-up + measurement, for CPU per request
    result = {"rps": total / outcome["elapsed"], "p50_ms": percentile(latencies, 0.5) * 1000,
              "p99_ms": percentile(latencies, 0.99) * 1000, "requests": total,
              "cpu_share": {name: value / (seconds + warmup) for name, value in cpu.items()},
              "cpu_ms_per_request": {name: value * 1000 / max(1.0, sent) for name, value in cpu.items()},
              "client_cpu_share": client_cpu / (seconds + warmup),
              "errors": {phase: len(texts) for phase, texts in errors.items()},
              "error_example": next((texts[0] for texts in errors.values() if texts), None)}
    shares = ", ".join(f"{name} {result['cpu_share'][name]:.0%} of a core ({result['cpu_ms_per_request'][name]:.2f} "
                       f"ms/req)" for name in cpu)
    print(f"  {label:34} {result['rps']:7.0f} req/s  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  "
          f"({total} requests; CPU: {shares}; load generator {result['client_cpu_share']:.0%})", flush=True)
    if result["error_example"]:
        print(f"    non-200 answers: {result['errors']['warm-up']} during warm-up, {result['errors']['measured']} "
              f"measured (not counted in req/s); e.g. {result['error_example']}", flush=True)
    return result


# --- 4. batch transform -------------------------------------------------------------------------

def reference_transform(booster, data: bytes, folder: Path) -> dict:
    import xgboost

    started = time.perf_counter()
    features = parse_csv(data)
    parsed = time.perf_counter()
    scores = booster.predict(xgboost.DMatrix(features))
    predicted = time.perf_counter()
    (folder / "predictions.csv").write_bytes("".join(f"{float(v)}\n" for v in scores).encode())
    ended = time.perf_counter()
    return {"seconds": ended - started, "parse": parsed - started, "predict": predicted - parsed,
            "write": ended - predicted, "scores": scores}


def transform_job(sm, s3, name: str, rows: int) -> dict:
    started = time.perf_counter()
    wall_start = time.time()
    sm.create_transform_job(
        TransformJobName=name, ModelName="bench-xgb", BatchStrategy="MultiRecord", MaxPayloadInMB=6,
        MaxConcurrentTransforms=2,
        TransformInput={"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix",
                                                        "S3Uri": f"s3://{BUCKET}/transform/in/"}},
                        "ContentType": "text/csv", "SplitType": "Line"},
        TransformOutput={"S3OutputPath": f"s3://{BUCKET}/transform/{name}", "AssembleWith": "Line"},
        TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})
    while True:
        job = sm.describe_transform_job(TransformJobName=name)
        if job["TransformJobStatus"] in TERMINAL:
            break
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    if job["TransformJobStatus"] != "Completed":
        raise RuntimeError(f"transform job {name}: {job['TransformJobStatus']}: {job.get('FailureReason')}")
    output = s3.get_object(Bucket=BUCKET, Key=f"transform/{name}/rows.csv.out")["Body"].read()
    scores = np.array(output.split(), dtype=np.float64)
    if len(scores) != rows:
        raise RuntimeError(f"transform job {name}: {len(scores)} predictions for {rows} rows")
    start_at = job.get("TransformStartTime")
    return {"seconds": seconds, "scores": scores,
            "start": start_at.timestamp() - wall_start if start_at else None}


def bench_transform(sm, s3, booster, data: dict, rows: int, runs: int, folder: Path) -> dict:
    rng = np.random.default_rng(SEED + 1)
    lines = data["test_lines"]
    body = b"\n".join(lines[i] for i in rng.integers(0, len(lines), rows)) + b"\n"
    s3.put_object(Bucket=BUCKET, Key="transform/in/rows.csv", Body=body)
    print(f"  input: {rows:,} rows, {len(body) / 1e6:.1f} MB of CSV ({data['features']} features)", flush=True)
    jobs, references = [], []
    for index in range(runs):
        job = transform_job(sm, s3, f"bench-xgb-transform-{index}", rows)
        reference = reference_transform(booster, body, folder)
        difference = float(np.max(np.abs(job["scores"] - reference["scores"])))
        if difference > 1e-5:
            raise RuntimeError(f"the transform job's predictions differ from the booster's by up to {difference}")
        jobs.append(job)
        references.append(reference)
        print(f"  transform job {index + 1}: {job['seconds']:.2f} s = {rows / job['seconds']:,.0f} rows/s "
              f"(started work {job['start']:.2f} s after create); in process: {reference['seconds']:.2f} s = "
              f"{rows / reference['seconds']:,.0f} rows/s (parse {reference['parse']:.2f}, predict "
              f"{reference['predict']:.2f}, write {reference['write']:.2f}); predictions equal (max diff "
              f"{difference:.1e})", flush=True)
    job_s = statistics.median(j["seconds"] for j in jobs)
    ref_s = statistics.median(r["seconds"] for r in references)
    result = {"rows": rows, "bytes": len(body), "job_seconds": [j["seconds"] for j in jobs],
              "reference_seconds": [r["seconds"] for r in references], "job_rows_per_s": rows / job_s,
              "reference_rows_per_s": rows / ref_s, "ratio": ref_s / job_s,
              "reference_parts": {k: statistics.median(r[k] for r in references) for k in ("parse", "predict",
                                                                                          "write")}}
    print(f"  median: job {result['job_rows_per_s']:,.0f} rows/s vs in process {result['reference_rows_per_s']:,.0f} "
          f"rows/s = {result['ratio']:.2f}×", flush=True)
    return result


# --- main ---------------------------------------------------------------------------------------

def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (commit or "unknown") + ("+dirty" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (fewer repetitions, shorter load)")
    parser.add_argument("--json", type=Path, help="also write the raw numbers to this file")
    parser.add_argument("--keep", action="store_true", help="keep the server running at the end (for profiling); "
                        "Ctrl-C stops it")
    args = parser.parse_args(argv)
    train_runs, transform_runs = (1, 1) if args.quick else (3, 2)
    latency_rounds, per_round, boto3_per_round = (4, 100, 25) if args.quick else (10, 200, 40)
    load_seconds, warmup, clients, transform_rows = (2.0, 0.5, 16, 100_000) if args.quick else (5.0, 1.0, 16, 100_000)
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "nproc": os.cpu_count(),
                     "python": platform.python_version(), "quick": args.quick, "commit": git_commit(),
                     "load_average": os.getloadavg()}
    import xgboost

    print(f"Sextant SageMaker core benchmarks — {results['date']}, nproc {results['nproc']}, Python "
          f"{results['python']}, xgboost {xgboost.__version__}, commit {results['commit']}, load average "
          f"{' '.join(f'{v:.2f}' for v in results['load_average'])}, {'quick' if args.quick else 'full'} run",
          flush=True)
    data = datasets()
    print(f"UCI Adult: {data['rows'][0]:,} train + {data['rows'][1]:,} validation rows, {data['features']} features; "
          f"CSV {len(data['train_csv']) / 1e6:.1f} + {len(data['valid_csv']) / 1e6:.1f} MB", flush=True)

    with tempfile.TemporaryDirectory(prefix="sextant-bench-sm-") as tmp:
        root = Path(tmp)
        server = Server(root / "home", root / "server.log")
        server.spawn()
        server.wait()
        try:
            s3, sm, runtime, logs = (server.client(name) for name in ("s3", "sagemaker", "sagemaker-runtime", "logs"))
            s3.create_bucket(Bucket=BUCKET)
            s3.put_object(Bucket=BUCKET, Key="adult/train/data.csv", Body=data["train_csv"])
            s3.put_object(Bucket=BUCKET, Key="adult/validation/data.csv", Body=data["valid_csv"])

            print(f"1. training job vs xgboost.train in process, {train_runs} of each, interleaved:", flush=True)
            results["training"] = bench_training(sm, logs, data, train_runs)

            sm.create_model(ModelName="bench-xgb", ExecutionRoleArn=ROLE, PrimaryContainer={
                "Image": XGBOOST_IMAGE, "ModelDataUrl": results["training"]["model"]})
            booster = load_booster(s3, results["training"]["model"], root)
            create_endpoint(sm, "bench-xgb-1", "bench-xgb", 1)
            results["endpoint_start_s"] = wait_endpoint(sm, "bench-xgb-1")
            print(f"endpoint bench-xgb-1 (1 instance) InService {results['endpoint_start_s']:.2f} s after "
                  "CreateEndpoint", flush=True)
            servers_1 = model_servers(server.process.pid)
            if len(servers_1) != 1:
                raise RuntimeError(f"expected one model server process, found {servers_1}")
            (model_pid, model_port), = servers_1.items()

            row = data["X_test"][:1]
            body = data["test_lines"][0] + b"\n"
            print(f"2. InvokeEndpoint latency, one CSV row ({len(body)} bytes), {latency_rounds} interleaved rounds:",
                  flush=True)
            results["latency"] = bench_latency(server, runtime, booster, "bench-xgb-1", model_port, row, body,
                                               latency_rounds, per_round, boto3_per_round)

            create_endpoint(sm, "bench-xgb-2", "bench-xgb", 2)
            wait_endpoint(sm, "bench-xgb-2")
            servers_2 = [pid for pid in model_servers(server.process.pid) if pid not in servers_1]
            print(f"3. InvokeEndpoint, {clients} concurrent keep-alive clients, {load_seconds:.0f} s after "
                  f"{warmup:.1f} s warm-up:", flush=True)
            gateway_pids = [server.process.pid]
            results["load"] = {
                "endpoint_1": bench_load("endpoint, 1 instance", server.port, raw_invocation(
                    server.port, "/endpoints/bench-xgb-1/invocations", body, True),
                    {"gateway": gateway_pids, "model server": [model_pid]}, clients, load_seconds, warmup),
                "endpoint_2": bench_load("endpoint, 2 instances", server.port, raw_invocation(
                    server.port, "/endpoints/bench-xgb-2/invocations", body, True),
                    {"gateway": gateway_pids, "model servers": servers_2}, clients, load_seconds, warmup),
                "model_server": bench_load("model server alone (POST /invocations)", model_port, raw_invocation(
                    model_port, "/invocations", body, False), {"model server": [model_pid]}, clients, load_seconds,
                    warmup),
            }
            sm.delete_endpoint(EndpointName="bench-xgb-2")

            print(f"4. batch transform of {transform_rows:,} rows vs parse + predict + write in process, "
                  f"{transform_runs} of each:", flush=True)
            results["transform"] = bench_transform(sm, s3, booster, data, transform_rows, transform_runs, root)
            if args.keep:
                print(f"server kept on port {server.port} (pid {server.process.pid}); Ctrl-C to stop", flush=True)
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
        finally:
            server.stop()

    results["load_average_end"] = os.getloadavg()
    print()
    print(table(results))
    if args.json:
        for item in results["training"]["jobs"]:
            item.pop("phases", None)
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


def table(results: dict) -> str:
    def mark(ok: bool | None) -> str:
        return "—" if ok is None else ("yes" if ok else "**no**")

    training, latency, load, transform = (results[k] for k in ("training", "latency", "load", "transform"))
    runs = len(training["job_seconds"])
    rows = [
        (f"XGBoost training job (Adult, 200 rounds) vs xgboost.train in process, median of {runs}",
         f"{training['job_median']:.2f} vs {training['reference_median']:.2f} s = {training['ratio']:.2f}×; "
         f"job − 1.15 × ref = {training['fixed_overhead']:+.2f} s", "≤ 1.15× + 2 s",
         mark(training["fixed_overhead"] <= 2.0)),
        ("InvokeEndpoint p50 overhead, 1 CSV row (raw http.client) over booster.predict",
         f"{latency['endpoint raw']['p50_ms']:.2f} − {latency['direct']['p50_ms']:.2f} ms = "
         f"+{latency['overhead_ms']:.2f} ms (p99 {latency['endpoint raw']['p99_ms']:.2f} ms)", "≤ 3 ms",
         mark(latency["overhead_ms"] <= 3.0)),
        ("InvokeEndpoint p50 via boto3",
         f"{latency['endpoint boto3']['p50_ms']:.2f} ms = +{latency['overhead_boto3_ms']:.2f} ms "
         f"(p99 {latency['endpoint boto3']['p99_ms']:.2f} ms)", "(info)", mark(None)),
        ("model server alone, p50 (POST /invocations on its port)",
         f"{latency['model server']['p50_ms']:.2f} ms (direct incl. CSV parse/format "
         f"{latency['direct + CSV']['p50_ms']:.2f} ms)", "(info)", mark(None)),
    ]
    for key, label, target in (("endpoint_1", "InvokeEndpoint, 16 clients, 1 instance", True),
                               ("endpoint_2", "InvokeEndpoint, 16 clients, 2 instances", True),
                               ("model_server", "model server alone, 16 clients", False)):
        item = load[key]
        failed = sum(item["errors"].values())
        note = f"; **{failed} non-200** ({item['errors']['warm-up']} in warm-up)" if failed else ""
        rows.append((label, f"{item['rps']:,.0f} req/s (p50 {item['p50_ms']:.1f} ms, p99 {item['p99_ms']:.1f} ms{note})",
                     "≥ 800 req/s" if target else "(info)",
                     mark(item["rps"] >= 800 and not item["errors"]["measured"] if target else None)))
    rows.append((f"batch transform, {transform['rows']:,} CSV rows (median of {len(transform['job_seconds'])})",
                 f"{transform['job_rows_per_s']:,.0f} vs {transform['reference_rows_per_s']:,.0f} rows/s = "
                 f"{transform['ratio']:.2f}×", "≥ 0.7×", mark(transform["ratio"] >= 0.7)))
    lines = ["| metric | measured | target | pass |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

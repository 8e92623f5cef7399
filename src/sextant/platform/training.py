"""One training job: the `/opt/ml` layout rooted in the job's folder, a process of its own,
channels in, `model.tar.gz` out — the SageMaker training contract.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from . import artifacts, channels, s3uri

CHECKPOINT_SYNC_SECONDS = 10
STOP_GRACE_SECONDS = 10


class Reporter(Protocol):
    """How a run tells its owner what happens (the service layer records it)."""

    def status(self, secondary: str, message: str) -> None: ...
    def log(self, lines: list[tuple[int, str]]) -> None: ...


@dataclass
class TrainingSpec:
    """Everything a training job runs from: the container contract's inputs."""

    name: str
    root: Path  # the job's /opt/ml
    image: dict[str, str]  # SEXTANT_* variables naming what runs: algorithm or script framework
    hyperparameters: dict[str, str]
    channels: list[dict[str, Any]]  # InputDataConfig entries
    input_mode: str  # default TrainingInputMode
    output_path: str  # S3OutputPath
    instance_type: str
    instance_count: int = 1
    max_runtime: int | None = None
    checkpoint_uri: str | None = None
    environment: dict[str, str] = field(default_factory=dict)
    metric_definitions: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Outcome:
    status: str  # Completed | Failed | Stopped
    secondary: str
    failure_reason: str | None = None
    model_uri: str | None = None
    metrics: dict[str, tuple[float, float]] = field(default_factory=dict)  # name → (value, epoch seconds)
    training_seconds: int = 0


class _Stopped(Exception):
    def __init__(self, secondary: str, message: str) -> None:
        super().__init__(message)
        self.secondary = secondary


class TrainingRun:
    """Runs one job (blocking `execute`, meant for a thread); `stop()` may be called from elsewhere."""

    def __init__(self, spec: TrainingSpec, objects: Any, reporter: Reporter) -> None:
        self.spec, self.objects, self.reporter = spec, objects, reporter
        self.process: subprocess.Popen | None = None
        self.stop_requested = threading.Event()
        self.feeders: list[channels.PipeFeeder] = []
        self.patterns = [(d["Name"], re.compile(d["Regex"])) for d in spec.metric_definitions]
        self.metrics: dict[str, tuple[float, float]] = {}
        self.synced: dict[str, tuple[int, int]] = {}  # checkpoint files already in S3

    # --- layout -----------------------------------------------------------------------------

    @property
    def paths(self) -> dict[str, Path]:
        root = self.spec.root
        return {"config": root / "input" / "config", "data": root / "input" / "data", "model": root / "model",
                "output": root / "output", "output_data": root / "output" / "data", "code": root / "code",
                "checkpoints": root / "checkpoints", "failure": root / "output" / "failure"}

    def _channel_mode(self, channel: dict[str, Any]) -> str:
        return channel.get("InputMode") or self.spec.input_mode

    def _write_config(self) -> None:
        config = self.paths["config"]
        config.mkdir(parents=True, exist_ok=True)
        (config / "hyperparameters.json").write_text(json.dumps(self.spec.hyperparameters))
        (config / "inputdataconfig.json").write_text(json.dumps({
            c["ChannelName"]: {"ContentType": c.get("ContentType", ""), "TrainingInputMode": self._channel_mode(c),
                               "S3DistributionType": c["DataSource"].get("S3DataSource", {}).get(
                                   "S3DataDistributionType", "FullyReplicated"),
                               "RecordWrapperType": c.get("RecordWrapperType", "None")}
            for c in self.spec.channels}))
        (config / "resourceconfig.json").write_text(json.dumps(self._resource_config()))

    def _resource_config(self) -> dict[str, Any]:
        hosts = [f"algo-{i + 1}" for i in range(self.spec.instance_count)]
        return {"current_host": "algo-1", "hosts": hosts, "current_instance_type": self.spec.instance_type,
                "current_group_name": "homogeneousCluster", "network_interface_name": "eth0",
                "instance_groups": [{"instance_group_name": "homogeneousCluster", "hosts": hosts,
                                     "instance_type": self.spec.instance_type}]}

    def environment(self) -> dict[str, str]:
        """The sagemaker-training-toolkit's SM_* variables, with paths in the job's folder."""
        p = self.paths
        names = [c["ChannelName"] for c in self.spec.channels]
        hps = self.spec.hyperparameters
        program = hps.get("sagemaker_program", "").strip('"')
        env = {
            "SM_MODEL_DIR": str(p["model"]), "SM_OUTPUT_DIR": str(p["output"]),
            "SM_OUTPUT_DATA_DIR": str(p["output_data"]), "SM_OUTPUT_INTERMEDIATE_DIR": str(p["output"] / "intermediate"),
            "SM_INPUT_DIR": str(self.spec.root / "input"), "SM_INPUT_CONFIG_DIR": str(p["config"]),
            "SM_INPUT_DATA_CONFIG": (p["config"] / "inputdataconfig.json").read_text(),
            "SM_RESOURCE_CONFIG": json.dumps(self._resource_config()), "SM_CHANNELS": json.dumps(names),
            "SM_HPS": json.dumps({k: _decode(v) for k, v in hps.items() if not k.startswith("sagemaker_")}),
            "SM_HOSTS": json.dumps(self._resource_config()["hosts"]), "SM_CURRENT_HOST": "algo-1",
            "SM_CURRENT_INSTANCE_TYPE": self.spec.instance_type, "SM_NETWORK_INTERFACE_NAME": "eth0",
            "SM_NUM_CPUS": str(os.cpu_count() or 1), "SM_NUM_GPUS": "0", "SM_NUM_NEURONS": "0",
            "SM_LOG_LEVEL": "20", "SM_MODULE_DIR": hps.get("sagemaker_submit_directory", "").strip('"'),
            "SM_MODULE_NAME": program.removesuffix(".py"), "SM_USER_ENTRY_POINT": program,
            "SM_FRAMEWORK_MODULE": "", "SM_IS_HETERO": "false", "SM_CHECKPOINT_DIR": str(p["checkpoints"]),
            "SEXTANT_OPT_ML": str(self.spec.root), "PYTHONUNBUFFERED": "1",
        }
        for name in names:
            env[f"SM_CHANNEL_{name.upper()}"] = str(p["data"] / name)
        for key, value in hps.items():
            if not key.startswith("sagemaker_"):
                env[f"SM_HP_{key.upper()}"] = str(_decode(value))
        env["SM_USER_ARGS"] = json.dumps([item for k, v in hps.items() if not k.startswith("sagemaker_")
                                          for item in (f"--{k}", str(_decode(v)))])
        env["SM_TRAINING_ENV"] = json.dumps({"channel_input_dirs": {n: env[f"SM_CHANNEL_{n.upper()}"] for n in names},
                                             "hyperparameters": json.loads(env["SM_HPS"]), "job_name": self.spec.name,
                                             "model_dir": env["SM_MODEL_DIR"], "module_name": env["SM_MODULE_NAME"],
                                             "output_data_dir": env["SM_OUTPUT_DATA_DIR"], "hosts": ["algo-1"],
                                             "current_host": "algo-1", "num_cpus": int(env["SM_NUM_CPUS"])})
        return env

    # --- running ----------------------------------------------------------------------------

    def execute(self) -> Outcome:
        started = time.time()
        outcome: Outcome
        try:
            self._prepare()
            self._train(started)
            self.reporter.status("Uploading", "Uploading generated training model")
            model_uri = self._upload()
            outcome = Outcome("Completed", "Completed", model_uri=model_uri)
            self.reporter.status("Completed", "Training job completed")
        except _Stopped as stop:
            outcome = Outcome("Stopped", stop.secondary, model_uri=self._upload_quietly())
            self.reporter.status(stop.secondary, str(stop))
        except channels.ChannelError as error:
            outcome = Outcome("Failed", "Failed", failure_reason=f"ClientError: {error}")
            self.reporter.status("Failed", outcome.failure_reason)
        except _AlgorithmError as error:
            outcome = Outcome("Failed", "Failed", failure_reason=str(error))
            self.reporter.status("Failed", outcome.failure_reason)
        finally:
            for feeder in self.feeders:
                feeder.stop()
        outcome.metrics = self.metrics
        outcome.training_seconds = max(1, int(time.time() - started))
        return outcome

    def _prepare(self) -> None:
        self.reporter.status("Starting", "Preparing the instances for training")
        for name, path in self.paths.items():
            if name != "failure" and (name != "checkpoints" or self.spec.checkpoint_uri):
                path.mkdir(parents=True, exist_ok=True)
        self._write_config()
        self._check_stop()
        self.reporter.status("Downloading", "Downloading input data")
        submit = self.spec.hyperparameters.get("sagemaker_submit_directory", "").strip('"')
        if submit.startswith("s3://"):
            try:
                artifacts.unpack(self.objects, submit, self.paths["code"])
            except Exception as exc:  # noqa: BLE001 - any failure to fetch user code is the user's error
                raise channels.ChannelError(f"cannot fetch sagemaker_submit_directory {submit}: {exc}") from None
        if self.spec.checkpoint_uri:
            self._restore_checkpoints()
        for channel in self.spec.channels:
            items = channels.resolve(self.objects, channel)
            folder = self.paths["data"]
            if self._channel_mode(channel) == "Pipe":
                feeder = channels.PipeFeeder(self.objects, items, folder, channel["ChannelName"],
                                             channel.get("CompressionType") == "Gzip")
                feeder.start()
                self.feeders.append(feeder)
            else:
                channels.download(self.objects, items, folder / channel["ChannelName"])
            self._check_stop()

    def _restore_checkpoints(self) -> None:
        bucket, prefix = s3uri.split(self.spec.checkpoint_uri)
        items = [channels.S3Object(bucket, key, key[len(prefix):].lstrip("/"))
                 for key in channels.keys(self.objects, bucket, prefix)]
        if items:
            channels.download(self.objects, items, self.paths["checkpoints"])
        for item in items:  # what came from S3 need not go back
            stat = (self.paths["checkpoints"] / item.relative).stat()
            self.synced[item.relative] = (stat.st_mtime_ns, stat.st_size)

    def _train(self, started: float) -> None:
        self.reporter.status("Training", "Training image download completed. Training in progress.")
        env = {**os.environ, **self.spec.environment, **self.environment(), **self.spec.image,
               "SEXTANT_PARENT_PID": str(os.getpid())}
        code = self.paths["code"]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sextant.containers.train"], cwd=code, env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, start_new_session=True)
        reader = threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True)
        reader.start()
        next_sync = time.time() + CHECKPOINT_SYNC_SECONDS
        while self.process.poll() is None:
            time.sleep(0.1)
            if self.stop_requested.is_set():
                self._halt(reader)
                raise _Stopped("Stopped", "Training job stopped by the user")
            if self.spec.max_runtime and time.time() - started > self.spec.max_runtime:
                self._halt(reader)
                raise _Stopped("MaxRuntimeExceeded", "Training job runtime exceeded MaxRuntimeInSeconds provided")
            if self.spec.checkpoint_uri and time.time() > next_sync:
                self._sync_checkpoints()
                next_sync = time.time() + CHECKPOINT_SYNC_SECONDS
        reader.join(timeout=30)
        if self.spec.checkpoint_uri:
            self._sync_checkpoints()
        if self.process.returncode != 0:
            failure = self.paths["failure"]
            detail = failure.read_text(errors="replace").strip() if failure.exists() else ""
            detail = detail or f"the training process exited with code {self.process.returncode}"
            raise _AlgorithmError(detail if detail.startswith(("ClientError:", "AlgorithmError:"))
                                  else f"AlgorithmError: {detail}")

    def _pump(self, stream) -> None:
        """Training output → log lines (batched) and metric values."""
        batch: list[tuple[int, str]] = []
        last_flush = time.time()
        for raw in iter(stream.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            now = time.time()
            batch.append((int(now * 1000), line))
            for name, pattern in self.patterns:
                match = pattern.search(line)
                if match:
                    try:
                        self.metrics[name] = (float(match.group(1)), now)
                    except (ValueError, IndexError):
                        pass
            if len(batch) >= 500 or now - last_flush > 1:
                self.reporter.log(batch)
                batch, last_flush = [], now
        if batch:
            self.reporter.log(batch)

    def _halt(self, reader: threading.Thread) -> None:
        """End the training process; what it checkpointed is kept for the next job."""
        self._terminate()
        reader.join(timeout=5)
        if self.spec.checkpoint_uri:
            self._sync_checkpoints()

    def _terminate(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def _check_stop(self) -> None:
        if self.stop_requested.is_set():
            raise _Stopped("Stopped", "Training job stopped by the user")

    def _sync_checkpoints(self) -> None:
        artifacts.upload_tree(self.paths["checkpoints"], self.objects, self.spec.checkpoint_uri, self.synced)

    def _upload(self) -> str:
        base = s3uri.join(*s3uri.split(self.spec.output_path), self.spec.name, "output")
        model_uri = f"{base}/model.tar.gz"
        artifacts.pack(self.paths["model"], self.objects, model_uri)
        if any(self.paths["output_data"].iterdir()):
            artifacts.pack(self.paths["output_data"], self.objects, f"{base}/output.tar.gz")
        return model_uri

    def _upload_quietly(self) -> str | None:
        try:
            return self._upload() if any(self.paths["model"].iterdir()) else None
        except Exception:  # noqa: BLE001 - a stopped job keeps whatever could be saved
            return None

    def stop(self) -> None:
        self.stop_requested.set()


class _AlgorithmError(Exception):
    """The training process failed; the message is the job's FailureReason."""


def _decode(value: str) -> Any:
    """Hyperparameter values as the toolkit passes them to scripts: JSON where they parse as JSON."""
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


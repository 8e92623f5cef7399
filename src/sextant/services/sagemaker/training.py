"""Training jobs: CreateTrainingJob, Describe, List, Stop — each job a process of its own."""

from __future__ import annotations

import time
from typing import Any

from ...containers import algorithms, images
from ...errors import ServiceError
from ...platform import Platform, s3uri
from ...platform.training import Outcome, TrainingRun, TrainingSpec
from ...store import Resource, Store
from ..context import Context
from ..logs import append_events
from .common import create, find, listing, update

TYPE = "sagemaker:training-job"
LOG_GROUP = "/aws/sagemaker/TrainingJobs"
SECONDARY_MESSAGES = {"Stopping": "Stopping the training job"}


def _check_uri(uri: str, field: str) -> None:
    try:
        s3uri.split(uri, field)
    except ValueError as exc:
        raise ServiceError("ValidationException", str(exc)) from None


def create_training_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    spec = params["AlgorithmSpecification"]
    image_uri = spec.get("TrainingImage") or spec.get("AlgorithmName")
    if not image_uri:
        raise ServiceError("ValidationException", "AlgorithmSpecification must name a TrainingImage or an "
                           "AlgorithmName")
    image = images.resolve(image_uri)
    if image is None:
        raise ServiceError("ValidationException", f"TrainingImage {image_uri!r} is not an image Sextant runs; it "
                           f"runs these repositories: {', '.join(images.known())}")
    hyperparameters = params.get("HyperParameters", {})
    if image.algorithm is None and "sagemaker_program" not in hyperparameters:
        raise ServiceError("ValidationException", f"{image.repository} is a framework image: HyperParameters must "
                           "name the script to run (sagemaker_program and sagemaker_submit_directory)")
    _check_uri(params["OutputDataConfig"]["S3OutputPath"], "OutputDataConfig.S3OutputPath")
    for channel in params.get("InputDataConfig", []):
        source = channel["DataSource"].get("S3DataSource")
        if source is None:
            raise ServiceError("ValidationException", f"Channel {channel['ChannelName']}: only S3DataSource is "
                               "supported")
        _check_uri(source["S3Uri"], f"InputDataConfig.{channel['ChannelName']}.S3Uri")
    if params.get("CheckpointConfig"):
        _check_uri(params["CheckpointConfig"]["S3Uri"], "CheckpointConfig.S3Uri")
    metric_definitions = spec.get("MetricDefinitions") or (
        algorithms.metric_definitions(image.algorithm) if "sagemaker_program" not in hyperparameters else [])
    now = time.time()
    name = params["TrainingJobName"]
    document = {
        **{key: value for key, value in params.items() if key != "Tags"},
        "AlgorithmSpecification": {**spec, "MetricDefinitions": metric_definitions},
        "TrainingJobArn": "", "TrainingJobStatus": "InProgress", "SecondaryStatus": "Starting",
        "CreationTime": now, "LastModifiedTime": now, "SecondaryStatusTransitions": [],
        "EnableNetworkIsolation": params.get("EnableNetworkIsolation", False),
        "EnableInterContainerTrafficEncryption": params.get("EnableInterContainerTrafficEncryption", False),
        "EnableManagedSpotTraining": params.get("EnableManagedSpotTraining", False),
    }
    resource = create(context, TYPE, "training-job", name, document, "InProgress", "Training job")
    update(context.store, resource, lambda doc: doc.update(TrainingJobArn=resource.arn))
    _start(context.platform, resource, image)
    return {"TrainingJobArn": resource.arn}


def _start(platform: Platform, resource: Resource, image: images.Image) -> None:
    document = resource.document
    resources = document["ResourceConfig"]
    stopping = document.get("StoppingCondition", {})
    checkpoint = document.get("CheckpointConfig") or {}
    spec = TrainingSpec(
        name=resource.name, root=platform.job_folder("training", resource.name), image=image.environment(),
        hyperparameters=document.get("HyperParameters", {}), channels=document.get("InputDataConfig", []),
        input_mode=document["AlgorithmSpecification"].get("TrainingInputMode", "File"),
        output_path=document["OutputDataConfig"]["S3OutputPath"], instance_type=resources["InstanceType"],
        instance_count=resources.get("InstanceCount", 1), max_runtime=stopping.get("MaxRuntimeInSeconds"),
        checkpoint_uri=checkpoint.get("S3Uri"), environment=document.get("Environment", {}),
        metric_definitions=document["AlgorithmSpecification"].get("MetricDefinitions", []))
    reporter = _Reporter(platform.store, resource)
    run = TrainingRun(spec, platform.store.objects, reporter)

    def work() -> None:
        try:
            outcome = run.execute()
        except Exception as exc:  # noqa: BLE001 - a bug must still end the job, with a reason
            outcome = Outcome("Failed", "Failed", failure_reason=f"InternalServerError: {type(exc).__name__}: {exc}")
            reporter.status("Failed", outcome.failure_reason)
        reporter.finish(outcome)

    platform.jobs.start("training", resource.name, run, work)


class _Reporter:
    """Records a run's progress in its DescribeTrainingJob document and its output in CloudWatch Logs."""

    def __init__(self, store: Store, resource: Resource) -> None:
        self.store, self.resource = store, resource
        self.stream = f"{resource.name}/algo-1-{int(time.time())}"

    def status(self, secondary: str, message: str) -> None:
        now = time.time()

        def change(doc: dict[str, Any]) -> None:
            transitions = doc.setdefault("SecondaryStatusTransitions", [])
            if transitions and "EndTime" not in transitions[-1]:
                transitions[-1]["EndTime"] = now
            final = secondary in ("Completed", "Failed", "Stopped", "MaxRuntimeExceeded")
            transitions.append({"Status": secondary, "StartTime": now, "StatusMessage": message,
                                **({"EndTime": now} if final else {})})
            doc["SecondaryStatus"] = secondary
            if secondary == "Training":
                doc["TrainingStartTime"] = now

        self.resource = update(self.store, self.resource, change)

    def log(self, lines: list[tuple[int, str]]) -> None:
        append_events(self.store, self.resource.account, self.resource.region, LOG_GROUP, self.stream, lines)

    def finish(self, outcome: Outcome) -> None:
        now = time.time()

        def change(doc: dict[str, Any]) -> None:
            doc["TrainingJobStatus"] = outcome.status
            doc["TrainingEndTime"] = now
            doc.setdefault("TrainingStartTime", now)
            doc["TrainingTimeInSeconds"] = doc["BillableTimeInSeconds"] = outcome.training_seconds
            if outcome.failure_reason:
                doc["FailureReason"] = outcome.failure_reason
            if outcome.model_uri:
                doc["ModelArtifacts"] = {"S3ModelArtifacts": outcome.model_uri}
            doc["FinalMetricDataList"] = [{"MetricName": name, "Value": value, "Timestamp": when}
                                          for name, (value, when) in sorted(outcome.metrics.items())]

        self.resource = update(self.store, self.resource, change)


def describe_training_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return find(context, TYPE, params["TrainingJobName"], "Training job").document


def list_training_jobs(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    def summary(resource: Resource) -> dict[str, Any]:
        doc = resource.document
        return {key: doc[key] for key in ("TrainingJobName", "TrainingJobArn", "CreationTime", "TrainingEndTime",
                                          "LastModifiedTime", "TrainingJobStatus", "SecondaryStatus") if key in doc}

    return listing(context, params, TYPE, summary, "TrainingJobStatus", "TrainingJobSummaries", "TrainingJobName")


def stop_training_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = find(context, TYPE, params["TrainingJobName"], "Training job")
    status = resource.document["TrainingJobStatus"]
    if status not in ("InProgress", "Stopping"):
        raise ServiceError("ValidationException", f"The request was rejected because the training job is in "
                           f"status {status}.")
    run = context.platform.jobs.get("training", resource.name)
    _Reporter(context.store, resource).status("Stopping", SECONDARY_MESSAGES["Stopping"])
    update(context.store, resource, lambda doc: doc.update(TrainingJobStatus="Stopping"))
    if run is not None:
        run.stop()
    return {}


def fail_interrupted(platform: Platform) -> None:
    """Jobs a previous server left running cannot be followed: they end Failed, with the reason."""
    for resource in platform.store.resources.list(TYPE):
        if resource.document.get("TrainingJobStatus") in ("InProgress", "Stopping"):
            reporter = _Reporter(platform.store, resource)
            reason = "InternalServerError: Sextant restarted while the training job was running; start it again"
            reporter.status("Failed", reason)
            reporter.finish(Outcome("Failed", "Failed", failure_reason=reason))

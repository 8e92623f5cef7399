"""Batch transform jobs: CreateTransformJob, Describe, List, Stop."""

from __future__ import annotations

import os
import time
from typing import Any

from ...errors import ServiceError
from ...platform import Platform, s3uri
from ...platform.serving import DeploymentError
from ...platform.serving import VariantSpec
from ...platform.transform import TransformError, TransformRun, TransformSpec
from ...store import Resource
from ..context import Context
from ..logs import append_events
from .common import create, find, listing, update
from .hosting import MODEL, variant_specs

TYPE = "sagemaker:transform-job"


def create_transform_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    if context.store.resources.get(context.account, context.region, MODEL, params["ModelName"]) is None:
        raise ServiceError("ValidationException", f"Could not find model \"{params['ModelName']}\".")
    for field, uri in (("TransformInput.DataSource.S3DataSource.S3Uri",
                        params["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"]),
                       ("TransformOutput.S3OutputPath", params["TransformOutput"]["S3OutputPath"])):
        try:
            s3uri.split(uri, field)
        except ValueError as exc:
            raise ServiceError("ValidationException", str(exc)) from None
    now = time.time()
    document = {key: value for key, value in params.items() if key != "Tags"}
    document.update(TransformJobStatus="InProgress", CreationTime=now, LastModifiedTime=now,
                    MaxPayloadInMB=params.get("MaxPayloadInMB", 6), BatchStrategy=params.get("BatchStrategy",
                                                                                             "MultiRecord"),
                    MaxConcurrentTransforms=params.get("MaxConcurrentTransforms", 1))
    resource = create(context, TYPE, "transform-job", params["TransformJobName"], document, "InProgress",
                      "Transform job")
    resource = update(context.store, resource, lambda doc: doc.update(TransformJobArn=resource.arn))
    _start(context.platform, resource)
    return {"TransformJobArn": resource.arn}


def _start(platform: Platform, resource: Resource) -> None:
    store, doc = platform.store, resource.document
    # one model-server process per concurrent request (AWS's containers run a worker per CPU)
    workers = max(1, min(doc["MaxConcurrentTransforms"], os.cpu_count() or 1))
    config = {"ProductionVariants": [{"VariantName": "transform", "ModelName": doc["ModelName"],
                                      "InitialInstanceCount": doc["TransformResources"].get("InstanceCount", 1)
                                      * workers}]}

    def log(stream: str, lines: list[tuple[int, str]]) -> None:
        append_events(store, resource.account, resource.region, "/aws/sagemaker/TransformJobs",
                      f"{resource.name}/{stream or 'algo-1'}", lines)

    spec = TransformSpec(input=doc["TransformInput"], output=doc["TransformOutput"],
                         batch_strategy=doc["BatchStrategy"], max_payload_mb=doc["MaxPayloadInMB"],
                         max_concurrent=doc["MaxConcurrentTransforms"], data_processing=doc.get("DataProcessing", {}))

    def variant() -> VariantSpec:
        prepared = variant_specs(platform, resource, config)[0]
        for container in prepared.containers:
            container.environment = {**doc.get("Environment", {}), **container.environment}
        return prepared

    run = TransformRun(spec, store.objects, platform.endpoints, variant, log)

    def work() -> None:
        update(store, resource, lambda d: d.update(TransformStartTime=time.time()))
        try:
            run.execute()
            status, reason = ("Stopped", None) if run.stopped.is_set() else ("Completed", None)
        except (TransformError, DeploymentError) as error:
            status, reason = "Failed", str(error)
        except Exception as error:  # noqa: BLE001 - a bug still ends the job, with a reason
            status, reason = "Failed", f"InternalServerError: {type(error).__name__}: {error}"

        def finish(d: dict[str, Any]) -> None:
            d.update(TransformJobStatus=status, TransformEndTime=time.time())
            if reason:
                d["FailureReason"] = reason

        update(store, resource, finish)

    platform.jobs.start("transform", resource.name, run, work)


def describe_transform_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return find(context, TYPE, params["TransformJobName"], "Transform job").document


def list_transform_jobs(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    def summary(resource: Resource) -> dict[str, Any]:
        return {k: resource.document[k] for k in ("TransformJobName", "TransformJobArn", "CreationTime",
                                                  "TransformEndTime", "LastModifiedTime", "TransformJobStatus",
                                                  "FailureReason") if k in resource.document}

    return listing(context, params, TYPE, summary, "TransformJobStatus", "TransformJobSummaries", "TransformJobName")


def stop_transform_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = find(context, TYPE, params["TransformJobName"], "Transform job")
    if resource.document["TransformJobStatus"] not in ("InProgress", "Stopping"):
        raise ServiceError("ValidationException", f"The request was rejected because the transform job is in "
                           f"status {resource.document['TransformJobStatus']}.")
    update(context.store, resource, lambda doc: doc.update(TransformJobStatus="Stopping"))
    run = context.platform.jobs.get("transform", resource.name)
    if run is not None:
        run.stop()
    return {}


def fail_interrupted(platform: Platform) -> None:
    for resource in platform.store.resources.list(TYPE):
        if resource.document.get("TransformJobStatus") in ("InProgress", "Stopping"):
            update(platform.store, resource, lambda doc: doc.update(
                TransformJobStatus="Failed", TransformEndTime=time.time(),
                FailureReason="InternalServerError: Sextant restarted while the transform job was running"))

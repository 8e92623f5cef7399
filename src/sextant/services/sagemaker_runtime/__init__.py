"""Amazon SageMaker Runtime: InvokeEndpoint, routed by variant weights to the endpoint's model servers."""

from __future__ import annotations

import time
from typing import Any

from ...errors import ServiceError
from ..context import Context

MAX_PAYLOAD_BYTES = 6 * 1024 * 1024
WAIT_FOR_DEPLOYMENT_SECONDS = 60


def _deployment(context: Context, name: str):
    """The endpoint's live servers; an InService endpoint being restored after a restart is waited for."""
    deadline = time.time() + WAIT_FOR_DEPLOYMENT_SECONDS
    while True:
        resource = context.store.resources.get(context.account, context.region, "sagemaker:endpoint", name)
        if resource is None:
            raise ServiceError("ValidationError", f"Endpoint {name} of account {context.account} not found.")
        deployment = context.platform.endpoints.get((context.account, context.region, name))
        status = resource.document["EndpointStatus"]
        if deployment is not None and status in ("InService", "Updating"):
            return resource, deployment
        if status not in ("InService", "Creating", "Updating") or time.time() > deadline:
            raise ServiceError("ValidationError", f"Endpoint {name} is not in service (status {status}).")
        time.sleep(0.05)


def invoke_endpoint(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    body = params.get("Body", b"")
    if hasattr(body, "read"):  # the Body member streams: read no more than the limit allows
        body = body.read(MAX_PAYLOAD_BYTES + 1)
    if len(body) > MAX_PAYLOAD_BYTES:
        raise ServiceError("ValidationError", f"Received payload larger than the maximum of {MAX_PAYLOAD_BYTES} "
                           "bytes.")
    resource, deployment = _deployment(context, params["EndpointName"])
    target = params.get("TargetVariant")
    if target is not None and target not in deployment.variants:
        raise ServiceError("ValidationError", f"Variant {target} not found for endpoint {resource.name}.")
    variant = deployment.choose(target)
    extra = {"X-Amzn-SageMaker-Custom-Attributes": params["CustomAttributes"]} if params.get("CustomAttributes") else {}
    try:
        status, data, content_type = variant.next_instance().invoke(
            body, params.get("ContentType") or "application/octet-stream", params.get("Accept") or "", extra)
    except OSError as exc:
        raise ServiceError("ModelError", f"The model server of variant {variant.name} did not answer: {exc}",
                           OriginalStatusCode=503, OriginalMessage=str(exc)) from None
    if status != 200:
        message = data.decode("utf-8", "replace")
        stream = f"arn:aws:logs:{context.region}:{context.account}:log-group:/aws/sagemaker/Endpoints/{resource.name}"
        raise ServiceError("ModelError", f"Received {'client' if status < 500 else 'server'} error ({status}) from "
                           f"primary with message \"{message}\". See {stream} in account {context.account} for "
                           "more information.", OriginalStatusCode=status, OriginalMessage=message,
                           LogStreamArn=stream)
    return {"Body": data, "ContentType": content_type, "InvokedProductionVariant": variant.name,
            "CustomAttributes": params.get("CustomAttributes")}

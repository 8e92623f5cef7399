"""What the SageMaker handlers share: ARNs, resource lookup, list filtering and paging."""

from __future__ import annotations

import time
from typing import Any, Callable

from ...errors import ServiceError
from ...store import Resource
from ...store.db import AlreadyExists
from ..context import Context
from ..jobs import update_document
from ..paging import page_answer

def arn(context: Context, kind: str, name: str) -> str:
    return f"arn:aws:sagemaker:{context.region}:{context.account}:{kind}/{name.lower()}"


def create(context: Context, type_: str, kind: str, name: str, document: dict[str, Any], status: str | None,
           label: str) -> Resource:
    """Record a new resource; ResourceInUse when the name is taken."""
    resource = Resource(context.account, context.region, type_, name, arn(context, kind, name), status, document)
    try:
        return context.store.resources.create(resource)
    except AlreadyExists:
        raise ServiceError("ResourceInUse", f"{label} names must be unique within an AWS account and region, "
                           f"and a {label.lower()} with this name already exists ({resource.arn})") from None


def find(context: Context, type_: str, name: str, label: str, code: str = "ValidationException") -> Resource:
    resource = context.store.resources.get(context.account, context.region, type_, name)
    if resource is None:
        message = "Requested resource not found." if code == "ValidationException" else \
            f"Could not find {label.lower()} \"{name}\"."
        raise ServiceError(code, message)
    return resource


def update(context_store: Any, resource: Resource, change: Callable[[dict[str, Any]], None]) -> Resource:
    """Re-read a resource, apply `change` to its document and stamp LastModifiedTime, save it."""
    def stamped(document: dict[str, Any]) -> None:
        change(document)
        document["LastModifiedTime"] = time.time()
    return update_document(context_store, resource, stamped, _STATUS_FIELDS.get(resource.type))


_STATUS_FIELDS = {"sagemaker:training-job": "TrainingJobStatus", "sagemaker:endpoint": "EndpointStatus",
                  "sagemaker:transform-job": "TransformJobStatus"}


def listing(context: Context, params: dict[str, Any], type_: str, summary: Callable[[Resource], dict[str, Any]],
            status_field: str, list_key: str, name_field: str) -> dict[str, Any]:
    """A List* answer: NameContains, StatusEquals, time filters, SortBy/SortOrder, MaxResults/NextToken."""
    found = context.store.resources.list(type_, context.account, context.region)
    contains = (params.get("NameContains") or "").lower()
    items = []
    for resource in found:
        document = resource.document
        if contains and contains not in resource.name.lower():
            continue
        if params.get("StatusEquals") and document.get(status_field) != params["StatusEquals"]:
            continue
        created, modified = document.get("CreationTime", 0), document.get("LastModifiedTime", 0)
        if params.get("CreationTimeAfter") and created <= params["CreationTimeAfter"].timestamp():
            continue
        if params.get("CreationTimeBefore") and created >= params["CreationTimeBefore"].timestamp():
            continue
        if params.get("LastModifiedTimeAfter") and modified <= params["LastModifiedTimeAfter"].timestamp():
            continue
        if params.get("LastModifiedTimeBefore") and modified >= params["LastModifiedTimeBefore"].timestamp():
            continue
        items.append(summary(resource))
    sort_by = params.get("SortBy", "CreationTime")
    key = {"Name": name_field, "CreationTime": "CreationTime", "Status": status_field}.get(sort_by, "CreationTime")
    items.sort(key=lambda item: (item.get(key) or 0, item[name_field]),
               reverse=params.get("SortOrder", "Descending") == "Descending")
    return page_answer(items, params, list_key, 10, "ValidationException")

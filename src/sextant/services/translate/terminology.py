"""Custom terminologies, parallel data (recorded, not used for translation) and tags."""

from __future__ import annotations

import time
from typing import Any

from ...engines import translate as engine
from ...errors import ServiceError
from ...platform import s3uri
from ...store import Resource
from ...store.db import AlreadyExists
from ..context import Context
from ..paging import page_answer
from .common import delete_file, presigned_url, store_file

TERMINOLOGY, PARALLEL = "translate:terminology", "translate:parallel-data"
EXTENSIONS = {"CSV": ("csv", "text/csv"), "TSV": ("tsv", "text/tab-separated-values"),
              "TMX": ("tmx", "application/x-tmx+xml")}
PARALLEL_NOTE = ("Recorded by Sextant; parallel data does not change translations here (Active Custom "
                 "Translation is not implemented).")


def _terminology(context: Context, name: str) -> Resource:
    resource = context.store.resources.get(context.account, context.region, TERMINOLOGY, name)
    if resource is None:
        raise ServiceError("ResourceNotFoundException", f"The resource {name} does not exist. Check the name of "
                                                        "the terminology and try again.")
    return resource


def glossary_for(context: Context, name: str, source: str, target: str) -> engine.Glossary:
    """The terms of terminology `name` for source → target (ResourceNotFoundException if it is missing)."""
    return engine.Glossary(_terms(_terminology(context, name)).terms(source, target))


def _terms(resource: Resource) -> engine.Terminology:
    data = resource.document["Data"]
    return engine.Terminology(data["Languages"], data["Entries"], resource.document["Directionality"])


def _properties(resource: Resource) -> dict[str, Any]:
    return {k: v for k, v in resource.document.items() if k not in ("Data", "Tags")}


def import_terminology(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    name, data = params["Name"], params["TerminologyData"]
    fmt, directionality = data["Format"], data.get("Directionality") or "UNI"
    try:
        parsed = engine.parse(data["File"], fmt, directionality)
    except engine.TerminologyError as exc:
        raise ServiceError("InvalidParameterValueException", f"TerminologyData.File: {exc}") from None
    now = time.time()
    existing = context.store.resources.get(context.account, context.region, TERMINOLOGY, name)
    document = {
        "Name": name, "Arn": f"arn:aws:translate:{context.region}:{context.account}:terminology/{name}/LATEST",
        "SourceLanguageCode": parsed.source_language, "TargetLanguageCodes": parsed.target_languages,
        "SizeBytes": len(data["File"]), "TermCount": len(parsed.entries), "SkippedTermCount": parsed.skipped,
        "CreatedAt": existing.document["CreatedAt"] if existing else now, "LastUpdatedAt": now,
        "Directionality": directionality, "Format": fmt,
        "Data": {"Languages": parsed.languages, "Entries": parsed.entries},
        "Tags": params.get("Tags") or (existing.document.get("Tags", []) if existing else []),
    }
    for key in ("Description", "EncryptionKey"):
        if params.get(key):
            document[key] = params[key]
    if parsed.skipped:
        document["Message"] = f"{parsed.skipped} terms were skipped: they lack the source or every target term"
    if existing:  # MergeStrategy OVERWRITE
        existing.document = document
        context.store.resources.save(existing)
    else:
        try:
            context.store.resources.create(Resource(context.account, context.region, TERMINOLOGY, name,
                                                    document["Arn"], "ACTIVE", document))
        except AlreadyExists:
            raise ServiceError("ConcurrentModificationException", f"Terminology {name} is being imported") from None
    return {"TerminologyProperties": _properties(Resource(context.account, context.region, TERMINOLOGY, name,
                                                          document["Arn"], document=document))}


def get_terminology(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _terminology(context, params["Name"])
    fmt = params.get("TerminologyDataFormat") or resource.document["Format"]
    extension, content_type = EXTENSIONS[fmt]
    url = store_file(context, f"terminologies/{context.region}/{resource.name}.{extension}",
                     _terms(resource).to_file(fmt), content_type)
    return {"TerminologyProperties": _properties(resource),
            "TerminologyDataLocation": {"RepositoryType": "S3", "Location": url}}


def list_terminologies(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    found = sorted(context.store.resources.list(TERMINOLOGY, context.account, context.region), key=lambda r: r.name)
    return page_answer(found, params, "TerminologyPropertiesList", 100, "InvalidParameterValueException",
                       _properties)


def delete_terminology(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _terminology(context, params["Name"])
    context.store.resources.delete(resource)
    for extension, _ in EXTENSIONS.values():
        delete_file(context, f"terminologies/{context.region}/{resource.name}.{extension}")
    return {}


# --- parallel data: checked, counted and recorded ------------------------------------------

def parallel_data(context: Context, name: str) -> Resource:
    resource = context.store.resources.get(context.account, context.region, PARALLEL, name)
    if resource is None:
        raise ServiceError("ResourceNotFoundException", f"The resource {name} does not exist.")
    return resource


def _read_parallel(context: Context, config: dict[str, Any]) -> dict[str, Any]:
    """Counts and languages of a parallel data file (InvalidParameterValueException when unreadable)."""
    uri, fmt = config.get("S3Uri"), config.get("Format")
    if not uri or not fmt:
        raise ServiceError("InvalidParameterValueException", "ParallelDataConfig needs S3Uri and Format")
    try:
        bucket, key = s3uri.split(uri, "ParallelDataConfig.S3Uri")
        info, reader = context.store.objects.open_object(bucket, key)
    except ValueError as exc:
        raise ServiceError("InvalidParameterValueException", str(exc)) from None
    except ServiceError:
        raise ServiceError("InvalidParameterValueException",
                           f"ParallelDataConfig.S3Uri {uri}: no object at this location") from None
    try:
        data = reader.read()
    finally:
        reader.close()
    try:
        parsed = engine.parse(data, fmt)
    except engine.TerminologyError as exc:
        raise ServiceError("InvalidParameterValueException", f"ParallelDataConfig.S3Uri: {exc}") from None
    return {"SourceLanguageCode": parsed.source_language, "TargetLanguageCodes": parsed.target_languages,
            "ImportedDataSize": len(data), "ImportedRecordCount": len(parsed.entries), "FailedRecordCount": 0,
            "SkippedRecordCount": parsed.skipped}


def create_parallel_data(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    name = params["Name"]
    existing = context.store.resources.get(context.account, context.region, PARALLEL, name)
    if existing is not None:
        if existing.document.get("ClientToken") == params["ClientToken"]:
            return {"Name": name, "Status": existing.document["Status"]}
        raise ServiceError("ConflictException", f"Parallel data {name} already exists")
    counts = _read_parallel(context, params["ParallelDataConfig"])
    now = time.time()
    arn = f"arn:aws:translate:{context.region}:{context.account}:parallel-data/{name}"
    document = {"Name": name, "Arn": arn, "Status": "ACTIVE", "ParallelDataConfig": params["ParallelDataConfig"],
                "Message": PARALLEL_NOTE, "CreatedAt": now, "LastUpdatedAt": now, **counts,
                "ClientToken": params["ClientToken"], "Tags": params.get("Tags") or []}
    for key in ("Description", "EncryptionKey"):
        if params.get(key):
            document[key] = params[key]
    try:
        context.store.resources.create(Resource(context.account, context.region, PARALLEL, name, arn, "ACTIVE",
                                                document))
    except AlreadyExists:
        raise ServiceError("ConflictException", f"Parallel data {name} already exists") from None
    return {"Name": name, "Status": "ACTIVE"}


def _parallel_properties(resource: Resource) -> dict[str, Any]:
    return {k: v for k, v in resource.document.items() if k not in ("ClientToken", "Tags")}


def get_parallel_data(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = parallel_data(context, params["Name"])
    bucket, key = s3uri.split(resource.document["ParallelDataConfig"]["S3Uri"])
    return {"ParallelDataProperties": _parallel_properties(resource),
            "DataLocation": {"RepositoryType": "S3", "Location": presigned_url(context, bucket, key)}}


def list_parallel_data(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    found = sorted(context.store.resources.list(PARALLEL, context.account, context.region), key=lambda r: r.name)
    return page_answer(found, params, "ParallelDataPropertiesList", 100, "InvalidParameterValueException",
                       _parallel_properties)


def update_parallel_data(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = parallel_data(context, params["Name"])
    counts = _read_parallel(context, params["ParallelDataConfig"])
    now = time.time()
    resource.document.update(counts, ParallelDataConfig=params["ParallelDataConfig"], LastUpdatedAt=now,
                             LatestUpdateAttemptStatus="ACTIVE", LatestUpdateAttemptAt=now)
    if params.get("Description"):
        resource.document["Description"] = params["Description"]
    context.store.resources.save(resource)
    return {"Name": resource.name, "Status": "ACTIVE", "LatestUpdateAttemptStatus": "ACTIVE",
            "LatestUpdateAttemptAt": now}


def delete_parallel_data(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = parallel_data(context, params["Name"])
    context.store.resources.delete(resource)
    return {"Name": resource.name, "Status": "DELETING"}


# --- tags -------------------------------------------------------------------------------------

def _by_arn(context: Context, arn: str) -> Resource:
    for kind in (TERMINOLOGY, PARALLEL):
        for resource in context.store.resources.list(kind, context.account, context.region):
            if resource.arn == arn:
                return resource
    raise ServiceError("ResourceNotFoundException", f"ResourceArn {arn} does not exist")


def tag_resource(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _by_arn(context, params["ResourceArn"])
    tags = {t["Key"]: t["Value"] for t in resource.document.get("Tags", [])}
    tags.update({t["Key"]: t["Value"] for t in params["Tags"]})
    if len(tags) > 200:
        raise ServiceError("TooManyTagsException", "A resource can have at most 200 tags",
                           ResourceArn=resource.arn)
    resource.document["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    context.store.resources.save(resource)
    return {}


def untag_resource(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _by_arn(context, params["ResourceArn"])
    drop = set(params["TagKeys"])
    resource.document["Tags"] = [t for t in resource.document.get("Tags", []) if t["Key"] not in drop]
    context.store.resources.save(resource)
    return {}


def list_tags_for_resource(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"Tags": _by_arn(context, params["ResourceArn"]).document.get("Tags", [])}

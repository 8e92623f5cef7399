"""Batch translation jobs: every document under an S3 prefix into each target language, back to S3.

Output as Amazon Translate writes it: `<OutputS3Uri>/<account>-TranslateText-<JobId>/<target>.<file>`
and `details/<target>.auxiliary-translation-details.json`.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any, Callable

from ...engines import translate as engine
from ...errors import ServiceError
from ...platform import s3uri
from ...store import Resource
from .. import jobs
from ..context import Context
from ..paging import page_answer
from .common import check_pair, detect_source, epoch
from .terminology import glossary_for, parallel_data
from .text import _translate, applied_settings

KIND = jobs.JobKind("translate:text-translation-job", "JobStatus", "IN_PROGRESS", "COMPLETED", "FAILED",
                    reason_field="Message", end_field="EndTime", stopping="STOP_REQUESTED", stopped="STOPPED")
CONTENT_TYPES = ("text/plain", "text/html")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024


def on_startup(platform) -> None:
    jobs.fail_interrupted(platform, KIND)


def _job(context: Context, job_id: str) -> Resource:
    resource = context.store.resources.get(context.account, context.region, KIND.type, job_id)
    if resource is None:
        raise ServiceError("ResourceNotFoundException", f"The job {job_id} does not exist.")
    return resource


def _properties(resource: Resource) -> dict[str, Any]:
    return {k: v for k, v in resource.document.items() if k not in ("ClientToken",)}


def start_text_translation_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    for resource in context.store.resources.list(KIND.type, context.account, context.region):
        if resource.document.get("ClientToken") == params["ClientToken"]:  # an idempotent retry
            return {"JobId": resource.name, "JobStatus": resource.document["JobStatus"]}
    content_type = params["InputDataConfig"]["ContentType"]
    if content_type not in CONTENT_TYPES:
        raise ServiceError("InvalidRequestException", f"InputDataConfig.ContentType {content_type!r}: Sextant "
                                                      f"translates {' and '.join(CONTENT_TYPES)} documents")
    settings = params.get("Settings") or {}
    if settings.get("Brevity"):
        raise ServiceError("InvalidRequestException", "Settings.Brevity is not supported by Sextant's translators")
    source, targets = params["SourceLanguageCode"], list(dict.fromkeys(params["TargetLanguageCodes"]))
    if source != "auto":
        for target in targets:
            check_pair(source, target)
    names = params.get("TerminologyNames") or []
    if len(names) > 1:
        raise ServiceError("InvalidRequestException", "TerminologyNames: only one terminology per job")
    for name in names:
        glossary_for(context, name, "", "")  # ResourceNotFoundException when it is missing
    for name in params.get("ParallelDataNames") or []:
        parallel_data(context, name)  # recorded, not used; but it must exist
    for field in ("InputDataConfig", "OutputDataConfig"):
        try:
            jobs.check_bucket(context.store, params[field]["S3Uri"], f"{field}.S3Uri")
        except ServiceError as exc:
            raise ServiceError("InvalidRequestException", exc.message) from None
    job_id = uuid.uuid4().hex
    output = s3uri.join(*s3uri.split(params["OutputDataConfig"]["S3Uri"]),
                        f"{context.account}-TranslateText-{job_id}") + "/"
    document: dict[str, Any] = {
        "JobId": job_id, "JobStatus": "SUBMITTED", "SourceLanguageCode": source, "TargetLanguageCodes": targets,
        "TerminologyNames": names, "ParallelDataNames": params.get("ParallelDataNames") or [],
        "SubmittedTime": time.time(), "InputDataConfig": params["InputDataConfig"],
        "OutputDataConfig": {**params["OutputDataConfig"], "S3Uri": output},
        "DataAccessRoleArn": params["DataAccessRoleArn"], "ClientToken": params["ClientToken"],
        "JobDetails": {"TranslatedDocumentsCount": 0, "DocumentsWithErrorsCount": 0, "InputDocumentsCount": 0},
    }
    if params.get("JobName"):
        document["JobName"] = params["JobName"]
    if settings:
        document["Settings"] = settings
    resource = context.store.resources.create(Resource(
        context.account, context.region, KIND.type, job_id,
        f"arn:aws:translate:{context.region}:{context.account}:text-translation-job/{job_id}", "SUBMITTED", document))
    jobs.run(context.platform, KIND, resource, _work(context, resource))
    return {"JobId": job_id, "JobStatus": "SUBMITTED"}


def _work(context: Context, resource: Resource) -> Callable[[Callable[[], bool]], dict[str, Any]]:
    document = resource.document
    html = document["InputDataConfig"]["ContentType"] == "text/html"
    settings = document.get("Settings") or {}
    input_uri, output = document["InputDataConfig"]["S3Uri"], document["OutputDataConfig"]["S3Uri"]
    _, prefix = s3uri.split(input_uri)

    def work(stop_requested: Callable[[], bool]) -> dict[str, Any]:
        counts = {"TranslatedDocumentsCount": 0, "DocumentsWithErrorsCount": 0, "InputDocumentsCount": 0}
        details = {target: [] for target in document["TargetLanguageCodes"]}
        characters = {target: 0 for target in details}
        errors = {target: 0 for target in details}
        for key, data in jobs.input_objects(context.store, input_uri, "InputDataConfig.S3Uri"):
            if stop_requested():
                break
            counts["InputDocumentsCount"] += 1
            relative = key[len(prefix):].lstrip("/") if key != prefix else key.rsplit("/", 1)[-1]
            failed = False
            try:
                if len(data) > MAX_DOCUMENT_BYTES:
                    raise ValueError(f"the document is over {MAX_DOCUMENT_BYTES} bytes")
                text = data.decode("utf-8-sig")
                if not text.strip():
                    raise ValueError("the document is empty")
                source = document["SourceLanguageCode"]
                if source == "auto":
                    source = detect_source(text)
                for target in details:
                    check_pair(source, target)
                    names = document["TerminologyNames"]
                    glossary = glossary_for(context, names[0], source, target) if names else None
                    result = _translate(text, source, target, glossary, settings, html=html)
                    target_name = _prefixed(relative, target)
                    jobs.write_object(context.store, output + target_name, result.text.encode("utf-8"),
                                      document["InputDataConfig"]["ContentType"])
                    characters[target] += len(text)
                    entry: dict[str, Any] = {"sourceFile": relative, "targetFile": target_name}
                    if names:
                        entry["auxiliaryData"] = {"appliedTerminologies": [{"name": names[0], "terms": [
                            {"sourceText": s, "targetText": t} for s, t in result.terms]}]}
                    applied = applied_settings(settings, result)
                    if applied:
                        entry.setdefault("auxiliaryData", {})["appliedSettings"] = applied
                    details[target].append(entry)
            except (ValueError, ServiceError, engine.UnsupportedPair) as exc:
                failed = True
                reason = exc.message if isinstance(exc, ServiceError) else str(exc)
                for target in details:
                    errors[target] += 1
                    details[target].append({"sourceFile": relative, "error": reason})
            counts["DocumentsWithErrorsCount" if failed else "TranslatedDocumentsCount"] += 1
            jobs.update_document(context.store, resource, lambda doc: doc.__setitem__("JobDetails", dict(counts)))
        for target, entries in details.items():
            report = {"sourceLanguageCode": document["SourceLanguageCode"], "targetLanguageCode": target,
                      "charactersTranslated": str(characters[target]),
                      "documentCountWithCustomerError": str(errors[target]), "documentCountWithServerError": "0",
                      "inputDataPrefix": input_uri, "outputDataPrefix": output, "details": entries}
            jobs.write_object(context.store, f"{output}details/{target}.auxiliary-translation-details.json",
                              json.dumps(report, ensure_ascii=False, indent=2).encode("utf-8"), "application/json")
        result: dict[str, Any] = {"JobDetails": counts}
        if counts["DocumentsWithErrorsCount"]:
            if counts["TranslatedDocumentsCount"]:
                result["JobStatus"] = "COMPLETED_WITH_ERROR"
                result["Message"] = f"{counts['DocumentsWithErrorsCount']} documents could not be translated; " \
                                    f"see {output}details/"
            else:
                raise jobs.JobFailed(f"no document could be translated; see {output}details/")
        return result

    return work


def _prefixed(relative: str, target: str) -> str:
    """`folder/name.txt` → `folder/<target>.name.txt`, as Amazon Translate names outputs."""
    folder, _, name = relative.rpartition("/")
    return f"{folder}/{target}.{name}" if folder else f"{target}.{name}"


def describe_text_translation_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"TextTranslationJobProperties": _properties(_job(context, params["JobId"]))}


def list_text_translation_jobs(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    chosen_filter = {k: v for k, v in (params.get("Filter") or {}).items() if v is not None}
    if len(chosen_filter) > 1:
        raise ServiceError("InvalidFilterException", "Filter: set only one of JobName, JobStatus, "
                                                     "SubmittedBeforeTime and SubmittedAfterTime")
    found = []
    for resource in context.store.resources.list(KIND.type, context.account, context.region):
        doc = resource.document
        if "JobName" in chosen_filter and doc.get("JobName") != chosen_filter["JobName"]:
            continue
        if "JobStatus" in chosen_filter and doc.get("JobStatus") != chosen_filter["JobStatus"]:
            continue
        if "SubmittedBeforeTime" in chosen_filter and doc["SubmittedTime"] >= epoch(chosen_filter["SubmittedBeforeTime"]):
            continue
        if "SubmittedAfterTime" in chosen_filter and doc["SubmittedTime"] <= epoch(chosen_filter["SubmittedAfterTime"]):
            continue
        found.append(resource)
    found.sort(key=lambda r: r.document["SubmittedTime"], reverse=True)
    return page_answer(found, params, "TextTranslationJobPropertiesList", 100, "InvalidRequestException",
                       _properties)


def stop_text_translation_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _job(context, params["JobId"])
    if resource.document["JobStatus"] in ("SUBMITTED", "IN_PROGRESS"):
        resource = jobs.request_stop(context.platform, KIND, resource)
    return {"JobId": resource.name, "JobStatus": resource.document["JobStatus"]}

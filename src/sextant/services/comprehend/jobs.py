"""Comprehend's asynchronous analysis jobs: S3 documents in, AWS's output layout out.

Entities (built-in, or a custom EntityRecognizerArn), key phrases, sentiment, targeted sentiment,
dominant language, PII (offsets or redaction) and custom document classification. Each document
(a line with ONE_DOC_PER_LINE, a file with ONE_DOC_PER_FILE) is analysed as the synchronous
Detect* operation would; the results go to `<S3Uri>/<account>-<TYPE>-<JobId>/output/output.tar.gz`
as one JSON line per document (File, Line, the result — or ErrorCode/ErrorMessage). PII jobs write
`<file>.out` per input file instead: the JSON lines of offsets, or the redacted text.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any, Callable

from ...errors import ServiceError
from ...platform import Platform
from ...store import Resource
from .. import jobs
from ..context import Context
from . import custom


@dataclass(frozen=True)
class Analysis:
    name: str        # e.g. "EntitiesDetection": the operations' middle name
    arn_kind: str    # e.g. "entities-detection-job"
    code: str        # the output folder's job type, e.g. "NER"
    kind: str        # detect.analyze's kind, or "classification"
    language: bool = True  # takes a LanguageCode

    @property
    def job_kind(self) -> jobs.JobKind:
        return jobs.JobKind(f"comprehend:{self.arn_kind}", "JobStatus", "IN_PROGRESS", "COMPLETED", "FAILED",
                            "Message", "EndTime", "STOP_REQUESTED", "STOPPED")


ANALYSES = [Analysis("EntitiesDetection", "entities-detection-job", "NER", "entities"),
            Analysis("KeyPhrasesDetection", "key-phrases-detection-job", "KP", "key_phrases"),
            Analysis("SentimentDetection", "sentiment-detection-job", "SENTIMENT", "sentiment"),
            Analysis("TargetedSentimentDetection", "targeted-sentiment-detection-job", "TSA", "targeted_sentiment"),
            Analysis("DominantLanguageDetection", "dominant-language-detection-job", "LANGUAGE", "dominant_language",
                     language=False),
            Analysis("PiiEntitiesDetection", "pii-entities-detection-job", "PII", "pii"),
            Analysis("DocumentClassification", "document-classification-job", "CLN", "classification",
                     language=False)]
BY_NAME = {analysis.name: analysis for analysis in ANALYSES}
# AWS takes documents of up to 1 MB in these jobs (the other analyses keep their synchronous limits)
ASYNC_LIMITS = {"entities": 1_000_000, "key_phrases": 1_000_000, "dominant_language": 1_000_000, "pii": 1_000_000}


def _documents(context: Context, config: dict[str, Any]):
    """(file name, line or None, text) of every input document, in key and line order."""
    per_file = config.get("InputFormat", "ONE_DOC_PER_FILE") == "ONE_DOC_PER_FILE"
    for key, data in jobs.input_objects(context.store, config["S3Uri"], "InputDataConfig.S3Uri"):
        name = PurePosixPath(key).name
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise jobs.JobFailed(f"InputDataConfig.S3Uri: {key} is not UTF-8 text") from None
        if per_file:
            yield name, None, text
            continue
        for number, line in enumerate(text.splitlines()):
            yield name, number, line


def _redact(text: str, entities: list[dict[str, Any]], config: dict[str, Any]) -> str:
    types = set(config.get("PiiEntityTypes") or ["ALL"])
    mode = config.get("MaskMode", "MASK")
    character = config.get("MaskCharacter") or "*"
    for entity in sorted(entities, key=lambda e: -e["BeginOffset"]):
        if "ALL" not in types and entity["Type"] not in types:
            continue
        begin, end = entity["BeginOffset"], entity["EndOffset"]
        mask = f"[{entity['Type']}]" if mode == "REPLACE_WITH_PII_ENTITY_TYPE" else character * (end - begin)
        text = text[:begin] + mask + text[end:]
    return text


def _analyzer(context: Context, analysis: Analysis, params: dict[str, Any]) -> Callable[[str], dict[str, Any]]:
    """The function that answers for one document (raises ServiceError for a document it cannot take)."""
    if analysis.kind == "classification":
        model = custom.trained_model(context, params["DocumentClassifierArn"], "DocumentClassifierArn")[1]
        return lambda text: custom.classify_text(model, text)
    if params.get("EntityRecognizerArn"):
        resource, model = custom.trained_model(context, params["EntityRecognizerArn"], "EntityRecognizerArn")
        if resource.document["LanguageCode"] != params["LanguageCode"]:
            raise ServiceError("InvalidRequestException", "LanguageCode: it must be the entity recognizer's "
                                                          f"language, {resource.document['LanguageCode']}")
        return lambda text: {"Entities": model.predict([text])[0]}
    from .detect import analyze

    limit = ASYNC_LIMITS.get(analysis.kind)
    return lambda text: analyze(analysis.kind, text, params.get("LanguageCode"), limit)


def _start(context: Context, analysis: Analysis, params: dict[str, Any]) -> dict[str, Any]:
    if analysis.kind == "pii":
        mode, redaction = params["Mode"], params.get("RedactionConfig")
        if mode == "ONLY_REDACTION" and not redaction:
            raise ServiceError("InvalidRequestException", "RedactionConfig is required when Mode is ONLY_REDACTION")
        if mode == "ONLY_OFFSETS" and redaction:
            raise ServiceError("InvalidRequestException", "RedactionConfig applies only when Mode is ONLY_REDACTION")
    if analysis.kind == "classification" and not params.get("DocumentClassifierArn"):
        raise ServiceError("InvalidRequestException", "DocumentClassifierArn is required (flywheels are not "
                                                      "supported)")
    analyze_one = _analyzer(context, analysis, params)
    try:
        jobs.check_bucket(context.store, params["OutputDataConfig"]["S3Uri"], "OutputDataConfig.S3Uri")
    except ServiceError as exc:
        raise ServiceError("InvalidRequestException", exc.message) from None

    job_id = uuid.uuid4().hex
    arn = f"arn:aws:comprehend:{context.region}:{context.account}:{analysis.arn_kind}/{job_id}"
    folder = f"{params['OutputDataConfig']['S3Uri'].rstrip('/')}/{context.account}-{analysis.code}-{job_id}/output"
    output_uri = f"{folder}/" if analysis.kind == "pii" else f"{folder}/output.tar.gz"
    input_config = dict(params["InputDataConfig"])
    input_config.setdefault("InputFormat", "ONE_DOC_PER_FILE")
    document: dict[str, Any] = {"JobId": job_id, "JobArn": arn, "JobStatus": "SUBMITTED", "SubmitTime": time.time(),
                                "InputDataConfig": input_config,
                                "OutputDataConfig": dict(params["OutputDataConfig"], S3Uri=output_uri),
                                "DataAccessRoleArn": params["DataAccessRoleArn"]}
    for member in ("JobName", "LanguageCode", "VolumeKmsKeyId", "VpcConfig", "EntityRecognizerArn",
                   "DocumentClassifierArn", "Mode", "RedactionConfig"):
        if params.get(member):
            document[member] = params[member]
    resource = context.store.resources.create(Resource(context.account, context.region, analysis.job_kind.type,
                                                       job_id, arn, "SUBMITTED", document))

    def work(stop: Callable[[], bool]) -> dict[str, Any]:
        results: dict[str, list[str]] = {}
        redacting = analysis.kind == "pii" and params["Mode"] == "ONLY_REDACTION"
        for name, line, text in _documents(context, input_config):
            if stop():
                break
            lines = results.setdefault(name, [])
            if not text.strip():
                if redacting:  # the redacted copy keeps the file's blank lines
                    lines.append(text)
                continue
            record: dict[str, Any] = {"File": name} if line is None else {"File": name, "Line": line}
            try:
                record.update(analyze_one(text))
            except ServiceError as exc:
                if exc.code == "UnsupportedLanguageException":
                    raise jobs.JobFailed(f"UnsupportedLanguageException: {exc.message}") from None
                record.update(ErrorCode=exc.code, ErrorMessage=exc.message)
            if redacting:
                lines.append(_redact(text, record["Entities"], redaction) if "Entities" in record else text)
            else:
                lines.append(json.dumps(record, ensure_ascii=False))
        if analysis.kind == "pii":
            for name, lines in results.items():
                jobs.write_object(context.store, f"{folder}/{name}.out", ("\n".join(lines) + "\n").encode(),
                                  "text/plain")
        else:
            body = "".join(line + "\n" for lines in results.values() for line in lines).encode()
            jobs.write_object(context.store, output_uri, custom.write_tar({"output": body}), "application/gzip")
        return {}

    jobs.run(context.platform, analysis.job_kind, resource, work)
    answer = {"JobId": job_id, "JobArn": arn, "JobStatus": "SUBMITTED"}
    for member in ("EntityRecognizerArn", "DocumentClassifierArn"):
        if params.get(member):
            answer[member] = params[member]
    return answer


def _job(context: Context, analysis: Analysis, job_id: str) -> Resource:
    resource = context.store.resources.get(context.account, context.region, analysis.job_kind.type, job_id)
    if resource is None:
        raise ServiceError("JobNotFoundException", f"JobId: no {analysis.name} job {job_id}")
    return resource


def _describe(context: Context, analysis: Analysis, params: dict[str, Any]) -> dict[str, Any]:
    return {f"{analysis.name}JobProperties": custom.public(_job(context, analysis, params["JobId"]).document)}


def _list(context: Context, analysis: Analysis, params: dict[str, Any]) -> dict[str, Any]:
    return custom.listing(context, analysis.job_kind.type, params, "JobName", "JobStatus", "SubmitTime",
                          f"{analysis.name}JobPropertiesList", lambda r: custom.public(r.document),
                          single_filter=False)


def _stop(context: Context, analysis: Analysis, params: dict[str, Any]) -> dict[str, Any]:
    resource = _job(context, analysis, params["JobId"])
    status = resource.document["JobStatus"]
    if status not in ("SUBMITTED", "IN_PROGRESS", "STOP_REQUESTED"):
        raise ServiceError("InvalidRequestException", f"JobId: the job is {status}; only a running job can stop")
    resource = jobs.request_stop(context.platform, analysis.job_kind, resource)
    return {"JobId": resource.document["JobId"], "JobStatus": resource.document["JobStatus"]}


def handlers(name: str) -> tuple[Callable, ...]:
    """start, describe, list and stop for one analysis."""
    analysis = BY_NAME[name]
    return (lambda context, params: _start(context, analysis, params),
            lambda context, params: _describe(context, analysis, params),
            lambda context, params: _list(context, analysis, params),
            lambda context, params: _stop(context, analysis, params))


(start_entities_detection_job, describe_entities_detection_job, list_entities_detection_jobs,
 stop_entities_detection_job) = handlers("EntitiesDetection")
(start_key_phrases_detection_job, describe_key_phrases_detection_job, list_key_phrases_detection_jobs,
 stop_key_phrases_detection_job) = handlers("KeyPhrasesDetection")
(start_sentiment_detection_job, describe_sentiment_detection_job, list_sentiment_detection_jobs,
 stop_sentiment_detection_job) = handlers("SentimentDetection")
(start_targeted_sentiment_detection_job, describe_targeted_sentiment_detection_job,
 list_targeted_sentiment_detection_jobs, stop_targeted_sentiment_detection_job) = handlers("TargetedSentimentDetection")
(start_dominant_language_detection_job, describe_dominant_language_detection_job,
 list_dominant_language_detection_jobs, stop_dominant_language_detection_job) = handlers("DominantLanguageDetection")
(start_pii_entities_detection_job, describe_pii_entities_detection_job, list_pii_entities_detection_jobs,
 stop_pii_entities_detection_job) = handlers("PiiEntitiesDetection")
# AWS has no StopDocumentClassificationJob
start_document_classification_job, describe_document_classification_job, list_document_classification_jobs, _ = \
    handlers("DocumentClassification")


def on_startup(platform: Platform) -> None:
    """Jobs, trainings and endpoint changes that a restart interrupted end failed, saying why."""
    for analysis in ANALYSES:
        jobs.fail_interrupted(platform, analysis.job_kind)
    custom.on_startup(platform)

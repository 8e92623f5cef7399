"""Amazon Transcribe: batch transcription jobs, custom vocabularies and vocabulary filters.

Recognition runs on the local Whisper engine (`sextant.engines.speech`); speaker labels come from
neural voice embeddings, language identification from Whisper's language head restricted to the
LanguageOptions. Transcripts, redacted transcripts and subtitles are written to the caller's
OutputBucketName, or to the service bucket `aws-transcribe-<region>-prod` whose objects the S3
route serves, so TranscriptFileUri is a plain GET.
"""

from __future__ import annotations

import os
import time
import uuid
from typing import Any

from ...errors import ServiceError
from ...platform import Platform
from ...store import Resource
from ...store.db import AlreadyExists
from .. import jobs
from ..context import Context
from ..paging import page_answer
from . import languages
from .media import read_media, s3_location
from .streaming import StreamSession
from .vocabulary import parse_filter, parse_vocabulary, vocabulary_table

# StartStreamTranscription in its WebSocket form (served by the gateway's WebSocket route)
WEBSOCKET_ROUTES = {"/stream-transcription-websocket": StreamSession}

# The recognizer's OpenMP threads must not spin-wait in a server full of other threads (several times the
# decoding's own CPU time was lost that way); the runtime reads this once, when it first loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

JOB = jobs.JobKind(type="transcribe:transcription-job", status_field="TranscriptionJobStatus", running="IN_PROGRESS",
                   completed="COMPLETED", failed="FAILED", reason_field="FailureReason", end_field="CompletionTime")
VOCABULARY = jobs.JobKind(type="transcribe:vocabulary", status_field="VocabularyState", running="PENDING",
                          completed="READY", failed="FAILED", reason_field="FailureReason",
                          end_field="LastModifiedTime")
FILTER = "transcribe:vocabulary-filter"
REDACTION_LANGUAGES = ("en", "es")
DEFAULT_PAGE = 5


def on_startup(platform: Platform) -> None:
    """After a restart, jobs and vocabularies left in progress end FAILED."""
    jobs.fail_interrupted(platform, JOB)
    jobs.fail_interrupted(platform, VOCABULARY)


def _bad(message: str) -> ServiceError:
    return ServiceError("BadRequestException", message)


def _arn(context: Context, kind: str, name: str) -> str:
    return f"arn:aws:transcribe:{context.region}:{context.account}:{kind}/{name}"


def _get(context: Context, type_: str, name: str, what: str, code: str = "BadRequestException") -> Resource:
    resource = context.store.resources.get(context.account, context.region, type_, name)
    if resource is None:
        raise ServiceError(code, f"The requested {what} couldn't be found. Check the {what} name and try your "
                                 "request again.")
    return resource


def _service_bucket(context: Context) -> str:
    """The service-managed output bucket of the region, created on first use."""
    return jobs.service_bucket(context.store, f"aws-transcribe-{context.region}-prod", context.account,
                               context.region)


def _url(context: Context, bucket: str, key: str) -> str:
    return f"{context.base_url}/{bucket}/{key}"


# --- transcription jobs --------------------------------------------------------------------------------

def _check_language_settings(context: Context, params: dict[str, Any]) -> None:
    chosen = [name for name in ("LanguageCode", "IdentifyLanguage", "IdentifyMultipleLanguages") if params.get(name)]
    if len(chosen) != 1:
        raise _bad("Specify exactly one of LanguageCode, IdentifyLanguage or IdentifyMultipleLanguages "
                   f"(the request has {', '.join(chosen) or 'none'}).")
    identify = chosen[0] != "LanguageCode"
    options = params.get("LanguageOptions") or []
    if options and not identify:
        raise _bad("LanguageOptions can only be used with IdentifyLanguage or IdentifyMultipleLanguages.")
    if params.get("LanguageIdSettings") and not identify:
        raise _bad("LanguageIdSettings can only be used with IdentifyLanguage or IdentifyMultipleLanguages.")
    for code in [params.get("LanguageCode"), *options, *(params.get("LanguageIdSettings") or {})]:
        if code and languages.to_whisper(code) is None:
            raise _bad(f"The language code {code} isn't supported by Sextant's speech recognition engine.")
    if len(set(options)) != len(options):
        raise _bad("LanguageOptions contains a language code more than once.")
    if params.get("LanguageIdSettings") and not set(params["LanguageIdSettings"]) <= set(options or ()):
        raise _bad("Every language in LanguageIdSettings must also be in LanguageOptions.")


def _check_settings(context: Context, params: dict[str, Any]) -> None:
    settings = params.get("Settings") or {}
    if settings.get("ShowSpeakerLabels") and not settings.get("MaxSpeakerLabels"):
        raise _bad("If you enable ShowSpeakerLabels, you must also include MaxSpeakerLabels.")
    if settings.get("MaxSpeakerLabels") and not settings.get("ShowSpeakerLabels"):
        raise _bad("If you specify MaxSpeakerLabels, you must set ShowSpeakerLabels to true.")
    if settings.get("ShowSpeakerLabels") and settings.get("ChannelIdentification"):
        raise _bad("You can't include both ShowSpeakerLabels and ChannelIdentification in the same request.")
    if settings.get("ShowAlternatives") and not settings.get("MaxAlternatives"):
        raise _bad("If you include ShowAlternatives, you must also include MaxAlternatives.")
    if settings.get("MaxAlternatives") and not settings.get("ShowAlternatives"):
        raise _bad("If you include MaxAlternatives, you must set ShowAlternatives to true.")
    if bool(settings.get("VocabularyFilterName")) != bool(settings.get("VocabularyFilterMethod")):
        raise _bad("VocabularyFilterName and VocabularyFilterMethod must be specified together.")
    identify = params.get("IdentifyLanguage") or params.get("IdentifyMultipleLanguages")
    if identify and (settings.get("VocabularyName") or settings.get("VocabularyFilterName")):
        raise _bad("With language identification, specify custom vocabularies and vocabulary filters in "
                   "LanguageIdSettings, not in Settings.")
    per_language = [(params.get("LanguageCode"), settings)] + list((params.get("LanguageIdSettings") or {}).items())
    for code, chosen in per_language:
        if chosen.get("LanguageModelName"):
            raise _bad(f"The requested language model {chosen['LanguageModelName']} couldn't be found: Sextant's "
                       "local engine has no custom language models.")
        if chosen.get("VocabularyName"):
            vocabulary = _get(context, VOCABULARY.type, chosen["VocabularyName"], "vocabulary")
            if vocabulary.document["VocabularyState"] != "READY":
                raise _bad(f"The vocabulary {vocabulary.name} isn't ready. Its state is "
                           f"{vocabulary.document['VocabularyState']}.")
            if code and vocabulary.document["LanguageCode"] != code:
                raise _bad(f"The language of the vocabulary {vocabulary.name} "
                           f"({vocabulary.document['LanguageCode']}) doesn't match {code}.")
        if chosen.get("VocabularyFilterName"):
            found = _get(context, FILTER, chosen["VocabularyFilterName"], "vocabulary filter")
            if code and found.document["LanguageCode"] != code:
                raise _bad(f"The language of the vocabulary filter {found.name} "
                           f"({found.document['LanguageCode']}) doesn't match {code}.")
    if params.get("ModelSettings", {}).get("LanguageModelName"):
        raise _bad(f"The requested language model {params['ModelSettings']['LanguageModelName']} couldn't be found: "
                   "Sextant's local engine has no custom language models.")
    if params.get("ToxicityDetection"):
        raise _bad("ToxicityDetection isn't supported by Sextant's local engine.")
    redaction = params.get("ContentRedaction")
    if redaction:
        codes = [params.get("LanguageCode")] if params.get("LanguageCode") else params.get("LanguageOptions") or []
        if codes and not any(c.split("-")[0] in REDACTION_LANGUAGES for c in codes):
            raise _bad("Content redaction is supported only for English and Spanish transcriptions.")
    subtitles = params.get("Subtitles")
    if subtitles is not None and not subtitles.get("Formats"):
        raise _bad("Subtitles must include at least one format in Formats (srt or vtt).")


def _output_location(context: Context, params: dict[str, Any], name: str) -> tuple[str, str, str]:
    """(bucket, folder prefix, file name) of the transcript; OutputKey as AWS interprets it."""
    bucket = params.get("OutputBucketName")
    if not bucket:
        return _service_bucket(context), f"{context.account}/{name}/{uuid.uuid4()}/", "asrOutput.json"
    try:
        context.store.objects.bucket(bucket)
    except ServiceError:
        raise _bad(f"The specified output bucket {bucket} doesn't exist. Check OutputBucketName.") from None
    key = params.get("OutputKey") or ""
    if key.endswith(".json"):
        folder, _, file = key.rpartition("/")
        return bucket, folder + "/" if folder else "", file
    return bucket, key.rstrip("/") + "/" if key else "", f"{name}.json"


def start_transcription_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    name = params["TranscriptionJobName"]
    _check_language_settings(context, params)
    _check_settings(context, params)
    media_bucket, media_key = s3_location(params["Media"]["MediaFileUri"], "Media.MediaFileUri")
    try:
        context.store.objects.head_object(media_bucket, media_key)
    except ServiceError:
        raise _bad("The S3 URI that you provided can't be accessed. Make sure that you have read permission and "
                   "try your request again. (Media.MediaFileUri)") from None
    bucket, folder, file = _output_location(context, params, name)
    now = time.time()
    document: dict[str, Any] = {
        "TranscriptionJobName": name, "TranscriptionJobStatus": "QUEUED", "Media": params["Media"],
        "CreationTime": now, "StartTime": now,
        "Settings": {"ChannelIdentification": False, "ShowAlternatives": False, **(params.get("Settings") or {})},
        "OutputLocationType": "CUSTOMER_BUCKET" if params.get("OutputBucketName") else "SERVICE_BUCKET"}
    for member in ("LanguageCode", "MediaFormat", "MediaSampleRateHertz", "ContentRedaction", "IdentifyLanguage",
                   "IdentifyMultipleLanguages", "LanguageOptions", "LanguageIdSettings", "Tags"):
        if params.get(member) is not None:
            document[member] = params[member]
    if params.get("Subtitles"):
        document["Subtitles"] = {"Formats": sorted(set(params["Subtitles"]["Formats"])),
                                 "OutputStartIndex": params["Subtitles"].get("OutputStartIndex", 0)}
    try:
        resource = context.store.resources.create(Resource(
            context.account, context.region, JOB.type, name, _arn(context, "transcription-job", name), "QUEUED",
            document))
    except AlreadyExists:
        raise ServiceError("ConflictException", "The requested job name already exists. Use a different job name.") \
            from None
    base_url = context.base_url
    store = context.store

    def work(_stop) -> dict[str, Any]:
        from .run import transcribe_job

        return transcribe_job(store, resource.account, resource.region, name, params,
                              (media_bucket, media_key), (bucket, folder, file), base_url)

    jobs.run(context.platform, JOB, resource, work)
    return {"TranscriptionJob": _job_view(_get(context, JOB.type, name, "job"))}


def _job_view(resource: Resource) -> dict[str, Any]:
    document = dict(resource.document)
    document.pop("OutputLocationType", None)
    return document


def get_transcription_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"TranscriptionJob": _job_view(_get(context, JOB.type, params["TranscriptionJobName"], "job"))}


def delete_transcription_job(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    context.store.resources.delete(_get(context, JOB.type, params["TranscriptionJobName"], "job"))
    return {}


def list_transcription_jobs(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    status, contains = params.get("Status"), (params.get("JobNameContains") or "").lower()
    found = [r for r in context.store.resources.list(JOB.type, context.account, context.region)
             if (not status or r.document["TranscriptionJobStatus"] == status) and contains in r.name.lower()]
    found.sort(key=lambda r: -r.document["CreationTime"])
    fields = ("TranscriptionJobName", "CreationTime", "StartTime", "CompletionTime", "LanguageCode",
              "TranscriptionJobStatus", "FailureReason", "OutputLocationType", "ContentRedaction",
              "IdentifyLanguage", "IdentifyMultipleLanguages", "IdentifiedLanguageScore", "LanguageCodes")
    answer = page_answer(found, params, "TranscriptionJobSummaries", DEFAULT_PAGE, "BadRequestException",
                         lambda r: {f: r.document[f] for f in fields if r.document.get(f) is not None})
    return {**answer, "Status": status} if status else answer


# --- custom vocabularies -------------------------------------------------------------------------------

def _vocabulary_source(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    phrases, uri = params.get("Phrases"), params.get("VocabularyFileUri")
    if (phrases is None) == (uri is None):
        raise _bad("Specify either Phrases or VocabularyFileUri, not both and not neither.")
    if uri:
        s3_location(uri, "VocabularyFileUri")
        return {"VocabularyFileUri": uri}
    return {"Phrases": phrases}


def _start_vocabulary(context: Context, resource: Resource, source: dict[str, Any]) -> None:
    store, base_url = context.store, context.base_url
    bucket = _service_bucket(context)

    def work(_stop) -> dict[str, Any]:
        if "Phrases" in source:
            entries = parse_vocabulary(None, source["Phrases"])
        else:
            entries = parse_vocabulary(read_media(store, *s3_location(source["VocabularyFileUri"],
                                                                      "VocabularyFileUri"), limit=50 * 1024), None)
        key = f"{resource.account}/vocabularies/{resource.name}/{uuid.uuid4()}.txt"
        jobs.write_object(store, f"s3://{bucket}/{key}", vocabulary_table(entries).encode(), "text/plain")
        return {"Entries": entries, "DownloadUri": f"{base_url}/{bucket}/{key}", "FailureReason": None}

    jobs.run(context.platform, VOCABULARY, resource, work)


def _vocabulary_view(resource: Resource, *members: str) -> dict[str, Any]:
    document = resource.document
    fields = ("VocabularyName", "LanguageCode", "VocabularyState", "LastModifiedTime", "FailureReason", *members)
    return {f: document[f] for f in fields if document.get(f) is not None}


def create_vocabulary(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    name, code = params["VocabularyName"], params["LanguageCode"]
    source = _vocabulary_source(context, params)
    if languages.to_whisper(code) is None:
        raise _bad(f"The language code {code} isn't supported by Sextant's speech recognition engine.")
    document = {"VocabularyName": name, "LanguageCode": code, "VocabularyState": "PENDING",
                "LastModifiedTime": time.time(), **({"Tags": params["Tags"]} if params.get("Tags") else {})}
    try:
        resource = context.store.resources.create(Resource(context.account, context.region, VOCABULARY.type, name,
                                                           _arn(context, "vocabulary", name), "PENDING", document))
    except AlreadyExists:
        raise ServiceError("ConflictException", "The requested vocabulary name already exists. "
                                                "Use a different vocabulary name.") from None
    _start_vocabulary(context, resource, source)
    return _vocabulary_view(resource)


def update_vocabulary(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _get(context, VOCABULARY.type, params["VocabularyName"], "vocabulary", "NotFoundException")
    if resource.document["VocabularyState"] == "PENDING":
        raise ServiceError("ConflictException", f"The vocabulary {resource.name} is being processed. "
                                                "Try your request again later.")
    source = _vocabulary_source(context, params)

    def change(document: dict[str, Any]) -> None:
        document.update(LanguageCode=params["LanguageCode"], VocabularyState="PENDING", LastModifiedTime=time.time())
    resource = jobs.update_document(context.store, resource, change, VOCABULARY.status_field)
    _start_vocabulary(context, resource, source)
    return _vocabulary_view(resource)


def get_vocabulary(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _vocabulary_view(_get(context, VOCABULARY.type, params["VocabularyName"], "vocabulary"), "DownloadUri")


def delete_vocabulary(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    context.store.resources.delete(_get(context, VOCABULARY.type, params["VocabularyName"], "vocabulary",
                                        "NotFoundException"))
    return {}


def list_vocabularies(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    state, contains = params.get("StateEquals"), (params.get("NameContains") or "").lower()
    found = [r for r in context.store.resources.list(VOCABULARY.type, context.account, context.region)
             if (not state or r.document["VocabularyState"] == state) and contains in r.name.lower()]
    found.sort(key=lambda r: -r.document["LastModifiedTime"])
    fields = ("VocabularyName", "LanguageCode", "LastModifiedTime", "VocabularyState")
    answer = page_answer(found, params, "Vocabularies", DEFAULT_PAGE, "BadRequestException",
                         lambda r: {f: r.document[f] for f in fields})
    return {**answer, "Status": state} if state else answer


# --- vocabulary filters --------------------------------------------------------------------------------

def _filter_words(context: Context, params: dict[str, Any]) -> list[str]:
    words, uri = params.get("Words"), params.get("VocabularyFilterFileUri")
    if (words is None) == (uri is None):
        raise _bad("Specify either Words or VocabularyFilterFileUri, not both and not neither.")
    if uri:
        try:
            data = read_media(context.store, *s3_location(uri, "VocabularyFilterFileUri"), limit=50 * 1024)
        except jobs.JobFailed as exc:
            raise _bad(f"VocabularyFilterFileUri: {exc}") from None
        return parse_filter(data, None)
    return parse_filter(None, words)


def _store_filter_file(context: Context, name: str, words: list[str]) -> str:
    bucket = _service_bucket(context)
    key = f"{context.account}/vocabulary-filters/{name}/{uuid.uuid4()}.txt"
    jobs.write_object(context.store, f"s3://{bucket}/{key}", ("\n".join(words) + "\n").encode(), "text/plain")
    return _url(context, bucket, key)


def _filter_view(resource: Resource, *members: str) -> dict[str, Any]:
    return {f: resource.document[f] for f in ("VocabularyFilterName", "LanguageCode", "LastModifiedTime", *members)}


def create_vocabulary_filter(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    name, code = params["VocabularyFilterName"], params["LanguageCode"]
    try:
        words = _filter_words(context, params)
    except ValueError as exc:
        raise _bad(str(exc)) from None
    if context.store.resources.get(context.account, context.region, FILTER, name) is not None:
        raise ServiceError("ConflictException", "The requested vocabulary filter name already exists. "
                                                "Use a different vocabulary filter name.")
    document = {"VocabularyFilterName": name, "LanguageCode": code, "LastModifiedTime": time.time(),
                "Words": words, "DownloadUri": _store_filter_file(context, name, words),
                **({"Tags": params["Tags"]} if params.get("Tags") else {})}
    try:
        resource = context.store.resources.create(Resource(context.account, context.region, FILTER, name,
                                                           _arn(context, "vocabulary-filter", name), None, document))
    except AlreadyExists:
        raise ServiceError("ConflictException", "The requested vocabulary filter name already exists. "
                                                "Use a different vocabulary filter name.") from None
    return _filter_view(resource)


def update_vocabulary_filter(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _get(context, FILTER, params["VocabularyFilterName"], "vocabulary filter", "NotFoundException")
    try:
        words = _filter_words(context, params)
    except ValueError as exc:
        raise _bad(str(exc)) from None
    uri = _store_filter_file(context, resource.name, words)

    def change(document: dict[str, Any]) -> None:
        document.update(Words=words, DownloadUri=uri, LastModifiedTime=time.time())
    return _filter_view(jobs.update_document(context.store, resource, change))


def get_vocabulary_filter(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _get(context, FILTER, params["VocabularyFilterName"], "vocabulary filter")
    return _filter_view(resource, "DownloadUri")


def delete_vocabulary_filter(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    context.store.resources.delete(_get(context, FILTER, params["VocabularyFilterName"], "vocabulary filter",
                                        "NotFoundException"))
    return {}


def list_vocabulary_filters(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    contains = (params.get("NameContains") or "").lower()
    found = [r for r in context.store.resources.list(FILTER, context.account, context.region)
             if contains in r.name.lower()]
    found.sort(key=lambda r: -r.document["LastModifiedTime"])
    return page_answer(found, params, "VocabularyFilters", DEFAULT_PAGE, "BadRequestException", _filter_view)


# --- custom language models ----------------------------------------------------------------------------

def create_language_model(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    raise _bad("Custom language models aren't supported by Sextant's local speech recognition engine (Whisper "
               "cannot be retrained from text here); use a custom vocabulary (CreateVocabulary) to bias "
               "recognition towards your terms.")


def list_language_models(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"Models": []}


# --- tags ----------------------------------------------------------------------------------------------

_ARN_TYPES = {"transcription-job": JOB.type, "vocabulary": VOCABULARY.type, "vocabulary-filter": FILTER}


def _tagged(context: Context, arn: str) -> Resource:
    parts = arn.split(":", 5)
    kind, _, name = parts[5].partition("/") if len(parts) == 6 else ("", "", "")
    if len(parts) != 6 or parts[2] != "transcribe" or kind not in _ARN_TYPES or not name:
        raise _bad(f"ResourceArn {arn!r} isn't the ARN of a transcription job, vocabulary or vocabulary filter.")
    resource = context.store.resources.get(parts[4], parts[3], _ARN_TYPES[kind], name)
    if resource is None:
        raise ServiceError("NotFoundException", "We can't find the requested resource. Check that the specified "
                                                "name is correct and try your request again.")
    return resource


def tag_resource(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _tagged(context, params["ResourceArn"])

    def change(document: dict[str, Any]) -> None:
        tags = {tag["Key"]: tag["Value"] for tag in document.get("Tags", [])}
        tags.update({tag["Key"]: tag.get("Value", "") for tag in params["Tags"]})
        if len(tags) > 200:
            raise _bad("A resource can have at most 200 tags.")
        document["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
    jobs.update_document(context.store, resource, change)
    return {}


def untag_resource(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _tagged(context, params["ResourceArn"])
    removed = set(params["TagKeys"])

    def change(document: dict[str, Any]) -> None:
        document["Tags"] = [tag for tag in document.get("Tags", []) if tag["Key"] not in removed]
    jobs.update_document(context.store, resource, change)
    return {}


def list_tags_for_resource(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _tagged(context, params["ResourceArn"])
    return {"ResourceArn": resource.arn, "Tags": resource.document.get("Tags", [])}

"""Amazon Polly: speech synthesis (Piper neural voice, espeak-ng standard voices), lexicons, tasks."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import replace
from typing import Any, Iterator

from ...engines.speech import VOICES, tts
from ...engines.speech.encode import CONTENT_TYPES, StreamEncoder
from ...engines.speech.lexicon import Lexicon, LexiconError, parse_pls
from ...engines.speech.marks import to_json_lines
from ...engines.speech.ssml import SsmlError, parse_ssml, parse_text
from ...engines.speech.voices import LANGUAGES
from ...errors import ServiceError
from ...store import Resource
from ...store.db import AlreadyExists
from .. import jobs
from ..context import Context
from ..paging import page_answer

LEXICON = "polly:lexicon"
TASK = jobs.JobKind(type="polly:synthesis-task", status_field="TaskStatus", running="inProgress",
                    completed="completed", failed="failed", reason_field="TaskStatusReason", end_field=None)

# AWS quotas (Amazon Polly developer guide, "Quotas in Amazon Polly").
MAX_BILLED_CHARACTERS = 3000
MAX_TOTAL_CHARACTERS = 6000
MAX_SPEECH_SECONDS = 600          # SynthesizeSpeech: speech past 10 minutes is cut off
MAX_TASK_BILLED_CHARACTERS = 100_000
MAX_TASK_TOTAL_CHARACTERS = 200_000
MAX_LEXICON_SIZE = 4000           # characters
MAX_LEXICONS = 100
MAX_LEXEME_LENGTH = 100

CONTENT_TYPES = {**CONTENT_TYPES, "json": "application/x-json-stream"}
_EXTENSIONS = {"mp3": "mp3", "ogg_vorbis": "ogg", "ogg_opus": "ogg", "pcm": "pcm", "json": "marks",
               "mulaw": "mulaw", "alaw": "alaw"}
_SAMPLE_RATES = {"pcm": ("8000", "16000"), "mp3": ("8000", "16000", "22050", "24000", "44100", "48000"),
                 "ogg_vorbis": ("8000", "16000", "22050", "24000", "44100", "48000"), "ogg_opus": ("48000",),
                 "mulaw": ("8000",), "alaw": ("8000",), "json": ()}


def _voice(params: dict[str, Any]):
    """The voice, engine and language of a request, checked as Polly checks them."""
    voice = VOICES.get(params["VoiceId"])
    if voice is None:
        raise ServiceError("ValidationException", f"VoiceId {params['VoiceId']} is not available in this region.",
                           reason="fieldValidationFailed")
    engine = params.get("Engine") or "standard"
    if engine not in voice.engines:
        raise ServiceError("EngineNotSupportedException",
                           f"This voice does not support the selected engine: {engine}")
    language = params.get("LanguageCode")
    if language and language != voice.language:
        if language not in voice.additional_languages:
            raise ServiceError("LanguageNotSupportedException",
                               f"LanguageCode {language} is not supported by voice {voice.id}")
        voice = replace(voice, language=language, espeak=voice.espeak_for(language))
    return voice, engine


def _lexicons(context: Context, names: list[str], voice) -> list[Lexicon]:
    found = []
    for name in names:
        resource = context.store.resources.get(context.account, context.region, LEXICON, name)
        if resource is None:
            raise ServiceError("LexiconNotFoundException", f"Lexicon not found: {name}")
        lexicon = parse_pls(resource.document["Content"])
        # A lexicon applies when its language is the voice's ("en" covers every English).
        if voice.language.lower().startswith(lexicon.language.lower()) or \
                lexicon.language.lower().startswith(voice.language.lower()):
            found.append(lexicon)
    return found


def _document(params: dict[str, Any], voice, billed_limit: int, total_limit: int):
    """Parse the text; check the format, sample rate, mark types and length limits."""
    text, text_type = params["Text"], params.get("TextType") or "text"
    output_format = params["OutputFormat"]
    mark_types = params.get("SpeechMarkTypes") or []
    if mark_types and output_format != "json":
        raise ServiceError("MarksNotSupportedForFormatException",
                           f"Speech marks are only available for the json OutputFormat, not {output_format}")
    if output_format == "json" and not mark_types:
        raise ServiceError("ValidationException", "SpeechMarkTypes is required when OutputFormat is json",
                           reason="fieldValidationFailed")
    if "ssml" in mark_types and text_type != "ssml":
        raise ServiceError("SsmlMarksNotSupportedForTextTypeException",
                           "SSML speech marks are not supported for plain text: use TextType ssml")
    rate = params.get("SampleRate")
    if rate is not None and output_format != "json" and rate not in _SAMPLE_RATES[output_format]:
        raise ServiceError("InvalidSampleRateException",
                           f"SampleRate {rate} is not valid for {output_format}: valid values are "
                           f"{', '.join(_SAMPLE_RATES[output_format])}")
    if len(text) > total_limit:
        raise ServiceError("TextLengthExceededException", f"Maximum text length has been exceeded: {len(text)} "
                           f"characters given, at most {total_limit} are accepted")
    try:
        document = parse_ssml(text, voice.language.startswith("en")) if text_type == "ssml" else parse_text(text)
    except SsmlError as exc:
        raise ServiceError("InvalidSsmlException", f"Invalid SSML request: {exc}") from None
    if document.billed_characters > billed_limit:
        raise ServiceError("TextLengthExceededException", f"Maximum text length has been exceeded: "
                           f"{document.billed_characters} billed characters given, at most {billed_limit}")
    return document


def _default_rate(output_format: str, engine: str) -> int:
    """AWS's default SampleRate: pcm 16000, mu-law/a-law 8000, Opus 48000, mp3/Vorbis 24000 for
    neural voices and 22050 for standard ones."""
    fixed = {"pcm": 16000, "mulaw": 8000, "alaw": 8000, "ogg_opus": 48000}
    return fixed.get(output_format) or (24000 if engine == "neural" else 22050)


def _synthesize(document, voice, engine: str, params: dict[str, Any], max_seconds: float | None = None) -> bytes:
    """The whole output: audio in the requested format (encoded as it is made), or the speech marks."""
    if params["OutputFormat"] == "json":
        marks = tts.render(document, voice, engine, keep_audio=False).marks
        if max_seconds is not None:
            marks = [m for m in marks if m["time"] < max_seconds * 1000]
        return to_json_lines(marks, set(params["SpeechMarkTypes"]))
    return b"".join(_audio_stream(document, voice, engine, params, max_seconds))


def _audio_stream(document, voice, engine: str, params: dict[str, Any], max_seconds: float | None = None
                  ) -> Iterator[bytes]:
    """Encoded audio, phrase by phrase as it is synthesized (the first bytes leave early)."""
    output_format = params["OutputFormat"]
    encoder = StreamEncoder(output_format, tts.RATE,
                            int(params.get("SampleRate") or _default_rate(output_format, engine)))
    room = int(max_seconds * tts.RATE) if max_seconds is not None else None
    for audio, _ in tts.stream(document, voice, engine):
        if room is not None:
            audio, room = audio[:room], room - len(audio[:room])
        data = encoder.feed(audio)
        if data:
            yield data
        if room == 0:
            break
    data = encoder.close()
    if data:
        yield data


def synthesize_speech(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    voice, engine = _voice(params)
    document = _document(params, voice, MAX_BILLED_CHARACTERS, MAX_TOTAL_CHARACTERS)
    tts.apply_lexicons(document, _lexicons(context, params.get("LexiconNames") or [], voice))
    if params["OutputFormat"] == "json":
        body: bytes | Iterator[bytes] = _synthesize(document, voice, engine, params, MAX_SPEECH_SECONDS)
    else:
        body = _audio_stream(document, voice, engine, params, MAX_SPEECH_SECONDS)
    return {"AudioStream": body, "ContentType": CONTENT_TYPES[params["OutputFormat"]],
            "RequestCharacters": document.billed_characters}


def describe_voices(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    engine, language = params.get("Engine"), params.get("LanguageCode")
    additional = params.get("IncludeAdditionalLanguageCodes")
    voices = []
    for voice in VOICES.values():
        if engine and engine not in voice.engines:
            continue
        if language and voice.language != language and not (additional and language in voice.additional_languages):
            continue
        entry = {"Gender": voice.gender, "Id": voice.id, "LanguageCode": voice.language,
                 "LanguageName": voice.language_name, "Name": voice.id, "SupportedEngines": voice.engines}
        if voice.additional_languages:
            entry["AdditionalLanguageCodes"] = list(voice.additional_languages)
        voices.append(entry)
    return page_answer(voices, params, "Voices", 100, "InvalidNextTokenException")


# --- lexicons

def _lexicon_attributes(context: Context, name: str, lexicon: Lexicon, content: str, modified: float) -> dict:
    return {"Alphabet": lexicon.alphabet, "LanguageCode": lexicon.language, "LastModified": modified,
            "LexiconArn": f"arn:aws:polly:{context.region}:{context.account}:lexicon/{name}",
            "LexemesCount": len(lexicon.lexemes), "Size": len(content)}


def put_lexicon(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    name, content = params["Name"], params["Content"]
    if not re.fullmatch(r"[0-9A-Za-z]{1,20}", name):
        raise ServiceError("ValidationException", f"Name {name!r} must be 1 to 20 letters or digits",
                           reason="fieldValidationFailed")
    if len(content) > MAX_LEXICON_SIZE:
        raise ServiceError("LexiconSizeExceededException", f"Lexicon {name} is {len(content)} characters: the "
                           f"maximum size of a lexicon is {MAX_LEXICON_SIZE}")
    try:
        lexicon = parse_pls(content)
    except LexiconError as exc:
        code = {"alphabet": "UnsupportedPlsAlphabetException", "language": "UnsupportedPlsLanguageException"}
        raise ServiceError(code.get(exc.kind, "InvalidLexiconException"), f"Lexicon {name}: {exc}") from None
    if lexicon.language not in LANGUAGES and lexicon.language.split("-")[0] not in \
            {code.split("-")[0] for code in LANGUAGES}:
        raise ServiceError("UnsupportedPlsLanguageException", f"Lexicon {name}: language {lexicon.language} is "
                           "not supported")
    for lexeme in lexicon.lexemes:
        for text in [*lexeme.graphemes, lexeme.alias or "", lexeme.phoneme or ""]:
            if len(text) > MAX_LEXEME_LENGTH:
                raise ServiceError("MaxLexemeLengthExceededException", f"Lexicon {name}: {text[:40]!r}… is longer "
                                   f"than {MAX_LEXEME_LENGTH} characters")
    store = context.store.resources
    existing = store.get(context.account, context.region, LEXICON, name)
    document = {"Content": content, "Attributes": _lexicon_attributes(context, name, lexicon, content, time.time())}
    if existing is not None:
        existing.document = document
        store.save(existing)
        return {}
    if len(store.list(LEXICON, context.account, context.region)) >= MAX_LEXICONS:
        raise ServiceError("MaxLexiconsNumberExceededException",
                           f"The maximum number of lexicons ({MAX_LEXICONS}) has been reached")
    try:
        store.create(Resource(context.account, context.region, LEXICON, name,
                              document["Attributes"]["LexiconArn"], document=document))
    except AlreadyExists:   # a concurrent PutLexicon of the same name: the later one wins
        resource = store.get(context.account, context.region, LEXICON, name)
        resource.document = document
        store.save(resource)
    return {}


def _get_lexicon(context: Context, name: str) -> Resource:
    resource = context.store.resources.get(context.account, context.region, LEXICON, name)
    if resource is None:
        raise ServiceError("LexiconNotFoundException", f"Lexicon not found: {name}")
    return resource


def get_lexicon(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    resource = _get_lexicon(context, params["Name"])
    return {"Lexicon": {"Content": resource.document["Content"], "Name": resource.name},
            "LexiconAttributes": resource.document["Attributes"]}


def list_lexicons(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    lexicons = sorted(context.store.resources.list(LEXICON, context.account, context.region), key=lambda r: r.name)
    return page_answer(lexicons, params, "Lexicons", 100, "InvalidNextTokenException",
                       lambda r: {"Name": r.name, "Attributes": r.document["Attributes"]})


def delete_lexicon(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    context.store.resources.delete(_get_lexicon(context, params["Name"]))
    return {}


# --- synthesis tasks

def _task_view(resource: Resource) -> dict[str, Any]:
    return {key: value for key, value in resource.document.items() if not key.startswith("_")}


def start_speech_synthesis_task(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    voice, engine = _voice(params)
    document = _document(params, voice, MAX_TASK_BILLED_CHARACTERS, MAX_TASK_TOTAL_CHARACTERS)
    lexicon_names = params.get("LexiconNames") or []
    tts.apply_lexicons(document, _lexicons(context, lexicon_names, voice))
    bucket = params["OutputS3BucketName"]
    try:
        context.store.objects.bucket(bucket)
    except ServiceError:
        raise ServiceError("InvalidS3BucketException", f"OutputS3BucketName {bucket}: the bucket does not exist") \
            from None
    prefix = params.get("OutputS3KeyPrefix") or ""
    if ".." in prefix.split("/"):
        raise ServiceError("InvalidS3KeyException", f"OutputS3KeyPrefix {prefix!r} is not a valid key prefix")
    if params.get("SnsTopicArn") and not re.fullmatch(r"arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}",
                                                       params["SnsTopicArn"]):
        raise ServiceError("InvalidSnsTopicArnException", f"SnsTopicArn {params['SnsTopicArn']} is not valid")
    task_id = str(uuid.uuid4())
    key = f"{prefix}{task_id}.{_EXTENSIONS[params['OutputFormat']]}"
    output_format = params["OutputFormat"]
    task = {"Engine": engine, "TaskId": task_id, "TaskStatus": "scheduled",
            "OutputUri": f"https://s3.{context.region}.amazonaws.com/{bucket}/{key}",
            "CreationTime": time.time(), "RequestCharacters": document.billed_characters,
            "LexiconNames": lexicon_names, "OutputFormat": output_format,
            "SampleRate": params.get("SampleRate") or (str(_default_rate(output_format, engine))
                                                       if output_format != "json" else None),
            "SpeechMarkTypes": params.get("SpeechMarkTypes") or [], "TextType": params.get("TextType") or "text",
            "VoiceId": voice.id, "LanguageCode": voice.language}
    if params.get("SnsTopicArn"):
        task["SnsTopicArn"] = params["SnsTopicArn"]
    task = {k: v for k, v in task.items() if v is not None}
    resource = context.store.resources.create(Resource(
        context.account, context.region, TASK.type, task_id,
        f"arn:aws:polly:{context.region}:{context.account}:synthesisTask/{task_id}", "scheduled", task))
    store = context.store

    def work(stop_requested) -> dict[str, Any]:
        data = _synthesize(document, voice, engine, params)
        try:
            jobs.write_object(store, f"s3://{bucket}/{key}", data, CONTENT_TYPES[output_format])
        except ServiceError as exc:
            raise jobs.JobFailed(f"could not write s3://{bucket}/{key}: {exc.message}") from None
        return {}

    jobs.run(context.platform, TASK, resource, work)
    return {"SynthesisTask": task}


def _task(context: Context, task_id: str) -> Resource:
    if not re.fullmatch(r"[a-zA-Z0-9_-]{1,100}", task_id):
        raise ServiceError("InvalidTaskIdException", f"TaskId {task_id!r} is not valid")
    resource = context.store.resources.get(context.account, context.region, TASK.type, task_id)
    if resource is None:
        raise ServiceError("SynthesisTaskNotFoundException", f"Synthesis task not found: {task_id}")
    return resource


def get_speech_synthesis_task(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"SynthesisTask": _task_view(_task(context, params["TaskId"]))}


def list_speech_synthesis_tasks(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    status = params.get("Status")
    tasks = [r for r in context.store.resources.list(TASK.type, context.account, context.region)
             if not status or r.document.get("TaskStatus") == status]
    tasks.sort(key=lambda r: (-r.document["CreationTime"], r.name))
    return page_answer(tasks, params, "SynthesisTasks", 100, "InvalidNextTokenException", _task_view)


def on_startup(platform) -> None:
    """Tasks left running by a previous server end failed, saying why."""
    jobs.fail_interrupted(platform, TASK)

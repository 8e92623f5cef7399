"""The work of one transcription job: read and decode the media, recognise, label, write the outputs."""

from __future__ import annotations

import json
from typing import Any

from ...engines.speech import asr, diarize
from ...engines.speech.audio import Audio, MediaError, decode
from ...store import Store
from .. import jobs
from ..jobs import JobFailed
from . import languages, output
from .media import read_media

MAX_CHANNELS = 2  # channel identification handles two channels, as on AWS
SAME_FORMAT = {"m4a": "mp4"}


def _decode(data: bytes, params: dict[str, Any]) -> Audio:
    try:
        audio = decode(data)
    except MediaError as exc:
        raise JobFailed(f"Unsupported media format. {exc} Check that the file is one of FLAC, MP3, MP4, M4A, "
                        "Ogg, WebM, AMR or WAV and isn't damaged.") from None
    declared = params.get("MediaFormat")
    if declared and SAME_FORMAT.get(declared, declared) != SAME_FORMAT.get(audio.format, audio.format):
        raise JobFailed("The media format provided does not match the detected media format. The media format that "
                        f"you specified ({declared}) doesn't match the detected media format ({audio.format}). "
                        "Check the media format and try your request again.")
    rate = params.get("MediaSampleRateHertz")
    if rate and audio.codec != "opus" and rate != audio.sample_rate:  # Opus always decodes at 48 kHz
        raise JobFailed("The sample rate provided does not match the detected sample rate. The sample rate that you "
                        f"specified ({rate} Hz) doesn't match the sample rate of the media file "
                        f"({audio.sample_rate} Hz).")
    if audio.duration > 4 * 3600:
        raise JobFailed("Invalid file duration: the media is longer than 4 hours, the maximum for a batch job.")
    return audio


def _resources(store: Store, account: str, region: str, settings: dict[str, Any]) -> tuple[list, tuple | None]:
    """The vocabulary entries and (filter words, method) a job's settings name (read as the job starts)."""
    from . import FILTER, VOCABULARY

    entries, word_filter = [], None
    if settings.get("VocabularyName"):
        vocabulary = store.resources.get(account, region, VOCABULARY.type, settings["VocabularyName"])
        if vocabulary is None:
            raise JobFailed(f"The vocabulary {settings['VocabularyName']} was deleted before the job ran.")
        entries = vocabulary.document.get("Entries", [])
    if settings.get("VocabularyFilterName"):
        found = store.resources.get(account, region, FILTER, settings["VocabularyFilterName"])
        if found is None:
            raise JobFailed(f"The vocabulary filter {settings['VocabularyFilterName']} was deleted before the job ran.")
        word_filter = (found.document["Words"], settings.get("VocabularyFilterMethod", "mask"))
    return entries, word_filter


def _hotwords(entries: list[dict[str, str]]) -> list[str] | None:
    """The phrases as spoken (DisplayAs only changes how they are written)."""
    return [entry["Phrase"].replace("-", " ") for entry in entries] or None


def transcribe_job(store: Store, account: str, region: str, name: str, params: dict[str, Any],
                   media: tuple[str, str], destination: tuple[str, str, str], base_url: str) -> dict[str, Any]:
    """Run one job; the returned members join its TranscriptionJob document."""
    audio = _decode(read_media(store, *media), params)
    settings = params.get("Settings") or {}
    options = params.get("LanguageOptions") or []
    candidates = [languages.to_whisper(c) for c in options] or None
    fixed = languages.to_whisper(params["LanguageCode"]) if params.get("LanguageCode") else None
    multiple = bool(params.get("IdentifyMultipleLanguages"))

    # language first (identification needs no vocabulary), so per-language settings can apply
    channels = [audio.channels[c] for c in range(audio.channels.shape[0])][:MAX_CHANNELS] \
        if settings.get("ChannelIdentification") else [audio.mono()]
    if settings.get("ChannelIdentification") and audio.channels.shape[0] > MAX_CHANNELS:
        raise JobFailed("Invalid number of channels: number of channels too large. Channel identification supports "
                        f"{MAX_CHANNELS} channels; the media has {audio.channels.shape[0]}.")
    if fixed is None and not asr.speech_chunks(audio.mono()):
        raise JobFailed("Language identification failed: the media doesn't contain enough speech to identify its "
                        "language. Check the file, or set LanguageCode instead.")
    if fixed is None and not multiple:
        scores = asr.language_scores(audio.mono(), candidates)
        fixed = scores[0][0]
    else:
        scores = None
    code = params.get("LanguageCode") or (languages.to_aws(fixed, options) if fixed else None)
    chosen = dict(settings)
    if code and params.get("LanguageIdSettings", {}).get(code):
        chosen.update(params["LanguageIdSettings"][code])
    entries, word_filter = _resources(store, account, region, chosen)
    alternatives = settings.get("MaxAlternatives", 0) if settings.get("ShowAlternatives") else 0

    recognised = [asr.transcribe(samples, language=fixed, candidates=candidates, multiple_languages=multiple,
                                 hotwords=_hotwords(entries), alternatives=alternatives) for samples in channels]
    per_channel = []
    for index, result in enumerate(recognised):
        tokens = []
        for number, segment in enumerate(result.segments):
            language = languages.to_aws(segment.language, options) if multiple else None
            tokens += output.tokens_from_words(segment.words, number,
                                               channel=index if settings.get("ChannelIdentification") else None,
                                               language=language)
        per_channel.append(tokens)
    tokens = output.merge_by_time(per_channel)

    speakers = bool(settings.get("ShowSpeakerLabels"))
    if speakers:
        samples = audio.mono()
        turns = diarize.diarize(samples, asr.speech_chunks(samples, 0.3), settings["MaxSpeakerLabels"])
        _label_speakers(tokens, turns)

    def finish(items: list[output.Token]) -> list[output.Token]:
        if entries:
            items = output.apply_vocabulary(items, entries)
        if word_filter:
            items = output.apply_filter(items, *word_filter)
        return items

    tokens = finish(tokens)
    extra: dict[str, Any] = {}
    language_results: dict[str, Any] = {}
    if multiple:
        spoken: dict[str, float] = {}
        for result in recognised:
            for segment in result.segments:
                aws = languages.to_aws(segment.language, options)
                spoken[aws] = spoken.get(aws, 0.0) + segment.end - segment.start
        extra["LanguageCodes"] = [{"LanguageCode": c, "DurationInSeconds": round(t, 2)} for c, t in spoken.items()]
        main = max(spoken, key=spoken.get) if spoken else languages.to_aws(recognised[0].language, options)
        extra["LanguageCode"] = main
        total = sum(spoken.values()) or 1.0
        language_results = {"language_code": main, "language_identification": [
            {"code": c, "score": str(round(t / total, 4))} for c, t in sorted(spoken.items(), key=lambda p: -p[1])]}
    elif params.get("IdentifyLanguage"):
        extra["LanguageCode"] = code
        extra["IdentifiedLanguageScore"] = round(float(scores[0][1]), 4)
        shown = [(languages.to_aws(c, options), p) for c, p in scores[:max(len(options), 5)]]
        language_results = {"language_code": code, "language_identification": [
            {"code": c, "score": str(round(float(p), 4))} for c, p in shown if c]}
    alternative_segments = None
    if alternatives:
        groups = []
        for index, result in enumerate(recognised):
            for segment, hypotheses in zip(result.segments, result.alternatives):
                groups.append((segment.start, segment.end, [finish(output.tokens_from_words(
                    h.words, 0, channel=index if settings.get("ChannelIdentification") else None))
                    for h in hypotheses]))
        alternative_segments = output.alternative_segments(sorted(groups, key=lambda g: g[0]))

    channel_count = len(channels) if settings.get("ChannelIdentification") else None

    def document(items: list[output.Token]) -> bytes:
        results = output.results(items, speakers, channel_count, language_results, alternative_segments)
        return json.dumps({"jobName": name, "accountId": account, "status": "COMPLETED", "results": results},
                          ensure_ascii=False).encode()

    bucket, folder, file = destination

    def put(file_name: str, data: bytes, content_type: str) -> str:
        jobs.write_object(store, f"s3://{bucket}/{folder}{file_name}", data, content_type)
        return f"{base_url}/{bucket}/{folder}{file_name}"

    transcript: dict[str, str] = {}
    redaction = params.get("ContentRedaction")
    shown_tokens = tokens
    if redaction:
        spoken_language = (extra.get("LanguageCode") or code or "en-US").split("-")[0]
        if spoken_language not in ("en", "es"):
            raise JobFailed(f"Content redaction isn't supported for the identified language {extra.get('LanguageCode')}.")
        wanted = set(redaction.get("PiiEntityTypes") or ["ALL"])
        shown_tokens = output.redact(tokens, lambda text: _detect_pii(text, spoken_language),
                                     None if "ALL" in wanted else wanted)
        transcript["RedactedTranscriptFileUri"] = put(f"redacted-{file}", document(shown_tokens), "application/json")
        if redaction["RedactionOutput"] == "redacted_and_unredacted":
            transcript["TranscriptFileUri"] = put(file, document(tokens), "application/json")
    else:
        transcript["TranscriptFileUri"] = put(file, document(tokens), "application/json")
    extra["Transcript"] = transcript
    if params.get("Subtitles"):
        start_index = params["Subtitles"].get("OutputStartIndex", 0)
        formats = sorted(set(params["Subtitles"]["Formats"]))
        stem = file.removesuffix(".json")
        uris = [put(f"{stem}.{form}", output.subtitles(shown_tokens, form, start_index).encode(),
                    "text/vtt" if form == "vtt" else "application/x-subrip") for form in formats]
        extra["Subtitles"] = {"Formats": formats, "SubtitleFileUris": uris, "OutputStartIndex": start_index}
    extra["MediaFormat"] = params.get("MediaFormat") or audio.format
    extra["MediaSampleRateHertz"] = params.get("MediaSampleRateHertz") or audio.sample_rate
    return extra


def _label_speakers(tokens: list[output.Token], turns: list[tuple[float, float, int]]) -> None:
    speaker = 0
    for token in tokens:
        if token.type == "pronunciation":
            speaker = diarize.speaker_at(turns, token.start, token.end) if turns else 0
        token.speaker = speaker


def _detect_pii(text: str, language: str) -> list[dict[str, Any]]:
    from ...engines.nlp import detect_pii

    return detect_pii(text, language=language)

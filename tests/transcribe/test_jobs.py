"""Amazon Transcribe through boto3: transcription jobs on real speech, in AWS's transcript layout.

All jobs start at once in a module fixture (the server runs them one after another while the tests
wait), so the whole module costs about the audio's recognition time.
"""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import numpy as np
import pytest
from botocore.exceptions import ClientError

from tests.conftest import free_port
from tests.transcribe.speech import PILOT, clip, espeak, media, polly, samples, silence, two_voices, wer

PII_TEXT = "Hello, my name is John Smith and my phone number is 555 123 4567."


def _wait(transcribe, name: str, timeout: float = 240) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        job = transcribe.get_transcription_job(TranscriptionJobName=name)["TranscriptionJob"]
        if job["TranscriptionJobStatus"] in ("COMPLETED", "FAILED"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {name} did not finish in {timeout} s")


def _fetch(url: str):
    with urllib.request.urlopen(url, timeout=10) as response:
        body = response.read()
    return json.loads(body) if url.endswith(".json") else body.decode()


class Run:
    """The jobs of this module, their bucket and their names."""

    def __init__(self, server) -> None:
        self.s3, self.transcribe = server.client("s3"), server.client("transcribe")
        self.bucket = f"t-transcribe-{free_port()}"
        self.s3.create_bucket(Bucket=self.bucket)
        self.prefix = uuid.uuid4().hex[:8]
        self.names: dict[str, str] = {}

    def put(self, key: str, data: bytes) -> str:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
        return f"s3://{self.bucket}/{key}"

    def start(self, label: str, uri: str, **params) -> None:
        name = f"{self.prefix}-{label}"
        params.setdefault("LanguageCode", "en-US")
        params = {key: value for key, value in params.items() if value is not None}
        self.transcribe.start_transcription_job(TranscriptionJobName=name, Media={"MediaFileUri": uri}, **params)
        self.names[label] = name

    def job(self, label: str) -> dict:
        return _wait(self.transcribe, self.names[label])


@pytest.fixture(scope="module")
def run(server) -> Run:
    run = Run(server)
    tr = run.transcribe
    vocabulary, word_filter = f"{run.prefix}-vocab", f"{run.prefix}-filter"
    table = "Phrase\tSoundsLike\tIPA\tDisplayAs\nDilokrit\t\t\t\nPattavee\t\t\t\nSquadron-Leader\t\t\tSqn Ldr\n"
    tr.create_vocabulary(VocabularyName=vocabulary, LanguageCode="en-US",
                         VocabularyFileUri=run.put("vocab.txt", table.encode()))
    tr.create_vocabulary_filter(VocabularyFilterName=word_filter, LanguageCode="en-US", Words=["pilot", "pilots"])

    ogg, _ = clip("en-004")
    english = samples("en-004")
    run.start("en", run.put("en.ogg", ogg), OutputBucketName=run.bucket, OutputKey="out/",
              Subtitles={"Formats": ["srt", "vtt"], "OutputStartIndex": 1})
    for container in ("wav", "flac", "mp3", "webm", "mp4"):
        extra = {"Settings": {"ShowAlternatives": True, "MaxAlternatives": 3}} if container == "flac" else {}
        run.start(f"fmt-{container}", run.put(f"en.{container}", media(english, container)), **extra)
    run.start("lang", run.put("de.ogg", clip("de-004")[0]), LanguageCode=None, IdentifyLanguage=True,
              LanguageOptions=["en-US", "de-DE", "fr-FR"])
    mixed = np.concatenate([english, silence(1.0), samples("fr-004")])
    run.start("multi", run.put("mixed.flac", media(mixed, "flac")), LanguageCode=None,
              IdentifyMultipleLanguages=True, LanguageOptions=["en-US", "fr-FR"])
    dialogue, _ = two_voices()
    run.start("diar", run.put("dialogue.wav", media(dialogue, "wav")),
              Settings={"ShowSpeakerLabels": True, "MaxSpeakerLabels": 4})
    right = np.concatenate([silence(0.5), samples("en-003")])
    left = np.pad(english, (0, len(right) - len(english)))
    run.start("chan", run.put("stereo.wav", media(np.vstack([left, right]), "wav")),
              Settings={"ChannelIdentification": True})
    run.start("pii", run.put("pii.wav", media(espeak(PII_TEXT, "en-us"), "wav")),
              ContentRedaction={"RedactionType": "PII", "RedactionOutput": "redacted_and_unredacted"},
              OutputBucketName=run.bucket)
    run.start("corrupt", run.put("corrupt.mp3", b"ID3" + bytes(range(256)) * 40), MediaFormat="mp3")
    run.start("silent", run.put("silent.wav", media(silence(3.0), "wav")))
    run.start("silent-lang", run.put("silent-lang.wav", media(silence(3.0), "wav")), LanguageCode=None,
              IdentifyLanguage=True)
    run.start("mismatch", run.put("en-mismatch.ogg", ogg), MediaFormat="mp3")
    run.start("rate", run.put("en-rate.wav", media(english, "wav")), MediaSampleRateHertz=8000)
    deadline = time.time() + 30
    while tr.get_vocabulary(VocabularyName=vocabulary)["VocabularyState"] == "PENDING" and time.time() < deadline:
        time.sleep(0.1)
    run.start("vocab", run.put("pilot.wav", media(polly(PILOT), "wav")),
              Settings={"VocabularyName": vocabulary, "VocabularyFilterName": word_filter,
                        "VocabularyFilterMethod": "mask"})
    return run


def test_english_clip_transcript_layout_and_subtitles(run):
    job = run.job("en")
    assert job["TranscriptionJobStatus"] == "COMPLETED", job.get("FailureReason")
    uri = job["Transcript"]["TranscriptFileUri"]
    assert uri.endswith(f"/{run.bucket}/out/{run.names['en']}.json")
    document = _fetch(uri)
    assert document["jobName"] == run.names["en"] and document["status"] == "COMPLETED"
    assert document["accountId"] == "123456789012"
    results = document["results"]
    assert wer(clip("en-004")[1], results["transcripts"][0]["transcript"]) <= 0.2
    items = results["items"]
    assert [item["id"] for item in items] == list(range(len(items)))
    words = [i for i in items if i["type"] == "pronunciation"]
    marks = [i for i in items if i["type"] == "punctuation"]
    assert marks and all("start_time" not in i for i in marks)
    assert all(i["alternatives"][0]["content"] in ".,?!;:" for i in marks)
    starts = [float(i["start_time"]) for i in words]
    assert starts == sorted(starts) and all(float(i["end_time"]) >= float(i["start_time"]) for i in words)
    assert all(0 <= float(i["alternatives"][0]["confidence"]) <= 1 for i in words)
    assert float(words[-1]["end_time"]) <= 4.4
    segments = results["audio_segments"]
    assert sorted(i for s in segments for i in s["items"]) == list(range(len(items)))
    srt, vtt = (_fetch(u) for u in job["Subtitles"]["SubtitleFileUris"])
    assert job["Subtitles"]["Formats"] == ["srt", "vtt"] and job["Subtitles"]["OutputStartIndex"] == 1
    assert srt.startswith("1\n00:00:0") and " --> " in srt and "," in srt.splitlines()[1]
    assert vtt.startswith("WEBVTT\n\n1\n00:00:0") and "." in vtt.splitlines()[3]
    assert wer(clip("en-004")[1], " ".join(l for l in srt.splitlines() if l and "-->" not in l
                                           and not l.isdigit())) <= 0.2
    assert job["MediaFormat"] == "ogg" and job["LanguageCode"] == "en-US"


@pytest.mark.parametrize("container", ["wav", "flac", "mp3", "webm", "mp4"])
def test_media_formats(run, container):
    job = run.job(f"fmt-{container}")
    assert job["TranscriptionJobStatus"] == "COMPLETED", job.get("FailureReason")
    assert job["MediaFormat"] == container
    uri = job["Transcript"]["TranscriptFileUri"]
    assert "/aws-transcribe-us-east-1-prod/" in uri  # the service bucket, served by a plain GET
    results = _fetch(uri)["results"]
    assert wer(clip("en-004")[1], results["transcripts"][0]["transcript"]) <= 0.2
    if container == "flac":
        assert job["Settings"]["ShowAlternatives"] and job["Settings"]["MaxAlternatives"] == 3
        segments = results["segments"]
        assert segments and all(1 <= len(s["alternatives"]) <= 3 for s in segments)
        best = segments[0]["alternatives"][0]
        assert wer(clip("en-004")[1], best["transcript"]) <= 0.25
        assert all("start_time" in i for i in best["items"] if i["type"] == "pronunciation")


def test_identify_language(run):
    job = run.job("lang")
    assert job["TranscriptionJobStatus"] == "COMPLETED", job.get("FailureReason")
    assert job["LanguageCode"] == "de-DE" and job["IdentifyLanguage"]
    assert 0.5 < job["IdentifiedLanguageScore"] <= 1
    results = _fetch(job["Transcript"]["TranscriptFileUri"])["results"]
    assert results["language_code"] == "de-DE"
    assert {entry["code"] for entry in results["language_identification"]} <= {"en-US", "de-DE", "fr-FR"}
    assert wer(clip("de-004")[1], results["transcripts"][0]["transcript"]) <= 0.35


def test_identify_multiple_languages(run):
    job = run.job("multi")
    assert job["TranscriptionJobStatus"] == "COMPLETED", job.get("FailureReason")
    codes = {entry["LanguageCode"]: entry["DurationInSeconds"] for entry in job["LanguageCodes"]}
    assert set(codes) == {"en-US", "fr-FR"} and all(seconds > 2 for seconds in codes.values())
    items = _fetch(job["Transcript"]["TranscriptFileUri"])["results"]["items"]
    words = [i for i in items if i["type"] == "pronunciation"]
    assert words[0]["language_code"] == "en-US" and words[-1]["language_code"] == "fr-FR"


def test_speaker_diarization_separates_two_voices(run):
    job = run.job("diar")
    assert job["TranscriptionJobStatus"] == "COMPLETED", job.get("FailureReason")
    results = _fetch(job["Transcript"]["TranscriptFileUri"])["results"]
    _, truth = two_voices()
    assert results["speaker_labels"]["speakers"] == 2
    words = [i for i in results["items"] if i["type"] == "pronunciation"]
    right = 0
    for word in words:
        middle = (float(word["start_time"]) + float(word["end_time"])) / 2
        speaker = min(truth, key=lambda t: 0 if t[0] <= middle <= t[1] else min(abs(middle - t[0]),
                                                                                   abs(middle - t[1])))[2]
        right += word["speaker_label"] == f"spk_{speaker}"
    assert right / len(words) >= 0.9
    assert [s["speaker_label"] for s in results["speaker_labels"]["segments"]][:2] == ["spk_0", "spk_1"]


def test_channel_identification(run):
    job = run.job("chan")
    assert job["TranscriptionJobStatus"] == "COMPLETED", job.get("FailureReason")
    results = _fetch(job["Transcript"]["TranscriptFileUri"])["results"]
    channels = results["channel_labels"]
    assert channels["number_of_channels"] == 2
    texts = {c["channel_label"]: " ".join(i["alternatives"][0]["content"] for i in c["items"])
             for c in channels["channels"]}
    assert wer(clip("en-004")[1], texts["ch_0"]) <= 0.2
    assert wer(clip("en-003")[1], texts["ch_1"]) <= 0.25
    starts = [float(i["start_time"]) for i in results["items"] if i["type"] == "pronunciation"]
    assert starts == sorted(starts)  # merged by time
    assert {i["channel_label"] for i in results["items"]} == {"ch_0", "ch_1"}


def test_vocabulary_display_and_filter_mask(run):
    job = run.job("vocab")
    assert job["TranscriptionJobStatus"] == "COMPLETED", job.get("FailureReason")
    results = _fetch(job["Transcript"]["TranscriptFileUri"])["results"]
    text = results["transcripts"][0]["transcript"]
    assert "Sqn Ldr Dilokrit Pattavee" in text  # recognition biased to the phrases, shown as DisplayAs
    assert "***" in text and "pilot" not in text.lower()
    masked = [i for i in results["items"] if i["alternatives"][0]["content"] == "***"]
    assert masked and all(i["type"] == "pronunciation" for i in masked)


def test_content_redaction(run):
    job = run.job("pii")
    assert job["TranscriptionJobStatus"] == "COMPLETED", job.get("FailureReason")
    transcript = job["Transcript"]
    assert transcript["RedactedTranscriptFileUri"].endswith(f"/{run.bucket}/redacted-{run.names['pii']}.json")
    redacted = _fetch(transcript["RedactedTranscriptFileUri"])["results"]
    plain = _fetch(transcript["TranscriptFileUri"])["results"]
    assert "Smith" in plain["transcripts"][0]["transcript"]
    text = redacted["transcripts"][0]["transcript"]
    assert "[PII]" in text and "Smith" not in text and "4567" not in text
    pii = [i for i in redacted["items"] if i["alternatives"][0]["content"] == "[PII]"]
    assert {r["type"] for i in pii for r in i["alternatives"][0]["redactions"]} >= {"NAME"}


def test_bad_media_fails_with_a_reason(run):
    corrupt = run.job("corrupt")
    assert corrupt["TranscriptionJobStatus"] == "FAILED"
    assert corrupt["FailureReason"].startswith("Unsupported media format")
    mismatch = run.job("mismatch")
    assert mismatch["TranscriptionJobStatus"] == "FAILED"
    assert "does not match the detected media format" in mismatch["FailureReason"]
    rate = run.job("rate")
    assert rate["TranscriptionJobStatus"] == "FAILED"
    assert "does not match the detected sample rate" in rate["FailureReason"] and "8000" in rate["FailureReason"]


def test_silence_gives_an_empty_transcript(run):
    job = run.job("silent")
    assert job["TranscriptionJobStatus"] == "COMPLETED", job.get("FailureReason")
    results = _fetch(job["Transcript"]["TranscriptFileUri"])["results"]
    assert results["transcripts"] == [{"transcript": ""}] and results["items"] == []
    unidentified = run.job("silent-lang")  # nothing to identify a language from: the job fails, saying why
    assert unidentified["TranscriptionJobStatus"] == "FAILED" and "enough speech" in unidentified["FailureReason"]


def test_request_errors(run):
    tr = run.transcribe

    def code(call, **params) -> str:
        with pytest.raises(ClientError) as caught:
            call(**params)
        return caught.value.response["Error"]["Code"]

    media = {"MediaFileUri": f"s3://{run.bucket}/en.ogg"}
    name = f"{run.prefix}-errors"
    assert code(tr.start_transcription_job, TranscriptionJobName=name, Media=media) == "BadRequestException"
    assert code(tr.start_transcription_job, TranscriptionJobName=name, Media=media, LanguageCode="en-US",
                IdentifyLanguage=True) == "BadRequestException"
    assert code(tr.start_transcription_job, TranscriptionJobName=name, LanguageCode="en-US",
                Media={"MediaFileUri": f"s3://{run.bucket}/missing.wav"}) == "BadRequestException"
    assert code(tr.start_transcription_job, TranscriptionJobName=name, Media=media, LanguageCode="en-US",
                Settings={"VocabularyName": "no-such-vocabulary"}) == "BadRequestException"
    assert code(tr.start_transcription_job, TranscriptionJobName=name, Media=media, LanguageCode="en-US",
                Settings={"ShowSpeakerLabels": True}) == "BadRequestException"
    assert code(tr.start_transcription_job, TranscriptionJobName=run.names["en"], Media=media,
                LanguageCode="en-US") == "ConflictException"
    assert code(tr.get_transcription_job, TranscriptionJobName="no-such-job") == "BadRequestException"
    assert code(tr.create_language_model, LanguageCode="en-US", BaseModelName="WideBand", ModelName="m",
                InputDataConfig={"S3Uri": f"s3://{run.bucket}/text/",
                                 "DataAccessRoleArn": "arn:aws:iam::123456789012:role/r"}) == "BadRequestException"


def test_list_and_delete_jobs(run):
    tr = run.transcribe
    run.job("silent")
    listed = tr.list_transcription_jobs(JobNameContains=run.prefix, MaxResults=100)["TranscriptionJobSummaries"]
    assert set(run.names.values()) <= {s["TranscriptionJobName"] for s in listed}
    failed = tr.list_transcription_jobs(JobNameContains=run.prefix, Status="FAILED", MaxResults=100)
    assert failed["Status"] == "FAILED"
    assert {run.names["corrupt"], run.names["mismatch"]} <= {s["TranscriptionJobName"]
                                                             for s in failed["TranscriptionJobSummaries"]}
    first = tr.list_transcription_jobs(JobNameContains=run.prefix, MaxResults=2)
    assert len(first["TranscriptionJobSummaries"]) == 2 and first["NextToken"]
    second = tr.list_transcription_jobs(JobNameContains=run.prefix, MaxResults=2, NextToken=first["NextToken"])
    assert not {s["TranscriptionJobName"] for s in first["TranscriptionJobSummaries"]} & \
        {s["TranscriptionJobName"] for s in second["TranscriptionJobSummaries"]}
    tr.delete_transcription_job(TranscriptionJobName=run.names["silent"])
    with pytest.raises(ClientError):
        tr.get_transcription_job(TranscriptionJobName=run.names["silent"])

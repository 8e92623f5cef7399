"""Amazon Polly through boto3: synthesis in every format, SSML, lexicons, speech marks, tasks, errors."""

from __future__ import annotations

import io
import json
import time
import uuid

import av
import numpy as np
import pytest
import soundfile
from botocore.exceptions import ClientError

TEXT = "The quick brown fox jumps over the lazy dog. It was not amused."
LEXICON = """<?xml version="1.0" encoding="UTF-8"?>
<lexicon version="1.0" xmlns="http://www.w3.org/2005/01/pronunciation-lexicon" alphabet="ipa" xml:lang="en-US">
  <lexeme><grapheme>W3C</grapheme><alias>World Wide Web Consortium</alias></lexeme>
  <lexeme><grapheme>Sextant</grapheme><phoneme>ˈsɛkstənt</phoneme></lexeme>
</lexicon>"""


@pytest.fixture(scope="module")
def polly(server):
    return server.client("polly")


def _name() -> str:
    return "t" + uuid.uuid4().hex[:12]


def _pcm(polly, **params) -> np.ndarray:
    response = polly.synthesize_speech(OutputFormat="pcm", **{"VoiceId": "Matthew", **params})
    assert response["ContentType"] == "audio/pcm"
    return np.frombuffer(response["AudioStream"].read(), dtype="<i2")


def _error(call, **params) -> str:
    with pytest.raises(ClientError) as caught:
        call(**params)
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] < 500
    return caught.value.response["Error"]["Code"]


@pytest.mark.parametrize("engine", ["neural", "standard"])
def test_every_output_format_decodes_to_the_same_speech(polly, engine):
    pcm = _pcm(polly, Text=TEXT, Engine=engine)
    seconds = len(pcm) / 16000                     # pcm defaults to 16 kHz
    assert 2.5 < seconds < 8.0
    cases = [("mp3", None, "audio/mpeg", 24000 if engine == "neural" else 22050), ("mp3", "8000", "audio/mpeg", 8000),
             ("ogg_vorbis", "44100", "audio/ogg", 44100), ("ogg_opus", None, "audio/ogg", 48000)]
    for output_format, rate, content_type, expected_rate in cases:
        extra = {"SampleRate": rate} if rate else {}
        response = polly.synthesize_speech(Text=TEXT, VoiceId="Matthew", Engine=engine, OutputFormat=output_format,
                                           **extra)
        assert response["ContentType"] == content_type
        assert response["RequestCharacters"] == len(TEXT)
        container = av.open(io.BytesIO(response["AudioStream"].read()))
        frames = list(container.decode(audio=0))
        assert frames[0].sample_rate == expected_rate
        # a streamed MP3 carries no LAME info tag: decoders keep the encoder's delay and padding (2 frames)
        assert sum(f.samples for f in frames) / expected_rate == pytest.approx(seconds, abs=0.25)
    mulaw = polly.synthesize_speech(Text=TEXT, VoiceId="Matthew", Engine=engine, OutputFormat="mulaw")
    assert mulaw["ContentType"] == "audio/mulaw"
    assert len(mulaw["AudioStream"].read()) / 8000 == pytest.approx(seconds, abs=0.01)
    low = _pcm(polly, Text=TEXT, Engine=engine, SampleRate="8000")
    assert len(low) / 8000 == pytest.approx(seconds, abs=0.01)


def test_ssml_changes_the_audio_and_tags_are_not_billed(polly):
    ssml = '<speak>Hello. <break time="2s"/> Goodbye.</speak>'
    response = polly.synthesize_speech(Text=ssml, TextType="ssml", VoiceId="Matthew", Engine="neural",
                                       OutputFormat="pcm")
    assert response["RequestCharacters"] == len("Hello.  Goodbye.")
    paused = np.frombuffer(response["AudioStream"].read(), dtype="<i2")
    plain = _pcm(polly, Text="<speak>Hello. Goodbye.</speak>", TextType="ssml", Engine="neural")
    assert (len(paused) - len(plain)) / 16000 == pytest.approx(2.0, abs=0.05)
    slow = _pcm(polly, Text=f'<speak><prosody rate="x-slow">{TEXT}</prosody></speak>', TextType="ssml",
                Engine="neural")
    normal = _pcm(polly, Text=TEXT, Engine="neural")
    assert len(slow) > 1.4 * len(normal)


def test_describe_voices_reports_what_really_speaks(polly):
    voices = polly.describe_voices()["Voices"]
    by_id = {v["Id"]: v for v in voices}
    assert by_id["Matthew"] == {"Gender": "Male", "Id": "Matthew", "LanguageCode": "en-US",
                                "LanguageName": "US English", "Name": "Matthew",
                                "SupportedEngines": ["neural", "standard"]}
    assert by_id["Joanna"]["Gender"] == "Female" and by_id["Joanna"]["SupportedEngines"] == ["standard"]
    assert [v["Id"] for v in polly.describe_voices(Engine="neural")["Voices"]] == ["Matthew"]
    german = polly.describe_voices(LanguageCode="de-DE")["Voices"]
    assert german and {v["LanguageCode"] for v in german} == {"de-DE"} and {"Male", "Female"} == \
        {v["Gender"] for v in german}
    assert not polly.describe_voices(LanguageCode="hi-IN")["Voices"]
    bilingual = polly.describe_voices(LanguageCode="hi-IN", IncludeAdditionalLanguageCodes=True)["Voices"]
    assert {v["Id"] for v in bilingual} == {"Aditi", "Kajal"}
    hindi = _pcm(polly, Text="नमस्ते दुनिया", VoiceId="Aditi", LanguageCode="hi-IN")
    assert len(hindi) / 16000 > 0.5
    audio = polly.synthesize_speech(Text="Guten Morgen, wie geht es dir?", VoiceId="Vicki", OutputFormat="pcm")
    assert len(audio["AudioStream"].read()) / 32000 > 1.0


def test_lexicons_are_stored_listed_and_applied(polly):
    name = _name()
    polly.put_lexicon(Name=name, Content=LEXICON)
    got = polly.get_lexicon(Name=name)
    assert got["Lexicon"] == {"Content": LEXICON, "Name": name}
    attributes = got["LexiconAttributes"]
    assert attributes["Alphabet"] == "ipa" and attributes["LanguageCode"] == "en-US"
    assert attributes["LexemesCount"] == 2 and attributes["Size"] == len(LEXICON)
    assert attributes["LexiconArn"] == f"arn:aws:polly:us-east-1:123456789012:lexicon/{name}"
    listed = {entry["Name"]: entry for entry in polly.list_lexicons()["Lexicons"]}
    assert listed[name]["Attributes"]["LexemesCount"] == 2
    mapped = _pcm(polly, Text="I work at W3C.", LexiconNames=[name], Engine="neural")
    spoken = _pcm(polly, Text="I work at World Wide Web Consortium.", Engine="neural")
    plain = _pcm(polly, Text="I work at W3C.", Engine="neural")
    assert np.array_equal(mapped, spoken) and len(plain) < len(spoken)
    standard = _pcm(polly, Text="W3C", LexiconNames=[name], VoiceId="Joanna")
    assert len(standard) > len(_pcm(polly, Text="W3C", VoiceId="Joanna"))
    polly.delete_lexicon(Name=name)
    assert _error(polly.get_lexicon, Name=name) == "LexiconNotFoundException"
    assert _error(polly.synthesize_speech, Text="W3C", VoiceId="Matthew", OutputFormat="mp3",
                  LexiconNames=[name]) == "LexiconNotFoundException"


def test_bad_lexicons_are_refused(polly):
    assert _error(polly.put_lexicon, Name=_name(), Content="<lexicon") == "InvalidLexiconException"
    assert _error(polly.put_lexicon, Name=_name(), Content=LEXICON.replace('"ipa"', '"arpabet"')) == \
        "UnsupportedPlsAlphabetException"
    assert _error(polly.put_lexicon, Name=_name(), Content=LEXICON.replace("<alias>World Wide Web Consortium"
                                                                           "</alias>", "")) == \
        "InvalidLexiconException"
    big = LEXICON.replace("</lexicon>", "<!--" + "x" * 4000 + "--></lexicon>")     # AWS: 4,000 characters
    assert _error(polly.put_lexicon, Name=_name(), Content=big) == "LexiconSizeExceededException"
    assert _error(polly.delete_lexicon, Name=_name()) == "LexiconNotFoundException"


def test_speech_marks_match_the_text_and_the_audio(polly):
    ssml = '<speak>Mary had <mark name="middle"/>a little lamb. <s>Its fleece was white.</s></speak>'
    response = polly.synthesize_speech(Text=ssml, TextType="ssml", VoiceId="Matthew", Engine="neural",
                                       OutputFormat="json", SpeechMarkTypes=["sentence", "word", "viseme", "ssml"])
    assert response["ContentType"] == "application/x-json-stream"
    marks = [json.loads(line) for line in response["AudioStream"].read().decode().splitlines()]
    data = ssml.encode()
    words = [m for m in marks if m["type"] == "word"]
    assert [m["value"] for m in words] == ["Mary", "had", "a", "little", "lamb", "Its", "fleece", "was", "white"]
    assert all(data[m["start"]:m["end"]].decode() == m["value"] for m in words)
    assert [m["time"] for m in marks] == sorted(m["time"] for m in marks)
    assert [m["value"] for m in marks if m["type"] == "sentence"] == ["Mary had a little lamb.",
                                                                      "Its fleece was white."]
    mark = next(m for m in marks if m["type"] == "ssml")
    assert data[mark["start"]:mark["end"]] == b'<mark name="middle"/>' and mark["value"] == "middle"
    assert words[1]["time"] < mark["time"] <= words[2]["time"]
    assert {m["value"] for m in marks if m["type"] == "viseme"} <= set("ptSTfkirsu@aeEoO") | {"sil"}
    audio = _pcm(polly, Text=ssml, TextType="ssml", Engine="neural")
    assert words[-1]["time"] < len(audio) / 16 - 100
    assert _error(polly.synthesize_speech, Text="Hi", VoiceId="Matthew", OutputFormat="json",
                  SpeechMarkTypes=["ssml"]) == "SsmlMarksNotSupportedForTextTypeException"
    assert _error(polly.synthesize_speech, Text="Hi", VoiceId="Matthew", OutputFormat="mp3",
                  SpeechMarkTypes=["word"]) == "MarksNotSupportedForFormatException"


def test_errors_name_the_problem(polly):
    call = polly.synthesize_speech
    assert _error(call, Text="<speak>hi<foo/></speak>", TextType="ssml", VoiceId="Matthew",
                  OutputFormat="mp3") == "InvalidSsmlException"
    assert _error(call, Text="<speak>unclosed", TextType="ssml", VoiceId="Matthew",
                  OutputFormat="mp3") == "InvalidSsmlException"
    assert _error(call, Text="Hi", VoiceId="Nobody", OutputFormat="mp3") == "ValidationException"
    assert _error(call, Text="Hi", VoiceId="Joanna", Engine="neural", OutputFormat="mp3") == \
        "EngineNotSupportedException"
    assert _error(call, Text="a " * 1501, VoiceId="Matthew", OutputFormat="mp3") == "TextLengthExceededException"
    assert _error(call, Text="Hi", VoiceId="Matthew", OutputFormat="pcm", SampleRate="22050") == \
        "InvalidSampleRateException"
    assert _error(call, Text="Hi", VoiceId="Matthew", LanguageCode="de-DE", OutputFormat="mp3") == \
        "LanguageNotSupportedException"
    ssml_tags = "<speak>" + "<break time='1ms'/>" * 400 + "ok</speak>"       # > 6000 characters in all
    assert _error(call, Text=ssml_tags, TextType="ssml", VoiceId="Matthew", OutputFormat="mp3") == \
        "TextLengthExceededException"
    # Speech past 10 minutes is cut off, as AWS does: 61 breaks of 10 s.
    long = "<speak>" + "a <break time='10s'/>" * 61 + "</speak>"
    audio = polly.synthesize_speech(Text=long, TextType="ssml", VoiceId="Joanna", OutputFormat="pcm",
                                    SampleRate="8000")["AudioStream"].read()
    assert len(audio) == 600 * 8000 * 2


def test_synthesis_tasks_write_to_s3(polly, s3, bucket):
    started = polly.start_speech_synthesis_task(Text=TEXT, VoiceId="Matthew", Engine="neural",
                                                OutputFormat="mp3", OutputS3BucketName=bucket,
                                                OutputS3KeyPrefix="speech/")["SynthesisTask"]
    marks = polly.start_speech_synthesis_task(Text=TEXT, VoiceId="Joanna", OutputFormat="json",
                                              SpeechMarkTypes=["word"], OutputS3BucketName=bucket)["SynthesisTask"]
    assert started["TaskStatus"] == "scheduled" and started["RequestCharacters"] == len(TEXT)
    key = f"speech/{started['TaskId']}.mp3"
    assert started["OutputUri"] == f"https://s3.us-east-1.amazonaws.com/{bucket}/{key}"
    deadline = time.time() + 60
    while time.time() < deadline:
        tasks = [polly.get_speech_synthesis_task(TaskId=t["TaskId"])["SynthesisTask"] for t in (started, marks)]
        if all(t["TaskStatus"] in ("completed", "failed") for t in tasks):
            break
        time.sleep(0.2)
    assert [t["TaskStatus"] for t in tasks] == ["completed", "completed"]
    audio, rate = soundfile.read(io.BytesIO(s3.get_object(Bucket=bucket, Key=key)["Body"].read()))
    assert rate == 24000 and 2.5 < len(audio) / rate < 8
    lines = s3.get_object(Bucket=bucket, Key=f"{marks['TaskId']}.marks")["Body"].read().decode().splitlines()
    assert [json.loads(line)["value"] for line in lines][:3] == ["The", "quick", "brown"]
    listed = polly.list_speech_synthesis_tasks(Status="completed")["SynthesisTasks"]
    assert {started["TaskId"], marks["TaskId"]} <= {t["TaskId"] for t in listed}
    assert not {t["TaskId"] for t in polly.list_speech_synthesis_tasks(Status="failed")["SynthesisTasks"]} & \
        {started["TaskId"]}
    page = polly.list_speech_synthesis_tasks(MaxResults=1)
    assert len(page["SynthesisTasks"]) == 1 and page["NextToken"]
    assert _error(polly.get_speech_synthesis_task, TaskId=str(uuid.uuid4())) == "SynthesisTaskNotFoundException"
    assert _error(polly.start_speech_synthesis_task, Text="Hi", VoiceId="Matthew", OutputFormat="mp3",
                  OutputS3BucketName="no-such-bucket-" + _name()) == "InvalidS3BucketException"

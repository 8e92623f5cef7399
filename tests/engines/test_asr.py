"""The speech recognition engine on its own: model files, decoding, language scores, voice embeddings."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from sextant.engines.speech import asr, diarize
from sextant.engines.speech.audio import RATE, MediaError, decode, encode
from tests.transcribe.speech import PILOT, espeak, polly, samples


def test_packaged_model_is_joined_and_verified():
    folder = asr.packaged_model()
    assert sorted(p.name for p in folder.iterdir()) == sorted(asr.PINNED)
    digest = hashlib.sha256((folder / "config.json").read_bytes()).hexdigest()
    assert digest == asr.PINNED["config.json"]
    assert (folder / "model.bin").stat().st_size == sum(
        (asr._package_folder(package) / part).stat().st_size for package, part in asr.PARTS)


@pytest.mark.parametrize("container", ["wav", "flac", "mp3", "ogg", "webm", "mp4"])
def test_media_round_trip(container):
    original = samples("en-004")
    audio = decode(encode(original, RATE, container))
    assert audio.format == container
    assert abs(audio.duration - len(original) / RATE) < 0.15
    decoded = audio.mono()[:len(original)]
    if container in ("wav", "flac"):
        assert np.max(np.abs(decoded - original[:len(decoded)])) < 1e-3


def test_stereo_channels_stay_apart():
    left, right = samples("en-004"), np.zeros(len(samples("en-004")), dtype=np.float32)
    audio = decode(encode(np.vstack([left, right]), RATE, "wav"))
    assert audio.channels.shape[0] == 2
    assert np.max(np.abs(audio.channels[0] - left)) < 1e-4 and np.abs(audio.channels[1]).max() == 0


def test_bad_media_raises():
    for data in (b"", b"not audio at all" * 50, encode(samples("en-004"), RATE, "wav")[:40]):
        with pytest.raises(MediaError):
            decode(data)


def test_language_scores_among_candidates():
    scores = asr.language_scores(samples("fr-004"), ["en", "fr", "de"])
    assert scores[0][0] == "fr" and scores[0][1] > 0.8
    assert {code for code, _ in scores} == {"en", "fr", "de"}
    assert abs(sum(p for _, p in scores) - 1) < 1e-6


def test_voice_embeddings_tell_voices_apart():
    first = diarize.embed(espeak("The weather is lovely in the spring and the autumn.", "en-us"))
    again = diarize.embed(espeak("Please send me the report before the meeting tomorrow.", "en-us"))
    other = diarize.embed(espeak("The weather is lovely in the spring and the autumn.", "en-us+f3"))
    assert abs(np.linalg.norm(first) - 1) < 1e-5
    assert float(first @ again) > float(first @ other) + 0.05


def test_hotwords_bias_recognition_towards_phrases():
    speech = polly(PILOT)
    plain = asr.transcribe(speech, language="en")
    assert "Dilokrit" not in plain.text
    biased = asr.transcribe(speech, language="en", hotwords=["Dilokrit", "Pattavee"])
    assert "Dilokrit Pattavee" in biased.text
    words = [w for s in biased.segments for w in s.words]
    assert all(0 <= w.start <= w.end <= len(speech) / RATE + 0.1 and 0 <= w.probability <= 1 for w in words)

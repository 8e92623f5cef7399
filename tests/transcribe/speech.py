"""Speech for the Transcribe tests: FLEURS clips, espeak-ng voices, media files, word error rate."""

from __future__ import annotations

import re
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import numpy as np

from sextant.engines.speech import normalize
from sextant.engines.speech.audio import RATE, decode, encode
from tests.datasets import DATA

FLEURS = DATA / "speech" / "fleurs"


_NUMBER_WORDS = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
                 "sixteen seventeen eighteen nineteen twenty").split()
NUMBERS = {**{word: str(value) for value, word in enumerate(_NUMBER_WORDS)},
           **{word: str(10 * tens) for tens, word in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), 3)}}


TITLES = {"mr": "mister", "mrs": "missus", "dr": "doctor"}


def normalise(text: str) -> list[str]:
    """Words for scoring: lower case, no punctuation, digit separators dropped, number words as digits, and
    what is spoken the same way written one way: units after numbers (km/h), a.m./am, titles, &, +, %."""
    tokens, previous = [], ""
    for token in text.split():
        core = token.strip(".,;:!?\"'()")
        tokens.append(normalize.unit(core, previous) or token)
        previous = core
    text = re.sub(r"\b([ap])\.\s?m\b\.?", r"\1m", " ".join(tokens).lower())
    text = re.sub(r"(?<=\d)[,:.](?=\d)", "", text).replace("%", " percent").replace("&", " and ").replace("+", " plus ")
    text = re.sub(r"(?<=\d)(?=[a-z])(?!(?:st|nd|rd|th)\b)", " ", text)  # 8am → 8 am, not 60th
    words = re.sub(r"[^\w' ]+", " ", text.replace("-", " ")).split()
    return [TITLES.get(word, NUMBERS.get(word, word)) for word in (w.strip("'") for w in words) if word]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level edit distance over the reference length (case and punctuation ignored)."""
    ref, hyp = normalise(reference), normalise(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[len(hyp)] / max(1, len(ref))


def clip(name: str) -> tuple[bytes, str]:
    """(Ogg/Opus bytes, reference transcript) of a FLEURS clip such as "en-004"."""
    return (FLEURS / f"fleurs-{name}.ogg").read_bytes(), (FLEURS / f"fleurs-{name}.txt").read_text().strip()


@lru_cache(maxsize=None)
def samples(name: str) -> np.ndarray:
    return decode(clip(name)[0]).mono()


def espeak(text: str, voice: str) -> np.ndarray:
    """16 kHz samples of espeak-ng speaking `text` with `voice` (e.g. "en-us", "en-us+f3")."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out.wav"
        subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(path), text], check=True)
        return decode(path.read_bytes()).mono()


def polly(text: str, voice: str = "Matthew", engine: str = "neural") -> np.ndarray:
    """16 kHz samples of the Polly engine speaking `text` (Matthew neural is the Piper voice)."""
    from sextant.engines.speech import synthesize

    pcm, rate = synthesize(text, voice, engine)
    return decode(encode(pcm.astype(np.float32) / 32768.0, rate, "wav")).mono()


PILOT = "The pilot was identified as Squadron Leader Dilokrit Pattavee."


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


DIALOGUE = ["Good morning, how can I help you today?", "I would like to book a table for two people.",
            "Certainly, what time would you like to come?", "Around seven in the evening, if possible.",
            "That works, we will see you then."]


@lru_cache(maxsize=None)
def two_voices(first: str = "en-us", second: str = "en-us+f3") -> tuple[np.ndarray, list[tuple[float, float, int]]]:
    """A dialogue alternating two voices, and its true (start, end, speaker) turns."""
    parts, truth, at = [], [], 0.0
    for index, line in enumerate(DIALOGUE):
        voiced = espeak(line, first if index % 2 == 0 else second)
        parts += [voiced, silence(0.4)]
        truth.append((at, at + len(voiced) / RATE, index % 2))
        at += len(voiced) / RATE + 0.4
    return np.concatenate(parts), truth


def media(samples_: np.ndarray, container: str) -> bytes:
    return encode(samples_, RATE, container)

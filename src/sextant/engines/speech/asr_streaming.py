"""Streaming recognition: audio arrives in pieces; partial results while an utterance grows, a final one
when it ends (a pause of `endpoint_silence` seconds, or `max_utterance` seconds of speech).

Each partial re-decodes the open utterance (Whisper has no incremental decoder), at most every
`partial_every` seconds of new audio, so the cost stays bounded by the utterance length.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np

from . import asr
from .audio import RATE

_IDS = uuid.UUID("6f1d1c52-3c1b-4f0e-9d5e-5a4d3b2c1a00")


@dataclass
class StreamResult:
    """One result of a stream: `partial` until its utterance is closed; times are seconds from the start."""

    result_id: str
    start: float
    end: float
    text: str
    words: list[asr.Word]
    language: str
    partial: bool


class StreamingRecognizer:
    """Feed 16 kHz mono float samples with `feed`; call `close` at the end of the stream."""

    def __init__(self, language: str | None = None, candidates: list[str] | None = None,
                 hotwords: list[str] | None = None, model_path: str | None = None, partial_every: float = 2.0,
                 endpoint_silence: float = 0.6, max_utterance: float = 15.0) -> None:
        self.language, self.candidates, self.hotwords = language, candidates, hotwords
        self.model_path = model_path
        self.partial_every, self.endpoint_silence, self.max_utterance = partial_every, endpoint_silence, max_utterance
        self.buffer = np.zeros(0, dtype=np.float32)   # the open utterance (and any silence before it)
        self.offset = 0.0                             # stream time of buffer[0]
        self.pending = 0                              # samples received since the last decode
        self.count = 0                                # utterances closed so far

    def _result(self, samples: np.ndarray, partial: bool) -> StreamResult | None:
        found = asr.transcribe(samples, language=self.language, candidates=self.candidates, hotwords=self.hotwords,
                               model_path=self.model_path)
        self.language = self.language or found.language  # the stream keeps the language it was identified in
        words = [asr.Word(round(w.start + self.offset, 3), round(w.end + self.offset, 3), w.text, w.probability)
                 for segment in found.segments for w in segment.words]
        if not words:
            return None
        return StreamResult(str(uuid.uuid5(_IDS, str(self.count))), words[0].start, words[-1].end, found.text, words,
                            found.language, partial)

    def _close(self, cut: int) -> list[StreamResult]:
        result = self._result(self.buffer[:cut], partial=False)
        self.buffer, self.offset = self.buffer[cut:], self.offset + cut / RATE
        self.count += 1
        return [result] if result else []

    def feed(self, samples: np.ndarray) -> list[StreamResult]:
        """Results that the new audio produces (partial and/or final), possibly none."""
        self.buffer = np.concatenate([self.buffer, np.asarray(samples, dtype=np.float32)])
        self.pending += len(samples)
        if self.pending < self.partial_every * RATE:
            return []
        self.pending = 0
        chunks = asr.speech_chunks(self.buffer, self.endpoint_silence)
        length = len(self.buffer) / RATE
        if not chunks:
            keep = int(self.endpoint_silence * RATE)  # only silence so far: drop all but its tail
            if len(self.buffer) > keep:
                self.offset += (len(self.buffer) - keep) / RATE
                self.buffer = self.buffer[-keep:]
            return []
        if length - chunks[-1][1] >= self.endpoint_silence or chunks[-1][1] - chunks[0][0] >= self.max_utterance:
            return self._close(int(min(length, chunks[-1][1]) * RATE))
        result = self._result(self.buffer, partial=True)
        return [result] if result else []

    def close(self) -> list[StreamResult]:
        """The final result of the open utterance, if it holds speech."""
        if not len(self.buffer) or not asr.speech_chunks(self.buffer):
            return []
        return self._close(len(self.buffer))

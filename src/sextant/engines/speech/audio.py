"""Decoding speech media (FLAC, MP3, MP4/M4A, WAV, OGG Opus/Vorbis, WebM, AMR) to 16 kHz float samples.

PyAV (FFmpeg's libraries, bundled in the `av` wheel) reads the container; every channel is kept
separately so that callers can transcribe channels on their own or mix them down.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

RATE = 16_000

# FFmpeg demuxer names → the media format names AWS uses
_FORMATS = {"mp3": "mp3", "flac": "flac", "wav": "wav", "ogg": "ogg", "amr": "amr", "webm": "webm",
            "matroska": "webm", "mp4": "mp4", "mov": "mp4", "m4a": "m4a"}


class MediaError(ValueError):
    """The media cannot be decoded: corrupt, unsupported, or without an audio stream."""


@dataclass
class Audio:
    """Decoded media: `channels` is (n_channels, n_samples) float32 at 16 kHz."""

    channels: np.ndarray
    format: str             # AWS media format name ("mp3", "wav", …)
    sample_rate: int        # the media's own sample rate
    codec: str

    @property
    def duration(self) -> float:
        return self.channels.shape[1] / RATE

    def mono(self) -> np.ndarray:
        return self.channels.mean(axis=0).astype(np.float32)


def _format_name(container) -> str:
    names = container.format.name.split(",")
    if "webm" in names or "matroska" in names:
        return "webm"
    if "mov" in names or "mp4" in names:
        return "mp4"
    for name in names:
        if name in _FORMATS:
            return _FORMATS[name]
    raise MediaError(f"The media format {container.format.name!r} isn't supported.")


def decode(data: bytes) -> Audio:
    """Decode a media file's audio to 16 kHz float32, one row per channel; MediaError when impossible."""
    import av

    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(f"The media file can't be read ({exc}).") from None
    try:
        with container:
            media_format = _format_name(container)
            streams = container.streams.audio
            if not streams:
                raise MediaError("The media file contains no audio stream.")
            stream = streams[0]
            n_channels = max(1, stream.codec_context.channels or 1)
            rate = stream.codec_context.sample_rate or RATE
            codec = stream.codec_context.name
            resampler = av.AudioResampler(format="fltp", layout=stream.codec_context.layout.name, rate=RATE)
            pieces: list[np.ndarray] = []
            for frame in container.decode(stream):
                frame.pts = None
                for out in resampler.resample(frame):
                    pieces.append(out.to_ndarray().reshape(n_channels, -1))
            for out in resampler.resample(None):
                pieces.append(out.to_ndarray().reshape(n_channels, -1))
    except MediaError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:
        raise MediaError(f"The media file can't be decoded ({exc}).") from None
    channels = np.concatenate(pieces, axis=1).astype(np.float32) if pieces else np.zeros((n_channels, 0), np.float32)
    if channels.shape[1] == 0:
        raise MediaError("The media file contains no audio samples.")
    return Audio(np.clip(channels, -1.0, 1.0), media_format, int(rate), codec)


def encode(samples: np.ndarray, rate: int, container: str, codec: str | None = None) -> bytes:
    """Encode (n_channels, n_samples) or mono float samples into a media file (used to make test media)."""
    import av

    samples = np.atleast_2d(np.asarray(samples, dtype=np.float32))
    codecs = {"wav": "pcm_s16le", "flac": "flac", "mp3": "libmp3lame", "ogg": "libopus", "webm": "libopus",
              "mp4": "aac"}
    codec = codec or codecs[container]
    layout = "mono" if samples.shape[0] == 1 else "stereo"
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container) as output:
        out_rate = 48_000 if codec == "libopus" else rate
        stream = output.add_stream(codec, rate=out_rate, layout=layout)
        resampler = av.AudioResampler(format=stream.codec_context.format.name, layout=layout, rate=out_rate)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(samples), format="fltp", layout=layout)
        frame.sample_rate = rate
        for converted in resampler.resample(frame) + resampler.resample(None):
            for packet in stream.encode(converted):
                output.mux(packet)
        for packet in stream.encode(None):
            output.mux(packet)
    return buffer.getvalue()

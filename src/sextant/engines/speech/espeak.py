"""Debian's espeak-ng library (through ctypes): audio plus word and phoneme events with their times.

espeak-ng keeps synthesis state (pitch flutter phase, echo buffer) from one utterance to the next,
so the same text would not give the same audio twice in one process. Synthesis therefore runs in
a small helper process that initializes the library once and forks a child per request: every
child starts from the same state, so the same request always gives the same audio.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass

import numpy as np

_SYNCHRONOUS = 2
_INIT_PHONEME_EVENTS, _INIT_PHONEME_IPA, _INIT_DONT_EXIT = 0x0001, 0x0002, 0x8000
_CHARS_UTF8, _PHONEMES = 1, 0x100
_POS_CHARACTER = 1
_RATE, _VOLUME, _PITCH = 1, 2, 3
_WORD, _PHONEME = 1, 7


class _Id(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _Id)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass
class EspeakResult:
    """Audio (int16) at `sample_rate`; words as (first character, 1-based; length; start sample);
    phonemes as (IPA, start sample)."""

    audio: np.ndarray
    sample_rate: int
    words: list[tuple[int, int, int]]
    phonemes: list[tuple[str, int]]


class _Library:
    """The library itself (used inside the helper process)."""

    def __init__(self, path: str | None = None) -> None:
        self.lib = ctypes.CDLL(path or ctypes.util.find_library("espeak-ng") or "libespeak-ng.so.1")
        self.lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                          ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.sample_rate = self.lib.espeak_Initialize(
            _SYNCHRONOUS, 200, None, _INIT_PHONEME_EVENTS | _INIT_PHONEME_IPA | _INIT_DONT_EXIT)
        if self.sample_rate <= 0:
            raise RuntimeError("espeak-ng could not be initialized")
        self.chunks: list[bytes] = []
        self.events: list[tuple] = []
        self.callback = _CALLBACK(self._collect)   # kept referenced while the library holds it
        self.lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, wav, count, events) -> int:
        if count > 0:
            self.chunks.append(ctypes.string_at(wav, count * 2))
        index = 0
        while events[index].type != 0:
            event = events[index]
            name = event.id.string.split(b"\0")[0].decode("utf-8", "replace") if event.type == _PHONEME else ""
            self.events.append((event.type, event.text_position, event.length, event.sample, name))
            index += 1
        return 0

    def synthesize(self, request: dict) -> tuple[dict, bytes]:
        if self.lib.espeak_SetVoiceByName(request["voice"].encode()) != 0:
            return {"error": f"espeak-ng has no voice {request['voice']!r}"}, b""
        for parameter, value in ((_RATE, request["rate"]), (_PITCH, request["pitch"]), (_VOLUME, request["volume"])):
            self.lib.espeak_SetParameter(parameter, int(value), 0)
        data = request["text"].encode("utf-8") + b"\0"
        flags = _CHARS_UTF8 | (_PHONEMES if request["phonemes"] else 0)
        self.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, flags, None, None)
        self.lib.espeak_Synchronize()
        audio = b"".join(self.chunks)
        words = [(position, length, sample) for kind, position, length, sample, _ in self.events if kind == _WORD]
        phones = [(name, sample) for kind, _, _, sample, name in self.events if kind == _PHONEME and name]
        return {"sample_rate": self.sample_rate, "words": words, "phonemes": phones, "bytes": len(audio)}, audio


def _serve() -> None:
    """Helper process: one JSON request per line on stdin; a forked child answers each on stdout with a
    JSON line and the raw little-endian int16 audio."""
    library = _Library()
    for line in sys.stdin.buffer:
        pid = os.fork()
        if pid == 0:
            try:
                header, audio = library.synthesize(json.loads(line))
                os.write(1, json.dumps(header).encode() + b"\n")
                view = memoryview(audio)
                while view:
                    view = view[os.write(1, view):]
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        if status != 0:
            os.write(1, json.dumps({"error": f"espeak-ng failed (status {status})"}).encode() + b"\n")


class Espeak:
    """Client of the helper process (started on first use, restarted if it dies); calls are serialized."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None

    def _helper(self) -> subprocess.Popen:
        if self._process is None or self._process.poll() is not None:
            code = f"import runpy; runpy.run_path({__file__!r}, run_name='__espeak_helper__')"
            self._process = subprocess.Popen([sys.executable, "-I", "-c", code], stdin=subprocess.PIPE,
                                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return self._process

    def synthesize(self, text: str, voice: str, rate: int = 175, pitch: int = 50, volume: int = 100,
                   phonemes: bool = False) -> EspeakResult:
        """Speak `text` with an espeak voice name (`en-us+f3`, `de`, …); rate in words per minute,
        pitch 0–100, volume 0–200. With `phonemes`, [[…]] spans are espeak phoneme mnemonics."""
        request = {"text": text, "voice": voice, "rate": rate, "pitch": pitch, "volume": volume,
                   "phonemes": phonemes}
        with self._lock:
            process = self._helper()
            try:
                process.stdin.write(json.dumps(request).encode() + b"\n")
                process.stdin.flush()
                header = json.loads(process.stdout.readline() or b"{}")
                audio = process.stdout.read(header.get("bytes", 0)) if "bytes" in header else b""
            except (OSError, ValueError):
                header, audio = {}, b""
            if "bytes" not in header:
                if "error" not in header:
                    process.kill()
                raise RuntimeError(header.get("error", "the espeak-ng helper process stopped"))
        return EspeakResult(np.frombuffer(audio, dtype="<i2").astype(np.int16), header["sample_rate"],
                            [tuple(w) for w in header["words"]], [tuple(p) for p in header["phonemes"]])

    def close(self) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                self._process.stdin.close()
                self._process.wait(timeout=10)
            self._process = None


_INSTANCE = Espeak()


def espeak() -> Espeak:
    """The process's espeak-ng client."""
    return _INSTANCE


if __name__ == "__espeak_helper__":
    _serve()

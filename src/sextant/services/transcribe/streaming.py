"""StartStreamTranscription in its WebSocket form, as a session object a transport feeds.

AWS's WebSocket endpoint (`/stream-transcription-websocket?language-code=…&media-encoding=…&sample-rate=…`)
carries AWS event-stream messages both ways: the client sends `AudioEvent`s (raw audio in the payload;
an empty one ends the stream), the service answers `TranscriptEvent`s (JSON) with partial and final
results, or an exception message. `StreamSession` does everything but the socket: a transport
(an ASGI WebSocket route) passes each binary message to `receive` and sends back what it returns.
"""

from __future__ import annotations

import binascii
import json
import struct
from typing import Any

import numpy as np

from ...engines.speech.asr_streaming import StreamingRecognizer, StreamResult
from ...engines.speech.audio import RATE, MediaError, decode
from ...errors import ServiceError
from ...store import Store
from . import languages, output

ENCODINGS = ("pcm", "ogg-opus", "flac")


# --- AWS event-stream framing ----------------------------------------------------------------------------

def encode_message(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message: prelude (lengths + CRC), string headers, payload, message CRC."""
    encoded = b"".join(struct.pack(">B", len(name)) + name.encode() + b"\x07" + struct.pack(">H", len(value.encode()))
                       + value.encode() for name, value in headers.items())
    total = 12 + len(encoded) + len(payload) + 4
    prelude = struct.pack(">II", total, len(encoded))
    prelude += struct.pack(">I", binascii.crc32(prelude))
    body = prelude + encoded + payload
    return body + struct.pack(">I", binascii.crc32(body))


def decode_message(data: bytes) -> tuple[dict[str, Any], bytes]:
    """(headers, payload) of one event-stream message; ValueError when the framing or a CRC is wrong."""
    if len(data) < 16:
        raise ValueError("the message is shorter than an event-stream prelude")
    total, header_length, prelude_crc = struct.unpack(">III", data[:12])
    if total != len(data) or binascii.crc32(data[:8]) != prelude_crc:
        raise ValueError("the event-stream prelude is damaged")
    if binascii.crc32(data[:-4]) != struct.unpack(">I", data[-4:])[0]:
        raise ValueError("the event-stream message CRC does not match")
    headers: dict[str, Any] = {}
    at, end = 12, 12 + header_length
    while at < end:
        size = data[at]
        name = data[at + 1:at + 1 + size].decode()
        kind = data[at + 1 + size]
        at += 2 + size
        if kind in (6, 7):  # bytes, string
            length = struct.unpack(">H", data[at:at + 2])[0]
            value = data[at + 2:at + 2 + length]
            headers[name] = value.decode() if kind == 7 else value
            at += 2 + length
        elif kind in (0, 1):
            headers[name] = kind == 0
        else:
            widths = {2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16}
            if kind not in widths:
                raise ValueError(f"unknown event-stream header type {kind}")
            headers[name] = data[at:at + widths[kind]]
            at += widths[kind]
    return headers, data[end:-4]


def event(name: str, body: dict[str, Any]) -> bytes:
    return encode_message({":event-type": name, ":content-type": "application/json", ":message-type": "event"},
                          json.dumps(body).encode())


def exception(code: str, message: str) -> bytes:
    return encode_message({":exception-type": code, ":content-type": "application/json",
                           ":message-type": "exception"}, json.dumps({"Message": message}).encode())


# --- the session -----------------------------------------------------------------------------------------

class StreamSession:
    """One streaming transcription: query parameters of the WebSocket URL in, event-stream messages out."""

    def __init__(self, store: Store, account: str, region: str, query: dict[str, str]) -> None:
        from . import FILTER, VOCABULARY

        code = query.get("language-code")
        identify = query.get("identify-language", "false").lower() == "true"
        options = [c for c in query.get("language-options", "").split(",") if c]
        if bool(code) == identify:
            raise ServiceError("BadRequestException", "Specify either language-code or identify-language.")
        for candidate in [code, *options]:
            if candidate and languages.to_whisper(candidate) is None:
                raise ServiceError("BadRequestException", f"The language code {candidate} isn't supported.")
        self.encoding = query.get("media-encoding", "")
        if self.encoding not in ENCODINGS:
            raise ServiceError("BadRequestException", f"media-encoding must be one of {', '.join(ENCODINGS)}.")
        try:
            self.rate = int(query.get("sample-rate", "0"))
        except ValueError:
            self.rate = 0
        if not 8000 <= self.rate <= 48000:
            raise ServiceError("BadRequestException", "sample-rate must be between 8000 and 48000 hertz.")
        hotwords, self.filter = None, None
        if query.get("vocabulary-name"):
            vocabulary = store.resources.get(account, region, VOCABULARY.type, query["vocabulary-name"])
            if vocabulary is None or vocabulary.document.get("VocabularyState") != "READY":
                raise ServiceError("BadRequestException", f"The vocabulary {query['vocabulary-name']} isn't ready "
                                                          "or doesn't exist.")
            self.entries = vocabulary.document["Entries"]
            hotwords = [e["Phrase"].replace("-", " ") for e in self.entries]
        else:
            self.entries = []
        if query.get("vocabulary-filter-name"):
            found = store.resources.get(account, region, FILTER, query["vocabulary-filter-name"])
            if found is None:
                raise ServiceError("BadRequestException", f"The vocabulary filter {query['vocabulary-filter-name']} "
                                                          "doesn't exist.")
            self.filter = (found.document["Words"], query.get("vocabulary-filter-method", "mask"))
        self.options = options
        self.code = code
        self.recognizer = StreamingRecognizer(languages.to_whisper(code) if code else None,
                                              [languages.to_whisper(c) for c in options] or None, hotwords)
        self.container = b""   # ogg-opus and flac arrive as one growing file
        self.decoded = 0       # samples of the container already handed to the recognizer
        self.closed = False

    def receive(self, message: bytes) -> list[bytes]:
        """The messages to send back for one client message (an exception message ends the session)."""
        if self.closed:
            return []
        try:
            headers, payload = decode_message(message)
        except ValueError as exc:
            self.closed = True
            return [exception("BadRequestException", f"Malformed event-stream message: {exc}")]
        if headers.get(":event-type") != "AudioEvent":
            return []
        try:
            if not payload:
                self.closed = True
                return self._events(self.recognizer.close())
            return self._events(self.recognizer.feed(self._samples(payload)))
        except MediaError as exc:
            self.closed = True
            return [exception("BadRequestException", f"The audio can't be decoded as {self.encoding}: {exc}")]

    def _samples(self, payload: bytes) -> np.ndarray:
        if self.encoding == "pcm":
            pcm = np.frombuffer(payload[:len(payload) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
            if self.rate == RATE:
                return pcm
            positions = np.arange(0, len(pcm), self.rate / RATE)
            return np.interp(positions, np.arange(len(pcm)), pcm).astype(np.float32)
        self.container += payload
        try:
            mono = decode(self.container).mono()
        except MediaError:
            return np.zeros(0, dtype=np.float32)  # not enough of the file yet
        fresh, self.decoded = mono[self.decoded:], len(mono)
        return fresh

    def _events(self, results: list[StreamResult]) -> list[bytes]:
        return [event("TranscriptEvent", {"Transcript": {"Results": [self._result(r)]}}) for r in results]

    def _result(self, result: StreamResult) -> dict[str, Any]:
        tokens = output.tokens_from_words(result.words, 0)
        if self.entries:
            tokens = output.apply_vocabulary(tokens, self.entries)
        if self.filter:
            tokens = output.apply_filter(tokens, *self.filter)
        items = []
        for token in tokens:
            item: dict[str, Any] = {"Content": token.content, "Type": token.type,
                                    "VocabularyFilterMatch": bool(token.flags.get("vocabularyFilterMatch"))}
            if token.type == "pronunciation":
                item.update(StartTime=token.start, EndTime=token.end, Confidence=round(token.confidence, 4))
            else:
                item.update(StartTime=result.end, EndTime=result.end)
            items.append(item)
        body: dict[str, Any] = {"ResultId": result.result_id, "StartTime": result.start, "EndTime": result.end,
                                "IsPartial": result.partial, "ChannelId": "ch_0",
                                "Alternatives": [{"Transcript": output.text_of(tokens), "Items": items}]}
        if not self.code:
            body["LanguageCode"] = languages.to_aws(result.language, self.options)
        return body

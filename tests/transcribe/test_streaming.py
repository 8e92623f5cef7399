"""Streaming transcription (the WebSocket form's session): event-stream messages in, partial and final results out."""

from __future__ import annotations

import json

import numpy as np
import pytest
from botocore.eventstream import EventStreamBuffer

from sextant.errors import ServiceError
from sextant.services.transcribe.streaming import StreamSession, decode_message, encode_message
from tests.transcribe.speech import clip, samples, silence, wer


def _audio_event(pcm: bytes) -> bytes:
    return encode_message({":content-type": "application/octet-stream", ":event-type": "AudioEvent",
                           ":message-type": "event"}, pcm)


def _parsed(messages: list[bytes]) -> list[dict]:
    """Responses parsed by botocore's own event-stream reader (checks our framing and CRCs)."""
    buffer = EventStreamBuffer()
    for message in messages:
        buffer.add_data(message)
    events = []
    for message in buffer:
        assert message.headers[":message-type"] == "event" and message.headers[":event-type"] == "TranscriptEvent"
        events.append(json.loads(message.payload))
    return events


def test_event_stream_round_trip():
    message = _audio_event(b"\x01\x02" * 10)
    headers, payload = decode_message(message)
    assert headers[":event-type"] == "AudioEvent" and payload == b"\x01\x02" * 10
    with pytest.raises(ValueError):
        decode_message(message[:-1] + b"\x00")


def test_streaming_pcm_gives_partial_then_final_results():
    speech = np.concatenate([samples("en-004"), silence(1.0)])
    pcm = (np.clip(speech, -1, 1) * 32767).astype("<i2").tobytes()
    session = StreamSession(None, "123456789012", "us-east-1",
                            {"language-code": "en-US", "media-encoding": "pcm", "sample-rate": "16000"})
    sent: list[bytes] = []
    for start in range(0, len(pcm), 16000):  # half a second per event
        sent += session.receive(_audio_event(pcm[start:start + 16000]))
    sent += session.receive(_audio_event(b""))
    results = [r for e in _parsed(sent) for r in e["Transcript"]["Results"]]
    assert any(r["IsPartial"] for r in results)
    finals = [r for r in results if not r["IsPartial"]]
    assert len(finals) == 1
    assert wer(clip("en-004")[1], finals[0]["Alternatives"][0]["Transcript"]) <= 0.2
    assert {r["ResultId"] for r in results} == {finals[0]["ResultId"]}
    words = [i for i in finals[0]["Alternatives"][0]["Items"] if i["Type"] == "pronunciation"]
    assert words[0]["StartTime"] < words[-1]["EndTime"] <= 4.5


def test_streaming_rejects_bad_parameters_and_frames():
    with pytest.raises(ServiceError) as caught:
        StreamSession(None, "123456789012", "us-east-1", {"language-code": "en-US", "media-encoding": "mp3",
                                                          "sample-rate": "16000"})
    assert caught.value.code == "BadRequestException"
    session = StreamSession(None, "123456789012", "us-east-1",
                            {"language-code": "en-US", "media-encoding": "pcm", "sample-rate": "16000"})
    buffer = EventStreamBuffer()
    buffer.add_data(session.receive(b"garbage that is not an event stream")[0])
    reply = next(iter(buffer))
    assert reply.headers[":message-type"] == "exception"
    assert reply.headers[":exception-type"] == "BadRequestException"


def test_streaming_over_a_websocket(server):
    """The WebSocket form end to end: event-stream audio in over ws://, partial and final TranscriptEvents back."""
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    speech = np.concatenate([samples("en-004"), silence(1.0)])
    pcm = (np.clip(speech, -1, 1) * 32767).astype("<i2").tobytes()
    url = (server.url.replace("http://", "ws://") + "/stream-transcription-websocket"
           "?language-code=en-US&media-encoding=pcm&sample-rate=16000")
    received: list[bytes] = []
    with connect(url, open_timeout=30, max_size=None) as socket:
        for start in range(0, len(pcm), 32000):
            socket.send(_audio_event(pcm[start:start + 32000]))
        socket.send(_audio_event(b""))
        try:
            while True:
                received.append(socket.recv(timeout=120))
        except ConnectionClosed:  # the server closes the socket after the final result
            pass
    results = [r for e in _parsed(received) for r in e["Transcript"]["Results"]]
    finals = [r for r in results if not r["IsPartial"]]
    assert finals and wer(clip("en-004")[1], finals[-1]["Alternatives"][0]["Transcript"]) <= 0.2
    with pytest.raises(InvalidStatus):  # no language: refused before the upgrade
        connect(url.replace("language-code=en-US&", ""), open_timeout=30)

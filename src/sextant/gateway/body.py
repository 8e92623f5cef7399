"""Request bodies read from a worker thread: the ASGI receive channel as a file, and aws-chunked decoding."""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable

from ..errors import ServiceError

Receive = Callable[[], Awaitable[dict[str, Any]]]


class ReceiveStream:
    """A blocking `read()` over an ASGI receive channel, for handlers running in worker threads."""

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop, limit: int) -> None:
        self.receive, self.loop, self.limit = receive, loop, limit
        self.buffer = bytearray()
        self.done = False
        self.total = 0

    def _fill(self) -> None:
        message = asyncio.run_coroutine_threadsafe(self.receive(), self.loop).result()
        if message["type"] == "http.disconnect":
            raise ServiceError("IncompleteBody", "The client closed the connection before sending the whole body")
        chunk = message.get("body", b"")
        self.total += len(chunk)
        if self.total > self.limit:
            raise ServiceError("EntityTooLarge", "Your proposed upload exceeds the maximum allowed size",
                               MaxSizeAllowed=self.limit)
        self.buffer += chunk
        self.done = not message.get("more_body", False)

    def read(self, size: int = -1) -> bytes:
        while not self.done and (size < 0 or len(self.buffer) < size):
            self._fill()
        if size < 0 or size >= len(self.buffer):
            data, self.buffer = bytes(self.buffer), bytearray()
        else:
            data = bytes(self.buffer[:size])
            del self.buffer[:size]
        return data

    def readline(self) -> bytes:
        while b"\n" not in self.buffer and not self.done:
            self._fill()
        end = self.buffer.find(b"\n")
        return self.read(len(self.buffer) if end < 0 else end + 1)


class AwsChunkedReader:
    """Decode an `aws-chunked` body (`<hex size>[;chunk-signature=…]\\r\\n<data>\\r\\n…0\\r\\n<trailers>\\r\\n`).

    Trailing headers (`x-amz-checksum-crc32:…`) are stored in `trailers` once the last chunk is read.
    """

    def __init__(self, raw: Any, trailers: dict[str, str]) -> None:
        self.raw, self.trailers = raw, trailers
        self.remaining = 0
        self.finished = False

    def _malformed(self) -> ServiceError:
        return ServiceError("IncompleteBody", "The aws-chunked request body is malformed")

    def _next_chunk(self) -> None:
        line = self.raw.readline()
        if not line.endswith(b"\n"):
            raise self._malformed()
        try:
            self.remaining = int(line.split(b";", 1)[0].strip(), 16)
        except ValueError:
            raise self._malformed() from None
        if self.remaining == 0:
            self.finished = True
            while (line := self.raw.readline()).strip():
                name, _, value = line.decode("latin-1").partition(":")
                self.trailers[name.strip().lower()] = value.strip()

    def read(self, size: int = -1) -> bytes:
        out = bytearray()
        while not self.finished and (size < 0 or len(out) < size):
            if self.remaining == 0:
                self._next_chunk()
                continue
            want = self.remaining if size < 0 else min(self.remaining, size - len(out))
            data = self.raw.read(want)
            if not data:
                raise self._malformed()
            out += data
            self.remaining -= len(data)
            if self.remaining == 0 and self.raw.read(2) != b"\r\n":
                raise self._malformed()
        return bytes(out)

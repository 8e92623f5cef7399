"""The digests S3 computes over object data: MD5 (ETags) and the flexible checksum algorithms."""

from __future__ import annotations

import base64
import hashlib
import zlib
from typing import Protocol

from awscrt import checksums as crt

ALGORITHMS = ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256")


class Digest(Protocol):
    def update(self, data: bytes) -> None: ...
    def digest(self) -> bytes: ...


class _Crc:
    def __init__(self, function, width: int) -> None:
        self.function, self.width, self.value = function, width, 0

    def update(self, data: bytes) -> None:
        self.value = self.function(data, self.value)

    def digest(self) -> bytes:
        return self.value.to_bytes(self.width, "big")


def new(algorithm: str) -> Digest:
    """A running digest for MD5 or one of S3's checksum algorithms."""
    if algorithm == "CRC32":
        return _Crc(zlib.crc32, 4)
    if algorithm == "CRC32C":
        return _Crc(crt.crc32c, 4)
    if algorithm == "CRC64NVME":
        return _Crc(crt.crc64nvme, 8)
    return hashlib.new({"SHA1": "sha1", "SHA256": "sha256", "MD5": "md5"}[algorithm])


def encode(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def composite(algorithm: str, part_values: list[str]) -> str:
    """S3's COMPOSITE checksum of a multipart object: the checksum of the parts' checksums, `-N`."""
    digest = new(algorithm)
    for value in part_values:
        digest.update(base64.b64decode(value))
    return f"{encode(digest.digest())}-{len(part_values)}"

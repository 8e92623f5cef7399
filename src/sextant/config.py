"""Settings read from the environment (and overridden by `sextant serve` flags)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 4599
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


def _access_keys(spec: str) -> dict[str, tuple[str, str]]:
    """Parse `AKID:SECRET[:ACCOUNT],...` into {access_key: (secret, account)}."""
    keys: dict[str, tuple[str, str]] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        parts = item.split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"SEXTANT_ACCESS_KEYS: expected AKID:SECRET[:ACCOUNT], got {item!r}")
        keys[parts[0]] = (parts[1], parts[2] if len(parts) == 3 else DEFAULT_ACCOUNT)
    return keys


@dataclass
class Settings:
    """Everything the server needs to know about its environment."""

    home: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    database_url: str | None = None
    s3_endpoint: str | None = None
    s3_access_key: str | None = None
    s3_secret_key: str | None = None
    s3_region: str = DEFAULT_REGION
    auth: str = "none"
    access_keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    max_body_bytes: int = 32 * 1024 * 1024

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        auth = env.get("SEXTANT_AUTH", "none").lower()
        if auth not in ("none", "sigv4"):
            raise ValueError(f"SEXTANT_AUTH must be 'none' or 'sigv4', got {auth!r}")
        return cls(
            home=Path(env.get("SEXTANT_HOME", Path.home() / ".sextant")).expanduser(),
            host=env.get("SEXTANT_HOST", DEFAULT_HOST),
            port=int(env.get("SEXTANT_PORT", DEFAULT_PORT)),
            database_url=env.get("SEXTANT_DATABASE_URL") or None,
            s3_endpoint=env.get("SEXTANT_S3_ENDPOINT") or None,
            s3_access_key=env.get("SEXTANT_S3_ACCESS_KEY_ID") or None,
            s3_secret_key=env.get("SEXTANT_S3_SECRET_ACCESS_KEY") or None,
            s3_region=env.get("SEXTANT_S3_REGION", DEFAULT_REGION),
            auth=auth,
            access_keys=_access_keys(env.get("SEXTANT_ACCESS_KEYS", "")),
            max_body_bytes=int(env.get("SEXTANT_MAX_BODY_BYTES", 32 * 1024 * 1024)),
        )

    def account_for(self, access_key: str | None) -> str:
        """The account an access key belongs to: configured, a 12-digit key itself, or the default."""
        if access_key in self.access_keys:
            return self.access_keys[access_key][1]
        if access_key and len(access_key) == 12 and access_key.isdigit():
            return access_key
        return DEFAULT_ACCOUNT

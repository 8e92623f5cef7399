"""Fixtures: a real Sextant server on a free loopback port, and boto3 clients pointed at it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SextantServer:
    """A `sextant serve` subprocess with its own home folder."""

    def __init__(self, home: Path, env: dict[str, str] | None = None) -> None:
        self.home = home
        self.port = free_port()
        self.env = {**os.environ, "SEXTANT_HOME": str(home), "SEXTANT_PORT": str(self.port), **(env or {})}
        self.process: subprocess.Popen | None = None
        self.log = home.parent / f"{home.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "SextantServer":
        self.home.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, "-m", "sextant.cli.main", "serve"], env=self.env,
                                        stdout=subprocess.DEVNULL, stderr=open(self.log, "ab"))
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sextant exited: {self.log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/_sextant/health", timeout=1) as response:
                    if response.status == 200:
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sextant did not start in 30 s")

    def stop(self, kill: bool = False) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill() if kill else self.process.terminate()
            self.process.wait(timeout=30)
        self.process = None

    def restart(self) -> "SextantServer":
        self.stop()
        return self.start()

    def health(self) -> dict:
        with urllib.request.urlopen(f"{self.url}/_sextant/health", timeout=5) as response:
            return json.load(response)

    def client(self, service: str, access_key: str = "AKIDTEST", secret_key: str = "secret", **config):
        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1", aws_access_key_id=access_key,
                            aws_secret_access_key=secret_key,
                            config=Config(retries={"max_attempts": 1}, **config))


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> SextantServer:
    """One server shared by the tests that do not restart it."""
    instance = SextantServer(tmp_path_factory.mktemp("sextant") / "home").start()
    yield instance
    instance.stop()


@pytest.fixture
def make_server(tmp_path):
    """Start servers of a test's own (stopped at the end of the test)."""
    started: list[SextantServer] = []

    def make(env: dict[str, str] | None = None, home: Path | None = None) -> SextantServer:
        instance = SextantServer(home or tmp_path / f"home{len(started)}", env).start()
        started.append(instance)
        return instance

    yield make
    for instance in started:
        instance.stop()


@pytest.fixture
def s3(server):
    return server.client("s3")


@pytest.fixture
def bucket(s3, request) -> str:
    stem = re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:40].strip("-")
    name = f"t-{stem}-{free_port()}"
    s3.create_bucket(Bucket=name)
    return name

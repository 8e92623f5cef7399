"""What the benchmark scripts share: a Sextant server subprocess, free ports, /proc and log readings."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (its own threads; not its children)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_lines(log: Path) -> int:
    try:
        return len(log.read_text(errors="replace").splitlines())
    except OSError:
        return 0


def server_ms(log: Path, skip_lines: int) -> dict[str, list[float]]:
    """Times per operation as the server itself logs them ("ms" of its JSON request lines, status 200/204)."""
    times: dict[str, list[float]] = {}
    try:
        lines = log.read_text(errors="replace").splitlines()[skip_lines:]
    except OSError:
        return {}
    for line in lines:
        try:
            entry = json.loads(line)
            if entry.get("status") in (200, 204):
                times.setdefault(str(entry["operation"]), []).append(float(entry["ms"]))
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
    return times


class Server:
    """A `python -m sextant.cli.main serve` subprocess on a fresh home folder (SEXTANT_* of the shell ignored)."""

    def __init__(self, home: Path, log: Path) -> None:
        self.home, self.log, self.port = home, log, free_port()
        self.process: subprocess.Popen | None = None
        self.spawned_at = 0.0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def command(self) -> list[str]:
        return [sys.executable, "-m", "sextant.cli.main", "serve", "--port", str(self.port), "--home", str(self.home)]

    def spawn(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEXTANT_")}
        self.home.mkdir(parents=True, exist_ok=True)
        self.spawned_at = time.perf_counter()
        self.process = subprocess.Popen(self.command(), env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL,
                                        stderr=open(self.log, "ab"))

    def wait(self, path: str = "/_sextant/health", headers: dict[str, str] | None = None, timeout: float = 30.0,
             poll: float = 0.02) -> float:
        """Poll GET `path` until it answers 200; seconds since spawn."""
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"sextant exited with {self.process.returncode}: "
                                   f"{self.log.read_text(errors='replace')[-2000:]}")
            connection = http.client.HTTPConnection(HOST, self.port, timeout=5)
            try:
                connection.request("GET", path, headers=headers or {})
                response = connection.getresponse()
                response.read()
                if response.status == 200:
                    return time.perf_counter() - self.spawned_at
            except OSError:
                pass
            finally:
                connection.close()
            time.sleep(poll)
        raise RuntimeError(f"sextant did not answer within {timeout} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.process.pid)

    def client(self, service: str):
        import boto3
        from botocore.config import Config

        return boto3.client(service, endpoint_url=self.url, region_name="us-east-1", aws_access_key_id="AKIDBENCH",
                            aws_secret_access_key="secret", config=Config(retries={"max_attempts": 1},
                                                                          read_timeout=300))

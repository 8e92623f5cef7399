"""Endpoints on the local machine: a model-server process per variant instance (one per container of
an inference pipeline), weighted routing between variants, and swaps without failing requests in flight."""

from __future__ import annotations

import http.client
import os
import queue
import random
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

START_TIMEOUT_SECONDS = 120
RETIRE_TIMEOUT_SECONDS = 60
LogSink = Callable[[str, list[tuple[int, str]]], None]  # (stream, [(ms, line)])


class DeploymentError(Exception):
    """A model server could not start; the message is the endpoint's FailureReason."""


@dataclass
class ContainerSpec:
    environment: dict[str, str]  # SEXTANT_*/SAGEMAKER_* variables: what to serve and how
    model_dir: Path


@dataclass
class VariantSpec:
    name: str
    weight: float
    instance_count: int
    containers: list[ContainerSpec]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Server:
    """One model-server process and a pool of keep-alive connections to it."""

    def __init__(self, spec: ContainerSpec, stream: str, sink: LogSink) -> None:
        self.port = _free_port()
        env = {**os.environ, **spec.environment, "SEXTANT_MODEL_DIR": str(spec.model_dir),
               "SEXTANT_SERVE_PORT": str(self.port), "PYTHONUNBUFFERED": "1",
               "SEXTANT_PARENT_PID": str(os.getpid())}
        self.process = subprocess.Popen([sys.executable, "-m", "sextant.containers.serve"], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.output: list[str] = []
        self.connections: queue.LifoQueue[http.client.HTTPConnection] = queue.LifoQueue()
        threading.Thread(target=self._pump, args=(stream, sink), daemon=True).start()

    def _pump(self, stream: str, sink: LogSink) -> None:
        for raw in iter(self.process.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.output = (self.output + [line])[-20:]
            sink(stream, [(int(time.time() * 1000), line)])

    def wait_ready(self, deadline: float) -> None:
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise DeploymentError("The model server exited while starting: " + " | ".join(self.output[-5:]))
            try:
                status, _, _ = self.request("GET", "/ping", b"", {})
                if status == 200:
                    return
            except OSError:
                time.sleep(0.1)
        raise DeploymentError("The model server did not answer /ping in time")

    def request(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, str]:
        try:
            connection, reused = self.connections.get_nowait(), True
        except queue.Empty:
            connection, reused = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60), False
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            connection.close()
            stale = isinstance(error, (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected))
            if reused and stale:  # the server closed an idle pooled connection: nothing was processed
                return self.request(method, path, body, headers)
            raise
        self.connections.put(connection)
        return response.status, data, response.getheader("content-type", "")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


class Instance:
    """One instance of a variant: its containers' servers, invoked in order (an inference pipeline)."""

    def __init__(self, containers: list[ContainerSpec], stream: str, sink: LogSink) -> None:
        self.servers = [_Server(spec, stream, sink) for spec in containers]
        self.in_flight = 0
        self.lock = threading.Lock()

    def invoke(self, body: bytes, content_type: str, accept: str, extra: dict[str, str]) -> tuple[int, bytes, str]:
        with self.lock:
            self.in_flight += 1
        try:
            status, data, produced = 200, body, content_type
            for index, server in enumerate(self.servers):
                last = index == len(self.servers) - 1
                headers = {"Content-Type": produced, **extra}
                if last and accept:
                    headers["Accept"] = accept
                status, data, produced = server.request("POST", "/invocations", data, headers)
                if status != 200:
                    break
            return status, data, produced
        finally:
            with self.lock:
                self.in_flight -= 1

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


@dataclass
class Variant:
    name: str
    weight: float
    instances: list[Instance] = field(default_factory=list)
    turn: int = 0

    def next_instance(self) -> Instance:
        self.turn = (self.turn + 1) % len(self.instances)
        return self.instances[self.turn]


@dataclass
class Deployment:
    """The live routing table of an endpoint."""

    variants: dict[str, Variant]

    def choose(self, target: str | None) -> Variant:
        if target is not None:
            return self.variants[target]
        live = [v for v in self.variants.values() if v.weight > 0] or list(self.variants.values())
        return random.choices(live, weights=[v.weight or 1 for v in live])[0]

    def stop(self) -> None:
        for variant in self.variants.values():
            for instance in variant.instances:
                instance.stop()


class Endpoints:
    """Every running endpoint, by key."""

    def __init__(self) -> None:
        self.live: dict[tuple[str, ...], Deployment] = {}
        self.lock = threading.Lock()

    def deploy(self, variants: list[VariantSpec], stream_prefix: str, sink: LogSink) -> Deployment:
        """Start every instance of every variant and wait for them to answer /ping (blocking)."""
        deployment = Deployment({})
        try:
            for spec in variants:
                variant = Variant(spec.name, spec.weight)
                deployment.variants[spec.name] = variant
                for index in range(spec.instance_count):
                    variant.instances.append(Instance(spec.containers, f"{stream_prefix}{spec.name}/i-{index}", sink))
            deadline = time.time() + START_TIMEOUT_SECONDS
            for variant in deployment.variants.values():
                for instance in variant.instances:
                    for server in instance.servers:
                        server.wait_ready(deadline)
        except BaseException:
            deployment.stop()
            raise
        return deployment

    def install(self, key: tuple[str, ...], deployment: Deployment) -> None:
        """Route `key` to `deployment`; the deployment it replaces is stopped once its requests are done."""
        with self.lock:
            old = self.live.get(key)
            self.live[key] = deployment
        if old is not None:
            threading.Thread(target=self._retire, args=(old,), daemon=True).start()

    @staticmethod
    def _retire(deployment: Deployment) -> None:
        deadline = time.time() + RETIRE_TIMEOUT_SECONDS
        while time.time() < deadline and any(i.in_flight for v in deployment.variants.values() for i in v.instances):
            time.sleep(0.05)
        deployment.stop()

    def get(self, key: tuple[str, ...]) -> Deployment | None:
        with self.lock:
            return self.live.get(key)

    def remove(self, key: tuple[str, ...]) -> None:
        with self.lock:
            deployment = self.live.pop(key, None)
        if deployment is not None:
            self._retire(deployment)

    def stop_all(self) -> None:
        with self.lock:
            deployments, self.live = list(self.live.values()), {}
        for deployment in deployments:
            deployment.stop()

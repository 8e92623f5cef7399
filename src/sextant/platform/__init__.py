"""Jobs and endpoints: the SageMaker container contract (`/opt/ml`), channels, artifacts, model servers."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from ..config import Settings
from ..store import Store
from .serving import Endpoints


class Jobs:
    """Long work (training, transform) running in background threads, by kind and name."""

    def __init__(self) -> None:
        self.running: dict[tuple[str, str], object] = {}
        self.lock = threading.Lock()

    def start(self, kind: str, name: str, run: object, work: Callable[[], None]) -> None:
        """Run `work` in a thread; `run` (with a `stop()` method) is reachable by (kind, name) meanwhile."""
        def target() -> None:
            try:
                work()
            finally:
                with self.lock:
                    self.running.pop((kind, name), None)

        with self.lock:
            self.running[(kind, name)] = run
        threading.Thread(target=target, name=f"{kind}-{name}", daemon=True).start()

    def get(self, kind: str, name: str):
        with self.lock:
            return self.running.get((kind, name))


class Platform:
    """What outlives a request: running jobs and endpoint processes, and where their files live."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.jobs = Jobs()
        self.endpoints = Endpoints()

    def job_folder(self, kind: str, name: str) -> Path:
        return self.settings.home / "jobs" / kind / name

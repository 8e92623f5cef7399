"""A job or model-server process ends with the server that started it (no orphans after a crash)."""

from __future__ import annotations

import os
import signal
import threading
import time


def watch_parent(interval: float = 1.0) -> None:
    """End this process group when the parent process goes away."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.killpg(os.getpgrp(), signal.SIGTERM)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()

"""A job or model-server process ends with the server that started it (no orphans after a crash)."""

from __future__ import annotations

import os
import signal
import threading
import time


def watch_parent(interval: float = 1.0) -> None:
    """End this process group when the parent process goes away — even if it went before this process
    got here (the platform names the parent in SEXTANT_PARENT_PID)."""
    parent = int(os.environ.get("SEXTANT_PARENT_PID") or os.getppid())

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(interval)
        os.killpg(os.getpgrp(), signal.SIGTERM)

    threading.Thread(target=watch, name="lifeline", daemon=True).start()

"""Entry point of a model server process: `GET /ping` and `POST /invocations` (the serving contract).

What answers is a built-in algorithm's `Model`, or the user's `model_fn`/`input_fn`/`predict_fn`/
`output_fn` (script mode).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any, Protocol

from . import algorithms
from .lifeline import watch_parent


class InputError(Exception):
    """The request cannot be served as sent (bad content type or body): answered with a 4xx."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class Handler(Protocol):
    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]: ...


def load_handler(model_dir: Path) -> Handler:
    """The model this server serves, as its environment names it."""
    if os.environ.get("SAGEMAKER_PROGRAM"):
        from .script import ScriptHandler

        return ScriptHandler(
            model_dir,
            Path(os.environ.get("SEXTANT_CODE_DIR", model_dir / "code")),
            os.environ["SAGEMAKER_PROGRAM"],
            os.environ.get("SEXTANT_FRAMEWORK", ""),
        )
    algorithm = os.environ.get("SEXTANT_ALGORITHM")
    if not algorithm:
        raise RuntimeError("the model names neither a built-in algorithm image nor a SAGEMAKER_PROGRAM")
    return algorithms.load(algorithm).Model.load(model_dir)


class ModelServer:
    """ASGI app over one handler; model errors are answered, never crash the process."""

    def __init__(self, handler: Handler, max_concurrency: int = 64) -> None:
        self.handler = handler
        self.limit = asyncio.Semaphore(max_concurrency)

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path == "/ping":
            await _respond(send, 200, b"", "text/plain")
            return
        if path == "/execution-parameters" and method == "GET":
            parameters = {
                "MaxConcurrentTransforms": os.cpu_count() or 1,
                "BatchStrategy": "MULTI_RECORD",
                "MaxPayloadInMB": 6,
            }
            await _respond(send, 200, json.dumps(parameters).encode(), "application/json")
            return
        if path != "/invocations" or method != "POST":
            await _respond(send, 404, b"not found", "text/plain")
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "application/octet-stream")
        accept = headers.get("accept", "") or ""
        try:
            payload, produced = await asyncio.get_running_loop().run_in_executor(
                None, self.handler.invoke, bytes(body), content_type, accept
            )
            await _respond(send, 200, payload, produced)
        except InputError as error:
            await _respond(send, error.status, str(error).encode(), "text/plain")
        except Exception as error:  # noqa: BLE001 - the model's failure is the caller's ModelError
            traceback.print_exc()
            await _respond(send, 500, f"{type(error).__name__}: {error}".encode(), "text/plain")


async def _respond(send, status: int, body: bytes, content_type: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode("latin-1")),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def main() -> int:
    import uvicorn

    watch_parent()
    model_dir = Path(os.environ["SEXTANT_MODEL_DIR"])
    try:
        handler = load_handler(model_dir)
    except Exception:  # noqa: BLE001 - reported on stderr; the platform marks the endpoint Failed
        traceback.print_exc()
        return 1
    uvicorn.run(ModelServer(handler), host="127.0.0.1", port=int(os.environ["SEXTANT_SERVE_PORT"]),
                log_level="warning", access_log=False, loop="uvloop", http="httptools", lifespan="off",
                timeout_keep_alive=3600)  # the platform pools its connections to model servers
    return 0


if __name__ == "__main__":
    sys.exit(main())

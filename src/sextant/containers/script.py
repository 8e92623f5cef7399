"""Script-mode serving: the user's `model_fn`, `input_fn`, `predict_fn`, `output_fn` (or `transform_fn`),
with the framework containers' defaults for the ones a script leaves out."""

from __future__ import annotations

import importlib
import io
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .serve import InputError

NPY = "application/x-npy"


def default_input_fn(body: bytes, content_type: str) -> Any:
    kind = content_type.split(";")[0].strip()
    try:
        if kind == "application/json":
            return np.array(json.loads(body))
        if kind == "text/csv":
            rows = [
                [float(v) for v in line.split(",")] for line in body.decode().splitlines() if line.strip()
            ]
            return np.array(rows)
        if kind == NPY:
            return np.load(io.BytesIO(body), allow_pickle=False)
    except ValueError as exc:
        raise InputError(f"cannot read the {kind} body: {exc}") from None
    raise InputError(
        f"content type {content_type!r} is not supported (application/json, text/csv, {NPY})", 415
    )


def default_output_fn(prediction: Any, accept: str) -> tuple[bytes, str]:
    kind = (accept or "application/json").split(";")[0].strip()
    if kind in ("*/*", ""):
        kind = "application/json"
    array = np.asarray(prediction)
    if kind == "application/json":
        return json.dumps(array.tolist()).encode(), kind
    if kind == "text/csv":
        rows = array.reshape(len(array), -1) if array.ndim else array.reshape(1, 1)
        return "\n".join(",".join(repr(float(v)) for v in row) for row in rows).encode() + b"\n", kind
    if kind == NPY:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return buffer.getvalue(), kind
    raise InputError(f"accept type {accept!r} is not supported (application/json, text/csv, {NPY})", 406)


class ScriptHandler:
    """Serves a model with the user's inference functions."""

    def __init__(self, model_dir: Path, code_dir: Path, program: str, framework: str) -> None:
        sys.path.insert(0, str(code_dir))
        self.module = importlib.import_module(Path(program).stem)
        self.framework = framework
        model_fn = getattr(self.module, "model_fn", None)
        if model_fn is not None:
            self.model = model_fn(str(model_dir))
        elif framework == "xgboost":
            import xgboost

            self.model = xgboost.Booster()
            self.model.load_model(str(model_dir / "xgboost-model"))
        else:
            raise RuntimeError(
                f"{program} defines no model_fn(model_dir): the {framework} container needs one "
                "to load the model"
            )

    def invoke(self, body: bytes, content_type: str, accept: str) -> tuple[bytes, str]:
        module = self.module
        if hasattr(module, "transform_fn"):
            result = module.transform_fn(self.model, body, content_type, accept)
            return _as_response(result, accept)
        data = (
            module.input_fn(body, content_type)
            if hasattr(module, "input_fn")
            else default_input_fn(body, content_type)
        )
        prediction = (
            module.predict_fn(data, self.model)
            if hasattr(module, "predict_fn")
            else self._default_predict(data)
        )
        if hasattr(module, "output_fn"):
            return _as_response(module.output_fn(prediction, accept), accept)
        return default_output_fn(prediction, accept)

    def _default_predict(self, data: Any) -> Any:
        if self.framework == "xgboost":
            import xgboost

            return self.model.predict(xgboost.DMatrix(data))
        return self.model.predict(data)


def _as_response(result: Any, accept: str) -> tuple[bytes, str]:
    """An output_fn/transform_fn result: body, or (body, content type)."""
    if isinstance(result, tuple):
        body, content_type = result
    else:
        body, content_type = result, accept or "application/json"
    return (body.encode() if isinstance(body, str) else bytes(body)), content_type

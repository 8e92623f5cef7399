"""What the built-in algorithms' model servers share: reading requests and writing answers."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

from .. import formats
from ..serve import InputError


def features(body: bytes, content_type: str, width: int) -> Any:
    """The request's feature matrix, checked against the model's number of features."""
    try:
        matrix = formats.read_features(body, content_type or formats.CSV)
    except formats.UnsupportedContentTypeError as exc:
        raise InputError(str(exc), 415) from None
    except ValueError as exc:
        raise InputError(f"Unable to read the request body: {exc}") from None
    if hasattr(matrix, "tocsr") and matrix.shape[1] < width:  # sparse rows need not reach the last feature
        matrix.resize((matrix.shape[0], width))
    if matrix.shape[1] != width:
        raise InputError(f"The model expects {width} features per record; the request has {matrix.shape[1]}")
    return matrix


def answer(rows: Sequence[Mapping[str, Any]], accept: str, keys: Sequence[str],
           default: str = formats.JSON) -> tuple[bytes, str]:
    """Predictions in the Accept type (JSON by default, as the algorithms answer)."""
    media = formats.parse_content_type(accept or default)[0]
    if media in ("*/*", ""):
        media = default
    try:
        return formats.write_predictions(rows, media, keys)
    except formats.UnsupportedContentTypeError as exc:
        raise InputError(str(exc), 406) from None


def quality_metric(channel: str, name: str, value: float, kind: str = "score") -> None:
    """Log a metric the way AWS's algorithms do (their MetricDefinitions match these lines)."""
    print(f"#quality_metric: host=algo-1, {channel} {name} <{kind}>={value}", flush=True)


def metric_regex(channel: str, name: str, kind: str = "score") -> str:
    return rf"#quality_metric: host=\S+, {channel} {name} <{kind}>=(\S+)"

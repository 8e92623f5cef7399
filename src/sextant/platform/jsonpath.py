"""The JSONPath subset SageMaker batch transform filters accept: `$`, `$.key`, `$['a','b']`,
`$[i]`, `$[i,j]`, `$[start:end]`, chained (e.g. `$.features[1:]`)."""

from __future__ import annotations

import re
from typing import Any

_STEP = re.compile(r"""\.(?P<name>[A-Za-z_][\w-]*)|\[(?P<index>[^\]]+)\]""")


def _indices(text: str, size: int) -> list[int] | slice:
    if ":" in text:
        start, _, end = text.partition(":")
        return slice(int(start) if start.strip() else None, int(end) if end.strip() else None)
    return [int(part) for part in text.split(",")]


def select(expression: str, value: Any) -> Any:
    """Apply a filter to a record (a JSON value; CSV records are lists)."""
    expression = expression.strip()
    if not expression.startswith("$"):
        raise ValueError(f"JSONPath {expression!r} must start with '$'")
    position, current = 1, value
    while position < len(expression):
        match = _STEP.match(expression, position)
        if match is None:
            raise ValueError(f"JSONPath {expression!r}: cannot read {expression[position:]!r}")
        position = match.end()
        if match.group("name"):
            current = current[match.group("name")]
            continue
        inside = match.group("index").strip()
        if inside.startswith(("'", '"')):
            keys = [k.strip().strip("'\"") for k in inside.split(",")]
            current = current[keys[0]] if len(keys) == 1 else {k: current[k] for k in keys if k in current}
            continue
        chosen = _indices(inside, len(current))
        if isinstance(chosen, slice):
            current = current[chosen]
        elif len(chosen) == 1:
            current = current[chosen[0]]
        else:
            current = [current[i] for i in chosen]
    return current

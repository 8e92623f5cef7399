"""Constraint checks from the service model: required members, lengths, ranges, enums, patterns.

Messages follow AWS's own wording ("1 validation error detected: Value null at 'roleArn'
failed to satisfy constraint: Member must not be null").
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from botocore.model import Shape


def _member_path(path: str, name: str | int) -> str:
    if isinstance(name, int):
        return f"{path}.{name}.member" if path else str(name)
    name = name[:1].lower() + name[1:]
    return f"{path}.{name}" if path else name


@lru_cache(maxsize=4096)
def _pattern(source: str) -> re.Pattern[str] | None:
    try:
        return re.compile(source)
    except re.error:  # Java-only syntax (\p{...} and the like): AWS checks it, we cannot
        return None


def _show(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 64 else text[:61] + "..."


def constraint_errors(shape: Shape, value: Any, path: str = "") -> list[str]:
    """Every constraint `value` breaks, in AWS's wording."""
    errors: list[str] = []
    _check(shape, value, path, errors)
    return errors


def _check(shape: Shape, value: Any, path: str, errors: list[str]) -> None:
    kind = shape.type_name
    meta = shape.metadata
    if kind == "structure":
        for name in meta.get("required", ()):
            if value.get(name) is None:
                errors.append(f"Value null at '{_member_path(path, name)}' failed to satisfy constraint: "
                              "Member must not be null")
        for name, item in value.items():
            member = shape.members.get(name)
            if member is not None and item is not None and not hasattr(item, "read"):
                _check(member, item, _member_path(path, name), errors)
        return
    where = f"Value '{_show(value)}' at '{path}' failed to satisfy constraint: "
    if kind in ("string", "list", "map", "blob"):
        size = len(value)
        if "min" in meta and size < meta["min"]:
            errors.append(where + f"Member must have length greater than or equal to {meta['min']}")
        if "max" in meta and size > meta["max"]:
            errors.append(where + f"Member must have length less than or equal to {meta['max']}")
    elif kind in ("integer", "long", "float", "double"):
        if "min" in meta and value < meta["min"]:
            errors.append(where + f"Member must have value greater than or equal to {meta['min']}")
        if "max" in meta and value > meta["max"]:
            errors.append(where + f"Member must have value less than or equal to {meta['max']}")
    if kind == "string":
        if shape.enum and value not in shape.enum:
            errors.append(where + f"Member must satisfy enum value set: [{', '.join(shape.enum)}]")
        elif "pattern" in meta:
            pattern = _pattern(meta["pattern"])
            if pattern is not None and pattern.fullmatch(value) is None:
                errors.append(where + f"Member must satisfy regular expression pattern: {meta['pattern']}")
    elif kind == "list":
        for index, item in enumerate(value):
            _check(shape.member, item, _member_path(path, index + 1), errors)
    elif kind == "map":
        for key, item in value.items():
            _check(shape.value, item, f"{path}.{key}", errors)


def validation_message(errors: list[str]) -> str:
    count = len(errors)
    return f"{count} validation error{'s' if count > 1 else ''} detected: " + "; ".join(errors)

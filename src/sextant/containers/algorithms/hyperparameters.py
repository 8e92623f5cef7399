"""Hyperparameter specifications of the built-in algorithms, checked as AWS's containers check them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..environment import UserError


@dataclass(frozen=True)
class Param:
    """One hyperparameter: its kind (int, float, bool, str, choice), range or choices, default."""

    kind: str
    default: Any = None
    low: float = -math.inf
    high: float = math.inf
    choices: tuple[str, ...] = ()
    required: bool = False
    low_open: bool = False  # the range excludes `low`
    auto: bool = False  # "auto" is a valid value (left for the algorithm to choose)

    def parse(self, name: str, raw: str) -> Any:
        text = str(raw).strip().strip('"')
        if self.auto and text == "auto":
            return "auto"
        if self.kind == "str":
            return text
        if self.kind == "choice":
            if text not in self.choices:
                raise UserError(f"Hyperparameter {name}: value {text!r} is not one of {', '.join(self.choices)}")
            return text
        if self.kind == "bool":
            if text.lower() not in ("true", "false", "1", "0"):
                raise UserError(f"Hyperparameter {name}: value {text!r} is not a boolean (true or false)")
            return text.lower() in ("true", "1")
        try:
            value = float(text)
            if self.kind == "int":
                if not value.is_integer():
                    raise ValueError
                value = int(value)
        except ValueError:
            raise UserError(f"Hyperparameter {name}: value {text!r} is not {'an integer' if self.kind == 'int' else 'a number'}") from None
        if value < self.low or value > self.high or (self.low_open and value == self.low):
            left = "(" if self.low_open else "["
            raise UserError(f"Hyperparameter {name}: value {text} is out of range {left}{self.low}, {self.high}]")
        return value


def parse(spec: dict[str, Param], raw: dict[str, str], algorithm: str) -> dict[str, Any]:
    """Typed hyperparameters with defaults; UserError for a missing, unknown or out-of-range one."""
    values: dict[str, Any] = {}
    given = {k: v for k, v in raw.items() if not k.startswith(("sagemaker_", "_"))}
    unknown = sorted(set(given) - set(spec))
    if unknown:
        raise UserError(f"Additional hyperparameters are not allowed for {algorithm} ({', '.join(unknown)} "
                        "were unexpected)")
    for name, param in spec.items():
        if name in given:
            values[name] = param.parse(name, given[name])
        elif param.required:
            raise UserError(f"Missing required hyperparameter: {name} ({algorithm})")
        else:
            values[name] = param.default
    return values

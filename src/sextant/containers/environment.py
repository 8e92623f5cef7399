"""The SageMaker training contract as seen from inside a job: `/opt/ml` (rooted at SEXTANT_OPT_ML)."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any


class UserError(Exception):
    """A problem with the job's inputs (hyperparameters, data): the FailureReason starts `ClientError:`."""


@dataclass
class TrainingEnvironment:
    root: Path

    @classmethod
    def from_env(cls) -> "TrainingEnvironment":
        return cls(Path(os.environ.get("SEXTANT_OPT_ML", "/opt/ml")))

    @cached_property
    def hyperparameters(self) -> dict[str, str]:
        return json.loads((self.root / "input/config/hyperparameters.json").read_text())

    @cached_property
    def channels(self) -> dict[str, dict[str, Any]]:
        """inputdataconfig.json: channel name → ContentType, TrainingInputMode, …"""
        return json.loads((self.root / "input/config/inputdataconfig.json").read_text())

    def channel_dir(self, name: str) -> Path:
        return self.root / "input" / "data" / name

    def channel_files(self, name: str) -> list[Path]:
        """The files of a File-mode channel, in name order."""
        return sorted(p for p in self.channel_dir(name).rglob("*") if p.is_file())

    def pipe(self, name: str, epoch: int) -> Path:
        return self.root / "input" / "data" / f"{name}_{epoch}"

    @property
    def model_dir(self) -> Path:
        return self.root / "model"

    @property
    def output_data_dir(self) -> Path:
        return self.root / "output" / "data"

    @property
    def checkpoint_dir(self) -> Path:
        return self.root / "checkpoints"

    def fail(self, reason: str) -> None:
        """Write /opt/ml/output/failure, which becomes the job's FailureReason."""
        failure = self.root / "output" / "failure"
        failure.parent.mkdir(parents=True, exist_ok=True)
        failure.write_text(reason[:1024])

"""The catalogue: one YAML file per service, feature or algorithm (`catalog/<id>.yaml`), validated by
`catalog/schema.json`; whether Sextant implements an entry is read from the running code."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from botocore import xform_name

FOLDER = Path(__file__).parent / "catalog"


@dataclass(frozen=True)
class Entry:
    id: str
    name: str
    kind: str  # service | feature | algorithm
    data: dict[str, Any]

    def get(self, field: str, default: Any = None) -> Any:
        return self.data.get(field, default)

    @cached_property
    def implemented(self) -> bool:
        """Whether this Sextant serves it: the algorithm registry or the service's handler functions."""
        return implemented(self.data.get("implementation", {"type": "none"}))


def implemented(implementation: dict[str, Any]) -> bool:
    kind = implementation.get("type")
    if kind == "algorithm":
        from ..containers import algorithms

        return implementation.get("key") in algorithms.MODULES
    if kind == "service":
        module = _service_module(implementation.get("key", ""))
        if module is None:
            return False
        operations = implementation.get("operations") or []
        if not operations:
            return any(callable(getattr(module, name, None)) and not name.startswith("_") for name in
                       getattr(module, "__all__", dir(module)))
        return all(callable(getattr(module, xform_name(operation), None)) for operation in operations)
    return False


@lru_cache(maxsize=None)
def _service_module(service: str):
    try:
        return importlib.import_module(f"sextant.services.{service.replace('-', '_')}")
    except ModuleNotFoundError:
        return None


class Catalog:
    """Every entry, by id, in the order of `index.yaml`."""

    def __init__(self, folder: Path = FOLDER) -> None:
        validator = jsonschema.Draft202012Validator(json.loads((folder / "schema.json").read_text()))
        index = _read(folder / "index.yaml")["entries"]
        self.entries: dict[str, Entry] = {}
        for item in index:
            data = _read(folder / f"{item['id']}.yaml")
            try:
                validator.validate(data)
            except jsonschema.ValidationError as exc:
                raise ValueError(f"catalog/{item['id']}.yaml: {exc.message} at {list(exc.absolute_path)}") from None
            self.entries[item["id"]] = Entry(item["id"], data["name"], data["kind"], data)
        self.headings = _read(folder / "headings.yaml")

    def __getitem__(self, entry_id: str) -> Entry:
        return self.entries[entry_id]

    def find(self, name: str) -> Entry | None:
        """An entry by id, name or alias (case-insensitive)."""
        wanted = name.strip().lower()
        for entry in self.entries.values():
            names = [entry.id, entry.name, *entry.get("aliases", [])]
            if wanted in (n.lower() for n in names):
                return entry
        return None


def _read(path: Path) -> Any:
    """A YAML file, parsed by libyaml when PyYAML has it (ten times faster on the catalogue)."""
    return yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@lru_cache(maxsize=1)
def load() -> Catalog:
    return Catalog()

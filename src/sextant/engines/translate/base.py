"""The translator interface and the registry that picks a backend for a language pair."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from typing import Iterable


class UnsupportedPair(ValueError):
    """No backend translates from `source` to `target`."""

    def __init__(self, source: str, target: str) -> None:
        super().__init__(f"no translator for {source} to {target}")
        self.source, self.target = source, target


class Translator(ABC):
    """A machine-translation backend: a set of (source, target) pairs it translates.

    Inputs are plain-text segments without newlines (the caller splits lines); `formality` is
    "FORMAL", "INFORMAL" or None, honoured only for targets in `formality_targets()`.
    """

    name = "translator"

    @abstractmethod
    def pairs(self) -> set[tuple[str, str]]:
        """The (source, target) language codes this backend translates."""

    @abstractmethod
    def translate(self, texts: list[str], source: str, target: str, formality: str | None = None) -> list[str]:
        """One translation per input segment, in order."""

    def translate_html(self, html: str, source: str, target: str, formality: str | None = None) -> str:
        """An HTML document translated with its markup kept (default: translate the text between tags)."""
        from .markup import translate_html

        return translate_html(self, html, source, target, formality)

    def formality_targets(self) -> set[str]:
        """Target languages whose FORMAL/INFORMAL register this backend really controls."""
        return set()


class Registry:
    """Backends in priority order: the first that has a pair translates it."""

    def __init__(self, backends: Iterable[Translator] = ()) -> None:
        self._backends = list(backends)
        self._lock = threading.Lock()

    def add(self, backend: Translator, first: bool = True) -> None:
        """Register a backend; `first` puts it ahead of those already there."""
        with self._lock:
            if first:
                self._backends.insert(0, backend)
            else:
                self._backends.append(backend)

    def backends(self) -> list[Translator]:
        return list(self._backends)

    def pairs(self) -> set[tuple[str, str]]:
        """Every pair some backend translates."""
        found: set[tuple[str, str]] = set()
        for backend in self._backends:
            found |= backend.pairs()
        return found

    def languages(self) -> list[str]:
        """Every language code that appears in a pair, sorted."""
        return sorted({code for pair in self.pairs() for code in pair})

    def translator_for(self, source: str, target: str) -> Translator:
        """The backend for a pair; UnsupportedPair when there is none."""
        for backend in self._backends:
            if (source, target) in backend.pairs():
                return backend
        raise UnsupportedPair(source, target)

"""HTML for backends that only translate plain text: translate the text between tags, keep the tags."""

from __future__ import annotations

import html as htmllib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .base import Translator

_PARTS = re.compile(r"(<!--.*?-->|<script\b.*?</script\s*>|<style\b.*?</style\s*>|<[^>]*>)", re.S | re.I)


def translate_html(translator: "Translator", document: str, source: str, target: str,
                   formality: str | None = None) -> str:
    """`document` with every text run between tags translated; tags, comments, scripts and styles kept."""
    parts = _PARTS.split(document)
    slots: list[tuple[int, str, str, str]] = []  # (index, leading space, text, trailing space)
    for index in range(0, len(parts), 2):  # even indexes are text, odd ones markup
        text = htmllib.unescape(parts[index])
        if text.strip():
            core = text.strip()
            start = text.index(core)
            slots.append((index, text[:start], " ".join(core.split()), text[start + len(core):]))
    translated = translator.translate([slot[2] for slot in slots], source, target, formality) if slots else []
    for (index, lead, _, trail), text in zip(slots, translated):
        parts[index] = lead + htmllib.escape(text, quote=False) + trail
    return "".join(parts)

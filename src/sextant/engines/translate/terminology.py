"""Custom terminologies: CSV / TSV / TMX files, and the terms they force into a translation.

Source terms match whole words regardless of case, longest first; the target term's case follows
the matched text (all lower → as written, ALL UPPER → upper, Title Case → each word capitalised).
The engine swaps each match for a placeholder the translator passes through untouched, then puts
the target term where the placeholder comes out, so every matched term appears as specified.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field

LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
PLACEHOLDER = "QZX{}XQZ"
_PLACEHOLDER = re.compile(r"QZX(\d+)XQZ", re.I)


class TerminologyError(ValueError):
    """The terminology file is malformed; the message says where."""


@dataclass
class Terminology:
    """Parsed entries: each maps language code → term (a language may be missing in an entry)."""

    languages: list[str]                 # the source language first
    entries: list[dict[str, str]]
    directionality: str = "UNI"
    skipped: int = 0

    @property
    def source_language(self) -> str:
        return self.languages[0]

    @property
    def target_languages(self) -> list[str]:
        return self.languages[1:]

    def terms(self, source: str, target: str) -> list[tuple[str, str]]:
        """(source term, target term) for a translation direction; empty when the file does not cover it."""
        sources = self.languages if self.directionality == "MULTI" else self.languages[:1]
        if source not in sources or target not in self.languages or source == target:
            return []
        return [(e[source], e[target]) for e in self.entries if e.get(source) and e.get(target)]

    def to_file(self, fmt: str) -> bytes:
        """The entries written as CSV, TSV or TMX."""
        if fmt == "TMX":
            root = ElementTree.Element("tmx", version="1.4")
            ElementTree.SubElement(root, "header", creationtool="Sextant", creationtoolversion="1",
                                   datatype="PlainText", segtype="sentence", adminlang="en",
                                   srclang=self.source_language, **{"o-tmf": "Sextant"})
            body = ElementTree.SubElement(root, "body")
            for entry in self.entries:
                unit = ElementTree.SubElement(body, "tu")
                for language in self.languages:
                    if entry.get(language):
                        tuv = ElementTree.SubElement(unit, "tuv", {XML_LANG: language})
                        ElementTree.SubElement(tuv, "seg").text = entry[language]
            return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="utf-8")
        out = io.StringIO()
        writer = csv.writer(out, delimiter="\t" if fmt == "TSV" else ",", lineterminator="\n")
        writer.writerow(self.languages)
        for entry in self.entries:
            writer.writerow([entry.get(language, "") for language in self.languages])
        return out.getvalue().encode("utf-8")


def parse(data: bytes, fmt: str, directionality: str = "UNI") -> Terminology:
    """A terminology from file bytes; TerminologyError naming the problem when malformed."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TerminologyError(f"the terminology file is not UTF-8 (byte {exc.start})") from None
    if not text.strip():
        raise TerminologyError("the terminology file is empty")
    terminology = _parse_tmx(text) if fmt == "TMX" else _parse_table(text, "\t" if fmt == "TSV" else ",", fmt)
    terminology.directionality = directionality
    if not terminology.entries:
        raise TerminologyError("the terminology file has no terms")
    return terminology


def _check_languages(languages: list[str], where: str) -> None:
    if len(languages) < 2:
        raise TerminologyError(f"{where} must name a source language and at least one target language")
    for code in languages:
        if not LANGUAGE_CODE.match(code):
            raise TerminologyError(f"{where}: {code!r} is not a language code")
    if len(set(languages)) != len(languages):
        raise TerminologyError(f"{where} names a language twice")


def _parse_table(text: str, delimiter: str, fmt: str) -> Terminology:
    try:
        rows = [row for row in csv.reader(io.StringIO(text), delimiter=delimiter, strict=True)
                if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise TerminologyError(f"the {fmt} file cannot be read: {exc}") from None
    languages = [cell.strip() for cell in rows[0]]
    _check_languages(languages, f"the {fmt} header row (language codes)")
    entries, skipped = [], 0
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(languages):
            raise TerminologyError(f"{fmt} row {number} has {len(row)} columns; the header has {len(languages)}")
        entry = {language: cell.strip() for language, cell in zip(languages, row) if cell.strip()}
        if languages[0] not in entry or len(entry) < 2:
            skipped += 1
            continue
        entries.append(entry)
    return Terminology(languages, entries, skipped=skipped)


def _parse_tmx(text: str) -> Terminology:
    if "<!DOCTYPE" in text or "<!ENTITY" in text:
        raise TerminologyError("the TMX file must not declare a DOCTYPE or entities")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise TerminologyError(f"the TMX file is not well-formed XML: {exc}") from None
    header, body = root.find("header"), root.find("body")
    if root.tag != "tmx" or header is None or body is None:
        raise TerminologyError("the TMX file needs a <tmx> root with <header> and <body>")
    source = (header.get("srclang") or "").strip()
    if not LANGUAGE_CODE.match(source):
        raise TerminologyError(f"the TMX header's srclang {source!r} is not a language code")
    languages, entries, skipped = [source], [], 0
    for number, unit in enumerate(body.iter("tu"), start=1):
        entry: dict[str, str] = {}
        for tuv in unit.iter("tuv"):
            language = (tuv.get(XML_LANG) or tuv.get("lang") or "").strip()
            if not LANGUAGE_CODE.match(language):
                raise TerminologyError(f"TMX <tu> number {number} has a <tuv> without a valid xml:lang")
            segment = tuv.find("seg")
            term = "".join(segment.itertext()).strip() if segment is not None else ""
            if term:
                entry[language] = term
                if language not in languages:
                    languages.append(language)
        if source not in entry or len(entry) < 2:
            skipped += 1
            continue
        entries.append(entry)
    _check_languages(languages, "the TMX file")
    return Terminology(languages, entries, skipped=skipped)


@dataclass
class Protected:
    """A text with its terms swapped for placeholders, and what each placeholder becomes."""

    text: str
    targets: list[str] = field(default_factory=list)
    applied: list[tuple[str, str]] = field(default_factory=list)  # (source term, target term) as in the file

    def restore(self, translated: str) -> tuple[str, bool]:
        """The translation with the target terms in place; False when a placeholder of the text went missing."""
        seen: set[int] = set()

        def put(match: re.Match[str]) -> str:
            index = int(match.group(1))
            if index >= len(self.targets):
                return match.group(0)
            seen.add(index)
            return self.targets[index]

        text = _PLACEHOLDER.sub(put, translated)
        return text, {int(n) for n in _PLACEHOLDER.findall(self.text)} <= seen


class Glossary:
    """The terms of one direction, compiled into one case-insensitive whole-word pattern."""

    def __init__(self, terms: list[tuple[str, str]]) -> None:
        by_source: dict[str, tuple[str, str]] = {}
        for source, target in terms:
            by_source.setdefault(source.casefold(), (source, target))
        self.terms = by_source
        ordered = sorted(by_source, key=len, reverse=True)  # longest first
        words = [r"\s+".join(re.escape(w) for w in term.split()) for term in ordered]
        self.pattern = re.compile(r"(?<!\w)(" + "|".join(words) + r")(?!\w)", re.I) if words else None

    def protect(self, text: str) -> Protected:
        """Swap every term in `text` for a numbered placeholder."""
        result = Protected(text)
        if self.pattern is None:
            return result

        def swap(match: re.Match[str]) -> str:
            found = match.group(1)
            source, target = self.terms[" ".join(found.split()).casefold()]
            result.targets.append(cased(found, target))
            if (source, target) not in result.applied:
                result.applied.append((source, target))
            return PLACEHOLDER.format(len(result.targets) - 1)

        result.text = self.pattern.sub(swap, text)
        return result


def cased(found: str, target: str) -> str:
    """The target term in the case of the matched source text, as Amazon Translate applies it."""
    if found.islower() or not any(c.isalpha() for c in found):
        return target
    if found.isupper():
        return target.upper()
    if all(word[:1].isupper() and word[1:] == word[1:].lower() for word in found.split()):
        return " ".join(word[:1].upper() + word[1:] for word in target.split())
    return target

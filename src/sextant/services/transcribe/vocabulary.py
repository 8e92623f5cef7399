"""Custom vocabulary and vocabulary filter files, in the formats Amazon Transcribe reads.

A vocabulary is a list (one phrase per line, words joined by hyphens) or a table whose tab-separated
header names the columns Phrase, SoundsLike, IPA and DisplayAs. A filter file has one word per line.
"""

from __future__ import annotations

import re

from ..jobs import JobFailed

COLUMNS = ("Phrase", "SoundsLike", "IPA", "DisplayAs")
MAX_PHRASE = 256
_PHRASE = re.compile(r"^[^\W\d_](?:[\w'.-]*[\w.'])?$", re.UNICODE)


def _check_phrase(phrase: str, line: int | None) -> None:
    where = f" (line {line})" if line else ""
    if len(phrase) > MAX_PHRASE:
        raise JobFailed(f"The vocabulary phrase {phrase[:40]!r}…{where} is longer than {MAX_PHRASE} characters.")
    if not _PHRASE.match(phrase) or "--" in phrase:
        raise JobFailed(f"The vocabulary phrase {phrase!r}{where} has characters that aren't allowed: use letters, "
                        "apostrophes and periods, with hyphens instead of spaces between words.")


def parse_vocabulary(data: bytes | None, phrases: list[str] | None) -> list[dict[str, str]]:
    """Entries ({"Phrase", and optionally "SoundsLike", "IPA", "DisplayAs"}) of a phrase list or a vocabulary file."""
    if phrases is not None:
        entries = []
        for phrase in phrases:
            phrase = phrase.strip().replace(" ", "-")
            _check_phrase(phrase, None)
            entries.append({"Phrase": phrase})
        return entries
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise JobFailed("The vocabulary file isn't UTF-8 text.") from None
    lines = [line.rstrip("\r") for line in text.split("\n")]
    rows = [(number, line) for number, line in enumerate(lines, 1) if line.strip()]
    if not rows:
        raise JobFailed("The vocabulary file is empty.")
    header = [cell.strip() for cell in rows[0][1].split("\t")]
    if "Phrase" not in header:  # a plain list
        entries = []
        for number, line in rows:
            _check_phrase(line.strip(), number)
            entries.append({"Phrase": line.strip()})
        return entries
    unknown = [c for c in header if c not in COLUMNS]
    if unknown:
        raise JobFailed(f"The vocabulary table has unknown columns {unknown}; the columns are {', '.join(COLUMNS)}.")
    entries = []
    for number, line in rows[1:]:
        cells = [cell.strip() for cell in line.split("\t")]
        if len(cells) > len(header):
            raise JobFailed(f"Line {number} of the vocabulary table has more fields than the header.")
        entry = {name: value for name, value in zip(header, cells) if value}
        if "Phrase" not in entry:
            raise JobFailed(f"Line {number} of the vocabulary table has no Phrase.")
        _check_phrase(entry["Phrase"], number)
        if entry.get("SoundsLike") and entry.get("IPA"):
            raise JobFailed(f"Line {number} of the vocabulary table has both SoundsLike and IPA; use one of them.")
        entries.append(entry)
    if not entries:
        raise JobFailed("The vocabulary table has no entries.")
    return entries


def vocabulary_table(entries: list[dict[str, str]]) -> str:
    """The vocabulary as a Transcribe table (what GetVocabulary's DownloadUri serves)."""
    lines = ["\t".join(COLUMNS)]
    lines += ["\t".join(entry.get(column, "") for column in COLUMNS) for entry in entries]
    return "\n".join(lines) + "\n"


def parse_filter(data: bytes | None, words: list[str] | None) -> list[str]:
    """The words of a vocabulary filter (ValueError naming the problem)."""
    if words is None:
        try:
            words = data.decode("utf-8-sig").splitlines()
        except UnicodeDecodeError:
            raise ValueError("The vocabulary filter file isn't UTF-8 text.") from None
    cleaned = [w.strip() for w in words if w.strip()]
    if not cleaned:
        raise ValueError("The vocabulary filter has no words.")
    for word in cleaned:
        if len(word) > MAX_PHRASE or any(c.isspace() for c in word):
            raise ValueError(f"The vocabulary filter word {word[:40]!r} is invalid: one word per entry, at most "
                             f"{MAX_PHRASE} characters.")
    return cleaned

"""Speech marks as Amazon Polly writes them, and the viseme of each IPA phoneme."""

from __future__ import annotations

import json

# Polly's viseme classes (its en-US table), keyed by IPA symbol.
_VISEME_GROUPS = {
    "p": "pbm", "f": "fv", "T": "θð", "t": "tdnlɾɫʈɖɳ", "S": "ʃʒɕʑ", "s": "szʂʐ", "k": "kgɡŋhxçɣχʁqɦ",
    "r": "ɹrɻɚɝʀɾ", "i": "iɪjyɨʏ", "u": "uʊwɯʉʍ", "@": "əʌɐɜɵɘ", "a": "aæɑɶ", "e": "eø", "E": "ɛœ",
    "o": "o", "O": "ɔɒ",
}
VISEMES = {symbol: viseme for viseme, symbols in _VISEME_GROUPS.items() for symbol in symbols}
MARK_ORDER = {"sentence": 0, "ssml": 1, "word": 2, "viseme": 3}


def viseme(phoneme: str) -> str | None:
    """The viseme of an IPA phoneme (first symbol that has one); None for stress, length and spaces."""
    for symbol in phoneme:
        if symbol in VISEMES:
            return VISEMES[symbol]
    return None


def to_json_lines(marks: list[dict], types: set[str]) -> bytes:
    """The requested mark types as a JSON stream (one object per line), in time order."""
    chosen = sorted((m for m in marks if m["type"] in types), key=lambda m: (m["time"], MARK_ORDER[m["type"]]))
    return b"".join(json.dumps(m, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for m in chosen)

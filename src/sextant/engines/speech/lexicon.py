"""W3C Pronunciation Lexicon Specification (PLS 1.0) lexicons, and X-SAMPA to IPA."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from xml.parsers import expat

PLS_NAMESPACE = "http://www.w3.org/2005/01/pronunciation-lexicon"

# X-SAMPA symbols (longest first when matching) and the IPA they stand for.
_XSAMPA = {
    "b_<": "ɓ", "d_<": "ɗ", "g_<": "ɠ", "J\\_<": "ʄ", "G\\_<": "ʛ", "r\\`": "ɻ", "t`": "ʈ", "d`": "ɖ",
    "n`": "ɳ", "r`": "ɽ", "s`": "ʂ", "z`": "ʐ", "l`": "ɭ", "@`": "ɚ", "3`": "ɝ", "_h": "ʰ", "_j": "ʲ",
    "_w": "ʷ", "_~": "̃", "_0": "̥", "_=": "̩", "tS": "tʃ", "dZ": "dʒ", "ts": "ts", "dz": "dz",
    "r\\": "ɹ", "h\\": "ɦ", "j\\": "ʝ", "l\\": "ɺ", "p\\": "ɸ", "B\\": "ʙ", "R\\": "ʀ", "G\\": "ɢ",
    "N\\": "ɴ", "J\\": "ɟ", "H\\": "ʜ", "X\\": "ħ", "?\\": "ʕ", "I\\": "ᵻ", "U\\": "ᵿ", "M\\": "ɰ",
    "L\\": "ʟ", "K\\": "ɮ", "x\\": "ɧ", "s\\": "ɕ", "z\\": "ʑ", "3\\": "ɞ", "@\\": "ɘ", "b": "b", "d": "d",
    "f": "f", "g": "ɡ", "h": "h", "j": "j", "k": "k", "l": "l", "m": "m", "n": "n", "p": "p", "q": "q",
    "r": "r", "s": "s", "t": "t", "v": "v", "w": "w", "x": "x", "z": "z", "a": "a", "e": "e", "i": "i",
    "o": "o", "u": "u", "y": "y", "A": "ɑ", "B": "β", "C": "ç", "D": "ð", "E": "ɛ", "F": "ɱ", "G": "ɣ",
    "H": "ɥ", "I": "ɪ", "J": "ɲ", "K": "ɬ", "L": "ʎ", "M": "ɯ", "N": "ŋ", "O": "ɔ", "P": "ʋ", "Q": "ɒ",
    "R": "ʁ", "S": "ʃ", "T": "θ", "U": "ʊ", "V": "ʌ", "W": "ʍ", "X": "χ", "Y": "ʏ", "Z": "ʒ", "@": "ə",
    "{": "æ", "}": "ʉ", "1": "ɨ", "2": "ø", "3": "ɜ", "4": "ɾ", "5": "ɫ", "6": "ɐ", "7": "ɤ", "8": "ɵ",
    "9": "œ", "&": "ɶ", "?": "ʔ", "\"": "ˈ", "%": "ˌ", ":": "ː", ":\\": "ˑ", ".": ".", " ": " ", "=": "̩",
    "~": "̃", "'": "ʲ",
}
_XSAMPA_PATTERN = re.compile("|".join(re.escape(symbol) for symbol in sorted(_XSAMPA, key=len, reverse=True)))


def xsampa_to_ipa(text: str) -> str:
    """IPA for an X-SAMPA string; ValueError naming a symbol that X-SAMPA does not define."""
    out, position = [], 0
    for match in _XSAMPA_PATTERN.finditer(text):
        if match.start() != position:
            raise ValueError(f"invalid X-SAMPA symbol {text[position:match.start()]!r} in {text!r}")
        out.append(_XSAMPA[match.group()])
        position = match.end()
    if position != len(text):
        raise ValueError(f"invalid X-SAMPA symbol {text[position:]!r} in {text!r}")
    return "".join(out)


@dataclass
class Lexeme:
    graphemes: list[str]
    alias: str | None = None
    phoneme: str | None = None        # IPA


@dataclass
class Lexicon:
    """A parsed PLS document: its alphabet, language and lexemes (grapheme → alias or IPA phonemes)."""

    alphabet: str
    language: str
    lexemes: list[Lexeme] = field(default_factory=list)

    def entries(self) -> dict[str, Lexeme]:
        """Grapheme → lexeme; the first definition of a grapheme wins, as PLS says."""
        table: dict[str, Lexeme] = {}
        for lexeme in self.lexemes:
            for grapheme in lexeme.graphemes:
                table.setdefault(grapheme, lexeme)
        return table


class LexiconError(ValueError):
    """A lexicon that is not valid PLS; `kind` is "invalid", "alphabet" or "language"."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def parse_pls(content: str, alphabets: tuple[str, ...] = ("ipa", "x-sampa")) -> Lexicon:
    """Parse PLS XML (no DOCTYPE or entity declarations accepted)."""
    parser = expat.ParserCreate(namespace_separator=" ")
    stack: list[str] = []
    text: list[str] = []
    state: dict = {"lexicon": None, "lexeme": None, "alphabet": None}

    def refuse(*_args) -> None:
        raise LexiconError("invalid", "DOCTYPE and entity declarations are not allowed in a lexicon")

    def start(name: str, attrs: dict[str, str]) -> None:
        local = name.split(" ")[-1]
        namespace = name.split(" ")[0] if " " in name else ""
        if not stack and (local != "lexicon" or namespace != PLS_NAMESPACE):
            raise LexiconError("invalid", f"the root element must be <lexicon xmlns=\"{PLS_NAMESPACE}\">")
        stack.append(local)
        text.clear()
        if local == "lexicon":
            alphabet = attrs.get("alphabet", "")
            language = attrs.get("http://www.w3.org/XML/1998/namespace lang", "")
            if alphabet not in alphabets:
                raise LexiconError("alphabet", f"alphabet {alphabet!r} is not supported (ipa or x-sampa)")
            if not language:
                raise LexiconError("language", "the lexicon has no xml:lang")
            state["lexicon"] = Lexicon(alphabet, language)
        elif local == "lexeme":
            if stack[-2:-1] != ["lexicon"]:
                raise LexiconError("invalid", "<lexeme> must be a child of <lexicon>")
            state["lexeme"] = Lexeme([])
            state["alphabet"] = attrs.get("alphabet")
        elif local in ("grapheme", "alias", "phoneme"):
            if stack[-2:-1] != ["lexeme"]:
                raise LexiconError("invalid", f"<{local}> must be a child of <lexeme>")
            if local == "phoneme" and attrs.get("alphabet"):
                state["alphabet"] = attrs["alphabet"]
        elif local not in ("meta", "metadata", "example"):
            raise LexiconError("invalid", f"unknown element <{local}>")

    def end(name: str) -> None:
        local = stack.pop()
        value = "".join(text).strip()
        text.clear()
        lexeme: Lexeme | None = state["lexeme"]
        if local == "grapheme":
            if not value:
                raise LexiconError("invalid", "empty <grapheme>")
            lexeme.graphemes.append(value)
        elif local == "alias" and lexeme.alias is None and lexeme.phoneme is None:
            lexeme.alias = value
        elif local == "phoneme" and lexeme.alias is None and lexeme.phoneme is None:
            alphabet = state["alphabet"] or state["lexicon"].alphabet
            if alphabet not in alphabets:
                raise LexiconError("alphabet", f"alphabet {alphabet!r} is not supported (ipa or x-sampa)")
            try:
                lexeme.phoneme = xsampa_to_ipa(value) if alphabet == "x-sampa" else value
            except ValueError as exc:
                raise LexiconError("invalid", str(exc)) from None
        elif local == "lexeme":
            if not lexeme.graphemes:
                raise LexiconError("invalid", "a <lexeme> has no <grapheme>")
            if lexeme.alias is None and lexeme.phoneme is None:
                raise LexiconError("invalid", f"lexeme {lexeme.graphemes[0]!r} has neither <phoneme> nor <alias>")
            state["lexicon"].lexemes.append(lexeme)
            state["lexeme"] = None

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text.append
    try:
        parser.Parse(content.encode("utf-8"), True)
    except expat.ExpatError as exc:
        raise LexiconError("invalid", f"the lexicon is not well-formed XML: {exc}") from None
    if state["lexicon"] is None:
        raise LexiconError("invalid", "no <lexicon> element")
    return state["lexicon"]

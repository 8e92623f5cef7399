"""Input text and SSML (the tags Amazon Polly supports) as a list of words, pauses and marks.

Every word keeps its byte offsets in the UTF-8 input, which speech marks report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from xml.parsers import expat

from . import normalize
from .lexicon import xsampa_to_ipa


class SsmlError(ValueError):
    """The SSML is not valid for synthesis; the message names the problem."""


@dataclass(frozen=True)
class Style:
    """Prosody and voice in force for a word."""

    rate: float = 1.0          # speaking-rate multiplier
    pitch: float = 1.0         # pitch multiplier
    volume_db: float = 0.0     # gain; -inf is silent
    whispered: bool = False
    drc: bool = False
    language: str | None = None    # from <lang xml:lang>; None = the voice's own
    auto_breaths: tuple[float, int] | None = None   # (breath gain dB, words between breaths)


@dataclass
class Word:
    value: str                 # the word as written
    start: int                 # byte offsets in the input
    end: int
    say: str                   # what is spoken (alias, expansion, the word itself)
    style: Style
    sentence: int
    phonemes: str | None = None    # IPA given by <phoneme> or a lexicon
    punct: str = ""                # punctuation that follows (shapes intonation and pauses)
    marks: list["Mark"] = field(default_factory=list)   # SSML marks just before this word
    fixed: bool = False            # alias/phonemes/say-as: lexicons do not apply


@dataclass
class Pause:
    ms: int
    breath_db: float | None = None    # a breath sound of this gain instead of silence


@dataclass
class Mark:
    name: str
    start: int
    end: int


@dataclass
class Document:
    items: list[Word | Pause | Mark]
    text: bytes                     # the input, for sentence values
    billed_characters: int


_TOKEN = re.compile(r"\S+")
_LEADING = "\"'“‘([{¿¡«"
_TRAILING = ".,!?;:\"'”’)]}»…，。！？；：、"
_BREAK_STRENGTH = {"none": 0, "x-weak": 100, "weak": 250, "medium": 400, "strong": 700, "x-strong": 1200}
_RATES = {"x-slow": 0.6, "slow": 0.8, "medium": 1.0, "default": 1.0, "fast": 1.25, "x-fast": 1.6}
_PITCHES = {"x-low": 0.8, "low": 0.9, "medium": 1.0, "default": 1.0, "high": 1.1, "x-high": 1.2}
_VOLUMES = {"silent": float("-inf"), "x-soft": -9.0, "soft": -4.5, "medium": 0.0, "default": 0.0,
            "loud": 4.5, "x-loud": 9.0}
_BREATH_MS = {"x-short": 150, "short": 250, "medium": 350, "long": 450, "x-long": 600, "default": 350}
_BREATH_DB = {"x-soft": -32.0, "soft": -28.0, "medium": -24.0, "loud": -20.0, "x-loud": -16.0, "default": -24.0}
_BREATH_EVERY = {"x-low": 14, "low": 11, "medium": 8, "high": 6, "x-high": 4, "default": 8}
_SAY_AS = {"characters", "spell-out", "cardinal", "number", "ordinal", "digits", "date", "time", "telephone",
           "fraction", "unit", "address", "expletive", "interjection"}
_TAGS = {"speak", "p", "s", "break", "emphasis", "prosody", "phoneme", "say-as", "sub", "lang", "mark", "w",
         "amazon:effect", "amazon:breath", "amazon:auto-breaths"}


class _Builder:
    """Turns runs of characters (with their byte offsets) into words."""

    def __init__(self) -> None:
        self.items: list[Word | Pause | Mark] = []
        self.sentence = 0
        self.pending_marks: list[Mark] = []

    def new_sentence(self) -> None:
        """Words from now on belong to a new sentence (unless the current one is still empty)."""
        if self._last_word_sentence() == self.sentence:
            self.sentence += 1

    def _last_word_sentence(self) -> int | None:
        for item in reversed(self.items):
            if isinstance(item, Word):
                return item.sentence
        return None

    def add_run(self, chars: list[tuple[str, int, int]], style: Style) -> None:
        text = "".join(c for c, _, _ in chars)
        for match in _TOKEN.finditer(text):
            token = match.group()
            first = match.start() + len(token) - len(token.lstrip(_LEADING))
            core = token.lstrip(_LEADING).rstrip(_TRAILING)
            last = first + len(core)
            punct = token[len(token.rstrip(_TRAILING)):].replace("\"", "").replace("'", "")
            if core:
                self.add_word(text[first:last], chars[first][1], chars[last - 1][2], style, punct=punct)
            else:
                self.attach_punct(punct)
            if any(p in punct for p in ".!?…。！？"):
                self.new_sentence()

    def attach_punct(self, punct: str) -> None:
        for item in reversed(self.items):
            if isinstance(item, Word):
                item.punct += punct
                return

    def add_word(self, value: str, start: int, end: int, style: Style, **extra) -> None:
        say = extra.pop("say", value)
        word = Word(value, start, end, say, style, self.sentence, marks=self.pending_marks, **extra)
        self.pending_marks = []
        self.items.append(word)

    def add_pause(self, ms: int, breath_db: float | None = None) -> None:
        self.items.append(Pause(ms, breath_db))

    def finish(self) -> list[Word | Pause | Mark]:
        self.items.extend(self.pending_marks)    # marks after the last word
        self.pending_marks = []
        return self.items


def parse_text(text: str) -> Document:
    """Plain text: words and sentences."""
    data = text.encode("utf-8")
    builder = _Builder()
    builder.add_run(_char_offsets(text, 0), Style())
    return Document(builder.finish(), data, len(text))


def _char_offsets(text: str, base: int) -> list[tuple[str, int, int]]:
    out, position = [], base
    for char in text:
        size = len(char.encode("utf-8"))
        out.append((char, position, position + size))
        position += size
    return out


def _time_ms(value: str, field_name: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s)\s*", value)
    if not match:
        raise SsmlError(f"invalid {field_name} {value!r}: expected a duration such as 500ms or 2s")
    ms = float(match.group(1)) * (1000 if match.group(2) == "s" else 1)
    if ms > 10000:
        raise SsmlError(f"{field_name} {value!r} is longer than the maximum of 10s")
    return int(ms)


def _relative(value: str, named: dict[str, float], field_name: str, unit: str) -> float:
    """A prosody value: a named level, n% (rate), +n%/-n% (pitch) or +ndB/-ndB (volume)."""
    value = value.strip()
    if value in named:
        return named[value]
    if unit == "%":
        match = re.fullmatch(r"([+-]?)(\d+(?:\.\d+)?)%", value)
        if match:
            number = float(match.group(2))
            if field_name == "rate" and not match.group(1):
                if not 20 <= number <= 200:
                    raise SsmlError(f"prosody rate {value!r} must be between 20% and 200%")
                return number / 100
            if match.group(1):
                sign = -1 if match.group(1) == "-" else 1
                if field_name == "pitch" and number > 50 and sign < 0:
                    raise SsmlError(f"prosody pitch {value!r} must not lower the pitch by more than 50%")
                return 1 + sign * number / 100
    else:
        match = re.fullmatch(r"([+-])(\d+(?:\.\d+)?)dB", value)
        if match:
            return float(match.group(2)) * (-1 if match.group(1) == "-" else 1)
    raise SsmlError(f"invalid prosody {field_name} value {value!r}")


def _spoken(kind: str, text: str, attrs: dict[str, str]) -> str:
    """What a say-as element speaks."""
    if kind in ("characters", "spell-out"):
        return normalize.characters(text)
    if kind in ("cardinal", "number"):
        return normalize.number_text(text)
    if kind == "ordinal":
        digits = re.sub(r"\D", "", text)
        return normalize.ordinal(int(digits)) if digits else text
    if kind == "digits":
        return normalize.digits(text) or text
    if kind == "date":
        return normalize.date(text, attrs.get("format", "mdy"))
    if kind == "time":
        return normalize.duration(text)
    if kind == "telephone":
        return normalize.telephone(text)
    if kind == "fraction":
        match = re.fullmatch(r"\s*(?:(\d+)\s*\+\s*)?(\d+)/(\d+)\s*", text)
        if match:
            whole = normalize.cardinal(int(match.group(1))) + " and " if match.group(1) else ""
            numerator, denominator = int(match.group(2)), int(match.group(3))
            name = {2: "half", 4: "quarter"}.get(denominator) or normalize.ordinal(denominator)
            return f"{whole}{normalize.cardinal(numerator)} {name}{'s' if numerator != 1 else ''}"
    if kind == "expletive":
        return "beep"
    return text


def parse_ssml(text: str, english: bool = True) -> Document:
    """SSML as Polly accepts it; SsmlError names the first problem found.

    `english`: say-as expansions are written as English words (else digits are left to the voice).
    """
    data = text.encode("utf-8")
    parser = expat.ParserCreate()
    builder = _Builder()
    styles: list[Style] = [Style()]
    elements: list[tuple[str, dict[str, str]]] = []
    run: list[tuple[str, int, int]] = []
    pending: list[tuple[str, int]] = []      # character data not yet given its end offset
    billed = [0]

    def settle() -> None:
        """Give the pending character data its byte offsets (now that the next event's offset is known)."""
        if not pending:
            return
        end = parser.CurrentByteIndex if parser.CurrentByteIndex >= 0 else len(data)
        for index, (chunk, start) in enumerate(pending):
            stop = pending[index + 1][1] if index + 1 < len(pending) else end
            raw = data[start:stop]
            if raw == chunk.encode("utf-8"):
                run.extend(_char_offsets(chunk, start))
            else:   # an entity or character reference: every character spans the whole reference
                run.extend((char, start, stop) for char in chunk)
        pending.clear()

    def flush() -> None:
        settle()
        if run and not _inside("say-as", "sub", "phoneme"):
            builder.add_run(run, styles[-1])
            run.clear()

    def _inside(*names: str) -> bool:
        return any(name in names for name, _ in elements)

    def refuse(*_args) -> None:
        raise SsmlError("DOCTYPE and entity declarations are not allowed in SSML")

    def start(name: str, attrs: dict[str, str]) -> None:
        flush()
        if not elements and name != "speak":
            raise SsmlError(f"the root element must be <speak>, not <{name}>")
        if name not in _TAGS:
            raise SsmlError(f"unsupported SSML element <{name}>")
        if elements and name == "speak":
            raise SsmlError("<speak> cannot be nested")
        if _inside("say-as", "sub", "phoneme"):
            raise SsmlError(f"<{name}> is not allowed inside <{elements[-1][0]}>")
        style = styles[-1]
        tag_start = parser.CurrentByteIndex
        if name in ("p", "s"):
            builder.new_sentence()
        elif name == "break":
            if "time" in attrs:
                ms = _time_ms(attrs["time"], "break time")
            else:
                strength = attrs.get("strength", "medium")
                if strength not in _BREAK_STRENGTH:
                    raise SsmlError(f"invalid break strength {strength!r}")
                ms = _BREAK_STRENGTH[strength]
            builder.add_pause(ms)
        elif name == "emphasis":
            level = attrs.get("level", "moderate")
            changes = {"strong": (0.85, 3.0), "moderate": (0.93, 1.5), "none": (1.0, 0.0), "reduced": (1.1, -3.0)}
            if level not in changes:
                raise SsmlError(f"invalid emphasis level {level!r}")
            slow, gain = changes[level]
            style = replace(style, rate=style.rate / slow, volume_db=style.volume_db + gain)
        elif name == "prosody":
            if not set(attrs) & {"rate", "pitch", "volume"}:
                raise SsmlError("<prosody> needs a rate, pitch or volume attribute")
            if "rate" in attrs:
                style = replace(style, rate=style.rate * _relative(attrs["rate"], _RATES, "rate", "%"))
            if "pitch" in attrs:
                style = replace(style, pitch=style.pitch * _relative(attrs["pitch"], _PITCHES, "pitch", "%"))
            if "volume" in attrs:
                style = replace(style, volume_db=style.volume_db + _relative(attrs["volume"], _VOLUMES,
                                                                             "volume", "dB"))
        elif name == "phoneme":
            alphabet = attrs.get("alphabet", "ipa")
            if alphabet not in ("ipa", "x-sampa"):
                raise SsmlError(f"unsupported phoneme alphabet {alphabet!r} (ipa or x-sampa)")
            if not attrs.get("ph"):
                raise SsmlError("<phoneme> needs a ph attribute")
            if alphabet == "x-sampa":
                try:
                    xsampa_to_ipa(attrs["ph"])
                except ValueError as exc:
                    raise SsmlError(str(exc)) from None
        elif name == "say-as":
            if attrs.get("interpret-as") not in _SAY_AS:
                raise SsmlError(f"unsupported say-as interpret-as {attrs.get('interpret-as')!r}")
        elif name == "sub":
            if "alias" not in attrs:
                raise SsmlError("<sub> needs an alias attribute")
        elif name == "lang":
            language = attrs.get("xml:lang")
            if not language:
                raise SsmlError("<lang> needs an xml:lang attribute")
            style = replace(style, language=language)
        elif name == "mark":
            if "name" not in attrs:
                raise SsmlError("<mark> needs a name attribute")
            builder.pending_marks.append(Mark(attrs["name"], tag_start, tag_start))
        elif name == "amazon:effect":
            effect = attrs.get("name")
            if effect == "whispered":
                style = replace(style, whispered=True)
            elif effect == "drc":
                style = replace(style, drc=True)
            else:
                raise SsmlError(f"unsupported amazon:effect {attrs!r} (name=\"whispered\" or name=\"drc\")")
        elif name == "amazon:breath":
            duration, volume = attrs.get("duration", "default"), attrs.get("volume", "default")
            if duration not in _BREATH_MS or volume not in _BREATH_DB:
                raise SsmlError(f"invalid amazon:breath duration {duration!r} or volume {volume!r}")
            builder.add_pause(_BREATH_MS[duration], _BREATH_DB[volume])
        elif name == "amazon:auto-breaths":
            volume, frequency = attrs.get("volume", "default"), attrs.get("frequency", "default")
            if volume not in _BREATH_DB or frequency not in _BREATH_EVERY:
                raise SsmlError(f"invalid amazon:auto-breaths volume {volume!r} or frequency {frequency!r}")
            style = replace(style, auto_breaths=(_BREATH_DB[volume], _BREATH_EVERY[frequency]))
        elements.append((name, attrs))
        styles.append(style)

    def end(name: str) -> None:
        settle()
        if elements[-1][0] not in ("say-as", "sub", "phoneme"):
            flush()    # the element's own text, in the element's style
        element, attrs = elements.pop()
        style = styles.pop()
        if element == "mark":
            builder.pending_marks[-1].end = parser.CurrentByteIndex + (
                len(f"</{name}>") if data[parser.CurrentByteIndex:parser.CurrentByteIndex + 2] == b"</" else 0)
            if builder.pending_marks[-1].end == builder.pending_marks[-1].start:
                builder.pending_marks[-1].end = _tag_end(data, parser.CurrentByteIndex)
        if element in ("say-as", "sub", "phoneme"):
            inner = "".join(c for c, _, _ in run)
            stripped = inner.strip()
            if stripped:
                lead = len(inner) - len(inner.lstrip())
                first, last = run[lead], run[lead + len(stripped) - 1]
                if element == "sub":
                    extra = {"say": attrs["alias"]}
                elif element == "phoneme":
                    ph = attrs["ph"]
                    extra = {"phonemes": xsampa_to_ipa(ph) if attrs.get("alphabet") == "x-sampa" else ph}
                else:
                    kind = attrs["interpret-as"]
                    extra = {"say": _spoken(kind, stripped, attrs) if english or kind in ("characters",
                                                                                           "spell-out")
                             else stripped}
                builder.add_word(stripped, first[1], last[2], style, fixed=True, **extra)
            run.clear()
        if element in ("p", "s"):
            builder.new_sentence()
            if element == "p":
                builder.add_pause(_BREAK_STRENGTH["x-strong"] // 2)

    def characters(chunk: str) -> None:
        pending.append((chunk, parser.CurrentByteIndex))
        billed[0] += len(chunk)

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise SsmlError(f"Invalid SSML request: {exc}") from None
    _auto_breaths(builder.items)
    return Document(builder.finish(), data, billed[0])


def _tag_end(data: bytes, index: int) -> int:
    """The offset just past the tag that starts at `index`."""
    close = data.find(b">", index)
    return len(data) if close < 0 else close + 1


def _auto_breaths(items: list[Word | Pause | Mark]) -> None:
    """Insert breaths at the natural pauses (sentence ends, commas) of words under amazon:auto-breaths."""
    since = 0
    index = 0
    while index < len(items):
        item = items[index]
        if isinstance(item, Word) and item.style.auto_breaths:
            gain, every = item.style.auto_breaths
            since += 1
            if since >= every and item.punct and index + 1 < len(items):
                items.insert(index + 1, Pause(300, gain))
                since = 0
                index += 1
        index += 1

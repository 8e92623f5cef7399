"""The transcript document in Amazon Transcribe's layout, built from recognised words.

Items are words (`pronunciation`, with times and confidence) and punctuation marks (`punctuation`,
without times), numbered by `id`; `audio_segments` group them by segment; speaker, channel and
language labels, alternatives, vocabulary formatting, vocabulary filters, PII redaction and
subtitles (SRT, WebVTT) are all derived from the same item list.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any, Callable

_WORD = re.compile(r"^(?P<lead>\W*)(?P<core>.*?\w)(?P<trail>\W*)$", re.UNICODE)
_KEPT_MARKS = set(".,?!;:")
_SENTENCE_END = set(".?!")


@dataclass
class Token:
    """One transcript item."""

    type: str                   # "pronunciation" or "punctuation"
    content: str
    confidence: float
    start: float | None = None
    end: float | None = None
    segment: int = 0            # index of the audio segment it belongs to
    channel: int | None = None
    speaker: int | None = None
    language: str | None = None  # AWS code, with multi-language identification
    flags: dict[str, Any] = field(default_factory=dict)  # vocabularyFilterMatch, redactions


def split_word(text: str) -> tuple[str, list[str]]:
    """A recognised word's spoken part and the punctuation marks that follow it ("U.S." stays whole)."""
    match = _WORD.match(text)
    if match is None:
        return "", [c for c in text if c in _KEPT_MARKS]
    core, trail = match.group("core"), match.group("trail")
    if "." in core and trail.startswith("."):  # abbreviations keep their final period
        core, trail = core + ".", trail[1:]
    return core, [c for c in trail if c in _KEPT_MARKS]


def tokens_from_words(words: list[Any], segment: int, **labels: Any) -> list[Token]:
    """Items for recognised words (engine Word objects with start, end, text, probability)."""
    tokens: list[Token] = []
    for word in words:
        core, marks = split_word(word.text)
        if core:
            tokens.append(Token("pronunciation", core, word.probability, word.start, word.end, segment, **labels))
        for mark in marks:
            if tokens:
                tokens.append(Token("punctuation", mark, 0.0, segment=segment, **labels))
    return tokens


def merge_by_time(channels: list[list[Token]]) -> list[Token]:
    """Items of several channels in time order; punctuation stays after the word it follows."""
    runs: list[tuple[float, int, list[Token]]] = []
    for index, tokens in enumerate(channels):
        for token in tokens:
            if token.type == "pronunciation" or not runs or runs[-1][1] != index:
                runs.append((token.start or 0.0, index, [token]))
            else:
                runs[-1][2].append(token)
    runs.sort(key=lambda run: (run[0], run[1]))
    return [token for _, _, group in runs for token in group]


def text_of(tokens: list[Token]) -> str:
    parts: list[str] = []
    for token in tokens:
        if token.type == "punctuation" and parts:
            parts[-1] += token.content
        else:
            parts.append(token.content)
    return " ".join(parts)


# --- custom vocabularies -------------------------------------------------------------------------------

def _words(phrase: str) -> list[str]:
    return [w for w in re.split(r"[\s-]+", phrase.lower()) if w]


def _norm(word: str) -> str:
    return re.sub(r"[^\w']", "", word.lower())


def apply_vocabulary(tokens: list[Token], entries: list[dict[str, str]]) -> list[Token]:
    """Write vocabulary phrases as the vocabulary displays them (DisplayAs, else the phrase), merging their words."""
    patterns = []
    for entry in entries:
        shown = entry.get("DisplayAs") or entry["Phrase"].replace("-", " ")
        for source in (entry["Phrase"], entry.get("SoundsLike") or ""):
            words = [_norm(w) for w in _words(source)]
            if words and all(words):
                patterns.append((words, shown))
    patterns.sort(key=lambda p: -len(p[0]))
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        for words, shown in patterns:
            span = _match(tokens, i, len(words))
            if span and [_norm(tokens[j].content) for j in span] == words:
                first, last = tokens[span[0]], tokens[span[-1]]
                merged = copy.copy(first)
                merged.content, merged.end = shown, last.end
                merged.confidence = min(tokens[j].confidence for j in span)
                out.append(merged)
                i = span[-1] + 1
                break
        else:
            out.append(tokens[i])
            i += 1
    return out


def _match(tokens: list[Token], start: int, count: int) -> list[int] | None:
    """Indexes of `count` consecutive pronunciation items from `start` (no punctuation in between)."""
    span = list(range(start, start + count))
    if span[-1] >= len(tokens) or any(tokens[j].type != "pronunciation" for j in span):
        return None
    return span


# --- vocabulary filters ----------------------------------------------------------------------------------

def apply_filter(tokens: list[Token], words: list[str], method: str) -> list[Token]:
    """Mask (`***`), remove, or tag (`vocabularyFilterMatch`) the words of a vocabulary filter."""
    banned = {_norm(w) for w in words}
    out: list[Token] = []
    dropped = False
    for token in tokens:
        if token.type == "punctuation":
            if not (dropped and method == "remove" and not out):
                out.append(token)
            continue
        dropped = False
        if _norm(token.content) in banned:
            if method == "remove":
                dropped = True
                continue
            token = copy.copy(token)
            token.flags = dict(token.flags, vocabularyFilterMatch=True)
            if method == "mask":
                token.content = "***"
        out.append(token)
    return out


# --- PII redaction -------------------------------------------------------------------------------------

def redact(tokens: list[Token], detect: Callable[[str], list[dict[str, Any]]], types: set[str] | None) -> list[Token]:
    """A copy with the words of detected PII (of `types`, all when None) replaced by `[PII]`."""
    text, spans = "", []
    for index, token in enumerate(tokens):
        if token.type == "punctuation":
            text += token.content
            continue
        if text:
            text += " "
        spans.append((len(text), len(text) + len(token.content), index))
        text += token.content
    out = [copy.copy(t) for t in tokens]
    for entity in detect(text):
        if types is not None and entity["Type"] not in types:
            continue
        for begin, end, index in spans:
            if begin < entity["EndOffset"] and end > entity["BeginOffset"]:
                token = out[index]
                found = token.flags.get("redactions", [])
                token.content, token.flags = "[PII]", dict(token.flags, redactions=found + [
                    {"confidence": _number(entity["Score"]), "type": entity["Type"], "category": "PII"}])
    return out


# --- the document --------------------------------------------------------------------------------------

def _number(value: float) -> str:
    return str(round(float(value), 4))


def _time(value: float) -> str:
    return str(round(float(value), 3))


def _item(token: Token, index: int, speakers: bool) -> dict[str, Any]:
    alternative: dict[str, Any] = {"confidence": _number(token.confidence if token.type == "pronunciation" else 0),
                                   "content": token.content}
    if "redactions" in token.flags:
        alternative["redactions"] = token.flags["redactions"]
    item: dict[str, Any] = {"id": index, "type": token.type, "alternatives": [alternative]}
    if token.type == "pronunciation":
        item["start_time"], item["end_time"] = _time(token.start), _time(token.end)
    if token.language:
        item["language_code"] = token.language
    if speakers and token.speaker is not None:
        item["speaker_label"] = f"spk_{token.speaker}"
    if token.channel is not None:
        item["channel_label"] = f"ch_{token.channel}"
    if token.flags.get("vocabularyFilterMatch"):
        item["vocabularyFilterMatch"] = True
    return item


def results(tokens: list[Token], speakers: bool = False, channels: int | None = None,
            language: dict[str, Any] | None = None, alternatives: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The `results` member of a transcript document."""
    items = [_item(token, index, speakers) for index, token in enumerate(tokens)]
    out: dict[str, Any] = {"transcripts": [{"transcript": text_of(tokens)}]}
    if language:
        out.update(language)
    if speakers:
        out["speaker_labels"] = _speaker_labels(tokens, items)
    if channels is not None:
        out["channel_labels"] = {"channels": [
            {"channel_label": f"ch_{c}", "items": [{k: v for k, v in item.items() if k != "id"}
                                                  for item in items if item.get("channel_label") == f"ch_{c}"]}
            for c in range(channels)], "number_of_channels": channels}
    out["items"] = items
    if alternatives is not None:
        out["segments"] = alternatives
    out["audio_segments"] = _audio_segments(tokens, speakers)
    return out


def _speaker_labels(tokens: list[Token], items: list[dict[str, Any]]) -> dict[str, Any]:
    segments: list[dict[str, Any]] = []
    for token, item in zip(tokens, items):
        if token.type != "pronunciation" or token.speaker is None:
            continue
        entry = {"start_time": item["start_time"], "speaker_label": item["speaker_label"], "end_time": item["end_time"]}
        if segments and segments[-1]["speaker_label"] == entry["speaker_label"]:
            segments[-1]["end_time"] = entry["end_time"]
            segments[-1]["items"].append(entry)
        else:
            segments.append({**entry, "items": [entry]})
    return {"channel_label": "ch_0", "speakers": len({t.speaker for t in tokens if t.speaker is not None}),
            "segments": segments}


def _audio_segments(tokens: list[Token], speakers: bool) -> list[dict[str, Any]]:
    """Items grouped by segment, speaker, channel and language, in item order."""
    groups: list[list[int]] = []
    key = None
    for index, token in enumerate(tokens):
        token_key = (token.segment, token.speaker if speakers else None, token.channel, token.language)
        if token.type == "punctuation" and groups:
            groups[-1].append(index)
            continue
        if token_key != key or not groups:
            groups.append([])
            key = token_key
        groups[-1].append(index)
    segments = []
    for number, group in enumerate(groups):
        timed = [tokens[i] for i in group if tokens[i].type == "pronunciation"]
        if not timed:
            continue
        first = timed[0]
        segment: dict[str, Any] = {"id": len(segments), "transcript": text_of([tokens[i] for i in group]),
                                   "start_time": _time(first.start), "end_time": _time(timed[-1].end)}
        if speakers and first.speaker is not None:
            segment["speaker_label"] = f"spk_{first.speaker}"
        if first.channel is not None:
            segment["channel_label"] = f"ch_{first.channel}"
        if first.language:
            segment["language_code"] = first.language
        segment["items"] = group
        segments.append(segment)
    return segments


def alternative_segments(segments: list[tuple[float, float, list[list[Token]]]]) -> list[dict[str, Any]]:
    """`results.segments` for ShowAlternatives: each segment's n-best transcripts with their items."""
    out = []
    for start, end, hypotheses in segments:
        alternatives = []
        for tokens in hypotheses:
            items = []
            for token in tokens:
                item: dict[str, Any] = {}
                if token.type == "pronunciation":
                    item["start_time"], item["end_time"] = _time(token.start), _time(token.end)
                item.update({"confidence": _number(token.confidence if token.type == "pronunciation" else 0),
                             "content": token.content, "type": token.type})
                if token.flags.get("vocabularyFilterMatch"):
                    item["vocabularyFilterMatch"] = True
                items.append(item)
            alternatives.append({"transcript": text_of(tokens), "items": items})
        out.append({"start_time": _time(start), "end_time": _time(end), "alternatives": alternatives})
    return out


# --- subtitles -----------------------------------------------------------------------------------------

def cues(tokens: list[Token], max_words: int = 10, max_seconds: float = 4.0) -> list[tuple[float, float, str]]:
    """Subtitle cues: runs of words broken at sentence ends, segment changes, 10 words or 4 seconds."""
    out: list[tuple[float, float, str]] = []
    run: list[Token] = []

    def flush() -> None:
        timed = [t for t in run if t.type == "pronunciation"]
        if timed:
            out.append((timed[0].start, timed[-1].end, text_of(run)))
        run.clear()

    for token in tokens:
        if token.type == "pronunciation" and run:
            timed = [t for t in run if t.type == "pronunciation"]
            if (len(timed) >= max_words or token.end - timed[0].start > max_seconds
                    or token.segment != timed[-1].segment or token.speaker != timed[-1].speaker
                    or token.channel != timed[-1].channel or run[-1].content in _SENTENCE_END):
                flush()
        if token.type == "pronunciation" or run:
            run.append(token)
    flush()
    return out


def _clock(seconds: float, separator: str) -> str:
    millis = int(round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def subtitles(tokens: list[Token], form: str, start_index: int = 0) -> str:
    """SubRip (`srt`) or WebVTT (`vtt`) text, cues numbered from `start_index`."""
    separator = "," if form == "srt" else "."
    blocks = [f"{number}\n{_clock(start, separator)} --> {_clock(end, separator)}\n{text}\n"
              for number, (start, end, text) in enumerate(cues(tokens), start=start_index)]
    body = "\n".join(blocks)
    return f"WEBVTT\n\n{body}" if form == "vtt" else body

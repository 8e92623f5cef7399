"""Machine translation, AWS-agnostic: pluggable backends, terminology, formality, profanity masking.

    from sextant.engines.translate import translate
    translate(["The house is red."], "en", "es")[0].text   # 'La casa es roja.'

Backends: Debian's Apertium (default) and CTranslate2 model folders a user configures with
`SEXTANT_TRANSLATE_MODELS` (ahead of Apertium for their pairs). Text is translated line by line
(every line break is kept); terminology terms and masked words travel through the backend as
placeholders, so they come out exactly as specified.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field

from .apertium import ApertiumTranslator
from .base import Registry, Translator, UnsupportedPair
from .ctranslate import ENV as MODELS_ENV
from .ctranslate import CTranslate2Translator, parse_models
from .langid import detect
from .terminology import Glossary, Protected, Terminology, TerminologyError, parse

__all__ = ["Registry", "Translator", "UnsupportedPair", "ApertiumTranslator", "CTranslate2Translator",
           "Glossary", "Terminology", "TerminologyError", "parse", "detect", "Translation", "registry",
           "translate", "translate_html", "MASK"]

MASK = "?$#@$"
PROFANITY_THRESHOLD = 0.99
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass
class Translation:
    """One translated text and what was applied to it."""

    text: str
    terms: list[tuple[str, str]] = field(default_factory=list)  # (source term, target term) applied
    formality: str | None = None       # the register applied, None when the backend cannot control it
    profanity_masked: bool = False


def build_registry(environ: dict[str, str] | None = None) -> Registry:
    """Configured CTranslate2 models first, then Apertium."""
    environ = os.environ if environ is None else environ
    backends: list[Translator] = []
    if environ.get(MODELS_ENV, "").strip():
        backends.append(CTranslate2Translator(parse_models(environ[MODELS_ENV])))
    backends.append(ApertiumTranslator())
    return Registry(backends)


@functools.cache
def registry() -> Registry:
    """The process-wide registry, built from the environment once."""
    return build_registry()


def _profane(words: set[str]) -> set[str]:
    if not words:
        return set()
    from profanity_check import predict_prob

    ordered = sorted(words)
    return {word for word, p in zip(ordered, predict_prob(ordered)) if p >= PROFANITY_THRESHOLD}


def _mask_glossary(texts: list[str]) -> Glossary:
    """A glossary mapping each profane English word of `texts` to the mask."""
    words = {m.group(0).lower() for text in texts for m in _WORD.finditer(text)}
    return Glossary([(word, MASK) for word in _profane(words)])


def _mask_output(text: str) -> str:
    bad = _profane({m.group(0).lower() for m in _WORD.finditer(text)})
    return _WORD.sub(lambda m: MASK if m.group(0).lower() in bad else m.group(0), text) if bad else text


def translate(texts: list[str], source: str, target: str, *, glossary: Glossary | None = None,
              formality: str | None = None, mask_profanity: bool = False,
              backends: Registry | None = None) -> list[Translation]:
    """Translate plain texts (each may span lines) from `source` to `target`; UnsupportedPair if no backend."""
    backend = (backends or registry()).translator_for(source, target)
    applied_formality = formality if formality in ("FORMAL", "INFORMAL") and \
        target in backend.formality_targets() else None
    masks = _mask_glossary(texts) if mask_profanity and source == "en" else None
    protector = _protector(glossary, masks)
    # Every non-blank line of every text is one segment; keep each line's surrounding whitespace.
    lines = [text.split("\n") for text in texts]
    segments: list[Protected] = []
    for text_lines in lines:
        for line in text_lines:
            if line.strip():
                segments.append(protector.protect(line.strip()) if protector else Protected(line.strip()))
    outputs = _translate_protected(backend, segments, source, target, applied_formality)
    results, cursor = [], 0
    for text_lines in lines:
        out_lines, terms = [], []
        for line in text_lines:
            if not line.strip():
                out_lines.append(line)
                continue
            core = line.strip()
            start = line.index(core)
            translated = outputs[cursor]
            for pair in segments[cursor].applied:
                if pair[1] != MASK and pair not in terms:
                    terms.append(pair)
            cursor += 1
            out_lines.append(line[:start] + translated + line[start + len(core):])
        text = "\n".join(out_lines)
        masked = mask_profanity and target == "en"
        results.append(Translation(_mask_output(text) if masked else text, terms, applied_formality,
                                   mask_profanity and source == "en" or masked))
    return results


def _protector(glossary: Glossary | None, masks: Glossary | None) -> Glossary | None:
    """One glossary of the terminology's terms and the profane words to mask (a term wins over a mask)."""
    if masks is None or masks.pattern is None:
        return glossary
    terms = list(glossary.terms.values()) if glossary is not None else []
    return Glossary(terms + list(masks.terms.values()))


def _translate_protected(backend: Translator, segments: list[Protected], source: str, target: str,
                         formality: str | None) -> list[str]:
    """Translate, put the terms back; a segment whose placeholder got lost is redone piece by piece."""
    raw = backend.translate([s.text for s in segments], source, target, formality)
    outputs = []
    for segment, out in zip(segments, raw):
        restored, complete = segment.restore(out)
        if not complete:
            restored = _piecewise(backend, segment, source, target, formality)
        outputs.append(restored)
    return outputs


def _piecewise(backend: Translator, segment: Protected, source: str, target: str, formality: str | None) -> str:
    """Translate the text between placeholders separately and join it around the target terms."""
    parts = re.split(r"(QZX\d+XQZ)", segment.text)
    texts = [part for i, part in enumerate(parts) if i % 2 == 0]
    translated = iter(backend.translate([t.strip() for t in texts], source, target, formality))
    out = []
    for i, part in enumerate(parts):
        if i % 2:
            out.append(segment.targets[int(part[3:-3])])
        else:
            piece = next(translated)
            out.append(piece)
    return " ".join(p for p in out if p)


def translate_html(document: str, source: str, target: str, *, glossary: Glossary | None = None,
                   formality: str | None = None, mask_profanity: bool = False,
                   backends: Registry | None = None) -> Translation:
    """An HTML document translated with its markup kept; terminology and masks apply to its text."""
    from .markup import _PARTS

    backend = (backends or registry()).translator_for(source, target)
    applied_formality = formality if formality in ("FORMAL", "INFORMAL") and \
        target in backend.formality_targets() else None
    parts = _PARTS.split(document)
    texts = [parts[i] for i in range(0, len(parts), 2)]
    masks = _mask_glossary(texts) if mask_profanity and source == "en" else None
    protector = _protector(glossary, masks)
    joined = "\x00".join(t.replace("\x00", "") for t in texts)  # NUL marks the tags' places
    protected = protector.protect(joined) if protector else Protected(joined)
    pieces = protected.text.split("\x00")
    parts[0::2] = pieces
    out = backend.translate_html("".join(parts), source, target, applied_formality)
    restored, complete = protected.restore(out)
    if not complete:  # fall back to text runs between tags, each with its placeholders kept
        from .markup import translate_html as by_runs

        class _Runs(Translator):
            def pairs(self):
                return backend.pairs()

            def translate(self, runs, src, tgt, formality=None):
                return _translate_protected(backend, [Protected(r, protected.targets) for r in runs], src, tgt,
                                            formality)

        restored = by_runs(_Runs(), "".join(parts), source, target, applied_formality)
    masked = mask_profanity and target == "en"
    terms = [pair for pair in protected.applied if pair[1] != MASK]
    return Translation(_mask_output_html(restored) if masked else restored, terms, applied_formality,
                       mask_profanity and (source == "en" or masked))


def _mask_output_html(document: str) -> str:
    from .markup import _PARTS

    parts = _PARTS.split(document)
    parts[0::2] = [_mask_output(p) for p in parts[0::2]]
    return "".join(parts)

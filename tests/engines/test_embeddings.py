"""The sentence encoder: the same vectors as sentence-transformers, and meaning that ranks sensibly."""

from __future__ import annotations

import numpy as np
import pytest

from sextant.engines.text.embeddings import SentenceEncoder, packaged_model


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder()


def test_matches_sentence_transformers(encoder):
    sentence_transformers = pytest.importorskip("sentence_transformers")
    texts = ["Which customers will cancel their subscription?", "Transcribe the call recordings", "x" * 2000]
    reference = sentence_transformers.SentenceTransformer(str(packaged_model()), device="cpu").encode(texts)
    assert np.abs(encoder.encode(texts) - reference).max() < 1e-5


def test_similar_meanings_rank_first(encoder):
    query, *candidates = encoder.encode(["predict which subscribers will leave next month",
                                         "customer churn prediction from account data",
                                         "translate product descriptions into Spanish",
                                         "find the faces in a photo"])
    scores = candidates @ query
    assert scores.argmax() == 0 and np.allclose(np.linalg.norm(candidates, axis=1), 1.0, atol=1e-5)

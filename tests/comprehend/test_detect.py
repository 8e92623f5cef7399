"""Comprehend's synchronous operations through boto3 against the server."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

EMOJI_TEXT = "🎉🎉 Angela Merkel met Emmanuel Macron in Paris on Monday to discuss Airbus."


@pytest.fixture(scope="module")
def comprehend(server):
    return server.client("comprehend")


def error_code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    return caught.value.response["Error"]["Code"]


def test_dominant_language(comprehend):
    languages = comprehend.detect_dominant_language(
        Text="Le gouvernement a annoncé une nouvelle réforme des retraites hier soir.")["Languages"]
    assert languages[0]["LanguageCode"] == "fr" and languages[0]["Score"] > 0.9
    assert [item["Score"] for item in languages] == sorted((item["Score"] for item in languages), reverse=True)
    traditional = comprehend.detect_dominant_language(Text="這是一個關於我們國家經濟發展的長篇報導。")["Languages"]
    assert traditional[0]["LanguageCode"] == "zh-TW"


def test_entities_offsets_count_code_points(comprehend):
    entities = comprehend.detect_entities(Text=EMOJI_TEXT, LanguageCode="en")["Entities"]
    found = {(e["Text"], e["Type"]) for e in entities}
    assert {("Angela Merkel", "PERSON"), ("Emmanuel Macron", "PERSON"), ("Paris", "LOCATION"),
            ("Monday", "DATE")} <= found
    for entity in entities:  # "🎉" is one code point (two UTF-16 units): offsets index code points
        assert EMOJI_TEXT[entity["BeginOffset"]:entity["EndOffset"]] == entity["Text"]
        assert 0 < entity["Score"] <= 1
    assert entities[0]["BeginOffset"] == EMOJI_TEXT.index("Angela") == 3


def test_key_phrases_and_syntax(comprehend):
    text = "The quick brown fox jumps over the lazy dog."
    phrases = comprehend.detect_key_phrases(Text=text, LanguageCode="en")["KeyPhrases"]
    assert [p["Text"] for p in phrases] == ["The quick brown fox", "the lazy dog"]
    tokens = comprehend.detect_syntax(Text=text, LanguageCode="en")["SyntaxTokens"]
    assert [t["PartOfSpeech"]["Tag"] for t in tokens] == ["DET", "ADJ", "ADJ", "NOUN", "VERB", "ADP", "DET", "ADJ",
                                                          "NOUN", "PUNCT"]
    assert [t["TokenId"] for t in tokens] == list(range(1, 11))
    assert all(text[t["BeginOffset"]:t["EndOffset"]] == t["Text"] and 0 < t["PartOfSpeech"]["Score"] <= 1
               for t in tokens)


@pytest.mark.parametrize("text, expected", [
    ("I absolutely loved this film: the acting was superb and the story moved me.", "POSITIVE"),
    ("What a waste of two hours. The plot is dull and the dialogue is painful.", "NEGATIVE"),
    ("The package contains two cables and a manual.", "NEUTRAL"),
    ("The food was wonderful, but the service was rude and painfully slow.", "MIXED"),
])
def test_sentiment(comprehend, text, expected):
    result = comprehend.detect_sentiment(Text=text, LanguageCode="en")
    score = result["SentimentScore"]
    assert result["Sentiment"] == expected, result
    assert set(score) == {"Positive", "Negative", "Neutral", "Mixed"}
    assert sum(score.values()) == pytest.approx(1.0, abs=1e-4)
    assert max(score, key=score.get).upper() == expected


def test_targeted_sentiment(comprehend):
    text = "The pasta was delicious, but the waiter was rude to my sister."
    entities = comprehend.detect_targeted_sentiment(Text=text, LanguageCode="en")["Entities"]
    mentions = {m["Text"]: m for e in entities for m in e["Mentions"]}
    assert mentions["The pasta"]["MentionSentiment"]["Sentiment"] == "POSITIVE"
    assert mentions["the waiter"]["MentionSentiment"]["Sentiment"] == "NEGATIVE"
    for entity in entities:
        assert entity["DescriptiveMentionIndex"]
        for m in entity["Mentions"]:
            assert text[m["BeginOffset"]:m["EndOffset"]] == m["Text"]
            assert sum(m["MentionSentiment"]["SentimentScore"].values()) == pytest.approx(1.0, abs=1e-4)


def test_pii(comprehend):
    text = ("Contact Maria Garcia at maria.garcia@example.org or 415-555-0132. "
            "Her SSN is 512-44-9876 and her card 4111 1111 1111 1111 expires 04/28.")
    entities = comprehend.detect_pii_entities(Text=text, LanguageCode="en")["Entities"]
    found = {(text[e["BeginOffset"]:e["EndOffset"]], e["Type"]) for e in entities}
    assert {("Maria Garcia", "NAME"), ("maria.garcia@example.org", "EMAIL"), ("415-555-0132", "PHONE"),
            ("512-44-9876", "SSN"), ("4111 1111 1111 1111", "CREDIT_DEBIT_NUMBER"),
            ("04/28", "CREDIT_DEBIT_EXPIRY")} <= found
    labels = {label["Name"] for label in comprehend.contains_pii_entities(Text=text, LanguageCode="en")["Labels"]}
    assert {"NAME", "EMAIL", "PHONE", "SSN", "CREDIT_DEBIT_NUMBER"} <= labels
    plain = comprehend.contains_pii_entities(Text="The sky is blue and the grass is green.", LanguageCode="en")
    assert plain["Labels"] == []


def test_toxic_content(comprehend):
    result = comprehend.detect_toxic_content(
        TextSegments=[{"Text": "You are a fucking idiot."}, {"Text": "Thanks, have a lovely weekend!"}],
        LanguageCode="en")["ResultList"]
    rude, kind = ({label["Name"]: label["Score"] for label in r["Labels"]} for r in result)
    assert len(rude) == 7 and rude["PROFANITY"] > 0.8 and rude["INSULT"] > 0.5
    assert result[0]["Toxicity"] > 0.8 > 0.2 > result[1]["Toxicity"]
    assert max(kind.values()) < 0.2


def test_batches(comprehend):
    texts = ["Berlin is the capital of Germany.", "   ", "Tokyo hosted the Olympics in 2021.", "x" * 5001]
    entities = comprehend.batch_detect_entities(TextList=texts, LanguageCode="en")
    assert [r["Index"] for r in entities["ResultList"]] == [0, 2]
    assert {e["Text"] for e in entities["ResultList"][1]["Entities"]} >= {"Tokyo", "2021"}
    assert [(e["Index"], e["ErrorCode"]) for e in entities["ErrorList"]] == [(1, "INVALID_REQUEST"),
                                                                             (3, "TEXT_SIZE_LIMIT_EXCEEDED")]
    good = texts[::2]
    sentiment = comprehend.batch_detect_sentiment(TextList=good + ["I hate this awful product."], LanguageCode="en")
    assert [r["Sentiment"] for r in sentiment["ResultList"]][-1] == "NEGATIVE" and sentiment["ErrorList"] == []
    languages = comprehend.batch_detect_dominant_language(
        TextList=["Das ist ein schöner Tag im Park.", "Hola, ¿cómo estás hoy?"])
    assert [r["Languages"][0]["LanguageCode"] for r in languages["ResultList"]] == ["de", "es"]
    phrases = comprehend.batch_detect_key_phrases(TextList=good, LanguageCode="en")["ResultList"]
    assert phrases[0]["KeyPhrases"][0]["Text"] == "Berlin"
    syntax = comprehend.batch_detect_syntax(TextList=good, LanguageCode="en")["ResultList"]
    assert syntax[1]["SyntaxTokens"][0]["PartOfSpeech"]["Tag"] == "PROPN"
    targeted = comprehend.batch_detect_targeted_sentiment(TextList=["I love my new phone."], LanguageCode="en")
    assert any(m["Text"] == "my new phone" for e in targeted["ResultList"][0]["Entities"] for m in e["Mentions"])


def test_errors(comprehend, server):
    assert error_code(comprehend.detect_sentiment, Text="   ", LanguageCode="en") == "InvalidRequestException"
    assert error_code(comprehend.detect_sentiment, Text="a" * 5001, LanguageCode="en") == \
        "TextSizeLimitExceededException"
    assert error_code(comprehend.detect_entities, Text="é" * 50_001, LanguageCode="en") == \
        "TextSizeLimitExceededException"  # 100,002 UTF-8 bytes
    assert error_code(comprehend.detect_entities, Text="Guten Tag, Herr Müller.", LanguageCode="de") == \
        "UnsupportedLanguageException"
    assert error_code(comprehend.detect_syntax, Text="Bonjour.", LanguageCode="fr") == "UnsupportedLanguageException"
    assert error_code(comprehend.detect_entities, Text="No language given.") == "InvalidRequestException"
    assert error_code(comprehend.batch_detect_sentiment, TextList=["ok"] * 26, LanguageCode="en") == \
        "BatchSizeLimitExceededException"
    assert error_code(comprehend.detect_toxic_content, TextSegments=[{"Text": "hi"}] * 11, LanguageCode="en") == \
        "InvalidRequestException"
    unchecked = server.client("comprehend", parameter_validation=False)
    assert error_code(unchecked.detect_key_phrases, Text="", LanguageCode="en") in ("InvalidRequestException",
                                                                                    "ValidationException")

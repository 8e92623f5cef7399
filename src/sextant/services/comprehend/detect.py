"""Comprehend's synchronous analysis: Detect*, BatchDetect*, ContainsPiiEntities and DetectToxicContent.

Every answer is computed by `sextant.engines.nlp`. Its models are English ones, so every operation
that takes a LanguageCode answers UnsupportedLanguageException for any other language (AWS supports
up to twelve); DetectDominantLanguage identifies 176 languages. Sizes are UTF-8 bytes, with AWS's
limits: 100,000 for entities, key phrases, dominant language and PII; 5,000 for sentiment, targeted
sentiment and syntax, and for each document of a batch (at most 25 documents).
"""

from __future__ import annotations

from typing import Any, Callable

from ...engines import nlp
from ...errors import ServiceError
from ..context import Context

LIMITS = {"entities": 100_000, "key_phrases": 100_000, "dominant_language": 100_000, "pii": 100_000,
          "sentiment": 5_000, "targeted_sentiment": 5_000, "syntax": 5_000}
BATCH_DOCUMENT_LIMIT = 5_000
BATCH_SIZE = 25
TOXIC_SEGMENTS, TOXIC_SEGMENT_LIMIT, TOXIC_TOTAL_LIMIT = 10, 1_000, 10_000
LANGUAGES = ("en",)  # what the engine's models can analyse


def _languages(text: str) -> dict[str, Any]:
    return {"Languages": [{"LanguageCode": code, "Score": round(score, 6)}
                          for code, score in nlp.detect_language(text)]}


RUNNERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "entities": lambda text: {"Entities": nlp.detect_entities(text)},
    "key_phrases": lambda text: {"KeyPhrases": nlp.detect_key_phrases(text)},
    "sentiment": nlp.detect_sentiment,
    "targeted_sentiment": lambda text: {"Entities": nlp.detect_targeted_sentiment(text)},
    "dominant_language": _languages,
    "pii": lambda text: {"Entities": nlp.detect_pii(text, "en")},
    "syntax": lambda text: {"SyntaxTokens": nlp.detect_syntax(text)},
}


def check_text(text: str, limit: int, field: str = "Text") -> None:
    """InvalidRequestException for blank text, TextSizeLimitExceededException over `limit` UTF-8 bytes."""
    if not text or not text.strip():
        raise ServiceError("InvalidRequestException", f"{field} must contain at least one non-whitespace character.")
    size = len(text.encode("utf-8"))
    if size > limit:
        raise ServiceError("TextSizeLimitExceededException",
                           f"Input text size exceeds limit. Max length of request text allowed is {limit} bytes "
                           f"while in this request the text size is {size} bytes ({field}).")


def check_language(code: str | None, field: str = "LanguageCode") -> None:
    """UnsupportedLanguageException unless the engine's models cover `code`."""
    if not code:
        raise ServiceError("InvalidRequestException", f"{field} is required.")
    if code not in LANGUAGES:
        raise ServiceError("UnsupportedLanguageException",
                           f"{field} '{code}' is not supported by this server's models; supported: "
                           f"{', '.join(LANGUAGES)}.")


def analyze(kind: str, text: str, language_code: str | None, limit: int | None = None) -> dict[str, Any]:
    """The single-document response body of Detect<kind> for `text` (e.g. {"Entities": [...]}).

    kind is one of entities, key_phrases, sentiment, targeted_sentiment, dominant_language, pii, syntax;
    `limit` overrides the synchronous size limit (asynchronous jobs have their own). Raises ServiceError.
    """
    if kind not in RUNNERS:
        raise ValueError(f"unknown analysis {kind!r}; one of {sorted(RUNNERS)}")
    check_text(text, LIMITS[kind] if limit is None else limit)
    if kind != "dominant_language":
        check_language(language_code)
    return RUNNERS[kind](text)


# --- single-document operations ---------------------------------------------------------------

def detect_dominant_language(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return analyze("dominant_language", params["Text"], None)


def detect_entities(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    if params.get("EndpointArn"):
        from .custom import custom_entities

        return custom_entities(context, params)
    if params.get("Bytes") is not None or params.get("DocumentReaderConfig") is not None:
        raise ServiceError("InvalidRequestException",
                           "Bytes and DocumentReaderConfig are only accepted with the EndpointArn of a custom "
                           "entity recognizer; send plain text in Text.")
    if params.get("Text") is None:
        raise ServiceError("InvalidRequestException", "Text is required.")
    return analyze("entities", params["Text"], params.get("LanguageCode"))


def detect_key_phrases(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return analyze("key_phrases", params["Text"], params["LanguageCode"])


def detect_sentiment(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return analyze("sentiment", params["Text"], params["LanguageCode"])


def detect_targeted_sentiment(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return analyze("targeted_sentiment", params["Text"], params["LanguageCode"])


def detect_syntax(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return analyze("syntax", params["Text"], params["LanguageCode"])


def detect_pii_entities(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return analyze("pii", params["Text"], params["LanguageCode"])


def contains_pii_entities(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    best: dict[str, float] = {}
    for entity in analyze("pii", params["Text"], params["LanguageCode"])["Entities"]:
        best[entity["Type"]] = max(best.get(entity["Type"], 0.0), entity["Score"])
    return {"Labels": [{"Name": name, "Score": score} for name, score in sorted(best.items())]}


def detect_toxic_content(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    segments = [segment["Text"] for segment in params["TextSegments"]]
    if len(segments) > TOXIC_SEGMENTS:
        raise ServiceError("InvalidRequestException",
                           f"TextSegments has {len(segments)} segments; at most {TOXIC_SEGMENTS} are allowed.")
    for index, text in enumerate(segments):
        check_text(text, TOXIC_SEGMENT_LIMIT, f"TextSegments[{index}].Text")
    total = sum(len(text.encode("utf-8")) for text in segments)
    if total > TOXIC_TOTAL_LIMIT:
        raise ServiceError("TextSizeLimitExceededException",
                           f"TextSegments total {total} bytes; the limit is {TOXIC_TOTAL_LIMIT} bytes.")
    check_language(params["LanguageCode"])
    return {"ResultList": nlp.detect_toxicity(segments)}


# --- batch operations -------------------------------------------------------------------------

def _batch(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    texts = params["TextList"]
    if len(texts) > BATCH_SIZE:
        raise ServiceError("BatchSizeLimitExceededException",
                           f"TextList has {len(texts)} documents; the limit is {BATCH_SIZE}.")
    if kind != "dominant_language":
        check_language(params.get("LanguageCode"))
    errors, good = [], []
    for index, text in enumerate(texts):
        try:
            check_text(text, BATCH_DOCUMENT_LIMIT, f"TextList[{index}]")
            good.append(index)
        except ServiceError as error:
            code = "TEXT_SIZE_LIMIT_EXCEEDED" if error.code == "TextSizeLimitExceededException" else "INVALID_REQUEST"
            errors.append({"Index": index, "ErrorCode": code, "ErrorMessage": error.message})
    if kind == "sentiment":  # one model pass for the whole batch
        bodies = nlp.detect_sentiment_many([texts[i] for i in good])
    else:
        bodies = [RUNNERS[kind](texts[i]) for i in good]
    results = [{"Index": index, **body} for index, body in zip(good, bodies)]
    return {"ResultList": results, "ErrorList": errors}


def batch_detect_dominant_language(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _batch("dominant_language", params)


def batch_detect_entities(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _batch("entities", params)


def batch_detect_key_phrases(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _batch("key_phrases", params)


def batch_detect_sentiment(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _batch("sentiment", params)


def batch_detect_targeted_sentiment(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _batch("targeted_sentiment", params)


def batch_detect_syntax(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return _batch("syntax", params)

"""TranslateText, TranslateDocument and ListLanguages."""

from __future__ import annotations

from typing import Any

from ...engines import translate as engine
from ...errors import ServiceError
from ..context import Context
from ..paging import page_answer
from .common import NAMES, backends, check_pair, detect_source
from .terminology import glossary_for

MAX_TEXT_BYTES = 10_000
DOCUMENT_TYPES = ("text/plain", "text/html")
MAX_APPLIED_TERMS = 250


def applied_settings(settings: dict[str, Any], result: engine.Translation) -> dict[str, Any]:
    """The settings that took effect (AWS leaves out a formality the target does not support)."""
    applied: dict[str, Any] = {}
    if result.formality:
        applied["Formality"] = result.formality
    if settings.get("Profanity") and result.profanity_masked:
        applied["Profanity"] = settings["Profanity"]
    return applied


def _prepare(context: Context, params: dict[str, Any], text: str) -> tuple[str, str, Any, str | None]:
    """(source, target, glossary, terminology name) after AWS's checks."""
    settings = params.get("Settings") or {}
    if settings.get("Brevity"):
        raise ServiceError("InvalidRequestException", "Settings.Brevity is not supported by Sextant's translators")
    names = params.get("TerminologyNames") or []
    if len(names) > 1:
        raise ServiceError("InvalidRequestException", "TerminologyNames: only one terminology can be applied per "
                                                      "request")
    source, target = params["SourceLanguageCode"], params["TargetLanguageCode"]
    if source == "auto":
        source = detect_source(text)
    check_pair(source, target)
    glossary = glossary_for(context, names[0], source, target) if names else None
    return source, target, glossary, names[0] if names else None


def _response(source: str, target: str, name: str | None, settings: dict[str, Any],
              result: engine.Translation) -> dict[str, Any]:
    response: dict[str, Any] = {"SourceLanguageCode": source, "TargetLanguageCode": target}
    if name:
        response["AppliedTerminologies"] = [{"Name": name, "Terms": [
            {"SourceText": s, "TargetText": t} for s, t in result.terms[:MAX_APPLIED_TERMS]]}]
    applied = applied_settings(settings, result)
    if applied:
        response["AppliedSettings"] = applied
    return response


def _translate(text: str, source: str, target: str, glossary: Any, settings: dict[str, Any],
               html: bool = False) -> engine.Translation:
    if source == target:
        return engine.Translation(text)
    options = dict(glossary=glossary, formality=settings.get("Formality"),
                   mask_profanity=settings.get("Profanity") == "MASK", backends=backends())
    try:
        if html:
            return engine.translate_html(text, source, target, **options)
        return engine.translate([text], source, target, **options)[0]
    except RuntimeError as exc:  # the backend process failed
        raise ServiceError("ServiceUnavailableException", f"the translation backend failed: {exc}", status=503,
                           sender_fault=False) from None


def translate_text(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    text = params["Text"]
    size = len(text.encode("utf-8"))
    if size > MAX_TEXT_BYTES:
        raise ServiceError("TextSizeLimitExceededException",
                           f"Text is {size} bytes in UTF-8; the limit is {MAX_TEXT_BYTES} bytes")
    if not text.strip():
        raise ServiceError("InvalidRequestException", "Text: the text is empty (only whitespace)")
    settings = params.get("Settings") or {}
    source, target, glossary, name = _prepare(context, params, text)
    result = _translate(text, source, target, glossary, settings)
    return {"TranslatedText": result.text, **_response(source, target, name, settings, result)}


def translate_document(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    document = params["Document"]
    content, content_type = document["Content"], document["ContentType"].split(";")[0].strip().lower()
    if content_type not in DOCUMENT_TYPES:
        raise ServiceError("InvalidRequestException", f"Document.ContentType {content_type!r}: Sextant translates "
                                                      f"{' and '.join(DOCUMENT_TYPES)} documents")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ServiceError("InvalidRequestException", "Document.Content must be UTF-8 encoded") from None
    if not text.strip():
        raise ServiceError("InvalidRequestException", "Document.Content is empty")
    settings = params.get("Settings") or {}
    html = content_type == "text/html"
    source, target, glossary, name = _prepare(context, params, _visible(text) if html else text)
    result = _translate(text, source, target, glossary, settings, html=html)
    return {"TranslatedDocument": {"Content": result.text.encode("utf-8")},
            **_response(source, target, name, settings, result)}


def _visible(html: str) -> str:
    from ...engines.translate.markup import _PARTS

    return " ".join(_PARTS.split(html)[0::2])


def list_languages(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    display = params.get("DisplayLanguageCode") or "en"
    names = NAMES[display]
    languages = [{"LanguageName": names.get(code, code), "LanguageCode": code} for code in backends().languages()]
    return {**page_answer(languages, params, "Languages", 500, "InvalidParameterValueException"),
            "DisplayLanguageCode": display}

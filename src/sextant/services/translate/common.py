"""What the Translate operations share: language checks, language names, stored files and their URLs."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from typing import Any

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ...engines import translate as engine
from ...errors import ServiceError
from ...store.objects import ObjectAttributes
from ..context import Context
from ..jobs import service_bucket

URL_SECONDS = 1800  # AWS's presigned terminology / parallel data URLs last 30 minutes

# LanguageName of each language Sextant translates, in every DisplayLanguageCode AWS accepts.
NAMES = {
    "en": {"en": "English", "es": "Spanish", "ca": "Catalan", "gl": "Galician", "eo": "Esperanto", "eu": "Basque"},
    "es": {"en": "Inglés", "es": "Español", "ca": "Catalán", "gl": "Gallego", "eo": "Esperanto", "eu": "Euskera"},
    "fr": {"en": "Anglais", "es": "Espagnol", "ca": "Catalan", "gl": "Galicien", "eo": "Espéranto", "eu": "Basque"},
    "de": {"en": "Englisch", "es": "Spanisch", "ca": "Katalanisch", "gl": "Galicisch", "eo": "Esperanto",
           "eu": "Baskisch"},
    "it": {"en": "Inglese", "es": "Spagnolo", "ca": "Catalano", "gl": "Galiziano", "eo": "Esperanto",
           "eu": "Basco"},
    "pt": {"en": "Inglês", "es": "Espanhol", "ca": "Catalão", "gl": "Galego", "eo": "Esperanto", "eu": "Basco"},
    "ja": {"en": "英語", "es": "スペイン語", "ca": "カタロニア語", "gl": "ガリシア語", "eo": "エスペラント語", "eu": "バスク語"},
    "ko": {"en": "영어", "es": "스페인어", "ca": "카탈로니아어", "gl": "갈리시아어", "eo": "에스페란토어", "eu": "바스크어"},
    "zh": {"en": "英语", "es": "西班牙语", "ca": "加泰罗尼亚语", "gl": "加利西亚语", "eo": "世界语", "eu": "巴斯克语"},
    "zh-TW": {"en": "英文", "es": "西班牙文", "ca": "加泰隆尼亞文", "gl": "加利西亞文", "eo": "世界語", "eu": "巴斯克文"},
}
AUTO_CONFIDENCE = 0.5  # below this, "auto" answers DetectedLanguageLowConfidenceException


def backends() -> engine.Registry:
    try:
        return engine.registry()
    except ValueError as exc:  # a malformed SEXTANT_TRANSLATE_MODELS
        raise ServiceError("InternalServerException", str(exc), status=500, sender_fault=False) from None


def detect_source(text: str) -> str:
    """The language of `text` for SourceLanguageCode "auto"."""
    found = engine.detect(text, k=1)
    if not found:
        raise ServiceError("InvalidRequestException", "Text: nothing to detect a language in")
    code, score = found[0]
    if score < AUTO_CONFIDENCE:
        raise ServiceError("DetectedLanguageLowConfidenceException",
                           f"Amazon Translate could not detect the language of the text with confidence "
                           f"(best guess {code}, {score:.2f})", DetectedLanguageCode=code)
    return code


def check_pair(source: str, target: str) -> None:
    """UnsupportedLanguagePairException unless a backend translates source → target (or they are equal)."""
    if source == target:
        return
    try:
        backends().translator_for(source, target)
    except engine.UnsupportedPair:
        raise ServiceError("UnsupportedLanguagePairException",
                           f"Unsupported language pair: {source} to {target}. ListLanguages names the languages "
                           "Sextant translates.", SourceLanguageCode=source, TargetLanguageCode=target) from None


def epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.replace(tzinfo=value.tzinfo or timezone.utc).timestamp()
    return value


def internal_bucket(context: Context) -> str:
    """The server's own bucket for files it hands out by URL (created on first use)."""
    return service_bucket(context.store, f"sextant-translate-{context.account}", context.account, context.region)


def store_file(context: Context, key: str, data: bytes, content_type: str) -> str:
    """Keep `data` in the internal bucket; a presigned GET URL for it."""
    bucket = internal_bucket(context)
    context.store.objects.put_object(bucket, key, io.BytesIO(data), ObjectAttributes(content_type=content_type))
    return presigned_url(context, bucket, key)


def delete_file(context: Context, key: str) -> None:
    try:
        context.store.objects.delete_object(f"sextant-translate-{context.account}", key)
    except ServiceError:
        pass


def presigned_url(context: Context, bucket: str, key: str) -> str:
    """A SigV4 presigned S3 GET URL on this server, signed with the caller's key (valid 30 minutes)."""
    access_key = context.access_key or "sextant"
    secret = context.settings.access_keys.get(access_key, ("sextant", ""))[0]
    request = AWSRequest(method="GET", url=f"{context.base_url}/{bucket}/{key}")
    S3SigV4QueryAuth(Credentials(access_key, secret), "s3", context.region, expires=URL_SECONDS).add_auth(request)
    return request.url

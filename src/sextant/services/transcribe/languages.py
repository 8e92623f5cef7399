"""Amazon Transcribe language codes ↔ Whisper's language codes."""

from __future__ import annotations

from functools import lru_cache

# The AWS code a Whisper language maps to when nothing narrows it down (the most used locale).
PREFERRED = {"en": "en-US", "es": "es-US", "fr": "fr-FR", "de": "de-DE", "pt": "pt-BR", "zh": "zh-CN",
             "ar": "ar-SA", "sw": "sw-KE", "ckb": "ckb-IQ", "et": "et-EE"}
# AWS codes whose language prefix is not Whisper's code for it
SPECIAL = {"en-WL": "en", "en-AB": "en", "cy-WL": "cy", "no-NO": "no", "ckb-IQ": None, "ckb-IR": None,
           "ab-GE": None, "ast-ES": None, "kab-DZ": None, "mhr-RU": None, "lg-IN": None, "rw-RW": None,
           "wo-SN": None, "zu-ZA": None, "ug-CN": None, "ky-KG": None, "or-IN": None, "et-ET": None}


@lru_cache(maxsize=1)
def aws_codes() -> tuple[str, ...]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("transcribe")
    return tuple(model.shape_for("LanguageCode").enum)


@lru_cache(maxsize=1)
def _whisper_codes() -> frozenset[str]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


def to_whisper(code: str) -> str | None:
    """Whisper's code for an AWS language code, or None when Whisper does not know the language."""
    whisper = SPECIAL[code] if code in SPECIAL else code.split("-")[0]
    return whisper if whisper in _whisper_codes() else None


def to_aws(whisper: str, options: list[str] | None = None) -> str | None:
    """The AWS code for a Whisper language: the first matching option, else the preferred locale."""
    for code in options or ():
        if to_whisper(code) == whisper:
            return code
    if whisper in PREFERRED:
        return PREFERRED[whisper]
    return next((code for code in aws_codes() if to_whisper(code) == whisper), None)


def supported() -> list[str]:
    """The AWS language codes the local engine can transcribe."""
    return [code for code in aws_codes() if to_whisper(code)]

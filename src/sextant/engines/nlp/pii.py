"""Personally identifiable information, in Comprehend's PII entity types (English).

Presidio's analyzer runs on the shared spaCy pipeline (its NlpEngine is handed the already-loaded
model, so presidio never looks for or downloads one; its e-mail check uses tldextract's bundled
suffix list instead of fetching one) with its pattern recognizers for e-mail, phone, credit card
(Luhn), IP, MAC, URL, IBAN, dates, US SSN/ITIN/passport/driver's licence/bank/ABA routing, UK NINO,
Canadian SIN and Indian PAN, plus spaCy's PERSON / place / date entities (relative dates such as
"yesterday" are dropped). Comprehend types presidio lacks are found here: a keyword followed by a
value of the right form (CVV, card expiry, PIN, user name, password, bank account and routing numbers,
passport, driver id, licence plate, SWIFT code, SIN, SSN, age, a name after "my name is"/"Dr."/"call",
a phone number after "phone"/"call"), and free-standing forms (AWS access and secret keys, vehicle
identification numbers with a valid check digit, North American phone numbers, street addresses,
ages such as "40 years old"). Overlaps are resolved by tier — a value right after its keyword, then
a pattern, then the NER model — then score, then length; neighbouring address parts ("12 Main St,
Springfield, IL 62704") are joined into one ADDRESS. Scores are presidio's (after its context boost)
or fixed per rule: they rank, they are not calibrated probabilities.
"""

from __future__ import annotations

import bisect
import re
import threading
from functools import cache

from . import pipeline

# presidio entity → Comprehend PiiEntityType
PRESIDIO_TYPES = {
    "PERSON": "NAME", "LOCATION": "ADDRESS", "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "US_SSN": "SSN",
    "CREDIT_CARD": "CREDIT_DEBIT_NUMBER", "DATE_TIME": "DATE_TIME", "URL": "URL", "IP_ADDRESS": "IP_ADDRESS",
    "MAC_ADDRESS": "MAC_ADDRESS", "US_BANK_NUMBER": "BANK_ACCOUNT_NUMBER", "ABA_ROUTING_NUMBER": "BANK_ROUTING",
    "US_PASSPORT": "PASSPORT_NUMBER", "US_DRIVER_LICENSE": "DRIVER_ID",
    "US_ITIN": "US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER", "IBAN_CODE": "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
    "UK_NINO": "UK_NATIONAL_INSURANCE_NUMBER", "CA_SIN": "CA_SOCIAL_INSURANCE_NUMBER",
    "IN_PAN": "IN_PERMANENT_ACCOUNT_NUMBER",
}
# Which finding wins an overlap: a value right after its keyword, then a pattern, then the NER model.
KEYED, PATTERN, NER = 3, 2, 1

MIN_SCORE = 0.4
CHUNK = 5000  # characters of text presidio sees at once

_FILLER = r"(?:\s*(?:number|no\.?|num|#|id|code|is|was|:|=|-|(?:for|of|on) (?:the|my|your|this) \w+)\s*){0,3}\s*"

# (type, keyword, value, score): the value right after the keyword is the entity
_KEYED = [
    ("CREDIT_DEBIT_CVV", r"cvv2?|cvc2?|card verification (?:value|code)|security code", r"\d{3,4}", 0.9),
    ("CREDIT_DEBIT_EXPIRY", r"exp(?:iry|iration)?(?: date)?|expires(?: on)?|valid (?:thru|through|until)",
     r"(?:0?[1-9]|1[0-2])\s?[/-]\s?(?:\d{4}|\d{2})", 0.9),
    ("PIN", r"pin(?: code)?", r"\d{4,8}", 0.85),
    ("USERNAME", r"user ?name|user id|login(?: name)?|screen name|handle", r"@?[A-Za-z0-9][A-Za-z0-9._@-]{2,63}", 0.85),
    ("PASSWORD", r"password|passcode|passwd|pwd", r"[^\s,;\"']{4,64}", 0.85),
    ("BANK_ACCOUNT_NUMBER", r"(?:bank |checking |savings )?account|acct\.?", r"\d{6,17}", 0.85),
    ("BANK_ROUTING", r"routing|aba|rtn", r"\d{9}", 0.9),
    ("PASSPORT_NUMBER", r"passport", r"[A-Z0-9]{6,9}", 0.9),
    ("DRIVER_ID", r"driver'?s? licen[cs]e|driving licen[cs]e|DL", r"[A-Z0-9][A-Z0-9-]{4,15}", 0.9),
    ("LICENSE_PLATE", r"licen[cs]e plate|plate|registration plate|tag", r"[A-Z0-9]{1,4}[ -]?[A-Z0-9]{2,5}", 0.85),
    ("SWIFT_CODE", r"swift|bic", r"[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?", 0.9),
    ("CA_SOCIAL_INSURANCE_NUMBER", r"sin|social insurance", r"\d{3}[ -]?\d{3}[ -]?\d{3}", 0.85),
    ("SSN", r"ssn|social security", r"\d{3}[ -]?\d{2}[ -]?\d{4}", 0.9),
    ("AGE", r"age[ds]?", r"\d{1,3}", 0.85),
    ("NAME", r"my name is|name|mr\.?|mrs\.?|ms\.?|dr\.?|dear|spoke (?:with|to)|call|contact|ask for|signed|regards,?",
     r"[A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2}", 0.7),
    ("PHONE", r"phone|tel|telephone|mobile|cell|fax|call|text", r"\+?[\d(][\d ().-]{6,18}\d", 0.8),
]
_KEYED_PATTERNS = [(kind, re.compile(rf"(?i:\b(?:{key})\b){_FILLER}(?P<value>{value})\b"), score)
                   for kind, key, value, score in _KEYED]

_STREET = (r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|"
           r"Parkway|Pkwy|Circle|Cir|Highway|Hwy|Square|Sq|Trail|Trl)\b\.?")
_FREE = [
    ("AWS_ACCESS_KEY", re.compile(r"\b(?:AKIA|ASIA|AIDA|AROA|AGPA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b"), 0.95),
    ("AWS_SECRET_KEY", re.compile(r"(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+=]*[0-9])(?=[A-Za-z0-9/+=]*[a-z])"
                                  r"(?=[A-Za-z0-9/+=]*[A-Z])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])"), 0.8),
    ("AGE", re.compile(r"\b\d{1,3}[- ](?:years?|yrs?|months?)(?:[- ]old)?\b", re.I), 0.85),
    ("PHONE", re.compile(r"(?<![\w+])(?:\+1[ .-]?)?(?:\([2-9]\d{2}\)\s?|[2-9]\d{2}[ .-])[2-9]\d{2}[ .-]\d{4}\b"), 0.75),
    ("ADDRESS", re.compile(rf"\b\d{{1,6}}\s+(?:[A-Z0-9][a-z0-9]*\.?\s+){{1,4}}{_STREET}"
                           r"(?:,?\s+(?:Apt|Apartment|Suite|Ste|Unit|#)\.?\s*#?\w+)?"
                           r"(?:,\s+[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2},\s+[A-Z]{2}(?:\s+\d{5}(?:-\d{4})?)?)?"), 0.9),
]
_VIN = re.compile(r"\b[A-HJ-NPR-Z0-9]{17}\b")
_VIN_VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
               **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]

_ABSOLUTE_DATE = re.compile(r"\d|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)"
                            r"[a-z]*\b", re.I)
_BUILD_LOCK = threading.Lock()

Finding = tuple[str, int, int, float, int]  # type, start, end, score, tier (KEYED / PATTERN / NER)


def _vin_valid(vin: str) -> bool:
    if not (any(c.isdigit() for c in vin) and any(c.isalpha() for c in vin)):
        return False
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS)) % 11
    return vin[8] == ("X" if total == 10 else str(total))


@cache
def _offline_domains():
    """tldextract on its bundled public-suffix snapshot (its default fetches the list from the internet)."""
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@cache
def _analyzer(model: str):
    """A presidio AnalyzerEngine on the shared spaCy model, with the recognizers that fit Comprehend's types."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as pr
    from presidio_analyzer.nlp_engine import SpacyNlpEngine

    class EmailRecognizer(pr.EmailRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return _offline_domains()(pattern_text).fqdn != ""

    engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
    engine.nlp = {"en": pipeline.load(model)}  # already loaded: presidio must not load (or download) its own
    registry = RecognizerRegistry(supported_languages=["en"])
    for recognizer in (pr.CreditCardRecognizer, EmailRecognizer, pr.PhoneRecognizer, pr.UrlRecognizer,
                       pr.IpRecognizer, pr.MacAddressRecognizer, pr.IbanRecognizer, pr.DateRecognizer,
                       pr.UsSsnRecognizer, pr.UsItinRecognizer, pr.UsPassportRecognizer, pr.UsLicenseRecognizer,
                       pr.UsBankRecognizer, pr.AbaRoutingRecognizer,
                       pr.UkNinoRecognizer, pr.CaSinRecognizer, pr.InPanRecognizer):
        registry.add_recognizer(recognizer())
    registry.add_recognizer(pr.SpacyRecognizer(supported_entities=["PERSON", "LOCATION", "DATE_TIME"]))
    return engine, AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])


def detect_pii(text: str, language: str = "en", model: str | None = None) -> list[dict]:
    """PII entities of `text`: [{"Type", "BeginOffset", "EndOffset", "Score"}] in text order.

    English ("en") gets everything; Spanish ("es") only the language-independent patterns (e-mail,
    phone, card numbers, IP/MAC, URL, IBAN, numeric dates, AWS keys, VINs): no names, no addresses,
    no keyword rules. Other languages raise ValueError.
    """
    if language not in ("en", "es"):
        raise ValueError(f"PII detection supports English ('en') and, by patterns only, Spanish ('es'); "
                         f"not {language!r}")
    english = language == "en"
    if not text.strip():
        return []
    name = pipeline.model_name(model)
    with _BUILD_LOCK:
        engine, analyzer = _analyzer(name)
    found = []
    for begin, end in _chunks(text):  # presidio's context step is quadratic in the text's length
        piece = text[begin:end]
        with pipeline.LOCK:
            artifacts = engine.process_text(piece, "en")
        for r in analyzer.analyze(piece, language="en", nlp_artifacts=artifacts):
            kind = PRESIDIO_TYPES.get(r.entity_type)
            from_ner = (r.recognition_metadata or {}).get("recognizer_name") == "SpacyRecognizer"
            if from_ner and (not english or kind == "DATE_TIME" and not _ABSOLUTE_DATE.search(piece[r.start:r.end])):
                continue
            if kind:
                found.append((kind, begin + r.start, begin + r.end, float(r.score), NER if from_ner else PATTERN))
    found += _rules(text, english)
    chosen = _resolve([f for f in found if f[3] >= MIN_SCORE])
    chosen = _join_addresses(text, chosen)
    return [{"Type": kind, "BeginOffset": start, "EndOffset": end, "Score": round(min(score, 1.0), 6)}
            for kind, start, end, score, _ in chosen]


def _chunks(text: str, size: int = CHUNK) -> list[tuple[int, int]]:
    """(start, end) pieces of about `size` characters, cut after a line or sentence end where possible."""
    pieces, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            window = text[start + size // 2:end]
            cut = max(window.rfind("\n"), window.rfind(". "), window.rfind("? "), window.rfind("! "))
            cut = cut if cut >= 0 else window.rfind(" ")
            if cut >= 0:
                end = start + size // 2 + cut + 1
        pieces.append((start, end))
        start = end
    return pieces


def _rules(text: str, english: bool) -> list[Finding]:
    found = []
    for kind, pattern, score in _KEYED_PATTERNS if english else ():
        for match in pattern.finditer(text):
            found.append((kind, match.start("value"), match.end("value"), score, KEYED))
    for kind, pattern, score in _FREE:
        if kind in ("AGE", "ADDRESS") and not english:
            continue
        for match in pattern.finditer(text):
            found.append((kind, match.start(), match.end(), score, PATTERN))
    for match in _VIN.finditer(text):
        if _vin_valid(match.group()):
            found.append(("VEHICLE_IDENTIFICATION_NUMBER", match.start(), match.end(), 0.95, PATTERN))
    return found


def _resolve(found: list[Finding]) -> list[Finding]:
    """Non-overlapping spans: keyed before pattern before NER, then best score, then the longer span."""
    chosen: list[Finding] = []  # non-overlapping, so sorted by start is sorted by end too
    for item in sorted(found, key=lambda f: (-f[4], -round(f[3], 3), -(f[2] - f[1]), f[1], f[0])):
        index = bisect.bisect_left(chosen, item[2], key=lambda f: f[1])  # the first chosen starting at/after its end
        if index == 0 or chosen[index - 1][2] <= item[1]:
            chosen.insert(index, item)
    return chosen


def _join_addresses(text: str, found: list[Finding]) -> list[Finding]:
    """Merge ADDRESS spans separated only by a comma and/or spaces (street, city, state, postcode)."""
    merged: list[Finding] = []
    for item in found:
        if merged and item[0] == merged[-1][0] == "ADDRESS" and re.fullmatch(r"[,\s]*", text[merged[-1][2]:item[1]]):
            last = merged[-1]
            merged[-1] = ("ADDRESS", last[1], item[2], max(last[3], item[3]), max(last[4], item[4]))
        else:
            merged.append(item)
    return merged

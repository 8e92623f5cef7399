"""Amazon Comprehend Medical: DetectPHI, DetectEntitiesV2 (and the older DetectEntities).

PHI comes from `sextant.engines.nlp.phi.detect_phi` (spaCy NER + regexes + a profession lexicon);
the other categories from `detect_clinical`, lexicons and rules for MEDICATION (GENERIC_NAME,
BRAND_NAME with DOSAGE, ROUTE_OR_MODE, FORM, FREQUENCY, DURATION), MEDICAL_CONDITION (DX_NAME with
DIAGNOSIS/SYMPTOM/SIGN, NEGATION, PERTAINS_TO_FAMILY, PAST_HISTORY, HYPOTHETICAL and ACUITY),
TEST_TREATMENT_PROCEDURE (TEST_NAME with TEST_VALUE and TEST_UNIT, PROCEDURE_NAME, TREATMENT_NAME)
and ANATOMY (SYSTEM_ORGAN_SITE with DIRECTION). TIME_EXPRESSION, BEHAVIORAL_ENVIRONMENTAL_SOCIAL,
the ontology-linking operations (InferICD10CM, InferRxNorm, InferSNOMEDCT) and the batch jobs are
not implemented.
"""

from __future__ import annotations

from typing import Any

from ...engines.nlp import phi as engine
from ...errors import ServiceError
from ..context import Context

MAX_TEXT_BYTES = 20_000
PHI_MODEL_VERSION = "sextant-phi-1.0"
ENTITIES_MODEL_VERSION = "sextant-clinical-1.0"


def _text(params: dict[str, Any]) -> str:
    text = params["Text"]
    if not text.strip():
        raise ServiceError("InvalidRequestException", "Text: the text must contain at least one non-whitespace "
                                                      "character")
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise ServiceError("TextSizeLimitExceededException",
                           f"Text: the text is {len(text.encode('utf-8'))} bytes of UTF-8; the limit is "
                           f"{MAX_TEXT_BYTES} bytes")
    return text


def _phi_entities(text: str) -> list[dict[str, Any]]:
    return [dict(entity, Category="PROTECTED_HEALTH_INFORMATION", Traits=[]) for entity in engine.detect_phi(text)]


def _number(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give entities and their attributes the response-wide increasing Ids AWS gives them."""
    next_id = 0
    for entity in entities:
        entity["Id"] = next_id
        next_id += 1
        for attribute in entity.get("Attributes", []):
            attribute["Id"] = next_id
            next_id += 1
    return entities


def detect_phi(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    return {"Entities": _number(_phi_entities(_text(params))), "ModelVersion": PHI_MODEL_VERSION}


def detect_entities_v2(context: Context, params: dict[str, Any]) -> dict[str, Any]:
    text = _text(params)
    clinical, unmapped = engine.detect_clinical(text)
    spans = [(e["BeginOffset"], e["EndOffset"]) for e in clinical]
    spans += [(a["BeginOffset"], a["EndOffset"]) for e in clinical for a in e["Attributes"]]
    spans += [(a["BeginOffset"], a["EndOffset"]) for a in unmapped]
    phi = [e for e in _phi_entities(text)
           if not any(e["BeginOffset"] < end and begin < e["EndOffset"] for begin, end in spans)]
    entities = _number(sorted(clinical + phi, key=lambda e: e["BeginOffset"]))
    return {"Entities": entities, "ModelVersion": ENTITIES_MODEL_VERSION,
            "UnmappedAttributes": [{"Type": a["Category"], "Attribute": a} for a in unmapped]}


detect_entities = detect_entities_v2  # the deprecated first version answers in the same shape

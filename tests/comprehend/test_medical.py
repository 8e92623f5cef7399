"""Comprehend Medical through boto3 (smithy-rpc-v2-cbor): DetectPHI and DetectEntitiesV2."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

NOTE = ("Patient John Smith, a 48-year-old teacher from Seattle, was seen at Mercy Hospital on 03/12/2024 "
        "by Dr. Alice Wong. Phone 206-555-0143, email john.smith@example.com, MRN: 88231457. "
        "He takes 50 mg atenolol by mouth daily for hypertension. Denies chest pain. "
        "Mother has diabetes. Blood pressure 140/90 mmHg. Acute pain in the left knee.")


@pytest.fixture(scope="module")
def medical(server):
    return server.client("comprehendmedical")


def found(entities, text):
    return [e for e in entities if e["Text"] == text]


def test_detect_phi_types_and_offsets(medical):
    result = medical.detect_phi(Text=NOTE)
    entities = result["Entities"]
    assert result["ModelVersion"]
    expected = {"John Smith": "NAME", "48": "AGE", "teacher": "PROFESSION", "Seattle": "ADDRESS",
                "03/12/2024": "DATE", "Alice Wong": "NAME", "206-555-0143": "PHONE_OR_FAX",
                "john.smith@example.com": "EMAIL", "88231457": "ID"}
    for text, kind in expected.items():
        [entity] = found(entities, text)
        assert entity["Type"] == kind and entity["Category"] == "PROTECTED_HEALTH_INFORMATION"
        assert NOTE[entity["BeginOffset"]:entity["EndOffset"]] == text
        assert 0 < entity["Score"] <= 1
    assert [e["Id"] for e in entities] == list(range(len(entities)))
    assert not found(entities, "atenolol") and not found(entities, "hypertension")
    again = medical.detect_phi(Text=NOTE)
    assert again["Entities"] == entities


def test_detect_entities_v2_categories_attributes_traits(medical):
    entities = medical.detect_entities_v2(Text=NOTE)["Entities"]
    [drug] = found(entities, "atenolol")
    assert (drug["Category"], drug["Type"]) == ("MEDICATION", "GENERIC_NAME")
    attributes = {a["Type"]: a["Text"] for a in drug["Attributes"]}
    assert attributes == {"DOSAGE": "50 mg", "ROUTE_OR_MODE": "by mouth", "FREQUENCY": "daily"}
    assert all(a["RelationshipType"] == a["Type"] and 0 < a["RelationshipScore"] <= 1 for a in drug["Attributes"])
    [condition] = found(entities, "hypertension")
    assert condition["Category"] == "MEDICAL_CONDITION" and {"Name": "NEGATION"} not in condition["Traits"]
    traits = {t["Name"] for t in found(entities, "chest pain")[0]["Traits"]}
    assert {"NEGATION", "SYMPTOM"} <= traits
    assert "PERTAINS_TO_FAMILY" in {t["Name"] for t in found(entities, "diabetes")[0]["Traits"]}
    [test] = found(entities, "Blood pressure")
    assert {a["Type"]: a["Text"] for a in test["Attributes"]} == {"TEST_VALUE": "140/90", "TEST_UNIT": "mmHg"}
    [knee] = found(entities, "knee")
    assert knee["Category"] == "ANATOMY" and knee["Attributes"][0]["Text"] == "left"
    [name] = found(entities, "John Smith")
    assert name["Category"] == "PROTECTED_HEALTH_INFORMATION"
    ids = [e["Id"] for e in entities] + [a["Id"] for e in entities for a in e.get("Attributes", [])]
    assert len(ids) == len(set(ids))


def test_negation_scope_ends_at_but(medical):
    entities = medical.detect_entities_v2(Text="Denies fever but reports cough.")["Entities"]
    traits = {e["Text"]: {t["Name"] for t in e["Traits"]} for e in entities}
    assert "NEGATION" in traits["fever"] and "NEGATION" not in traits["cough"]


def test_unmapped_attribute_and_no_entities(medical):
    result = medical.detect_entities_v2(Text="Take 20 mg twice daily.")
    assert result["Entities"] == []
    assert {u["Attribute"]["Type"] for u in result["UnmappedAttributes"]} == {"DOSAGE", "FREQUENCY"}
    assert medical.detect_phi(Text="The weather is fine.")["Entities"] == []


@pytest.mark.parametrize("text, code", [
    ("   ", "InvalidRequestException"),
    ("", "ValidationException"),
    ("é" * 10_001, "TextSizeLimitExceededException"),
    ("a" * 20_001, "ValidationException"),
])
def test_bad_text(server, text, code):
    unchecked = server.client("comprehendmedical", parameter_validation=False)  # the server must check
    with pytest.raises(ClientError) as error:
        unchecked.detect_phi(Text=text)
    assert error.value.response["Error"]["Code"] == code

"""Comprehend custom classifiers, entity recognizers and endpoints, through boto3."""

from __future__ import annotations

import csv
import io
import json
import random
import tarfile
import time

import pytest
from botocore.exceptions import ClientError

from tests.datasets import DATA

ROLE = "arn:aws:iam::123456789012:role/comprehend"
INTENTS = ("card_arrival", "exchange_rate", "lost_or_stolen_card")


def wait(describe, key, statuses=("SUBMITTED", "TRAINING", "CREATING", "UPDATING", "STOP_REQUESTED"),
         timeout=120):
    deadline = time.time() + timeout
    while True:
        properties = describe()[key]
        if properties["Status"] not in statuses or time.time() > deadline:
            return properties
        time.sleep(0.3)


def job_output(comprehend, s3, kind, job_id) -> list[dict]:
    """Wait for a job; the JSON lines of its output.tar.gz."""
    describe = getattr(comprehend, f"describe_{kind}_job")
    key = "".join(part.title() for part in kind.split("_")) + "JobProperties"
    deadline = time.time() + 60
    while (properties := describe(JobId=job_id)[key])["JobStatus"] in ("SUBMITTED", "IN_PROGRESS") \
            and time.time() < deadline:
        time.sleep(0.3)
    assert properties["JobStatus"] == "COMPLETED", properties.get("Message")
    bucket, _, name = properties["OutputDataConfig"]["S3Uri"].removeprefix("s3://").partition("/")
    with tarfile.open(fileobj=io.BytesIO(s3.get_object(Bucket=bucket, Key=name)["Body"].read())) as archive:
        return [json.loads(line) for line in archive.extractfile("output").read().decode().splitlines()]


def error_code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]["Code"]


def banking(split: str, per_class: int) -> list[tuple[str, str]]:
    with open(DATA / "intents" / "banking77" / f"{split}.csv", newline="") as handle:
        rows = [(r["category"], r["text"]) for r in csv.DictReader(handle) if r["category"] in INTENTS]
    return [row for intent in INTENTS for row in [r for r in rows if r[0] == intent][:per_class]]


def put_csv(s3, bucket, key, rows) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    s3.put_object(Bucket=bucket, Key=key, Body=out.getvalue().encode())
    return f"s3://{bucket}/{key}"


@pytest.fixture(scope="module")
def comprehend(server):
    return server.client("comprehend")


def test_document_classifier_endpoint_lifecycle(comprehend, s3, bucket):
    train = put_csv(s3, bucket, "train/train.csv", banking("train", 25))
    test = put_csv(s3, bucket, "test/test.csv", banking("test", 8))
    multi_rows = [(f"{a}|{b}" if b else a, text) for a, b, text in [
        ("BILLING", "URGENT", "My invoice is wrong and I need it fixed today!"),
        ("BILLING", None, "Please send me a copy of last month's invoice."),
        ("BILLING", None, "Why was I charged twice on my bill?"),
        ("SHIPPING", "URGENT", "My package is lost and I need it immediately!"),
        ("SHIPPING", None, "When will my parcel be delivered?"),
        ("SHIPPING", None, "Can I change the delivery address of my order?"),
    ] * 4]
    multi = put_csv(s3, bucket, "multi/train.csv", multi_rows)
    output = f"s3://{bucket}/classifier-output"

    arn = comprehend.create_document_classifier(
        DocumentClassifierName="intents", VersionName="v1", DataAccessRoleArn=ROLE, LanguageCode="en",
        InputDataConfig={"S3Uri": train, "TestS3Uri": test}, OutputDataConfig={"S3Uri": output},
        Mode="MULTI_CLASS")["DocumentClassifierArn"]
    assert arn.endswith(":document-classifier/intents/version/v1")
    multi_arn = comprehend.create_document_classifier(
        DocumentClassifierName="tickets", DataAccessRoleArn=ROLE, LanguageCode="en", Mode="MULTI_LABEL",
        InputDataConfig={"S3Uri": multi, "LabelDelimiter": "|"})["DocumentClassifierArn"]
    assert error_code(comprehend.create_document_classifier, DocumentClassifierName="intents", VersionName="v1",
                      DataAccessRoleArn=ROLE, LanguageCode="en",
                      InputDataConfig={"S3Uri": train}) == "ResourceInUseException"
    assert error_code(comprehend.create_document_classifier, DocumentClassifierName="bad-lang",
                      DataAccessRoleArn=ROLE, LanguageCode="zh",
                      InputDataConfig={"S3Uri": train}) == "UnsupportedLanguageException"

    properties = wait(lambda: comprehend.describe_document_classifier(DocumentClassifierArn=arn),
                      "DocumentClassifierProperties")
    assert properties["Status"] == "TRAINED", properties.get("Message")
    metadata = properties["ClassifierMetadata"]
    assert (metadata["NumberOfLabels"], metadata["NumberOfTrainedDocuments"], metadata["NumberOfTestDocuments"]) \
        == (3, 75, 24)
    metrics = metadata["EvaluationMetrics"]
    assert metrics["Accuracy"] >= 0.8 and metrics["F1Score"] >= 0.75
    assert abs(metrics["HammingLoss"] - (1 - metrics["Accuracy"])) < 1e-3
    assert properties["TrainingStartTime"] <= properties["TrainingEndTime"]
    out_uri = properties["OutputDataConfig"]["S3Uri"]
    assert out_uri.startswith(output + "/123456789012-CLR-") and out_uri.endswith("/output/output.tar.gz")

    multi_properties = wait(lambda: comprehend.describe_document_classifier(DocumentClassifierArn=multi_arn),
                            "DocumentClassifierProperties")
    assert multi_properties["Status"] == "TRAINED", multi_properties.get("Message")
    assert multi_properties["ClassifierMetadata"]["NumberOfLabels"] == 3
    assert multi_properties["Mode"] == "MULTI_LABEL"

    summaries = {s["DocumentClassifierName"]: s for s in
                 comprehend.list_document_classifier_summaries()["DocumentClassifierSummariesList"]}
    assert summaries["intents"]["NumberOfVersions"] == 1 and summaries["intents"]["LatestVersionName"] == "v1"
    assert summaries["intents"]["LatestVersionStatus"] == "TRAINED"
    listed = comprehend.list_document_classifiers(Filter={"DocumentClassifierName": "intents"})
    assert [c["DocumentClassifierArn"] for c in listed["DocumentClassifierPropertiesList"]] == [arn]

    endpoint = comprehend.create_endpoint(EndpointName="intents-ep", ModelArn=arn,
                                          DesiredInferenceUnits=1)["EndpointArn"]
    assert ":document-classifier-endpoint/intents-ep" in endpoint
    assert error_code(comprehend.create_endpoint, EndpointName="intents-ep", ModelArn=arn,
                      DesiredInferenceUnits=1) == "ResourceInUseException"
    state = wait(lambda: comprehend.describe_endpoint(EndpointArn=endpoint), "EndpointProperties")
    assert state["Status"] == "IN_SERVICE" and state["CurrentInferenceUnits"] == 1
    classes = comprehend.classify_document(EndpointArn=endpoint,
                                           Text="I lost my card on the train yesterday, someone may use it")["Classes"]
    assert classes[0]["Name"] == "lost_or_stolen_card" and classes[0]["Score"] > classes[1]["Score"]
    assert abs(sum(c["Score"] for c in classes) - 1) < 1e-3
    assert any(e["EndpointArn"] == endpoint for e in comprehend.list_endpoints(
        Filter={"ModelArn": arn})["EndpointPropertiesList"])

    s3.put_object(Bucket=bucket, Key="batch/docs.txt",
                  Body=b"What is the exchange rate for euros today?\nMy wallet with my card was stolen\n")
    job = comprehend.start_document_classification_job(
        DocumentClassifierArn=arn, DataAccessRoleArn=ROLE, OutputDataConfig={"S3Uri": f"s3://{bucket}/batch-out"},
        InputDataConfig={"S3Uri": f"s3://{bucket}/batch/docs.txt", "InputFormat": "ONE_DOC_PER_LINE"})
    assert job["DocumentClassifierArn"] == arn and ":document-classification-job/" in job["JobArn"]
    records = job_output(comprehend, s3, "document_classification", job["JobId"])
    assert [(r["Line"], r["Classes"][0]["Name"]) for r in records] == [(0, "exchange_rate"),
                                                                       (1, "lost_or_stolen_card")]

    assert error_code(comprehend.delete_document_classifier, DocumentClassifierArn=arn) == "ResourceInUseException"
    comprehend.update_endpoint(EndpointArn=endpoint, DesiredModelArn=multi_arn)
    state = wait(lambda: comprehend.describe_endpoint(EndpointArn=endpoint), "EndpointProperties")
    assert state["Status"] == "IN_SERVICE" and state["ModelArn"] == multi_arn
    labels = comprehend.classify_document(EndpointArn=endpoint,
                                          Text="My parcel is lost, I need it right now!")["Labels"]
    assert {label["Name"] for label in labels} == {"SHIPPING", "URGENT"}

    comprehend.delete_endpoint(EndpointArn=endpoint)
    comprehend.delete_document_classifier(DocumentClassifierArn=arn)
    assert error_code(comprehend.describe_document_classifier,
                      DocumentClassifierArn=arn) == "ResourceNotFoundException"
    assert error_code(comprehend.classify_document, EndpointArn=endpoint, Text="hi") == "ResourceNotFoundException"


def test_augmented_manifest_and_missing_input(comprehend, s3, bucket):
    lines = [{"source": text, "intent": [intent]} for intent, text in banking("train", 12)]
    s3.put_object(Bucket=bucket, Key="manifest/train.jsonl", Body="\n".join(map(json.dumps, lines)).encode())
    arn = comprehend.create_document_classifier(
        DocumentClassifierName="manifest-intents", DataAccessRoleArn=ROLE, LanguageCode="en",
        InputDataConfig={"DataFormat": "AUGMENTED_MANIFEST", "AugmentedManifests": [
            {"S3Uri": f"s3://{bucket}/manifest/train.jsonl", "AttributeNames": ["intent"]}]}
    )["DocumentClassifierArn"]
    missing = comprehend.create_document_classifier(
        DocumentClassifierName="missing-input", DataAccessRoleArn=ROLE, LanguageCode="en",
        InputDataConfig={"S3Uri": f"s3://{bucket}/nothing-here/"})["DocumentClassifierArn"]
    properties = wait(lambda: comprehend.describe_document_classifier(DocumentClassifierArn=arn),
                      "DocumentClassifierProperties")
    assert properties["Status"] == "TRAINED", properties.get("Message")
    assert properties["ClassifierMetadata"]["NumberOfTestDocuments"] == 4  # the 10% held out of 36
    failed = wait(lambda: comprehend.describe_document_classifier(DocumentClassifierArn=missing),
                  "DocumentClassifierProperties")
    assert failed["Status"] == "IN_ERROR" and "nothing-here" in failed["Message"]
    assert error_code(comprehend.create_endpoint, EndpointName="not-trained", ModelArn=missing,
                      DesiredInferenceUnits=1) == "ResourceUnavailableException"


DRUGS = ["Zorvex", "Plimatol", "Cardizine", "Fenulax", "Oxabrin", "Tremolin", "Quvadex", "Nexalor"]
PEOPLE = ["Maria Lopez", "Tom Reed", "Anna Berg", "Li Wei", "Omar Haddad", "Sara Kim", "Jon Park", "Eve Stone"]
TEMPLATES = ["{p} was prescribed {d} yesterday.", "Please give {d} to {p} after lunch.",
             "{p} reported side effects from {d}.", "The pharmacy ran out of {d} again.",
             "Dr. {p} recommends {d} for adults.", "We met {p} at the clinic."]


def recognizer_documents(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(TEMPLATES).format(p=rng.choice(PEOPLE), d=rng.choice(DRUGS)) for _ in range(count)]


def annotations(name: str, documents: list[str]) -> list[list]:
    rows = [["File", "Line", "Begin Offset", "End Offset", "Type"]]
    for line, text in enumerate(documents):
        for entity, kind in [(d, "DRUG") for d in DRUGS] + [(p, "PATIENT") for p in PEOPLE]:
            start = text.find(entity)
            if start >= 0:
                rows.append([name, line, start, start + len(entity), kind])
    return rows


def test_entity_recognizer_annotations_endpoint_and_list(comprehend, s3, bucket):
    documents = recognizer_documents(40, 1)
    s3.put_object(Bucket=bucket, Key="ner/docs.txt", Body="\n".join(documents).encode())
    put_csv(s3, bucket, "ner/annotations.csv", annotations("docs.txt", documents))
    put_csv(s3, bucket, "ner/list.csv", [["Text", "Type"]] + [[d, "DRUG"] for d in DRUGS]
            + [[p, "PATIENT"] for p in PEOPLE])
    types = [{"Type": "DRUG"}, {"Type": "PATIENT"}]
    arn = comprehend.create_entity_recognizer(
        RecognizerName="drugs", DataAccessRoleArn=ROLE, LanguageCode="en",
        InputDataConfig={"EntityTypes": types, "Documents": {"S3Uri": f"s3://{bucket}/ner/docs.txt"},
                         "Annotations": {"S3Uri": f"s3://{bucket}/ner/annotations.csv"}})["EntityRecognizerArn"]
    listed_arn = comprehend.create_entity_recognizer(
        RecognizerName="drugs-from-list", DataAccessRoleArn=ROLE, LanguageCode="en",
        InputDataConfig={"EntityTypes": types, "Documents": {"S3Uri": f"s3://{bucket}/ner/docs.txt"},
                         "EntityList": {"S3Uri": f"s3://{bucket}/ner/list.csv"}})["EntityRecognizerArn"]
    assert error_code(comprehend.create_entity_recognizer, RecognizerName="both", DataAccessRoleArn=ROLE,
                      LanguageCode="en", InputDataConfig={
                          "EntityTypes": types, "Documents": {"S3Uri": f"s3://{bucket}/ner/docs.txt"},
                          "EntityList": {"S3Uri": f"s3://{bucket}/y"}, "Annotations": {"S3Uri": f"s3://{bucket}/z"}}
                      ) == "InvalidRequestException"

    for recognizer in (arn, listed_arn):
        properties = wait(lambda: comprehend.describe_entity_recognizer(EntityRecognizerArn=recognizer),
                          "EntityRecognizerProperties", timeout=180)
        assert properties["Status"] == "TRAINED", properties.get("Message")
        metadata = properties["RecognizerMetadata"]
        assert (metadata["NumberOfTrainedDocuments"], metadata["NumberOfTestDocuments"]) == (36, 4)
        assert metadata["EvaluationMetrics"]["F1Score"] >= 80  # plain-text recognizers: 0-100
        by_type = {t["Type"]: t for t in metadata["EntityTypes"]}
        assert set(by_type) == {"DRUG", "PATIENT"}
        assert by_type["DRUG"]["NumberOfTrainMentions"] > 10
        assert 0 <= by_type["DRUG"]["EvaluationMetrics"]["F1Score"] <= 1

    names = [r["EntityRecognizerArn"] for r in comprehend.list_entity_recognizers(
        Filter={"RecognizerName": "drugs"})["EntityRecognizerPropertiesList"]]
    assert names == [arn]
    assert error_code(comprehend.list_entity_recognizers,
                      Filter={"RecognizerName": "drugs", "Status": "TRAINED"}) == "InvalidFilterException"

    endpoint = comprehend.create_endpoint(EndpointName="drugs-ep", ModelArn=arn,
                                          DesiredInferenceUnits=2)["EndpointArn"]
    assert ":entity-recognizer-endpoint/drugs-ep" in endpoint
    assert wait(lambda: comprehend.describe_endpoint(EndpointArn=endpoint),
                "EndpointProperties")["Status"] == "IN_SERVICE"
    text = "Please give Nexalor to Eve Stone after lunch."
    entities = comprehend.detect_entities(EndpointArn=endpoint, Text=text)["Entities"]
    assert [(e["Text"], e["Type"]) for e in entities] == [("Nexalor", "DRUG"), ("Eve Stone", "PATIENT")]
    assert all(text[e["BeginOffset"]:e["EndOffset"]] == e["Text"] and 0 < e["Score"] <= 1 for e in entities)
    # the ARN pattern of ClassifyDocument admits classifier endpoints only
    assert error_code(comprehend.classify_document, EndpointArn=endpoint, Text=text) == "ValidationException"
    s3.put_object(Bucket=bucket, Key="ner-batch/in.txt", Body=text.encode())
    job_id = comprehend.start_entities_detection_job(
        EntityRecognizerArn=arn, LanguageCode="en", DataAccessRoleArn=ROLE,
        InputDataConfig={"S3Uri": f"s3://{bucket}/ner-batch/"}, OutputDataConfig={"S3Uri": f"s3://{bucket}/ner-out"}
    )["JobId"]
    [record] = job_output(comprehend, s3, "entities_detection", job_id)
    assert record["File"] == "in.txt" and record["Entities"] == entities
    comprehend.delete_endpoint(EndpointArn=endpoint)
    comprehend.delete_entity_recognizer(EntityRecognizerArn=listed_arn)
    assert error_code(comprehend.describe_entity_recognizer,
                      EntityRecognizerArn=listed_arn) == "ResourceNotFoundException"


def test_stop_training(comprehend, s3, bucket):
    documents = recognizer_documents(200, 2)
    s3.put_object(Bucket=bucket, Key="docs.txt", Body="\n".join(documents).encode())
    put_csv(s3, bucket, "annotations.csv", annotations("docs.txt", documents))
    arn = comprehend.create_entity_recognizer(
        RecognizerName="to-stop", DataAccessRoleArn=ROLE, LanguageCode="en",
        InputDataConfig={"EntityTypes": [{"Type": "DRUG"}, {"Type": "PATIENT"}],
                         "Documents": {"S3Uri": f"s3://{bucket}/docs.txt"},
                         "Annotations": {"S3Uri": f"s3://{bucket}/annotations.csv"}})["EntityRecognizerArn"]
    comprehend.stop_training_entity_recognizer(EntityRecognizerArn=arn)
    properties = wait(lambda: comprehend.describe_entity_recognizer(EntityRecognizerArn=arn),
                      "EntityRecognizerProperties")
    assert properties["Status"] == "STOPPED"
    assert error_code(comprehend.create_endpoint, EndpointName="stopped", ModelArn=arn,
                      DesiredInferenceUnits=1) == "ResourceUnavailableException"


def test_entity_recognizer_from_augmented_manifest(comprehend, s3, bucket):
    def manifest(documents):
        lines = []
        for row_text in documents:
            entities = [{"startOffset": row_text.find(e), "endOffset": row_text.find(e) + len(e), "label": kind}
                        for e, kind in [(d, "DRUG") for d in DRUGS] + [(p, "PATIENT") for p in PEOPLE]
                        if e in row_text]
            lines.append(json.dumps({"source": row_text, "ner-job": {"annotations": {"entities": entities}}}))
        return "\n".join(lines).encode()

    s3.put_object(Bucket=bucket, Key="gt/train.manifest", Body=manifest(recognizer_documents(30, 3)))
    s3.put_object(Bucket=bucket, Key="gt/test.manifest", Body=manifest(recognizer_documents(6, 4)))
    arn = comprehend.create_entity_recognizer(
        RecognizerName="drugs-manifest", DataAccessRoleArn=ROLE, LanguageCode="en",
        InputDataConfig={"DataFormat": "AUGMENTED_MANIFEST", "EntityTypes": [{"Type": "DRUG"}, {"Type": "PATIENT"}],
                         "AugmentedManifests": [
                             {"S3Uri": f"s3://{bucket}/gt/train.manifest", "AttributeNames": ["ner-job"]},
                             {"S3Uri": f"s3://{bucket}/gt/test.manifest", "AttributeNames": ["ner-job"],
                              "Split": "TEST"}]})["EntityRecognizerArn"]
    properties = wait(lambda: comprehend.describe_entity_recognizer(EntityRecognizerArn=arn),
                      "EntityRecognizerProperties", timeout=180)
    assert properties["Status"] == "TRAINED", properties.get("Message")
    metadata = properties["RecognizerMetadata"]
    assert (metadata["NumberOfTrainedDocuments"], metadata["NumberOfTestDocuments"]) == (30, 6)
    assert metadata["EvaluationMetrics"]["F1Score"] >= 80

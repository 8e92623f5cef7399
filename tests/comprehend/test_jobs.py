"""Comprehend asynchronous analysis jobs through boto3: S3 in, AWS's output layout out."""

from __future__ import annotations

import io
import json
import re
import tarfile
import time
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

ROLE = "arn:aws:iam::123456789012:role/comprehend"
LINES = ["Jeff Bezos founded Amazon in Seattle in 1994.",
         "I absolutely loved the new pasta place, the service was wonderful!",
         "",
         "Angela Merkel met Emmanuel Macron in Paris on Monday."]


@pytest.fixture(scope="module")
def comprehend(server):
    return server.client("comprehend")


def wait(describe, key, timeout=120):
    deadline = time.time() + timeout
    while True:
        properties = describe()[key]
        if properties["JobStatus"] not in ("SUBMITTED", "IN_PROGRESS", "STOP_REQUESTED") or time.time() > deadline:
            return properties
        time.sleep(0.3)


def split(uri: str) -> tuple[str, str]:
    bucket, _, key = uri.removeprefix("s3://").partition("/")
    return bucket, key


def archive_lines(s3, uri: str) -> list[dict]:
    bucket, key = split(uri)
    data = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        assert archive.getnames() == ["output"]
        text = archive.extractfile("output").read().decode()
    return [json.loads(line) for line in text.splitlines()]


def error_code(call, **kwargs) -> str:
    with pytest.raises(ClientError) as error:
        call(**kwargs)
    return error.value.response["Error"]["Code"]


def test_entities_job_one_doc_per_line(comprehend, s3, bucket):
    s3.put_object(Bucket=bucket, Key="in/news.txt", Body="\n".join(LINES).encode())
    started = comprehend.start_entities_detection_job(
        InputDataConfig={"S3Uri": f"s3://{bucket}/in/", "InputFormat": "ONE_DOC_PER_LINE"},
        OutputDataConfig={"S3Uri": f"s3://{bucket}/out"}, DataAccessRoleArn=ROLE, LanguageCode="en",
        JobName="news-entities")
    job_id = started["JobId"]
    assert re.fullmatch(r"[0-9a-f]{32}", job_id)
    assert started["JobArn"] == f"arn:aws:comprehend:us-east-1:123456789012:entities-detection-job/{job_id}"
    properties = wait(lambda: comprehend.describe_entities_detection_job(JobId=job_id),
                      "EntitiesDetectionJobProperties")
    assert properties["JobStatus"] == "COMPLETED", properties.get("Message")
    assert properties["JobName"] == "news-entities" and properties["EndTime"] >= properties["SubmitTime"]
    output = properties["OutputDataConfig"]["S3Uri"]
    assert output == f"s3://{bucket}/out/123456789012-NER-{job_id}/output/output.tar.gz"
    records = archive_lines(s3, output)
    assert [(r["File"], r["Line"]) for r in records] == [("news.txt", 0), ("news.txt", 1), ("news.txt", 3)]
    for record in records:  # the same answer as the synchronous operation
        expected = comprehend.detect_entities(Text=LINES[record["Line"]], LanguageCode="en")["Entities"]
        assert record["Entities"] == expected
    assert {"Jeff Bezos", "Amazon", "Seattle"} <= {e["Text"] for e in records[0]["Entities"]}


def test_sentiment_language_key_phrases_one_doc_per_file(comprehend, s3, bucket):
    s3.put_object(Bucket=bucket, Key="docs/a.txt", Body=LINES[1].encode())
    s3.put_object(Bucket=bucket, Key="docs/b.txt", Body="The flight was late and the staff were rude.".encode())
    s3.put_object(Bucket=bucket, Key="docs/c.txt", Body="Der Zug kam pünktlich in Berlin an.".encode())
    common = dict(InputDataConfig={"S3Uri": f"s3://{bucket}/docs/", "InputFormat": "ONE_DOC_PER_FILE"},
                  OutputDataConfig={"S3Uri": f"s3://{bucket}/results/"}, DataAccessRoleArn=ROLE)
    sentiment = comprehend.start_sentiment_detection_job(LanguageCode="en", **common)["JobId"]
    language = comprehend.start_dominant_language_detection_job(**common)["JobId"]
    phrases = comprehend.start_key_phrases_detection_job(LanguageCode="en", **common)["JobId"]
    targeted = comprehend.start_targeted_sentiment_detection_job(LanguageCode="en", **common)["JobId"]

    done = wait(lambda: comprehend.describe_sentiment_detection_job(JobId=sentiment), "SentimentDetectionJobProperties")
    assert done["JobStatus"] == "COMPLETED", done.get("Message")
    assert "-SENTIMENT-" in done["OutputDataConfig"]["S3Uri"]
    records = {r["File"]: r for r in archive_lines(s3, done["OutputDataConfig"]["S3Uri"])}
    assert "Line" not in records["a.txt"]
    assert records["a.txt"]["Sentiment"] == "POSITIVE" and records["b.txt"]["Sentiment"] == "NEGATIVE"
    assert set(records["a.txt"]["SentimentScore"]) == {"Positive", "Negative", "Neutral", "Mixed"}

    done = wait(lambda: comprehend.describe_dominant_language_detection_job(JobId=language),
                "DominantLanguageDetectionJobProperties")
    records = {r["File"]: r for r in archive_lines(s3, done["OutputDataConfig"]["S3Uri"])}
    assert records["c.txt"]["Languages"][0]["LanguageCode"] == "de"
    assert records["a.txt"]["Languages"][0]["LanguageCode"] == "en"

    done = wait(lambda: comprehend.describe_key_phrases_detection_job(JobId=phrases),
                "KeyPhrasesDetectionJobProperties")
    records = {r["File"]: r for r in archive_lines(s3, done["OutputDataConfig"]["S3Uri"])}
    assert records["b.txt"]["KeyPhrases"] and all("Text" in p for p in records["b.txt"]["KeyPhrases"])

    done = wait(lambda: comprehend.describe_targeted_sentiment_detection_job(JobId=targeted),
                "TargetedSentimentDetectionJobProperties")
    assert done["JobStatus"] == "COMPLETED", done.get("Message")
    records = {r["File"]: r for r in archive_lines(s3, done["OutputDataConfig"]["S3Uri"])}
    assert "Entities" in records["b.txt"]


def test_pii_offsets_and_redaction(comprehend, s3, bucket):
    text = "Call John Smith at 206-555-0143 or write to john@example.com.\nNothing here.\n"
    s3.put_object(Bucket=bucket, Key="pii/contacts.txt", Body=text.encode())
    common = dict(InputDataConfig={"S3Uri": f"s3://{bucket}/pii/contacts.txt", "InputFormat": "ONE_DOC_PER_LINE"},
                  OutputDataConfig={"S3Uri": f"s3://{bucket}/pii-out"}, DataAccessRoleArn=ROLE, LanguageCode="en")
    offsets = comprehend.start_pii_entities_detection_job(Mode="ONLY_OFFSETS", **common)["JobId"]
    masked = comprehend.start_pii_entities_detection_job(
        Mode="ONLY_REDACTION", RedactionConfig={"PiiEntityTypes": ["PHONE", "EMAIL"], "MaskMode": "MASK",
                                                "MaskCharacter": "#"}, **common)["JobId"]
    typed = comprehend.start_pii_entities_detection_job(
        Mode="ONLY_REDACTION", RedactionConfig={"PiiEntityTypes": ["ALL"],
                                                "MaskMode": "REPLACE_WITH_PII_ENTITY_TYPE"}, **common)["JobId"]
    assert error_code(comprehend.start_pii_entities_detection_job, Mode="ONLY_REDACTION",
                      **common) == "InvalidRequestException"

    def out(job_id):
        done = wait(lambda: comprehend.describe_pii_entities_detection_job(JobId=job_id),
                    "PiiEntitiesDetectionJobProperties")
        assert done["JobStatus"] == "COMPLETED", done.get("Message")
        folder = done["OutputDataConfig"]["S3Uri"]
        assert folder == f"s3://{bucket}/pii-out/123456789012-PII-{job_id}/output/"
        b, key = split(folder + "contacts.txt.out")
        return s3.get_object(Bucket=b, Key=key)["Body"].read().decode()

    records = [json.loads(line) for line in out(offsets).splitlines()]
    assert [r["Line"] for r in records] == [0, 1]
    assert {"NAME", "PHONE", "EMAIL"} <= {e["Type"] for e in records[0]["Entities"]}
    assert records[1]["Entities"] == []
    assert out(masked).splitlines() == ["Call John Smith at ############ or write to ################.",
                                        "Nothing here."]
    assert out(typed).splitlines()[0] == "Call [NAME] at [PHONE] or write to [EMAIL]."


def test_failures_listing_paging_and_stop(comprehend, s3, bucket):
    common = dict(OutputDataConfig={"S3Uri": f"s3://{bucket}/o"}, DataAccessRoleArn=ROLE, LanguageCode="en")
    missing = comprehend.start_key_phrases_detection_job(
        InputDataConfig={"S3Uri": f"s3://{bucket}/absent/"}, JobName="missing-input", **common)["JobId"]
    failed = wait(lambda: comprehend.describe_key_phrases_detection_job(JobId=missing),
                  "KeyPhrasesDetectionJobProperties")
    assert failed["JobStatus"] == "FAILED" and f"s3://{bucket}/absent/" in failed["Message"]
    assert error_code(comprehend.start_key_phrases_detection_job, InputDataConfig={"S3Uri": f"s3://{bucket}/x"},
                      OutputDataConfig={"S3Uri": "s3://no-such-bucket-anywhere/o"}, DataAccessRoleArn=ROLE,
                      LanguageCode="en") == "InvalidRequestException"
    assert error_code(comprehend.describe_key_phrases_detection_job, JobId="0" * 32) == "JobNotFoundException"
    assert error_code(comprehend.stop_key_phrases_detection_job, JobId=missing) == "InvalidRequestException"

    s3.put_object(Bucket=bucket, Key="spanish.txt", Body="Hola, ¿cómo estás?".encode())
    spanish = comprehend.start_sentiment_detection_job(
        InputDataConfig={"S3Uri": f"s3://{bucket}/spanish.txt"}, OutputDataConfig={"S3Uri": f"s3://{bucket}/o"},
        DataAccessRoleArn=ROLE, LanguageCode="es", JobName="unsupported")["JobId"]
    failed = wait(lambda: comprehend.describe_sentiment_detection_job(JobId=spanish), "SentimentDetectionJobProperties")
    assert failed["JobStatus"] == "FAILED" and "UnsupportedLanguageException" in failed["Message"]

    s3.put_object(Bucket=bucket, Key="many.txt", Body="\n".join([LINES[0]] * 400).encode())
    time.sleep(1.1)  # the filter's timestamps travel in whole seconds
    before = datetime.now(timezone.utc)
    job_ids = [comprehend.start_key_phrases_detection_job(
        InputDataConfig={"S3Uri": f"s3://{bucket}/{name}", "InputFormat": "ONE_DOC_PER_LINE"},
        JobName=f"paged-{bucket}", **common)["JobId"] for name in ("many.txt", "spanish.txt", "spanish.txt")]
    stopped = comprehend.stop_key_phrases_detection_job(JobId=job_ids[0])
    assert stopped["JobStatus"] in ("STOP_REQUESTED", "STOPPED", "COMPLETED")
    properties = wait(lambda: comprehend.describe_key_phrases_detection_job(JobId=job_ids[0]),
                      "KeyPhrasesDetectionJobProperties")
    assert properties["JobStatus"] == "STOPPED"
    partial = archive_lines(s3, properties["OutputDataConfig"]["S3Uri"])  # what was done before the stop
    assert len(partial) < 400

    seen, token = [], None
    while True:
        extra = {"NextToken": token} if token else {}
        page = comprehend.list_key_phrases_detection_jobs(Filter={"JobName": f"paged-{bucket}"}, MaxResults=2,
                                                          **extra)
        assert len(page["KeyPhrasesDetectionJobPropertiesList"]) <= 2
        seen += [job["JobId"] for job in page["KeyPhrasesDetectionJobPropertiesList"]]
        token = page.get("NextToken")
        if not token:
            break
    assert seen == job_ids
    recent = comprehend.list_key_phrases_detection_jobs(Filter={"SubmitTimeAfter": before})
    assert set(job_ids) <= {j["JobId"] for j in recent["KeyPhrasesDetectionJobPropertiesList"]}
    assert missing not in {j["JobId"] for j in recent["KeyPhrasesDetectionJobPropertiesList"]}
    failed_list = comprehend.list_key_phrases_detection_jobs(Filter={"JobStatus": "FAILED"})
    assert missing in {j["JobId"] for j in failed_list["KeyPhrasesDetectionJobPropertiesList"]}
    for job_id in job_ids[1:]:
        wait(lambda: comprehend.describe_key_phrases_detection_job(JobId=job_id), "KeyPhrasesDetectionJobProperties")


def test_restart_fails_running_jobs(make_server):
    server = make_server()
    s3, comprehend = server.client("s3"), server.client("comprehend")
    s3.create_bucket(Bucket="restart")
    s3.put_object(Bucket="restart", Key="many.txt", Body="\n".join([LINES[0]] * 2000).encode())
    job_id = comprehend.start_entities_detection_job(
        InputDataConfig={"S3Uri": "s3://restart/many.txt", "InputFormat": "ONE_DOC_PER_LINE"},
        OutputDataConfig={"S3Uri": "s3://restart/out"}, DataAccessRoleArn=ROLE, LanguageCode="en")["JobId"]
    server.stop(kill=True)
    server.start()
    properties = server.client("comprehend").describe_entities_detection_job(
        JobId=job_id)["EntitiesDetectionJobProperties"]
    assert properties["JobStatus"] == "FAILED" and "restarted" in properties["Message"]

"""Amazon Translate through boto3 against a real Sextant server: every operation, outputs and errors."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError

from tests.datasets import DATA
from tests.translate import tiny_ct2

ROLE = "arn:aws:iam::123456789012:role/TranslateAccess"


@pytest.fixture(scope="module")
def tr(server):
    return server.client("translate")


def unique(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:10]}"


def error(call, **kwargs) -> dict:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response


def test_translate_text_is_real_and_deterministic(tr):
    text = "The house is red.\nI don't know what you are saying.\n\n  Thank you!"
    first = tr.translate_text(Text=text, SourceLanguageCode="en", TargetLanguageCode="es")
    assert first["TranslatedText"].startswith("La casa es roja.\nNo sé")
    assert first["TranslatedText"].count("\n") == 3 and "\n\n  " in first["TranslatedText"]
    assert (first["SourceLanguageCode"], first["TargetLanguageCode"]) == ("en", "es")
    assert "AppliedTerminologies" not in first and "AppliedSettings" not in first
    again = tr.translate_text(Text=text, SourceLanguageCode="en", TargetLanguageCode="es")
    assert again["TranslatedText"] == first["TranslatedText"]
    back = tr.translate_text(Text="La casa es roja.", SourceLanguageCode="es", TargetLanguageCode="en")
    assert back["TranslatedText"] == "The house is red."


def test_auto_source_language(tr):
    out = tr.translate_text(Text="La casa es roja y el perro es grande.", SourceLanguageCode="auto",
                            TargetLanguageCode="en")
    assert out["SourceLanguageCode"] == "es" and "house" in out["TranslatedText"]
    unsure = error(tr.translate_text, Text="12345 678", SourceLanguageCode="auto", TargetLanguageCode="es")
    assert unsure["Error"]["Code"] == "DetectedLanguageLowConfidenceException"
    assert unsure["DetectedLanguageCode"] == "en"
    french = error(tr.translate_text, Text="Bonjour à tous, merci beaucoup.", SourceLanguageCode="auto",
                   TargetLanguageCode="es")
    assert french["Error"]["Code"] == "UnsupportedLanguagePairException" and french["SourceLanguageCode"] == "fr"


def test_settings_formality_and_profanity(tr):
    text = "Do you know your friend? This fucking film is shit."
    formal = tr.translate_text(Text=text, SourceLanguageCode="en", TargetLanguageCode="es",
                               Settings={"Formality": "FORMAL", "Profanity": "MASK"})
    assert formal["TranslatedText"].startswith("Sabe su amigo?") and formal["TranslatedText"].count("?$#@$") == 2
    assert formal["AppliedSettings"] == {"Formality": "FORMAL", "Profanity": "MASK"}
    informal = tr.translate_text(Text=text, SourceLanguageCode="en", TargetLanguageCode="es",
                                 Settings={"Formality": "INFORMAL"})
    assert informal["TranslatedText"].startswith("Sabes") and "?$#@$" not in informal["TranslatedText"]
    catalan = tr.translate_text(Text="Do you know?", SourceLanguageCode="en", TargetLanguageCode="ca",
                                Settings={"Formality": "FORMAL"})
    assert "AppliedSettings" not in catalan  # AWS ignores formality for a target that lacks it
    brevity = error(tr.translate_text, Text="Hi", SourceLanguageCode="en", TargetLanguageCode="es",
                    Settings={"Brevity": "ON"})
    assert brevity["Error"]["Code"] == "InvalidRequestException"


def test_text_errors(tr, server):
    unchecked = server.client("translate", parameter_validation=False)  # boto3 itself refuses an empty Text
    empty = error(unchecked.translate_text, Text="", SourceLanguageCode="en", TargetLanguageCode="es")
    assert empty["Error"]["Code"] == "ValidationException" and "'text'" in empty["Error"]["Message"]
    cases = [
        (dict(Text="   ", SourceLanguageCode="en", TargetLanguageCode="es"), "InvalidRequestException"),
        (dict(Text="é" * 5001, SourceLanguageCode="en", TargetLanguageCode="es"), "TextSizeLimitExceededException"),
        (dict(Text="x" * 10001, SourceLanguageCode="en", TargetLanguageCode="es"), "ValidationException"),
        (dict(Text="Hello", SourceLanguageCode="en", TargetLanguageCode="de"), "UnsupportedLanguagePairException"),
        (dict(Text="Hello", SourceLanguageCode="en", TargetLanguageCode="es", TerminologyNames=[unique("none")]),
         "ResourceNotFoundException"),
        (dict(Text="Hello", SourceLanguageCode="en", TargetLanguageCode="es", TerminologyNames=["a", "b"]),
         "InvalidRequestException"),
    ]
    for kwargs, code in cases:
        response = error(tr.translate_text, **kwargs)
        assert response["Error"]["Code"] == code, kwargs
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    pair = error(tr.translate_text, Text="Hello", SourceLanguageCode="en", TargetLanguageCode="de")
    assert (pair["SourceLanguageCode"], pair["TargetLanguageCode"]) == ("en", "de")


def test_translate_document_plain_and_html(tr):
    plain = tr.translate_document(Document={"Content": "The house is red.\nThank you.".encode(),
                                            "ContentType": "text/plain"},
                                  SourceLanguageCode="en", TargetLanguageCode="es")
    assert plain["TranslatedDocument"]["Content"].decode() == "La casa es roja.\nGracias."
    html = ('<html><head><title>The house</title></head><body><p class="lead">The <b>red</b> house &amp; '
            'the <a href="/car">car</a>.</p><script>var house = 1;</script></body></html>')
    out = tr.translate_document(Document={"Content": html.encode(), "ContentType": "text/html"},
                                SourceLanguageCode="en", TargetLanguageCode="es")["TranslatedDocument"]["Content"]
    text = out.decode()
    for markup in ('<p class="lead">', "<b>", "</b>", '<a href="/car">', "</a>", "<script>var house = 1;</script>",
                   "&amp;", "</body></html>"):
        assert markup in text
    assert "casa" in text and "coche" in text
    for content, kind, code in [(b"x", "application/pdf", "InvalidRequestException"),
                                (b"\xff\xfe\xfa", "text/plain", "InvalidRequestException"),
                                (b"a" * 102401, "text/plain", "ValidationException")]:
        response = error(tr.translate_document, Document={"Content": content, "ContentType": kind},
                         SourceLanguageCode="en", TargetLanguageCode="es")
        assert response["Error"]["Code"] == code


def test_list_languages(tr):
    english = tr.list_languages()
    codes = {item["LanguageCode"]: item["LanguageName"] for item in english["Languages"]}
    assert codes["en"] == "English" and codes["es"] == "Spanish" and codes["ca"] == "Catalan"
    assert "de" not in codes and english["DisplayLanguageCode"] == "en"
    spanish = tr.list_languages(DisplayLanguageCode="es")
    assert {i["LanguageCode"]: i["LanguageName"] for i in spanish["Languages"]}["en"] == "Inglés"
    first = tr.list_languages(MaxResults=2)
    rest = tr.list_languages(MaxResults=500, NextToken=first["NextToken"])
    assert [i["LanguageCode"] for i in first["Languages"] + rest["Languages"]] == list(codes)


def test_terminology_lifecycle_and_adherence(tr, server):
    name = unique("glossary")
    csv = "en,es,ca\nhouse,hogar,llar\nStanford University,Universidad de Stanford,\nred car,coche colorado,\n"
    imported = tr.import_terminology(Name=name, MergeStrategy="OVERWRITE", Description="test terms",
                                     TerminologyData={"File": csv.encode(), "Format": "CSV"})["TerminologyProperties"]
    assert imported["SourceLanguageCode"] == "en" and imported["TargetLanguageCodes"] == ["es", "ca"]
    assert imported["TermCount"] == 3 and imported["Format"] == "CSV" and imported["Directionality"] == "UNI"
    assert imported["Arn"].endswith(f":terminology/{name}/LATEST")
    out = tr.translate_text(Text="The HOUSE of Stanford University has a red car and a house.",
                            SourceLanguageCode="en", TargetLanguageCode="es", TerminologyNames=[name])
    assert "HOGAR" in out["TranslatedText"] and "hogar" in out["TranslatedText"]
    assert "Universidad De Stanford" in out["TranslatedText"] and "coche colorado" in out["TranslatedText"]
    assert out["AppliedTerminologies"] == [{"Name": name, "Terms": [
        {"SourceText": "house", "TargetText": "hogar"},
        {"SourceText": "Stanford University", "TargetText": "Universidad de Stanford"},
        {"SourceText": "red car", "TargetText": "coche colorado"}]}]
    catalan = tr.translate_text(Text="My house.", SourceLanguageCode="en", TargetLanguageCode="ca",
                                TerminologyNames=[name])
    assert "llar" in catalan["TranslatedText"]
    # the terminology is UNI: from Spanish nothing applies
    reverse = tr.translate_text(Text="El hogar.", SourceLanguageCode="es", TargetLanguageCode="en",
                                TerminologyNames=[name])
    assert reverse["AppliedTerminologies"] == [{"Name": name, "Terms": []}]

    got = tr.get_terminology(Name=name)
    assert got["TerminologyProperties"]["Description"] == "test terms"
    assert got["TerminologyDataLocation"]["RepositoryType"] == "S3"
    with urllib.request.urlopen(got["TerminologyDataLocation"]["Location"]) as response:
        assert response.read().decode().splitlines()[1] == "house,hogar,llar"
    tmx = tr.get_terminology(Name=name, TerminologyDataFormat="TMX")["TerminologyDataLocation"]["Location"]
    with urllib.request.urlopen(tmx) as response:
        assert b"<seg>Universidad de Stanford</seg>" in response.read()
    assert name in [t["Name"] for t in tr.list_terminologies()["TerminologyPropertiesList"]]

    tr.import_terminology(Name=name, MergeStrategy="OVERWRITE",
                          TerminologyData={"File": b"en\tes\ncar\tauto\n", "Format": "TSV"})
    again = tr.get_terminology(Name=name)["TerminologyProperties"]
    assert again["TermCount"] == 1 and again["Format"] == "TSV" and again["CreatedAt"] == imported["CreatedAt"]
    tr.delete_terminology(Name=name)
    assert error(tr.get_terminology, Name=name)["Error"]["Code"] == "ResourceNotFoundException"
    assert error(tr.delete_terminology, Name=name)["Error"]["Code"] == "ResourceNotFoundException"


def test_tmx_multi_terminology_and_malformed_files(tr):
    name = unique("tmx")
    tmx = ('<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header srclang="en" datatype="PlainText" '
           'segtype="sentence" adminlang="en" creationtool="t" creationtoolversion="1" o-tmf="t"/><body>'
           '<tu><tuv xml:lang="en"><seg>dog</seg></tuv><tuv xml:lang="es"><seg>chucho</seg></tuv></tu>'
           '</body></tmx>')
    props = tr.import_terminology(Name=name, MergeStrategy="OVERWRITE", TerminologyData={
        "File": tmx.encode(), "Format": "TMX", "Directionality": "MULTI"})["TerminologyProperties"]
    assert props["Directionality"] == "MULTI" and props["TermCount"] == 1
    out = tr.translate_text(Text="Chucho bueno.", SourceLanguageCode="es", TargetLanguageCode="en",
                            TerminologyNames=[name])
    assert out["TranslatedText"].startswith("Dog")
    tr.delete_terminology(Name=name)
    for data, fmt, fragment in [(b"en\nhouse\n", "CSV", "header row"), (b"en,es\na,b,c\n", "CSV", "row 2"),
                                (b"<tmx><header srclang='en'/><body><tu>", "TMX", "well-formed"),
                                (b'<!DOCTYPE x [<!ENTITY a "b">]><tmx/>', "TMX", "DOCTYPE")]:
        response = error(tr.import_terminology, Name=unique("bad"), MergeStrategy="OVERWRITE",
                         TerminologyData={"File": data, "Format": fmt})
        assert response["Error"]["Code"] == "InvalidParameterValueException"
        assert fragment in response["Error"]["Message"]


def test_parallel_data_is_recorded_and_tags(tr, s3, bucket):
    s3.put_object(Bucket=bucket, Key="parallel.csv", Body=b"en,es\nThe house,La casa\nA dog,Un perro\n")
    name = unique("parallel")
    created = tr.create_parallel_data(Name=name, ParallelDataConfig={"S3Uri": f"s3://{bucket}/parallel.csv",
                                                                     "Format": "CSV"},
                                      Tags=[{"Key": "team", "Value": "nlp"}])
    assert created == {"Name": name, "Status": "ACTIVE", "ResponseMetadata": created["ResponseMetadata"]}
    got = tr.get_parallel_data(Name=name)
    props = got["ParallelDataProperties"]
    assert props["ImportedRecordCount"] == 2 and props["SourceLanguageCode"] == "en"
    assert "does not change translations" in props["Message"]
    with urllib.request.urlopen(got["DataLocation"]["Location"]) as response:
        assert response.read().startswith(b"en,es")
    assert name in [p["Name"] for p in tr.list_parallel_data()["ParallelDataPropertiesList"]]
    s3.put_object(Bucket=bucket, Key="more.tsv", Body=b"en\tes\nred\trojo\n")
    updated = tr.update_parallel_data(Name=name, ParallelDataConfig={"S3Uri": f"s3://{bucket}/more.tsv",
                                                                     "Format": "TSV"})
    assert updated["LatestUpdateAttemptStatus"] == "ACTIVE"
    assert tr.get_parallel_data(Name=name)["ParallelDataProperties"]["ImportedRecordCount"] == 1
    arn = props["Arn"]
    tr.tag_resource(ResourceArn=arn, Tags=[{"Key": "stage", "Value": "test"}])
    tr.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert tr.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "stage", "Value": "test"}]
    missing = error(tr.create_parallel_data, Name=unique("p"), ParallelDataConfig={
        "S3Uri": f"s3://{bucket}/nothing.csv", "Format": "CSV"})
    assert missing["Error"]["Code"] == "InvalidParameterValueException"
    assert tr.delete_parallel_data(Name=name)["Status"] == "DELETING"
    assert error(tr.get_parallel_data, Name=name)["Error"]["Code"] == "ResourceNotFoundException"


def wait(tr, job_id: str, timeout: float = 60) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        props = tr.describe_text_translation_job(JobId=job_id)["TextTranslationJobProperties"]
        if props["JobStatus"] not in ("SUBMITTED", "IN_PROGRESS", "STOP_REQUESTED"):
            return props
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish")


def test_batch_job_from_s3_to_s3(tr, s3, bucket):
    english = (DATA / "translation" / "flores200" / "eng_Latn.dev").read_text().splitlines()
    s3.put_object(Bucket=bucket, Key="in/a.txt", Body="\n".join(english[:5]).encode())
    s3.put_object(Bucket=bucket, Key="in/sub/b.txt", Body=b"The house is red.")
    s3.put_object(Bucket=bucket, Key="in/bad.txt", Body=b"\xff\xfe\xfa not utf-8")
    terms = unique("jobterms")
    tr.import_terminology(Name=terms, MergeStrategy="OVERWRITE",
                          TerminologyData={"File": b"en,es,ca\nhouse,hogar,llar\n", "Format": "CSV"})
    job_name = unique("job")
    started = tr.start_text_translation_job(
        JobName=job_name, InputDataConfig={"S3Uri": f"s3://{bucket}/in/", "ContentType": "text/plain"},
        OutputDataConfig={"S3Uri": f"s3://{bucket}/out/"}, DataAccessRoleArn=ROLE, SourceLanguageCode="en",
        TargetLanguageCodes=["es", "ca"], TerminologyNames=[terms])
    assert started["JobStatus"] == "SUBMITTED" and len(started["JobId"]) == 32
    props = wait(tr, started["JobId"])
    assert props["JobStatus"] == "COMPLETED_WITH_ERROR" and "could not be translated" in props["Message"]
    assert props["JobDetails"] == {"TranslatedDocumentsCount": 2, "DocumentsWithErrorsCount": 1,
                                   "InputDocumentsCount": 3}
    prefix = f"out/123456789012-TranslateText-{started['JobId']}/"
    assert props["OutputDataConfig"]["S3Uri"] == f"s3://{bucket}/{prefix}"
    keys = {o["Key"][len(prefix):] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]}
    assert keys == {"es.a.txt", "ca.a.txt", "sub/es.b.txt", "sub/ca.b.txt",
                    "details/es.auxiliary-translation-details.json", "details/ca.auxiliary-translation-details.json"}
    spanish = s3.get_object(Bucket=bucket, Key=prefix + "es.a.txt")["Body"].read().decode().splitlines()
    assert len(spanish) == 5 and spanish[0].startswith("El lunes")
    assert s3.get_object(Bucket=bucket, Key=prefix + "sub/es.b.txt")["Body"].read() == b"El hogar es rojo."
    details = json.loads(s3.get_object(Bucket=bucket, Key=prefix + "details/es.auxiliary-translation-details.json")
                         ["Body"].read())
    assert details["targetLanguageCode"] == "es" and details["documentCountWithCustomerError"] == "1"
    assert {"sourceFile": "sub/b.txt", "targetFile": "sub/es.b.txt", "auxiliaryData": {"appliedTerminologies": [
        {"name": terms, "terms": [{"sourceText": "house", "targetText": "hogar"}]}]}} in details["details"]
    listed = tr.list_text_translation_jobs(Filter={"JobName": job_name})["TextTranslationJobPropertiesList"]
    assert [j["JobId"] for j in listed] == [started["JobId"]]
    by_status = tr.list_text_translation_jobs(Filter={"JobStatus": "COMPLETED_WITH_ERROR"})
    assert started["JobId"] in [j["JobId"] for j in by_status["TextTranslationJobPropertiesList"]]
    assert error(tr.list_text_translation_jobs, Filter={"JobName": job_name, "JobStatus": "COMPLETED"}
                 )["Error"]["Code"] == "InvalidFilterException"


def test_batch_job_errors_and_stop(tr, s3, bucket):
    common = dict(OutputDataConfig={"S3Uri": f"s3://{bucket}/out/"}, DataAccessRoleArn=ROLE)
    missing = tr.start_text_translation_job(InputDataConfig={"S3Uri": f"s3://{bucket}/nothing/",
                                                             "ContentType": "text/plain"},
                                            SourceLanguageCode="en", TargetLanguageCodes=["es"], **common)
    failed = wait(tr, missing["JobId"])
    assert failed["JobStatus"] == "FAILED" and "no objects found" in failed["Message"]
    for kwargs, code in [
        (dict(SourceLanguageCode="en", TargetLanguageCodes=["de"]), "UnsupportedLanguagePairException"),
        (dict(SourceLanguageCode="en", TargetLanguageCodes=["es"], TerminologyNames=[unique("x")]),
         "ResourceNotFoundException"),
        (dict(SourceLanguageCode="en", TargetLanguageCodes=["es"], ParallelDataNames=[unique("x")]),
         "ResourceNotFoundException"),
        (dict(SourceLanguageCode="en", TargetLanguageCodes=["es"], Settings={"Brevity": "ON"}),
         "InvalidRequestException"),
    ]:
        response = error(tr.start_text_translation_job, InputDataConfig={
            "S3Uri": f"s3://{bucket}/in/", "ContentType": "text/plain"}, **common, **kwargs)
        assert response["Error"]["Code"] == code
    no_bucket = error(tr.start_text_translation_job, InputDataConfig={
        "S3Uri": "s3://no-such-bucket-sextant/in/", "ContentType": "text/plain"}, SourceLanguageCode="en",
        TargetLanguageCodes=["es"], **common)
    assert no_bucket["Error"]["Code"] == "InvalidRequestException" and "InputDataConfig.S3Uri" in \
        no_bucket["Error"]["Message"]
    assert error(tr.describe_text_translation_job, JobId="0" * 32)["Error"]["Code"] == "ResourceNotFoundException"

    for i in range(40):
        s3.put_object(Bucket=bucket, Key=f"many/{i:02d}.html", Body=f"<p>Document {i} is <b>here</b>.</p>".encode())
    job = tr.start_text_translation_job(InputDataConfig={"S3Uri": f"s3://{bucket}/many/", "ContentType": "text/html"},
                                        SourceLanguageCode="en", TargetLanguageCodes=["es", "ca", "eo"], **common)
    stopping = tr.stop_text_translation_job(JobId=job["JobId"])
    assert stopping["JobStatus"] in ("STOP_REQUESTED", "STOPPED")
    stopped = wait(tr, job["JobId"])
    assert stopped["JobStatus"] == "STOPPED" and stopped["JobDetails"]["InputDocumentsCount"] < 40
    prefix = f"out/123456789012-TranslateText-{job['JobId']}/"
    written = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix=prefix + "es.").get("Contents", [])]
    assert len(written) == stopped["JobDetails"]["TranslatedDocumentsCount"]
    if written:
        assert s3.get_object(Bucket=bucket, Key=written[0])["Body"].read().decode() == \
            "<p>Documento 0 es <b>aquí</b>.</p>"


def test_a_configured_ctranslate2_model_serves_its_pair(make_server, tmp_path):
    folder = tiny_ct2.build(tmp_path / "tiny-en-de")
    server = make_server(env={"SEXTANT_TRANSLATE_MODELS": f"en-de={folder}"})
    client = server.client("translate")
    assert "de" in [item["LanguageCode"] for item in client.list_languages()["Languages"]]
    out = client.translate_text(Text="hello world", SourceLanguageCode="en", TargetLanguageCode="de")
    assert out["TranslatedText"] and set(out["TranslatedText"].split()) == {"hola"}
    assert client.translate_text(Text="The house.", SourceLanguageCode="en",
                                 TargetLanguageCode="es")["TranslatedText"] == "La casa."


def test_concurrent_requests_get_their_own_answers(tr):
    from concurrent.futures import ThreadPoolExecutor

    english = (DATA / "translation" / "flores200" / "eng_Latn.dev").read_text().splitlines()[:16]
    alone = [tr.translate_text(Text=s, SourceLanguageCode="en", TargetLanguageCode="es")["TranslatedText"]
             for s in english]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda s: tr.translate_text(Text=s, SourceLanguageCode="en",
                                                             TargetLanguageCode="es")["TranslatedText"], english))
    assert together == alone and len(set(alone)) == 16


def test_batch_job_with_auto_source_and_html(tr, s3, bucket):
    s3.put_object(Bucket=bucket, Key="web/page.html",
                  Body="<p>La casa <b>roja</b> es grande y el perro duerme.</p>".encode())
    job = tr.start_text_translation_job(InputDataConfig={"S3Uri": f"s3://{bucket}/web/page.html",
                                                         "ContentType": "text/html"},
                                        OutputDataConfig={"S3Uri": f"s3://{bucket}/web-out"}, DataAccessRoleArn=ROLE,
                                        SourceLanguageCode="auto", TargetLanguageCodes=["en"],
                                        Settings={"Profanity": "MASK"})
    props = wait(tr, job["JobId"])
    assert props["JobStatus"] == "COMPLETED" and props["Settings"] == {"Profanity": "MASK"}
    key = f"web-out/123456789012-TranslateText-{job['JobId']}/en.page.html"
    page = s3.get_object(Bucket=bucket, Key=key)
    assert page["ContentType"] == "text/html"
    assert page["Body"].read().decode() == "<p>The <b>red</b> house is big and the dog sleeps.</p>"  # markup moves with its word

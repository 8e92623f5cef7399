"""Custom vocabularies and vocabulary filters through boto3."""

from __future__ import annotations

import time
import urllib.request
import uuid

import pytest
from botocore.exceptions import ClientError


def _code(call, **params) -> str:
    with pytest.raises(ClientError) as caught:
        call(**params)
    return caught.value.response["Error"]["Code"]


def _settled(transcribe, name: str) -> dict:
    deadline = time.time() + 30
    while True:
        vocabulary = transcribe.get_vocabulary(VocabularyName=name)
        if vocabulary["VocabularyState"] != "PENDING" or time.time() > deadline:
            return vocabulary
        time.sleep(0.1)


def test_vocabulary_lifecycle(server, s3, bucket):
    tr = server.client("transcribe")
    name = f"v-{uuid.uuid4().hex[:8]}"
    created = tr.create_vocabulary(VocabularyName=name, LanguageCode="en-US", Phrases=["Sextant", "Los-Angeles"])
    assert created["VocabularyState"] == "PENDING" and created["VocabularyName"] == name
    ready = _settled(tr, name)
    assert ready["VocabularyState"] == "READY" and ready["LanguageCode"] == "en-US"
    with urllib.request.urlopen(ready["DownloadUri"], timeout=10) as response:
        table = response.read().decode()
    assert table.splitlines()[0] == "Phrase\tSoundsLike\tIPA\tDisplayAs" and "Los-Angeles" in table
    assert _code(tr.create_vocabulary, VocabularyName=name, LanguageCode="en-US", Phrases=["x"]) == \
        "ConflictException"
    listed = tr.list_vocabularies(NameContains=name)["Vocabularies"]
    assert [v["VocabularyName"] for v in listed] == [name] and listed[0]["VocabularyState"] == "READY"
    assert tr.list_vocabularies(NameContains=name, StateEquals="FAILED")["Vocabularies"] == []

    s3.put_object(Bucket=bucket, Key="vocab.txt",
                  Body=b"Phrase\tIPA\tSoundsLike\tDisplayAs\nSextant\t\tsex-tant\tSEXTANT\n")
    updated = tr.update_vocabulary(VocabularyName=name, LanguageCode="en-US",
                                   VocabularyFileUri=f"s3://{bucket}/vocab.txt")
    assert updated["VocabularyState"] == "PENDING"
    assert _settled(tr, name)["VocabularyState"] == "READY"

    s3.put_object(Bucket=bucket, Key="bad.txt", Body=b"Phrase\tColour\nfoo\tbar\n")
    broken = f"{name}-bad"
    tr.create_vocabulary(VocabularyName=broken, LanguageCode="en-US", VocabularyFileUri=f"s3://{bucket}/bad.txt")
    failed = _settled(tr, broken)
    assert failed["VocabularyState"] == "FAILED" and "Colour" in failed["FailureReason"]
    missing = f"{name}-missing"
    tr.create_vocabulary(VocabularyName=missing, LanguageCode="en-US", VocabularyFileUri=f"s3://{bucket}/none.txt")
    assert "can't be accessed" in _settled(tr, missing)["FailureReason"]

    assert _code(tr.create_vocabulary, VocabularyName=f"{name}-x", LanguageCode="en-US") == "BadRequestException"
    tr.delete_vocabulary(VocabularyName=name)
    assert _code(tr.get_vocabulary, VocabularyName=name) == "BadRequestException"
    assert _code(tr.delete_vocabulary, VocabularyName=name) == "NotFoundException"
    assert _code(tr.update_vocabulary, VocabularyName=name, LanguageCode="en-US", Phrases=["a"]) == \
        "NotFoundException"


def test_vocabulary_filter_lifecycle(server, s3, bucket):
    tr = server.client("transcribe")
    name = f"f-{uuid.uuid4().hex[:8]}"
    created = tr.create_vocabulary_filter(VocabularyFilterName=name, LanguageCode="en-US", Words=["darn", "heck"])
    assert created["VocabularyFilterName"] == name and created["LanguageCode"] == "en-US"
    got = tr.get_vocabulary_filter(VocabularyFilterName=name)
    with urllib.request.urlopen(got["DownloadUri"], timeout=10) as response:
        assert response.read().decode().split() == ["darn", "heck"]
    assert _code(tr.create_vocabulary_filter, VocabularyFilterName=name, LanguageCode="en-US",
                 Words=["x"]) == "ConflictException"
    s3.put_object(Bucket=bucket, Key="words.txt", Body=b"gosh\nshoot\n")
    tr.update_vocabulary_filter(VocabularyFilterName=name, VocabularyFilterFileUri=f"s3://{bucket}/words.txt")
    got = tr.get_vocabulary_filter(VocabularyFilterName=name)
    with urllib.request.urlopen(got["DownloadUri"], timeout=10) as response:
        assert response.read().decode().split() == ["gosh", "shoot"]
    assert [f["VocabularyFilterName"] for f in tr.list_vocabulary_filters(NameContains=name)["VocabularyFilters"]] \
        == [name]
    assert _code(tr.create_vocabulary_filter, VocabularyFilterName=f"{name}-2", LanguageCode="en-US",
                 Words=["two words"]) == "BadRequestException"
    assert _code(tr.create_vocabulary_filter, VocabularyFilterName=f"{name}-3", LanguageCode="en-US",
                 VocabularyFilterFileUri=f"s3://{bucket}/none.txt") == "BadRequestException"
    arn = f"arn:aws:transcribe:us-east-1:123456789012:vocabulary-filter/{name}"
    tr.tag_resource(ResourceArn=arn, Tags=[{"Key": "team", "Value": "speech"}, {"Key": "stage", "Value": "dev"}])
    tr.untag_resource(ResourceArn=arn, TagKeys=["stage"])
    assert tr.list_tags_for_resource(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "speech"}]
    assert _code(tr.list_tags_for_resource, ResourceArn=arn + "-none") == "NotFoundException"
    tr.delete_vocabulary_filter(VocabularyFilterName=name)
    assert _code(tr.get_vocabulary_filter, VocabularyFilterName=name) == "BadRequestException"
    assert _code(tr.delete_vocabulary_filter, VocabularyFilterName=name) == "NotFoundException"

"""CloudWatch Logs through boto3 (json protocol end to end): groups, streams, events, paging."""

from __future__ import annotations

import botocore.exceptions
import pytest


@pytest.fixture
def logs(server):
    return server.client("logs")


def test_groups_streams_and_events(logs):
    logs.create_log_group(logGroupName="/test/TrainingJobs")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        logs.create_log_group(logGroupName="/test/TrainingJobs")
    assert caught.value.response["Error"]["Code"] == "ResourceAlreadyExistsException"
    logs.create_log_stream(logGroupName="/test/TrainingJobs", logStreamName="job-1/algo-1-1")
    logs.create_log_stream(logGroupName="/test/TrainingJobs", logStreamName="job-2/algo-1-1")
    base = 1_700_000_000_000
    logs.put_log_events(logGroupName="/test/TrainingJobs", logStreamName="job-1/algo-1-1",
                        logEvents=[{"timestamp": base + i, "message": f"[{i}]#011train-rmse:{10 - i}"}
                                   for i in range(25)])
    streams = logs.describe_log_streams(logGroupName="/test/TrainingJobs",
                                        logStreamNamePrefix="job-1")["logStreams"]
    assert [s["logStreamName"] for s in streams] == ["job-1/algo-1-1"]
    assert streams[0]["firstEventTimestamp"] == base and streams[0]["lastEventTimestamp"] == base + 24

    first = logs.get_log_events(logGroupName="/test/TrainingJobs", logStreamName="job-1/algo-1-1",
                                startFromHead=True, limit=10)
    assert [e["timestamp"] for e in first["events"]] == [base + i for i in range(10)]
    rest, token = [], first["nextForwardToken"]
    while True:
        page = logs.get_log_events(logGroupName="/test/TrainingJobs", logStreamName="job-1/algo-1-1",
                                   startFromHead=True, nextToken=token, limit=10)
        rest += page["events"]
        if page["nextForwardToken"] == token:
            break
        token = page["nextForwardToken"]
    assert [e["message"] for e in rest] == [f"[{i}]#011train-rmse:{10 - i}" for i in range(10, 25)]
    latest = logs.get_log_events(logGroupName="/test/TrainingJobs", logStreamName="job-1/algo-1-1",
                                 limit=3)
    assert [e["timestamp"] for e in latest["events"]] == [base + 22, base + 23, base + 24]

    found = logs.filter_log_events(logGroupName="/test/TrainingJobs", filterPattern='"rmse:1"')["events"]
    assert sorted(e["message"] for e in found) == ["[0]#011train-rmse:10", "[9]#011train-rmse:1"]
    groups = logs.describe_log_groups(logGroupNamePrefix="/test/")["logGroups"]
    assert groups[0]["logGroupName"] == "/test/TrainingJobs" and groups[0]["storedBytes"] > 0


def test_errors_and_pagination(logs):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        logs.put_log_events(logGroupName="nope", logStreamName="s", logEvents=[{"timestamp": 1, "message": "m"}])
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"
    logs.create_log_group(logGroupName="paging")
    logs.create_log_stream(logGroupName="paging", logStreamName="s")
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        logs.put_log_events(logGroupName="paging", logStreamName="s",
                            logEvents=[{"timestamp": 5, "message": "b"}, {"timestamp": 1, "message": "a"}])
    assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    for index in range(7):
        logs.create_log_stream(logGroupName="paging", logStreamName=f"stream-{index}")
    names = [s["logStreamName"] for page in logs.get_paginator("describe_log_streams").paginate(
        logGroupName="paging", PaginationConfig={"PageSize": 3}) for s in page["logStreams"]]
    assert names == ["s"] + [f"stream-{i}" for i in range(7)]
    logs.delete_log_group(logGroupName="paging")
    assert not logs.describe_log_groups(logGroupNamePrefix="paging")["logGroups"]

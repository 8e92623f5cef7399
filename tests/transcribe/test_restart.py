"""A transcription job interrupted by a server restart ends FAILED with a reason, never IN_PROGRESS."""

from __future__ import annotations

import numpy as np

from tests.transcribe.speech import media, samples


def test_interrupted_job_fails_after_restart(make_server, tmp_path):
    home = tmp_path / "home"
    first = make_server(home=home)
    s3, transcribe = first.client("s3"), first.client("transcribe")
    s3.create_bucket(Bucket="media")
    long_speech = np.tile(samples("en-004"), 15)  # about a minute: still running when the server dies
    s3.put_object(Bucket="media", Key="long.flac", Body=media(long_speech, "flac"))
    transcribe.start_transcription_job(TranscriptionJobName="interrupted", LanguageCode="en-US",
                                       Media={"MediaFileUri": "s3://media/long.flac"})
    first.stop(kill=True)
    second = make_server(home=home)
    job = second.client("transcribe").get_transcription_job(TranscriptionJobName="interrupted")["TranscriptionJob"]
    assert job["TranscriptionJobStatus"] == "FAILED"
    assert "restarted" in job["FailureReason"] and job["CompletionTime"]

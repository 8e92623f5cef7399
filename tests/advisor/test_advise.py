"""Advice through the Python function, the CLI and the server's HTTP endpoint."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
import pytest

import sextant.advisor
from sextant.advisor import advise
from sextant.advisor.recommend import without_decoys

SCHEMA = Path(sextant.advisor.__file__).with_name("advice.schema.json")


@pytest.mark.parametrize("problem,expected", [
    ("We want to flag logins from unusual IP addresses for each user account", "ip-insights"),
    ("Predict which customers will cancel next month from a CSV of account and billing columns", "xgboost"),
    ("Redact protected health information from doctors' clinical notes", "comprehend-medical"),
    ("Turn our written news articles into natural-sounding audio narration", "polly"),
])
def test_canonical_problems(problem, expected):
    advice = advise(problem)
    assert expected in [choice["id"] for choice in advice["recommendations"][:3]]


def test_a_symptom_brings_the_setting_and_the_value_to_set():
    advice = advise("We moved our XGBoost training job to a single-GPU instance but it trains no faster than on CPU.")
    assert {"name": "tree_method", "suggested": "gpu_hist"}.items() <= advice["hyperparameters"][0].items()
    required = advise("Which settings are required to train the built-in image classification algorithm?")
    assert {"num_classes", "num_training_samples"} <= {h["name"] for h in required["hyperparameters"][:3]}


def test_a_rejected_suggestion_does_not_steer_the_advice():
    assert without_decoys("We need per-pixel masks of stains. A colleague suggested drawing boxes around them, "
                          "but we need the exact area.") == "We need per-pixel masks of stains. we need the exact area."
    assert without_decoys("Keep the centres far apart instead of random. Which setting?") == (
        "Keep the centres far apart. Which setting?")
    assert without_decoys("A data scientist needs predictions for a 50 GB CSV and has been told to stand up an "
                          "endpoint. Is that needed?") == "A data scientist needs predictions for a 50 GB CSV Is that needed?"
    advice = advise("Each photo shows one item and we only need its material. A vendor pitched a model that draws "
                    "boxes around objects, but that seems like more than we need.")
    assert advice["recommendations"][0]["id"] != "object-detection"


def test_a_setting_is_found_by_what_it_controls():
    for problem, setting in [("In DeepAR, which setting fixes how many time steps ahead the model forecasts?",
                              "prediction_length"),
                             ("Which XGBoost setting limits how deep each tree can grow?", "max_depth")]:
        assert advise(problem)["hyperparameters"][0]["name"] == setting


def test_a_request_gets_a_request_format_not_the_response_or_model_type():
    for algorithm in ("image classification", "object detection"):
        advice = advise(f"What content type should our app send to the endpoint hosting the built-in {algorithm} model?")
        assert advice["formats"][0] in ("image/jpeg", "image/png", "application/x-image")
    advice = advise("We want to continue training our earlier object detection model incrementally; what content "
                    "type does that channel need?")
    assert advice["formats"][0] == "application/x-sagemaker-model"


def test_a_format_is_found_by_the_situation_that_calls_for_it():
    polly = advise("Our narrator voice must pause for two seconds between chapters and stress a few words. What "
                   "input should we send to Amazon Polly?")
    assert polly["formats"][0] == "application/ssml+xml"
    transcribe = advise("Our call recordings are archived losslessly; which audio format gives Amazon Transcribe "
                        "the best accuracy?")
    assert transcribe["formats"][0] in ("audio/flac", "audio/wav")


def test_serving_questions_get_serving_instances():
    training = advise("Which instances should we use to train the built-in sequence-to-sequence model?")
    serving = advise("Which instance should host the built-in sequence-to-sequence model for a low-traffic demo endpoint?")
    assert training["instances"][0]["compute"] == "gpu" and serving["instances"][0]["compute"] == "cpu"


def test_instance_advice_is_a_few_distinct_choices_each_with_its_reason():
    choices = advise("Which instances should we use to train the built-in sequence-to-sequence model?")["instances"]
    assert 1 < len(choices) <= 3 and all(choice["reason"] and choice["families"] for choice in choices)
    assert len({(choice["compute"], tuple(choice["families"])) for choice in choices}) == len(choices)


def test_instance_advice_follows_the_data_size_a_choice_is_for():
    small = advise("We train BlazingText in supervised mode on 1.2 GB of labelled support tickets. Which instance?")
    large = advise("We train BlazingText in supervised mode on 40 GB of labelled product reviews. Which instance?")
    assert small["instances"][0]["compute"] == "cpu" and large["instances"][0]["compute"] == "gpu"


@pytest.mark.parametrize("problem,name,value", [
    ("Our DeepAR model on daily store sales must forecast the next 21 days for replenishment planning. Which "
     "hyperparameter sets that, and to what?", "prediction_length", 21),
    ("Our k-means segmentation must split the customers into exactly 12 groups for the marketing team. Which "
     "hyperparameter, and what value?", "k", 12),
    ("We have about 40,000 distinct user accounts in our IP Insights training data. How many entity vectors "
     "should we configure?", "num_entity_vectors", 80000),  # AWS: twice the number of entities
])
def test_a_value_is_worked_out_from_the_questions_own_numbers(problem, name, value):
    assert {"name": name, "suggested": value}.items() <= advise(problem)["hyperparameters"][0].items()


def test_a_number_among_other_words_does_not_set_a_value():
    from sextant.advisor.recommend import _value_from_question

    signs = [(0.5, 14, "Planners need a forecast of the next 14 days.")]
    assert _value_from_question(signs, "Our 3 analysts need a forecast of the next 28 days.") == 28
    assert _value_from_question(signs, "Our 3 analysts want better accuracy.") is None
    classes = [(0.5, 12, "Photos go into one of 12 product categories.")]
    assert _value_from_question(classes, "We train on 200,000 warehouse photos.") is None  # counts other things
    assert _value_from_question(classes, "Photos go into one of 7 product categories.") == 7
    users = [(0.5, 10_000_000, "We want the model sized for our 5 million distinct account IDs.")]
    assert _value_from_question(users, "About 40,000 distinct accounts log in.") == 80_000
    assert _value_from_question(signs, "We need a forecast of the next " + "9" * 400 + " days.") is None  # no overflow


def test_empty_problem_is_refused():
    with pytest.raises(ValueError, match="Describe the problem"):
        advise("  ")


def test_cli_and_http(server):
    shown = subprocess.run([sys.executable, "-m", "sextant.cli.main", "advise", "--json",
                            "Forecast weekly demand for 20,000 related products across stores"],
                           capture_output=True, text=True, timeout=300)
    assert shown.returncode == 0
    jsonschema.validate(json.loads(shown.stdout), json.loads(SCHEMA.read_text()))
    empty = subprocess.run([sys.executable, "-m", "sextant.cli.main", "advise", ""], capture_output=True, text=True,
                           timeout=300)
    assert empty.returncode == 2 and "Describe the problem" in empty.stderr

    request = urllib.request.Request(f"{server.url}/_sextant/advise", method="POST",
                                     data=json.dumps({"problem": "Label 50,000 images with bounding boxes"}).encode())
    with urllib.request.urlopen(request, timeout=300) as response:
        assert json.load(response)["recommendations"]
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(urllib.request.Request(f"{server.url}/_sextant/advise", method="POST", data=b"{"),
                               timeout=60)
    assert caught.value.code == 400
    for body, named in (({"problem": 5}, "problem must be a string"), ({"problem": "x" * 20_000}, "at most")):
        with pytest.raises(urllib.error.HTTPError) as caught:
            urllib.request.urlopen(urllib.request.Request(f"{server.url}/_sextant/advise", method="POST",
                                                          data=json.dumps(body).encode()), timeout=60)
        assert caught.value.code == 400 and named in json.load(caught.value)["message"]


def test_data_profile_decides_the_hyperparameters():
    from ..datasets import DATA

    advice = advise("predict whether a person earns more than 50K a year",
                    data=str(DATA / "tabular" / "adult" / "adult-train.csv"))
    assert advice["data"]["problem_type"] == "binary" and advice["data"]["rows"] == 32561
    assert advice["recommendations"][0]["id"] in ("xgboost", "linear-learner")
    suggested = {h["name"]: h["suggested"] for h in advice["hyperparameters"]}
    if advice["recommendations"][0]["id"] == "xgboost":
        assert suggested["objective"] == "binary:logistic" and suggested["scale_pos_weight"] == pytest.approx(3.2, 0.1)
    housing = advise("", data=str(DATA / "tabular" / "california-housing" / "housing.csv"))
    assert housing["data"]["target"] == "median_house_value" and housing["data"]["problem_type"] == "regression"
    with pytest.raises(ValueError, match="does not exist"):
        advise("anything", data="/no/such/file.csv")
    with pytest.raises(ValueError, match="not one of the columns"):
        advise("anything", data=str(DATA / "tabular" / "california-housing" / "housing.csv"), target="nope")


def test_data_in_s3_is_profiled_through_the_server(server, s3, bucket):
    """--data accepts s3:// URIs: an object (CSV) or a prefix (images), read through boto3 from the server."""
    from sextant.advisor import advise

    from ..datasets import DATA

    s3.upload_file(str(DATA / "tabular" / "california-housing" / "housing.csv"), bucket, "tables/housing.csv")
    for index in range(3):
        s3.put_object(Bucket=bucket, Key=f"photos/{index}.jpg", Body=b"\xff\xd8\xff" + bytes(100))
    table = advise("Predict the value of a house", data=f"s3://{bucket}/tables/housing.csv", endpoint_url=server.url)
    assert table["data"]["path"] == f"s3://{bucket}/tables/housing.csv"
    assert table["data"]["problem_type"] == "regression" and table["data"]["rows"] == 20640
    images = advise("Sort these photos by what they show", data=f"s3://{bucket}/photos/", endpoint_url=server.url)
    assert images["data"]["modality"] == "images" and images["data"]["rows"] == 3
    with pytest.raises(ValueError, match="no objects there"):
        advise("anything", data=f"s3://{bucket}/missing/", endpoint_url=server.url)
    answer = urllib.request.urlopen(urllib.request.Request(
        f"{server.url}/_sextant/advise", method="POST",
        data=json.dumps({"problem": "Predict house values", "data": f"s3://{bucket}/tables/housing.csv"}).encode()))
    assert json.loads(answer.read())["data"]["target"] == "median_house_value"

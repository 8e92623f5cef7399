"""`sextant solve` end to end on real data: adult (classification) and California housing (regression)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ..datasets import DATA


@pytest.mark.parametrize("problem,data,metric,floor", [
    ("predict whether a person earns more than 50K a year", "tabular/adult/adult-train.csv", "auc", 0.90),
    ("estimate the median house value of a district", "tabular/california-housing/housing.csv", "r2", 0.7),
])
def test_solve_end_to_end(server, tmp_path, problem, data, metric, floor):
    script = tmp_path / "solution.py"
    result = subprocess.run([sys.executable, "-m", "sextant.cli.main", "solve", problem, "--data", str(DATA / data),
                             "--script", str(script), "--port", str(server.port), "--json"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.splitlines()
    assert any("Training job" in line for line in lines) and any("Held-out metrics" in line for line in lines)
    solution = json.loads(result.stdout[result.stdout.index("\n{") + 1:])
    assert solution["algorithm"] in ("xgboost", "linear-learner")
    assert solution["metrics"][metric] >= floor
    compile(script.read_text(), str(script), "exec")  # the reproducing script is valid Python
    endpoint = server.client("sagemaker").describe_endpoint(EndpointName=solution["endpoint"])
    assert endpoint["EndpointStatus"] == "InService"


def test_solve_refuses_data_it_cannot_use(tmp_path):
    missing = subprocess.run([sys.executable, "-m", "sextant.cli.main", "solve", "anything", "--data",
                              str(tmp_path / "nope.csv")], capture_output=True, text=True, timeout=300)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    notes = tmp_path / "notes.txt"
    notes.write_text("just some words\n")
    wrong = subprocess.run([sys.executable, "-m", "sextant.cli.main", "solve", "anything", "--data", str(notes)],
                           capture_output=True, text=True, timeout=300)
    assert wrong.returncode == 2 and "tabular" in wrong.stderr


def test_solve_clusters_without_a_target(server, tmp_path):
    from sklearn.datasets import load_wine

    wine = load_wine()
    data = tmp_path / "wine.csv"
    data.write_text(",".join(wine.feature_names) + "\n" + "\n".join(",".join(map(str, row)) for row in wine.data))
    result = subprocess.run([sys.executable, "-m", "sextant.cli.main", "solve",
                             "group our wines into 3 segments with similar chemistry", "--data", str(data),
                             "--target", "none", "--script", str(tmp_path / "s.py"), "--port", str(server.port),
                             "--json"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    solution = json.loads(result.stdout[result.stdout.index("\n{") + 1:])
    assert solution["algorithm"] == "kmeans" and '"k": "3"' in result.stdout
    assert solution["example"]["prediction"]["closest_cluster"] in (0, 1, 2)


def test_solve_labelled_text_trains_a_comprehend_classifier(server, tmp_path):
    """A CSV of labelled documents: the advisor's text path, a Comprehend custom classifier through boto3."""
    import csv

    with open(DATA / "intents" / "banking77" / "train.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle)
                if row["category"] in ("card_arrival", "exchange_rate", "lost_or_stolen_card", "top_up_failed")]
    data = tmp_path / "tickets.csv"
    with open(data, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["message", "category"])
        writer.writerows((row["text"], row["category"]) for row in rows[:400])
    result = subprocess.run([sys.executable, "-m", "sextant.cli.main", "solve",
                             "route customer support messages to the right team", "--data", str(data),
                             "--script", str(tmp_path / "s.py"), "--port", str(server.port), "--json"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr[-2000:]
    solution = json.loads(result.stdout[result.stdout.index("\n{") + 1:])
    assert solution["algorithm"] == "comprehend-custom-classifier"
    assert solution["metrics"]["accuracy"] >= 0.85
    compile((tmp_path / "s.py").read_text(), "s.py", "exec")
    endpoint = server.client("comprehend").describe_endpoint(EndpointArn=solution["endpoint"])
    assert endpoint["EndpointProperties"]["Status"] == "IN_SERVICE"

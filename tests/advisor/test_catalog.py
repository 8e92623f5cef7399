"""The catalogue covers every heading of the seed notes, validates, and reads implementation from the code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from sextant.advisor.catalog import Catalog, load
from sextant.advisor.recommend import _format_texts

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seed"


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load()


def seed_headings() -> list[str]:
    headings = []
    for path in sorted(SEED.glob("*.txt")):
        for line in path.read_text().splitlines():
            match = re.match(r"^#+\s+(.*?)\s*:?\s*$", line)
            if match:
                headings.append(match.group(1).rstrip(":").strip())
    return headings


def test_every_seed_heading_maps_to_entries(catalog):
    mapped = {item["heading"].rstrip(":").strip(): item["entries"] for item in catalog.headings}
    headings = seed_headings()
    assert len(headings) > 60
    for heading in headings:
        assert heading in mapped, f"seed heading {heading!r} has no catalogue entry"
        assert mapped[heading] and all(entry in catalog.entries for entry in mapped[heading]), heading


def test_references_between_entries_resolve(catalog):
    for entry in catalog.entries.values():
        for item in entry.get("not_for", []):
            assert item["instead"] in catalog.entries, (entry.id, item)
        for feature in entry.get("features", []):
            assert feature in catalog.entries, (entry.id, feature)
        assert entry.get("problems") and entry.get("examples"), entry.id


def test_settings_say_what_they_control_and_format_signs_name_a_taken_format(catalog):
    for entry in catalog.entries.values():
        for param in entry.get("hyperparameters") or []:
            assert param.get("description"), (entry.id, param["name"])
        formats = _format_texts(entry)
        for sign in entry.get("format_signs", []):
            assert sign["format"] in formats, (entry.id, sign)


def test_implementation_is_read_from_the_code(catalog):
    assert catalog["xgboost"].implemented and catalog["linear-learner"].implemented
    assert catalog["kmeans"].implemented and catalog["pca"].implemented
    assert catalog["batch-transform"].implemented and catalog["real-time-endpoints"].implemented
    assert not catalog["deepar"].implemented and not catalog["deepracer"].implemented
    assert catalog.find("Gradient boosted trees") is catalog["xgboost"]


def test_catalog_command():
    listing = subprocess.run([sys.executable, "-m", "sextant.cli.main", "catalog", "--json"], capture_output=True,
                             text=True, timeout=120)
    rows = {row["id"]: row for row in json.loads(listing.stdout)}
    assert rows["xgboost"]["implemented"] and not rows["seq2seq"]["implemented"]
    shown = subprocess.run([sys.executable, "-m", "sextant.cli.main", "catalog", "IP Insights"],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0 and "implemented_in_sextant: false" in shown.stdout
    missing = subprocess.run([sys.executable, "-m", "sextant.cli.main", "catalog", "no such thing"],
                             capture_output=True, text=True, timeout=120)
    assert missing.returncode == 1 and "No catalogue entry" in missing.stderr

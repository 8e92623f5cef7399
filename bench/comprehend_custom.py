#!/usr/bin/env python
"""Comprehend custom models through boto3: an entity recognizer and a document classifier.

    python bench/comprehend_custom.py            # full training sets
    python bench/comprehend_custom.py --quick    # 4,000 WikiANN sentences, 20 banking77 texts per intent

1. custom entity recognizer on WikiANN-en (../shared/data/ner/wikiann-en): train (20,000 sentences)
   converted to Comprehend's COMPREHEND_CSV input — one sentence per line (tokens joined by spaces)
   plus an annotations CSV (File, Line, Begin Offset, End Offset, Type) for PER/ORG/LOC — and dev
   (10,000 sentences) given as TestS3Uri, so DescribeEntityRecognizer's EvaluationMetrics are the
   exact-span precision, recall and F1 on dev (overall 0-100, per type 0-1).
2. custom document classifier (MULTI_CLASS) on banking77 (../shared/data/intents/banking77): train
   CSV `label,text` rows, test CSV as TestS3Uri; Accuracy and macro F1 from DescribeDocumentClassifier.

The server is `python -m sextant.cli.main serve` on a free port with a temporary home folder.
Training wall times are printed too (noisy on a shared machine).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if __name__ == "__main__":
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "src"))

import argparse  # noqa: E402
import csv  # noqa: E402
import io  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from bench.common import Server  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
ROLE = "arn:aws:iam::123456789012:role/comprehend"


def wikiann(split: str) -> list[list[tuple[str, str]]]:
    """Sentences of (token, IOB2 tag)."""
    sentences, current = [], []
    for line in (DATA / "ner" / "wikiann-en" / split).read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
            current = []
            continue
        token, tag = line.split("\t")
        current.append((token.removeprefix("en:"), tag))
    if current:
        sentences.append(current)
    return sentences


def comprehend_csv(sentences: list[list[tuple[str, str]]], file_name: str) -> tuple[bytes, bytes]:
    """(documents, annotations CSV) in Comprehend's format, from IOB2 sentences."""
    lines, rows = [], [["File", "Line", "Begin Offset", "End Offset", "Type"]]
    for number, sentence in enumerate(sentences):
        offset, text_parts, span = 0, [], None
        for token, tag in sentence:
            begin = offset
            text_parts.append(token)
            offset += len(token) + 1
            if tag.startswith("B-") or (tag.startswith("I-") and (span is None or span[2] != tag[2:])):
                if span:
                    rows.append([file_name, number, *span])
                span = [begin, begin + len(token), tag[2:]]
            elif tag.startswith("I-"):
                span[1] = begin + len(token)
            elif span:
                rows.append([file_name, number, *span])
                span = None
        if span:
            rows.append([file_name, number, *span])
        lines.append(" ".join(text_parts))
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return ("\n".join(lines) + "\n").encode(), out.getvalue().encode()


def banking(split: str, per_class: int | None) -> bytes:
    with open(DATA / "intents" / "banking77" / f"{split}.csv", newline="", encoding="utf-8") as handle:
        rows = [(r["category"], r["text"]) for r in csv.DictReader(handle)]
    if per_class:
        kept: dict[str, list[tuple[str, str]]] = {}
        for row in rows:
            kept.setdefault(row[0], [])
            if len(kept[row[0]]) < per_class:
                kept[row[0]].append(row)
        rows = [row for group in kept.values() for row in group]
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def wait(describe, key: str) -> tuple[dict, float]:
    started = time.perf_counter()
    while (properties := describe()[key])["Status"] in ("SUBMITTED", "TRAINING"):
        time.sleep(2)
    return properties, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller training sets")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder) / "home", Path(folder) / "server.log")
        server.spawn()
        try:
            server.wait()
            s3, comprehend = server.client("s3"), server.client("comprehend")
            s3.create_bucket(Bucket="bench")
            train, dev = wikiann("train"), wikiann("dev")
            if args.quick:
                train = train[:4000]
            for name, sentences in (("train", train), ("dev", dev)):
                documents, annotations = comprehend_csv(sentences, f"{name}.txt")
                s3.put_object(Bucket="bench", Key=f"ner/{name}/{name}.txt", Body=documents)
                s3.put_object(Bucket="bench", Key=f"ner/{name}-annotations/{name}.csv", Body=annotations)
            arn = comprehend.create_entity_recognizer(
                RecognizerName="wikiann", DataAccessRoleArn=ROLE, LanguageCode="en",
                InputDataConfig={"EntityTypes": [{"Type": t} for t in ("PER", "ORG", "LOC")],
                                 "Documents": {"S3Uri": "s3://bench/ner/train/", "TestS3Uri": "s3://bench/ner/dev/"},
                                 "Annotations": {"S3Uri": "s3://bench/ner/train-annotations/",
                                                 "TestS3Uri": "s3://bench/ner/dev-annotations/"}}
            )["EntityRecognizerArn"]
            properties, seconds = wait(lambda: comprehend.describe_entity_recognizer(EntityRecognizerArn=arn),
                                       "EntityRecognizerProperties")
            if properties["Status"] != "TRAINED":
                raise SystemExit(f"entity recognizer {properties['Status']}: {properties.get('Message')}")
            metadata = properties["RecognizerMetadata"]
            overall = metadata["EvaluationMetrics"]
            print(f"entity recognizer: {metadata['NumberOfTrainedDocuments']} WikiANN-en train sentences, "
                  f"{metadata['NumberOfTestDocuments']} dev sentences, trained and evaluated in {seconds:.0f} s")
            print(f"  overall (0-100): precision {overall['Precision']:.2f}, recall {overall['Recall']:.2f}, "
                  f"F1 {overall['F1Score']:.2f}")
            for item in metadata["EntityTypes"]:
                m = item["EvaluationMetrics"]
                print(f"  {item['Type']}: {item['NumberOfTrainMentions']} train mentions; precision "
                      f"{m['Precision']:.4f}, recall {m['Recall']:.4f}, F1 {m['F1Score']:.4f}")

            s3.put_object(Bucket="bench", Key="intents/train.csv", Body=banking("train", 20 if args.quick else None))
            s3.put_object(Bucket="bench", Key="intents/test.csv", Body=banking("test", None))
            arn = comprehend.create_document_classifier(
                DocumentClassifierName="banking77", DataAccessRoleArn=ROLE, LanguageCode="en", Mode="MULTI_CLASS",
                InputDataConfig={"S3Uri": "s3://bench/intents/train.csv", "TestS3Uri": "s3://bench/intents/test.csv"}
            )["DocumentClassifierArn"]
            properties, seconds = wait(lambda: comprehend.describe_document_classifier(DocumentClassifierArn=arn),
                                       "DocumentClassifierProperties")
            if properties["Status"] != "TRAINED":
                raise SystemExit(f"document classifier {properties['Status']}: {properties.get('Message')}")
            metadata = properties["ClassifierMetadata"]
            metrics = metadata["EvaluationMetrics"]
            print(f"document classifier: banking77, {metadata['NumberOfLabels']} labels, "
                  f"{metadata['NumberOfTrainedDocuments']} train / {metadata['NumberOfTestDocuments']} test texts, "
                  f"trained and evaluated in {seconds:.0f} s")
            print(f"  accuracy {metrics['Accuracy']:.4f}, macro F1 {metrics['F1Score']:.4f}, "
                  f"micro F1 {metrics['MicroF1Score']:.4f}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()

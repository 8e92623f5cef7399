#!/usr/bin/env python
"""Advisor evaluation: top-1 and top-3 accuracy per kind on bench/advisor_eval.yaml, each split reported apart
(only tune, dev and dev2 are ever used for tuning; holdout, fresh, fresh2 and fresh3 never are) and the untuned
splits together, with load time and latency per question.

    python bench/advisor.py            # every item
    python bench/advisor.py --failures # also list the tuned items it gets wrong (never an untuned one)
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from pathlib import Path

import yaml

EVAL = Path(__file__).with_name("advisor_eval.yaml")
TUNED = ("tune", "dev", "dev2")  # the splits tuning may look at
UNTUNED = ("holdout", "fresh", "fresh2", "fresh3")


def answers(advice, kind: str) -> list[str]:
    """The advisor's ranked answers for one kind of question."""
    if kind in ("service", "algorithm", "feature"):
        return [choice.id for choice in advice.ranked]
    if kind == "instance":  # each choice as its compute kind and first family
        return [answer for choice in advice.instances for answer in (choice["compute"], choice["families"][0])]
    if kind == "format":
        return advice.formats
    names = []
    for param in advice.hyperparameters:
        names.append(param["name"])
        if param.get("suggested") is not None:
            names.append(f"{param['name']}={param['suggested']}")
    return names


def matches(answer: str, accepted: list[str], kind: str) -> bool:
    answer = _plain(answer, kind)
    for wanted in (_plain(a, kind) for a in accepted):
        if kind == "hyperparameter" and "=" in wanted:
            name, _, value = wanted.partition("=")
            if answer.startswith(name + "=") and value in answer.split("=", 1)[1]:
                return True
        elif kind == "hyperparameter":
            if answer.split("=", 1)[0] == wanted:
                return True
        elif answer == wanted or (kind == "format" and ";" not in wanted and answer.split(";")[0] == wanted):
            return True  # a content type with parameters (text/csv;header=present) is still that type
    return False


def _plain(answer: str, kind: str) -> str:
    """An answer for comparing: lower case without spaces; an instance type by its family (ml.p3.8xlarge →
    ml.p3); an API field by its own name (StoppingCondition.MaxWaitTimeInSeconds=3600 → maxwaittimeinseconds=3600)."""
    answer = answer.lower().replace(" ", "")
    if kind == "instance":
        answer = ".".join(answer.split(".")[:2])
    if kind == "hyperparameter":
        name, equals, value = answer.partition("=")
        answer = name.rpartition(".")[2] + equals + value
    return answer


def hit(ranked: list[str], accepted: list[str], kind: str, k: int) -> bool:
    depth = {"instance": 2 * k, "hyperparameter": 2 * k}.get(kind, k)  # compute and family; name and name=value
    return any(matches(answer, accepted, kind) for answer in ranked[:depth])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--failures", action="store_true")
    args = parser.parse_args()
    items = yaml.safe_load(EVAL.read_text())["items"]
    started = time.perf_counter()
    from sextant.advisor.recommend import Advisor

    advisor = Advisor()
    load = time.perf_counter() - started
    table: dict[tuple[str, str], list[tuple[bool, bool]]] = defaultdict(list)
    latencies = []
    for item in items:
        began = time.perf_counter()
        advice = advisor.advise(item["problem"])
        latencies.append(time.perf_counter() - began)
        ranked = answers(advice, item["kind"])
        one, three = hit(ranked, item["accept"], item["kind"], 1), hit(ranked, item["accept"], item["kind"], 3)
        for split in (item["split"], "untuned") if item["split"] in UNTUNED else (item["split"],):
            table[(split, item["kind"])].append((one, three))
            table[(split, "all")].append((one, three))
        if args.failures and item["split"] in TUNED and not one:
            print(f"{item['id']} {item['kind']:14} want {item['accept']} got {ranked[:3]} :: {item['problem'][:90]}")
    print(f"load {load:.2f} s; latency p50 {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {sorted(latencies)[int(0.95 * len(latencies))] * 1000:.0f} ms over {len(items)} questions\n")
    print("| split | kind | items | top-1 | top-3 |\n|---|---|---|---|---|")
    for split in (*TUNED, *UNTUNED, "untuned"):
        for kind in ("service", "algorithm", "feature", "instance", "format", "hyperparameter", "all"):
            results = table[(split, kind)]
            if results:
                top1 = sum(r[0] for r in results) / len(results)
                top3 = sum(r[1] for r in results) / len(results)
                print(f"| {split} | {kind} | {len(results)} | {top1:.3f} | {top3:.3f} |")


if __name__ == "__main__":
    main()

#!/usr/bin/env python
"""Comprehend benchmarks: the quality of the NLP engine, and DetectEntities/DetectSentiment throughput.

    python bench/comprehend.py            # everything (a few minutes on 2 cores)
    python bench/comprehend.py --quick    # smaller slices, shorter throughput runs

1. sentiment accuracy on SST-2 dev (872 sentences, ../shared/data/sentiment/sst2): the binary decision
   (Positive vs Negative score) and the four-way label (NEUTRAL/MIXED counted as wrong). Target ≥ 0.85.
   Also the share of 15 plain, opinion-free statements labelled NEUTRAL.
2. entity F1 for PER/ORG/LOC on WikiANN-en dev (PERSON→PER, ORGANIZATION→ORG, LOCATION→LOC, exact
   token spans; the other Comprehend types are ignored).
3. language identification accuracy on FLORES-200 dev, eng/deu/fra/spa (3,988 sentences). Target ≥ 0.99.
4. PII recall and precision on generated documents (`pii_documents`, seeded): an entity counts when the
   type is the same and the spans overlap by at least half of the true span; exact-span share too.
   Target recall ≥ 0.95. The generator's templates were written alongside the recognizers, so this
   measures coverage of these forms, not recall on real-world text.
5. throughput of DetectEntities and DetectSentiment (documents/s, one client and 4 concurrent clients)
   through boto3 against `python -m sextant.cli.main serve` on a free port and a temporary home.
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
import random  # noqa: E402
import string  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SEED = 20240605

# --- generated PII documents --------------------------------------------------------------------

FIRST = ["James", "Maria", "Wei", "Aisha", "Carlos", "Olga", "Kenji", "Fatima", "John", "Priya", "Liam", "Sofia",
         "Ahmed", "Emily", "Diego", "Hannah", "Mohammed", "Chloe", "Ivan", "Grace", "Lucas", "Amara", "Noah", "Elena"]
LAST = ["Smith", "Garcia", "Chen", "Khan", "Rodriguez", "Ivanova", "Tanaka", "Okafor", "Johnson", "Patel", "Brown",
        "Rossi", "Hassan", "Miller", "Lopez", "Schmidt", "Nguyen", "Wilson", "Kowalski", "Anderson", "Silva", "Murphy"]
STREETS = ["Main", "Oak", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park", "Pine", "Sunset", "River"]
SUFFIXES = ["Street", "St.", "Avenue", "Ave", "Road", "Boulevard", "Lane", "Drive", "Court", "Way"]
CITIES = [("Springfield", "IL"), ("Austin", "TX"), ("Portland", "OR"), ("Denver", "CO"), ("Columbus", "OH"),
          ("Madison", "WI"), ("Raleigh", "NC"), ("Tucson", "AZ"), ("Boise", "ID"), ("Albany", "NY")]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
# Plain statements without opinion, for the NEUTRAL check (SST-2 has no neutral sentences)
NEUTRAL = ["The meeting is scheduled for 3 pm in room 204.", "The train leaves from platform 4 at 10:15.",
           "I bought a new phone yesterday.", "The report has 12 pages and three appendices.",
           "Paris is the capital of France.", "Please send me the invoice by Friday.",
           "The store opens at nine in the morning.", "She moved to Chicago in 2015.",
           "The package contains two cables and a manual.", "Water boils at 100 degrees Celsius at sea level.",
           "The committee will meet again next Tuesday.", "He works as an accountant in a small firm.",
           "The museum is located on the north side of the river.", "Our flight was rebooked to the evening departure.",
           "The software update is version 4.2."]
FILLER = ["Please let me know if you have any questions.", "Thanks again for your help with this matter.",
          "The package should arrive within a few business days.", "We appreciate your patience.",
          "Our team will review the request and get back to you.", "Let us know whether the changes look good.",
          "The printer on the third floor is out of toner again.", "I have attached the signed form below."]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice(string.digits) for _ in range(n))


def _luhn_complete(rng: random.Random, prefix: str, length: int) -> str:
    body = prefix + _digits(rng, length - len(prefix) - 1)
    total = 0
    for i, d in enumerate(reversed(body)):
        v = int(d) * (2 if i % 2 == 0 else 1)
        total += v - 9 if v > 9 else v
    return body + str((10 - total % 10) % 10)


def _routing(rng: random.Random) -> str:
    body = rng.choice(["01", "02", "03", "04", "05", "06", "07", "08", "09", "11", "12", "21", "26", "31"]) \
        + _digits(rng, 6)
    weights = [3, 7, 1, 3, 7, 1, 3, 7]
    check = (10 - sum(int(d) * w for d, w in zip(body, weights)) % 10) % 10
    return body + str(check)


def _vin(rng: random.Random) -> str:
    alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
    values = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))),
              **dict(zip("JKLMN", range(1, 6))), "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
    weights = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
    while True:
        chars = [rng.choice(alphabet) for _ in range(17)]
        total = sum(values[c] * w for c, w in zip(chars, weights)) % 11
        chars[8] = "X" if total == 10 else str(total)
        vin = "".join(chars)
        if any(c.isalpha() for c in vin) and any(c.isdigit() for c in vin):
            return vin


def _ssn(rng: random.Random) -> str:
    area = rng.choice([n for n in range(1, 900) if n != 666])
    return f"{area:03d}-{rng.randint(1, 99):02d}-{rng.randint(1, 9999):04d}"


def _phone(rng: random.Random) -> str:
    a, b, c = rng.choice(["212", "312", "415", "512", "617", "702", "808", "919"]), rng.randint(200, 999), \
        _digits(rng, 4)
    return rng.choice([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}"])


def _date(rng: random.Random) -> str:
    year, month, day = rng.randint(1950, 2024), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice([f"{MONTHS[month - 1]} {day}, {year}", f"{month:02d}/{day:02d}/{year}",
                       f"{year}-{month:02d}-{day:02d}", f"{day} {MONTHS[month - 1]} {year}"])


def _secret(rng: random.Random) -> str:
    alphabet = string.ascii_letters + string.digits + "/+"
    while True:
        key = "".join(rng.choice(alphabet) for _ in range(40))
        if any(c.isdigit() for c in key) and any(c.islower() for c in key) and any(c.isupper() for c in key):
            return key


def _values(rng: random.Random) -> dict:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    city, state = rng.choice(CITIES)
    word = rng.choice(["acme", "globex", "initech", "umbrella", "hooli", "vandelay", "stark", "wayne"])
    return {
        "NAME": f"{first} {last}",
        "ADDRESS": f"{rng.randint(1, 9999)} {rng.choice(STREETS)} {rng.choice(SUFFIXES)}, {city}, {state} "
                   f"{_digits(rng, 5)}",
        "EMAIL": f"{first.lower()}{rng.choice(['.', '_', ''])}{last.lower()}{rng.randint(1, 99)}@"
                 f"{rng.choice(['example.com', 'mail.org', 'company.net', 'gmail.com'])}",
        "PHONE": _phone(rng),
        "SSN": _ssn(rng),
        "CREDIT_DEBIT_NUMBER": rng.choice([_luhn_complete(rng, "4", 16),
                                           _luhn_complete(rng, "5" + str(rng.randint(1, 5)), 16)]),
        "CREDIT_DEBIT_CVV": _digits(rng, 3),
        "CREDIT_DEBIT_EXPIRY": f"{rng.randint(1, 12):02d}/{rng.randint(25, 31)}",
        "DATE_TIME": _date(rng),
        "AGE": f"{rng.randint(18, 95)} years old",
        "URL": f"https://www.{word}.com/{rng.choice(['account', 'profile', 'orders'])}/{_digits(rng, 5)}",
        "IP_ADDRESS": ".".join(str(rng.randint(1, 254)) for _ in range(4)),
        "MAC_ADDRESS": ":".join(f"{rng.randint(0, 255):02X}" for _ in range(6)),
        "USERNAME": f"{first.lower()}{rng.choice(['_', '.', ''])}{last.lower()[:4]}{rng.randint(1, 999)}",
        "PASSWORD": "".join(rng.choice(string.ascii_letters + string.digits + "!#$%&*") for _ in range(12)),
        "BANK_ACCOUNT_NUMBER": _digits(rng, rng.randint(8, 12)),
        "BANK_ROUTING": _routing(rng),
        "PASSPORT_NUMBER": rng.choice([_digits(rng, 9), rng.choice(string.ascii_uppercase) + _digits(rng, 8)]),
        "DRIVER_ID": rng.choice(string.ascii_uppercase) + _digits(rng, rng.choice([7, 8, 12])),
        "PIN": _digits(rng, 4),
        "AWS_ACCESS_KEY": "AKIA" + "".join(rng.choice(string.ascii_uppercase + "234567") for _ in range(16)),
        "AWS_SECRET_KEY": _secret(rng),
        "LICENSE_PLATE": rng.choice([f"{rng.randint(1, 9)}{''.join(rng.choices(string.ascii_uppercase, k=3))}"
                                     f"{_digits(rng, 3)}", f"{''.join(rng.choices(string.ascii_uppercase, k=3))}-"
                                     f"{_digits(rng, 4)}"]),
        "VEHICLE_IDENTIFICATION_NUMBER": _vin(rng),
    }


# Sentences; {TYPE} marks where a value of that type goes.
TEMPLATES = [
    "My name is {NAME} and I live at {ADDRESS}.", "Please ship the order to {NAME}, {ADDRESS}.",
    "{NAME} called yesterday about the invoice.", "I spoke with {NAME} this morning.",
    "You can reach me at {EMAIL} or on {PHONE}.", "Send the documents to {EMAIL}.",
    "Call {NAME} at {PHONE} after lunch.", "Her phone number is {PHONE}.",
    "My social security number is {SSN}.", "SSN: {SSN}",
    "Charge it to card {CREDIT_DEBIT_NUMBER}, expiry {CREDIT_DEBIT_EXPIRY}, CVV {CREDIT_DEBIT_CVV}.",
    "The card number is {CREDIT_DEBIT_NUMBER} and it expires {CREDIT_DEBIT_EXPIRY}; the security code is "
    "{CREDIT_DEBIT_CVV}.",
    "I was born on {DATE_TIME}.", "The appointment is on {DATE_TIME}.", "I am {AGE} and retired.",
    "The patient is {AGE}.", "Log in at {URL} to see your statement.", "The server at {IP_ADDRESS} is down.",
    "Requests came from IP address {IP_ADDRESS}.", "The laptop's MAC address is {MAC_ADDRESS}.",
    "My username is {USERNAME} and my password is {PASSWORD}.", "Username: {USERNAME}, password: {PASSWORD}",
    "Wire the money to account number {BANK_ACCOUNT_NUMBER}, routing number {BANK_ROUTING}.",
    "My checking account {BANK_ACCOUNT_NUMBER} at routing {BANK_ROUTING} was overdrawn.",
    "My passport number is {PASSPORT_NUMBER}.", "Passport no. {PASSPORT_NUMBER} expires soon.",
    "Driver's license number {DRIVER_ID} was suspended.", "Her driver license is {DRIVER_ID}.",
    "The PIN for the card is {PIN}.", "Use PIN {PIN} at the door.",
    "The AWS access key {AWS_ACCESS_KEY} was leaked with secret {AWS_SECRET_KEY}.",
    "aws_access_key_id = {AWS_ACCESS_KEY} and aws_secret_access_key = {AWS_SECRET_KEY}",
    "A car with license plate {LICENSE_PLATE} was parked outside.", "The plate number is {LICENSE_PLATE}.",
    "The vehicle's VIN is {VEHICLE_IDENTIFICATION_NUMBER}.", "VIN {VEHICLE_IDENTIFICATION_NUMBER} was recalled.",
]


def pii_documents(count: int, seed: int = SEED) -> list[tuple[str, list[tuple[str, int, int]]]]:
    """`count` documents, each (text, [(Type, BeginOffset, EndOffset)]) of the PII it contains."""
    import re

    rng = random.Random(seed)
    documents = []
    for _ in range(count):
        values = _values(rng)
        sentences = rng.sample(TEMPLATES, rng.randint(2, 4)) + rng.sample(FILLER, rng.randint(0, 2))
        rng.shuffle(sentences)
        text, spans = "", []
        for sentence in sentences:
            text += " " if text else ""
            position = 0
            for match in re.finditer(r"\{([A-Z_]+)\}", sentence):
                text += sentence[position:match.start()]
                value = values[match.group(1)]
                spans.append((match.group(1), len(text), len(text) + len(value)))
                text += value
                position = match.end()
            text += sentence[position:]
        documents.append((text, spans))
    return documents


def pii_scores(documents, detect) -> dict:
    """Recall, precision and exact-span share of `detect(text)` on generated documents."""
    true_total = found = exact = predicted_total = correct = 0
    missed: dict[str, int] = {}
    for text, gold in documents:
        predicted = [(e["Type"], e["BeginOffset"], e["EndOffset"]) for e in detect(text)]
        predicted_total += len(predicted)

        def overlap(a, b) -> int:
            return max(0, min(a[2], b[2]) - max(a[1], b[1]))

        for g in gold:
            true_total += 1
            match = [p for p in predicted if p[0] == g[0] and overlap(p, g) * 2 >= g[2] - g[1]]
            if match:
                found += 1
                exact += any(p[1:] == g[1:] for p in match)
            else:
                missed[g[0]] = missed.get(g[0], 0) + 1
        correct += sum(any(p[0] == g[0] and overlap(p, g) > 0 for g in gold) for p in predicted)
    return {"recall": found / true_total, "precision": correct / max(predicted_total, 1),
            "exact": exact / true_total, "entities": true_total, "missed": missed}


# --- real data ------------------------------------------------------------------------------

def sst2(split: str) -> tuple[list[str], list[int]]:
    rows = [line.split("\t", 1) for line in (DATA / "sentiment" / "sst2" / f"{split}.tsv").read_text(
        encoding="utf-8").splitlines()[1:]]
    return [r[1] for r in rows], [int(r[0]) for r in rows]


def wikiann(split: str) -> list[tuple[list[str], list[str]]]:
    sentences, tokens, tags = [], [], []
    for line in (DATA / "ner" / "wikiann-en" / split).read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if tokens:
                sentences.append((tokens, tags))
            tokens, tags = [], []
            continue
        token, tag = line.rsplit("\t", 1)
        tokens.append(token.removeprefix("en:"))
        tags.append(tag)
    return sentences


def flores() -> list[tuple[str, str]]:
    folder = DATA / "translation" / "flores200"
    return [(line, code) for name, code in (("eng_Latn", "en"), ("deu_Latn", "de"), ("fra_Latn", "fr"),
                                             ("spa_Latn", "es"))
            for line in (folder / f"{name}.dev").read_text(encoding="utf-8").splitlines() if line.strip()]


def _spans(tags: list[str]) -> set[tuple[int, int, str]]:
    spans, start, kind = set(), None, None
    for i, tag in enumerate(tags + ["O"]):
        if start is not None and not (tag.startswith("I-") and tag[2:] == kind):
            spans.add((start, i, kind))
            start = None
        if tag.startswith("B-") or (tag.startswith("I-") and start is None):
            start, kind = i, tag[2:]
    return spans


def entity_f1(sentences) -> dict:
    """Exact-span F1 for PER/ORG/LOC: tokens are joined with spaces and entity offsets mapped back."""
    from sextant.engines.nlp import detect_entities

    mapping = {"PERSON": "PER", "ORGANIZATION": "ORG", "LOCATION": "LOC"}
    tp = fp = fn = 0
    for tokens, tags in sentences:
        starts, text = [], ""
        for token in tokens:
            starts.append(len(text))
            text += token + " "
        ends = [s + len(t) for s, t in zip(starts, tokens)]
        gold = _spans(tags)
        predicted = set()
        for e in detect_entities(text.rstrip()):
            if e["Type"] in mapping and e["BeginOffset"] in starts and e["EndOffset"] in ends:
                predicted.add((starts.index(e["BeginOffset"]), ends.index(e["EndOffset"]) + 1, mapping[e["Type"]]))
            elif e["Type"] in mapping:
                predicted.add((-1, e["BeginOffset"], mapping[e["Type"]]))  # off token boundaries: wrong
        tp += len(gold & predicted)
        fp += len(predicted - gold)
        fn += len(gold - predicted)
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return {"precision": precision, "recall": recall, "f1": 2 * precision * recall / max(precision + recall, 1e-9)}


def throughput(client, operation: str, texts: list[str], workers: int) -> float:
    call = getattr(client, operation)
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda t: call(Text=t, LanguageCode="en"), texts))
    return len(texts) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    from sextant.engines.nlp import detect_language, detect_pii, detect_sentiment_many

    rows = []
    texts, labels = sst2("dev")
    started = time.perf_counter()
    results = detect_sentiment_many(texts)
    seconds = time.perf_counter() - started
    binary = sum((r["SentimentScore"]["Positive"] > r["SentimentScore"]["Negative"]) == bool(y)
                 for r, y in zip(results, labels)) / len(labels)
    four = sum(r["Sentiment"] == ("POSITIVE" if y else "NEGATIVE") for r, y in zip(results, labels)) / len(labels)
    shares = {k: sum(r["Sentiment"] == k for r in results) / len(results) for k in ("NEUTRAL", "MIXED")}
    print(f"SST-2 dev: {len(labels)} sentences in {seconds:.1f} s; binary accuracy {binary:.4f}, four-way label "
          f"accuracy {four:.4f} (NEUTRAL {shares['NEUTRAL']:.3f}, MIXED {shares['MIXED']:.3f})", flush=True)
    neutral = sum(r["Sentiment"] == "NEUTRAL" for r in detect_sentiment_many(NEUTRAL)) / len(NEUTRAL)
    print(f"plain statements labelled NEUTRAL: {neutral:.2f} of {len(NEUTRAL)}", flush=True)
    rows += [("sentiment accuracy, SST-2 dev (binary)", f"{binary:.4f}", "≥ 0.85", binary >= 0.85),
             ("sentiment accuracy, SST-2 dev (4-way label)", f"{four:.4f}", "—", None),
             (f"NEUTRAL on {len(NEUTRAL)} plain statements", f"{neutral:.2f}", "—", None)]

    sentences = wikiann("dev")[: 1000 if args.quick else None]
    started = time.perf_counter()
    ner = entity_f1(sentences)
    print(f"WikiANN-en dev: {len(sentences)} sentences in {time.perf_counter() - started:.1f} s; PER/ORG/LOC "
          f"precision {ner['precision']:.4f} recall {ner['recall']:.4f} F1 {ner['f1']:.4f}", flush=True)
    rows.append(("entity F1 PER/ORG/LOC, WikiANN-en dev", f"{ner['f1']:.4f}", "—", None))

    lines = flores()
    started = time.perf_counter()
    accuracy = sum(detect_language(text)[0][0] == code for text, code in lines) / len(lines)
    print(f"FLORES-200 dev: {len(lines)} sentences in {time.perf_counter() - started:.1f} s; language-id "
          f"accuracy {accuracy:.4f}", flush=True)
    rows.append(("language id accuracy, FLORES-200 eng/deu/fra/spa", f"{accuracy:.4f}", "≥ 0.99", accuracy >= 0.99))

    documents = pii_documents(100 if args.quick else 500)
    started = time.perf_counter()
    pii = pii_scores(documents, detect_pii)
    print(f"PII: {len(documents)} generated documents, {pii['entities']} entities in "
          f"{time.perf_counter() - started:.1f} s; recall {pii['recall']:.4f} precision {pii['precision']:.4f} "
          f"exact spans {pii['exact']:.4f}; missed by type {pii['missed']}", flush=True)
    rows += [("PII recall, generated documents", f"{pii['recall']:.4f}", "≥ 0.95", pii["recall"] >= 0.95),
             ("PII precision, generated documents", f"{pii['precision']:.4f}", "—", None)]

    from bench.common import Server

    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder) / "home", Path(folder) / "server.log")
        server.spawn()
        try:
            server.wait()
            client = server.client("comprehend")
            sample = texts[: 100 if args.quick else 300]
            client.detect_entities(Text=sample[0], LanguageCode="en")  # load the models
            client.detect_sentiment(Text=sample[0], LanguageCode="en")
            for operation in ("detect_entities", "detect_sentiment"):
                for workers in (1, 4):
                    rate = throughput(client, operation, sample, workers)
                    print(f"{operation}: {rate:.1f} documents/s with {workers} client(s), {len(sample)} SST-2 "
                          f"sentences", flush=True)
                    rows.append((f"{operation} throughput, {workers} client(s)", f"{rate:.1f} docs/s", "—", None))
        finally:
            server.stop()

    print("\n| metric | measured | target | pass |\n|---|---|---|---|")
    for metric, value, target, passed in rows:
        print(f"| {metric} | {value} | {target} | {'' if passed is None else ('yes' if passed else 'NO')} |")


if __name__ == "__main__":
    main()

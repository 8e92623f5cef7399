#!/usr/bin/env python
"""Translate benchmarks: en→es quality on FLORES-200 dev, terminology adherence, throughput.

    python bench/translate.py            # full run (about 1 minute on 2 cores)
    python bench/translate.py --quick    # first 200 sentences

What it measures, on the 997 line-aligned sentences of FLORES-200 dev (eng_Latn → spa_Latn) in
../shared/data/translation/flores200:

1. the engine in this process (`sextant.engines.translate`, Apertium eng-spa): BLEU and chrF
   (sacrebleu's corpus metrics), sentences/s for the whole set in one call;
2. terminology: 20 terms drawn from the data (the 15 commonest content words of 6+ letters and
   the 5 commonest content-word bigrams), each mapped to a Spanish term; adherence = share of the
   term occurrences in the source whose target term (in AWS's casing) appears in the output —
   target 100 % — and BLEU / chrF with the terminology on;
3. through boto3 against a Sextant server: TranslateText one sentence per request (latency,
   sentences/s), TranslateText with many lines per request (≤ 10,000 bytes: BLEU/chrF must equal
   the engine's), the same with the terminology imported by ImportTerminology (adherence), and a
   StartTextTranslationJob of the whole file from S3 to S3 (seconds to COMPLETED).

The server is `python -m sextant.cli.main serve` on a free port with a temporary home; it is
stopped at the end. Timings on a shared 2-core machine are noisy. Prints a Markdown table.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import argparse  # noqa: E402
import collections  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import sacrebleu  # noqa: E402

from bench.common import Server  # noqa: E402
from sextant.engines import translate as engine  # noqa: E402
from sextant.engines.translate.terminology import cased  # noqa: E402

FLORES = ROOT.parent / "shared" / "data" / "translation" / "flores200"
STOP = set("""a an the of to in and or for on at by with from as is are was were be been being that this these those
it its he she they them his her their we our you your i my me not but if then than so such there here which who whom
what when where why how all any each more most other some no nor only own same too very can will just should now also
has have had do does did into over after before about between through during under again further once said says""".split())


def scores(hypotheses: list[str], references: list[str]) -> tuple[float, float]:
    return (sacrebleu.corpus_bleu(hypotheses, [references]).score,
            sacrebleu.corpus_chrf(hypotheses, [references]).score)


def draw_terms(english: list[str]) -> list[tuple[str, str]]:
    """20 (English, Spanish) terms from the data: Spanish = Apertium's rendering of the term alone, marked
    with a suffix no translation produces by itself, so adherence cannot come by chance."""
    words = collections.Counter()
    pairs = collections.Counter()
    for line in english:
        tokens = re.findall(r"[a-z]+", line.lower())
        words.update(t for t in tokens if len(t) >= 6 and t not in STOP)
        pairs.update(f"{a} {b}" for a, b in zip(tokens, tokens[1:]) if a not in STOP and b not in STOP
                     and len(a) > 2 and len(b) > 2)
    chosen = [w for w, _ in words.most_common(15)] + [p for p, _ in pairs.most_common(5)]
    spanish = [t.text for t in engine.translate(chosen, "en", "es")]
    return [(source, f"{target}-ES") for source, target in zip(chosen, spanish)]


def adherence(sources: list[str], outputs: list[str], terms: list[tuple[str, str]]) -> tuple[int, int]:
    """(occurrences whose target term came out, occurrences) over all sentences."""
    glossary = engine.Glossary(terms)
    kept = total = 0
    for source, output in zip(sources, outputs):
        expected = collections.Counter()
        for match in glossary.pattern.finditer(source):
            found = match.group(1)
            expected[cased(found, glossary.terms[" ".join(found.split()).casefold()][1])] += 1
        for target, count in expected.items():
            total += count
            kept += min(count, output.count(target))
    return kept, total


def chunks(lines: list[str], limit: int = 10_000) -> list[list[str]]:
    """Consecutive lines grouped into TranslateText requests of at most `limit` UTF-8 bytes."""
    groups, current, size = [], [], 0
    for line in lines:
        length = len(line.encode()) + 1
        if current and size + length > limit:
            groups.append(current)
            current, size = [], 0
        current.append(line)
        size += length
    if current:
        groups.append(current)
    return groups


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="first 200 sentences only")
    args = parser.parse_args(argv)
    english = (FLORES / "eng_Latn.dev").read_text(encoding="utf-8").splitlines()
    spanish = (FLORES / "spa_Latn.dev").read_text(encoding="utf-8").splitlines()
    if args.quick:
        english, spanish = english[:200], spanish[:200]
    n = len(english)
    rows: list[tuple[str, str, str]] = []
    print(f"FLORES-200 dev eng→spa: {n} sentences; backend: "
          f"{engine.registry().translator_for('en', 'es').name}", flush=True)

    engine.translate(["warm up"], "en", "es")
    started = time.perf_counter()
    plain = [t.text for t in engine.translate(english, "en", "es")]
    seconds = time.perf_counter() - started
    bleu, chrf = scores(plain, spanish)
    print(f"1. engine: BLEU {bleu:.2f}, chrF {chrf:.2f}, {n} sentences in {seconds:.2f} s = {n / seconds:.0f}/s",
          flush=True)
    rows += [("engine BLEU en→es", f"{bleu:.2f}", "report"), ("engine chrF en→es", f"{chrf:.2f}", "report"),
             (f"engine throughput ({n} sentences, one call)", f"{n / seconds:.0f} sentences/s", "report")]

    terms = draw_terms(english)
    print(f"2. terminology ({len(terms)} terms): " + ", ".join(f"{s}→{t}" for s, t in terms), flush=True)
    started = time.perf_counter()
    with_terms = [t.text for t in engine.translate(english, "en", "es", glossary=engine.Glossary(terms))]
    seconds_terms = time.perf_counter() - started
    kept, total = adherence(english, with_terms, terms)
    bleu_t, chrf_t = scores(with_terms, spanish)
    print(f"   adherence {kept}/{total}; BLEU {bleu_t:.2f}, chrF {chrf_t:.2f}; {n / seconds_terms:.0f} sentences/s",
          flush=True)
    rows += [("terminology adherence (engine)", f"{100 * kept / max(total, 1):.1f} % ({kept}/{total})", "100 %"),
             ("BLEU / chrF with terminology", f"{bleu_t:.2f} / {chrf_t:.2f}", "report")]

    with tempfile.TemporaryDirectory(prefix="sextant-bench-translate-") as folder:
        server = Server(Path(folder) / "home", Path(folder) / "server.log")
        server.spawn()
        try:
            server.wait()
            tr, s3 = server.client("translate"), server.client("s3")
            tr.translate_text(Text="warm up", SourceLanguageCode="en", TargetLanguageCode="es")
            single = english[:50]
            latencies = []
            for sentence in single:
                begun = time.perf_counter()
                tr.translate_text(Text=sentence, SourceLanguageCode="en", TargetLanguageCode="es")
                latencies.append(time.perf_counter() - begun)
            p50 = statistics.median(latencies)
            print(f"3. TranslateText, one sentence per request: p50 {p50 * 1000:.0f} ms, "
                  f"{len(single) / sum(latencies):.1f} sentences/s", flush=True)
            groups = chunks(english)
            started = time.perf_counter()
            through = []
            for group in groups:
                through += tr.translate_text(Text="\n".join(group), SourceLanguageCode="en",
                                             TargetLanguageCode="es")["TranslatedText"].split("\n")
            seconds_api = time.perf_counter() - started
            bleu_a, chrf_a = scores(through, spanish)
            print(f"   TranslateText, {len(groups)} requests of ≤ 10,000 bytes: BLEU {bleu_a:.2f}, chrF {chrf_a:.2f}, "
                  f"{n / seconds_api:.0f} sentences/s; identical to the engine: {through == plain}", flush=True)
            csv = "en,es\n" + "".join(f"{s},{t}\n" for s, t in terms)
            tr.import_terminology(Name="bench-terms", MergeStrategy="OVERWRITE",
                                  TerminologyData={"File": csv.encode(), "Format": "CSV"})
            through_terms = []
            for group in groups:
                through_terms += tr.translate_text(Text="\n".join(group), SourceLanguageCode="en", TargetLanguageCode="es",
                                                   TerminologyNames=["bench-terms"])["TranslatedText"].split("\n")
            kept_a, total_a = adherence(english, through_terms, terms)
            print(f"   with ImportTerminology + TerminologyNames: adherence {kept_a}/{total_a}", flush=True)
            s3.create_bucket(Bucket="bench-translate")
            s3.put_object(Bucket="bench-translate", Key="in/flores.txt", Body="\n".join(english).encode())
            started = time.perf_counter()
            job = tr.start_text_translation_job(
                InputDataConfig={"S3Uri": "s3://bench-translate/in/", "ContentType": "text/plain"},
                OutputDataConfig={"S3Uri": "s3://bench-translate/out/"}, SourceLanguageCode="en",
                TargetLanguageCodes=["es"], DataAccessRoleArn="arn:aws:iam::123456789012:role/Translate")
            while True:
                props = tr.describe_text_translation_job(JobId=job["JobId"])["TextTranslationJobProperties"]
                if props["JobStatus"] not in ("SUBMITTED", "IN_PROGRESS"):
                    break
                time.sleep(0.1)
            seconds_job = time.perf_counter() - started
            key = f"out/123456789012-TranslateText-{job['JobId']}/es.flores.txt"
            job_out = s3.get_object(Bucket="bench-translate", Key=key)["Body"].read().decode().split("\n")
            bleu_j, _ = scores(job_out, spanish)
            print(f"   StartTextTranslationJob ({n} sentences, 1 file): {props['JobStatus']} in {seconds_job:.2f} s, "
                  f"BLEU {bleu_j:.2f}", flush=True)
        finally:
            server.stop()
    rows += [("TranslateText p50 latency, one sentence", f"{p50 * 1000:.0f} ms", "report"),
             ("TranslateText BLEU / chrF (≤ 10 KB requests)", f"{bleu_a:.2f} / {chrf_a:.2f}", "= engine"),
             ("TranslateText throughput (≤ 10 KB requests)", f"{n / seconds_api:.0f} sentences/s", "report"),
             ("terminology adherence (boto3)", f"{100 * kept_a / max(total_a, 1):.1f} % ({kept_a}/{total_a})", "100 %"),
             (f"batch job, {n} sentences S3→S3", f"{seconds_job:.2f} s ({props['JobStatus']})", "report")]
    print()
    print("| metric | measured | target |")
    print("|---|---|---|")
    for metric, value, target in rows:
        print(f"| {metric} | {value} | {target} |")
    return 0 if kept == total and kept_a == total_a and through == plain else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python
"""Transcribe benchmarks: recognition quality and speed of the local engine, and the service end to end.

    python bench/transcribe.py            # everything (about 5 minutes on 2 idle cores)
    python bench/transcribe.py --quick    # fewer round-trip sentences (about 2 minutes)

What it measures (targets of issue 6, on a 2-core machine):

1. word error rate (case, punctuation, digit separators and number words normalised) on the FLEURS clips of ../shared/data/speech/fleurs,
   per language (en, de, fr, es, pt; language given). Target: English ≤ 0.12.
2. real-time factor of recognition (wall seconds / audio seconds, whisper-base int8, 2 threads) over
   all 25 clips. Target: ≤ 0.5.
3. language identification accuracy on the 25 clips among the five languages (IdentifyLanguage with
   LanguageOptions).
4. diarization error rate (missed speech + false alarm + speaker confusion over the true speech time,
   10 ms frames, 0.25 s collar; also without collar, and speaker confusion alone on the true speech) on two-voice dialogues: Polly's neural Matthew (Piper) against standard
   Joanna (espeak-ng), and two espeak-ng voices.
5. Polly → Transcribe round trip: FLORES-200 English dev sentences synthesized by the Polly engine
   (neural Matthew) and recognised back. Target: WER ≤ 0.10 over 50 sentences.
6. the service end to end: the English clips as StartTranscriptionJob → COMPLETED through boto3
   against a Sextant server, WER from the TranscriptFileUri documents, and seconds per job.

Prints detail lines as it goes, then a Markdown table: metric / measured / target / pass.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402

import numpy as np  # noqa: E402

from bench.common import Server  # noqa: E402
from sextant.engines.speech import asr, diarize  # noqa: E402
from sextant.engines.speech.audio import RATE, decode, encode  # noqa: E402
from tests.transcribe.speech import FLEURS, espeak, wer  # noqa: E402

FLORES = ROOT.parent / "shared" / "data" / "translation" / "flores200" / "eng_Latn.dev"
LANGUAGES = ("en", "de", "fr", "es", "pt")


def corpus_wer(pairs: list[tuple[str, str]]) -> float:
    """Errors over all reference words (not a mean of per-utterance rates)."""
    from tests.transcribe.speech import normalise

    words = sum(len(normalise(ref)) for ref, _ in pairs)
    return sum(wer(ref, hyp) * len(normalise(ref)) for ref, hyp in pairs) / max(1, words)


def fleurs() -> dict[str, list[tuple[np.ndarray, str, str]]]:
    clips: dict[str, list] = {}
    for language in LANGUAGES:
        for path in sorted(FLEURS.glob(f"fleurs-{language}-*.ogg")):
            reference = path.with_suffix(".txt").read_text().strip()
            clips.setdefault(language, []).append((decode(path.read_bytes()).mono(), reference, path.stem))
    return clips


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


def recognition(clips) -> tuple[dict[str, float], float, float, float]:
    asr.transcribe(clips["en"][0][0][:RATE * 2], language="en")  # load and warm the model
    rates, wall, cpu, audio = {}, 0.0, 0.0, 0.0
    for language, items in clips.items():
        pairs = []
        for samples, reference, name in items:
            started, cpu_started = time.perf_counter(), _cpu()
            text = asr.transcribe(samples, language=language).text
            wall += time.perf_counter() - started
            cpu += _cpu() - cpu_started
            audio += len(samples) / RATE
            pairs.append((reference, text))
            print(f"  {name}: WER {wer(reference, text):.3f}  | {text}")
        rates[language] = corpus_wer(pairs)
        print(f"WER {language}: {rates[language]:.3f}")
    identified = sum(asr.language_scores(samples, list(LANGUAGES))[0][0] == language
                     for language, items in clips.items() for samples, _, _ in items)
    total = sum(len(items) for items in clips.values())
    print(f"language identification: {identified}/{total}")
    print(f"real-time factor {wall / audio:.3f} (wall), {cpu / audio:.3f} CPU seconds per audio second")
    return rates, wall / audio, cpu / audio, identified / total


def _polly(text: str, voice: str, engine: str) -> np.ndarray:
    from sextant.engines.speech import synthesize

    pcm, rate = synthesize(text, voice, engine)
    return decode(encode(pcm.astype(np.float32) / 32768.0, rate, "wav")).mono()


def der(reference: list[tuple[float, float, int]], hypothesis: list[tuple[float, float, int]],
        collar: float = 0.0) -> float:
    """Frame-level diarization error rate with the best one-to-one mapping of speaker labels.

    Frames within `collar` seconds of a reference turn boundary are not scored (NIST's usual 0.25 s).
    """
    from itertools import permutations

    end = int(max(r[1] for r in reference + hypothesis) * 100) + 1
    truth, found = np.full(end, -1), np.full(end, -1)
    scored = np.ones(end, dtype=bool)
    for start, stop, speaker in reference:
        truth[int(start * 100):int(stop * 100)] = speaker
        for edge in (start, stop):
            scored[max(0, int((edge - collar) * 100)):int((edge + collar) * 100)] = False
    for start, stop, speaker in hypothesis:
        found[int(start * 100):int(stop * 100)] = speaker
    truth, found = truth[scored], found[scored]
    speech = truth >= 0
    labels = sorted(set(found[found >= 0]))
    speakers = sorted(set(truth[speech]))
    best = None
    for chosen in permutations(speakers + [-2] * max(0, len(labels) - len(speakers)), len(labels)):
        mapped = found.copy()
        for label, speaker in zip(labels, chosen):
            mapped[found == label] = speaker
        errors = np.sum(speech & (mapped != truth)) + np.sum(~speech & (mapped >= 0))
        best = errors if best is None else min(best, errors)
    return float(best) / max(1, int(speech.sum()))


def dialogue(first, second) -> tuple[np.ndarray, list[tuple[float, float, int]]]:
    lines = ["Good morning, thank you for calling the city library.",
             "Hello, I would like to renew two books that are due tomorrow.",
             "Of course. Could you tell me your library card number?",
             "Yes, it is on the back of the card, just a moment.",
             "Take your time. The renewal will last another three weeks.",
             "Wonderful, that gives me enough time to finish them.",
             "Is there anything else I can help you with today?",
             "No, that is all. Thank you very much and goodbye."]
    parts, truth, at = [], [], 0.0
    for index, line in enumerate(lines):
        voiced = (first if index % 2 == 0 else second)(line)
        gap = np.zeros(int(0.3 * RATE), dtype=np.float32)
        parts += [voiced, gap]
        truth.append((at, at + len(voiced) / RATE, index % 2))
        at += (len(voiced) + len(gap)) / RATE
    return np.concatenate(parts), truth


def diarization() -> dict[str, float]:
    pairs = {"Polly neural Matthew vs standard Joanna": (lambda t: _polly(t, "Matthew", "neural"),
                                                         lambda t: _polly(t, "Joanna", "standard")),
             "espeak-ng en-us vs en-us+f3": (lambda t: espeak(t, "en-us"), lambda t: espeak(t, "en-us+f3"))}
    errors = {}
    for label, (first, second) in pairs.items():
        samples, truth = dialogue(first, second)
        speech = [(start, end) for start, end, _ in truth]  # reference speech regions: pure speaker error
        turns = diarize.diarize(samples, asr.speech_chunks(samples, 0.3), max_speakers=4)
        with_vad, collared = der(truth, turns), der(truth, turns, collar=0.25)
        oracle = der(truth, diarize.diarize(samples, speech, max_speakers=4))
        speakers = len({t[2] for t in turns})
        errors[label] = collared
        print(f"DER {label}: {collared:.3f} with a 0.25 s collar, {with_vad:.3f} without (VAD speech); "
              f"{oracle:.3f} on reference speech; {speakers} speakers found")
    return errors


def round_trip(count: int) -> float:
    sentences = FLORES.read_text().splitlines()[:count]
    pairs = []
    for index, sentence in enumerate(sentences):
        text = asr.transcribe(_polly(sentence, "Matthew", "neural"), language="en").text
        pairs.append((sentence, text))
        if wer(sentence, text) > 0.2:
            print(f"  sentence {index}: WER {wer(sentence, text):.2f}\n    ref {sentence}\n    hyp {text}")
    rate = corpus_wer(pairs)
    print(f"Polly → Transcribe WER over {count} FLORES sentences: {rate:.3f}")
    return rate


def service() -> tuple[float, float]:
    folder = Path(tempfile.mkdtemp(prefix="sextant-bench-transcribe-"))
    server = Server(folder / "home", folder / "server.log")
    server.spawn()
    server.wait()
    try:
        s3, transcribe = server.client("s3"), server.client("transcribe")
        s3.create_bucket(Bucket="bench-media")
        pairs, seconds = [], []
        for path in sorted(FLEURS.glob("fleurs-en-*.ogg")):
            s3.put_object(Bucket="bench-media", Key=path.name, Body=path.read_bytes())
            started = time.perf_counter()
            transcribe.start_transcription_job(TranscriptionJobName=path.stem, LanguageCode="en-US",
                                               Media={"MediaFileUri": f"s3://bench-media/{path.name}"})
            while True:
                job = transcribe.get_transcription_job(TranscriptionJobName=path.stem)["TranscriptionJob"]
                if job["TranscriptionJobStatus"] in ("COMPLETED", "FAILED"):
                    break
                time.sleep(0.1)
            seconds.append(time.perf_counter() - started)
            with urllib.request.urlopen(job["Transcript"]["TranscriptFileUri"]) as response:
                text = json.load(response)["results"]["transcripts"][0]["transcript"]
            pairs.append((path.with_suffix(".txt").read_text().strip(), text))
        rate = corpus_wer(pairs)
        print(f"service: English WER {rate:.3f}, {np.median(seconds):.2f} s per job (median; first includes "
              f"the model load: {seconds[0]:.2f} s)")
        return rate, float(np.median(seconds))
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10 round-trip sentences instead of 50")
    args = parser.parse_args()
    rates, rtf, cpu_rate, identified = recognition(fleurs())
    errors = diarization()
    trip = round_trip(10 if args.quick else 50)
    service_wer, per_job = service()
    rows = [(f"WER FLEURS {language}", f"{rate:.3f}", "≤ 0.12" if language == "en" else "",
             ("yes" if rate <= 0.12 else "no") if language == "en" else "") for language, rate in rates.items()]
    rows += [("real-time factor (25 clips, 2 threads)", f"{rtf:.3f}", "≤ 0.5", "yes" if rtf <= 0.5 else "no"),
             ("CPU seconds per audio second (load-independent)", f"{cpu_rate:.3f}", "", ""),
             ("language identification (25 clips, 5 options)", f"{identified:.0%}", "", "")]
    rows += [(f"DER {label} (0.25 s collar)", f"{value:.3f}", "", "") for label, value in errors.items()]
    rows += [(f"Polly → Transcribe WER ({10 if args.quick else 50} FLORES sentences)", f"{trip:.3f}", "≤ 0.10",
              "yes" if trip <= 0.10 else "no"),
             ("service: English FLEURS WER via jobs", f"{service_wer:.3f}", "≤ 0.12",
              "yes" if service_wer <= 0.12 else "no"),
             ("service: seconds per job (median, ~4–12 s clips)", f"{per_job:.2f}", "", "")]
    print("\n| metric | measured | target | pass |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()

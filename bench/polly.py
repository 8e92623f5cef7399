#!/usr/bin/env python
"""Amazon Polly benchmarks: synthesis speed and time to first byte, per engine.

    python bench/polly.py            # full run (about 1 minute)
    python bench/polly.py --quick    # one repetition

Texts: the first sentence, and the first 10 sentences, of FLORES-200 English (dev split,
../shared/data/translation/flores200/eng_Latn.dev). Engines: neural (Matthew: Piper en_US joe) and
standard (Joanna: espeak-ng). Measures, median of the repetitions:

1. speed of the engine in this process (sextant.engines.speech.speak): seconds of audio per second
   of computing (× real time; target ≥ 5×), and for the neural engine per CPU-second of this process
   (all threads), which a busy machine disturbs less. The load average is printed with the results.
2. through boto3 against a Sextant server (after one warm-up request): time to first byte of
   AudioStream (pcm and mp3 stream phrase by phrase), and time to the whole body.
3. the first request of a fresh server (neural voice loaded on demand).

The server runs on a free 127.0.0.1 port with a temporary home folder and is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import Server  # noqa: E402

FLORES = ROOT.parent / "shared" / "data" / "translation" / "flores200" / "eng_Latn.dev"
ENGINES = {"neural": "Matthew", "standard": "Joanna"}


def texts() -> dict[str, str]:
    lines = FLORES.read_text(encoding="utf-8").splitlines()
    return {"1 sentence": lines[0], "10 sentences": " ".join(lines[:10])}


def engine_speed(repeats: int) -> list[dict]:
    from sextant.engines.speech import speak

    rows = []
    for engine, voice in ENGINES.items():
        speak("Warm up.", voice, engine)
        for label, text in texts().items():
            times, cpu, duration = [], [], 0.0
            for _ in range(repeats):
                started, started_cpu = time.perf_counter(), time.process_time()
                duration = speak(text, voice, engine).duration
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - started_cpu)
            seconds, cpu_seconds = statistics.median(times), statistics.median(cpu)
            # espeak-ng runs in a helper process whose CPU time this process does not see
            per_cpu = duration / cpu_seconds if engine == "neural" else None
            rows.append({"engine": engine, "text": label, "audio_s": duration, "compute_s": seconds,
                         "x_realtime": duration / seconds, "x_per_cpu": per_cpu})
            print(f"  engine {engine:8s} {label:12s} audio {duration:6.2f} s  wall {seconds:6.3f} s  "
                  f"{duration / seconds:6.1f}× real time", flush=True)
    return rows


def through_boto3(polly, repeats: int) -> list[dict]:
    rows = []
    for engine, voice in ENGINES.items():
        polly.synthesize_speech(Text="Warm up.", VoiceId=voice, Engine=engine, OutputFormat="pcm")["AudioStream"].read()
        for label, text in texts().items():
            for output_format in ("pcm", "mp3"):
                first, whole = [], []
                for _ in range(repeats):
                    started = time.perf_counter()
                    stream = polly.synthesize_speech(Text=text, VoiceId=voice, Engine=engine,
                                                     OutputFormat=output_format)["AudioStream"]
                    stream.read(1)
                    first.append(time.perf_counter() - started)
                    stream.read()
                    whole.append(time.perf_counter() - started)
                row = {"engine": engine, "text": label, "format": output_format,
                       "ttfb_ms": 1000 * statistics.median(first), "total_ms": 1000 * statistics.median(whole)}
                rows.append(row)
                print(f"  boto3  {engine:8s} {label:12s} {output_format:4s} first byte {row['ttfb_ms']:7.1f} ms  "
                      f"whole {row['total_ms']:7.1f} ms", flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repetition instead of three")
    repeats = 1 if parser.parse_args().quick else 3
    print("1. engine speed in this process")
    speed = engine_speed(repeats)
    with tempfile.TemporaryDirectory() as folder:
        server = Server(Path(folder) / "home", Path(folder) / "server.log")
        server.spawn()
        server.wait()
        try:
            polly = server.client("polly")
            started = time.perf_counter()
            polly.synthesize_speech(Text=texts()["1 sentence"], VoiceId="Matthew", Engine="neural",
                                    OutputFormat="pcm")["AudioStream"].read()
            cold_ms = 1000 * (time.perf_counter() - started)
            print(f"3. first neural request of a fresh server: {cold_ms:.0f} ms (loads the voice)")
            print("2. through boto3")
            latency = through_boto3(polly, repeats)
        finally:
            server.stop()
    load = os.getloadavg()[0]
    print(f"\nload average during the run: {load:.1f} on {os.cpu_count()} cores")
    print("\n| engine | text | audio (s) | × real time (target ≥ 5) | audio s per CPU s | TTFB pcm (ms) "
          "| TTFB mp3 (ms) | whole mp3 (ms) |")
    print("|---|---|---|---|---|---|---|---|")
    for row in speed:
        by_format = {r["format"]: r for r in latency if r["engine"] == row["engine"] and r["text"] == row["text"]}
        per_cpu = f"{row['x_per_cpu']:.1f}" if row["x_per_cpu"] else "n/a (helper process)"
        print(f"| {row['engine']} | {row['text']} | {row['audio_s']:.1f} | {row['x_realtime']:.1f} "
              f"{'✓' if row['x_realtime'] >= 5 else '✗'} | {per_cpu} | {by_format['pcm']['ttfb_ms']:.0f} | "
              f"{by_format['mp3']['ttfb_ms']:.0f} | {by_format['mp3']['total_ms']:.0f} |")
    print(f"\nfirst neural request of a fresh server: {cold_ms:.0f} ms")


if __name__ == "__main__":
    main()

"""Apertium (Debian's rule-based MT): one long-lived pipeline per mode, plain text or HTML.

Each mode's programs run in null-flush mode (`apertium-wblank-mode -z`, the pipeline the
`apertium` command runs, with word-bound blanks so inline markup follows its words): a request
ends with a NUL and its answer comes back ending with one, so no request pays for loading the
dictionaries. Text is (de)formatted around it by Apertium's own `apertium-des*` / `apertium-re*`.
Segments are joined with blank lines: the text deformatter ends a sentence at a blank line, so no
rule reorders words across two segments, and the output splits back on blank lines.
FORMAL Spanish: a sed filter rewrites second-person forms to the third-person courtesy forms
(usted/ustedes, su, verb agreement) between transfer and generation.
"""

from __future__ import annotations

import atexit
import functools
import os
import re
import select
import shutil
import subprocess
import threading
import time
from pathlib import Path

from .base import Translator

# AWS language codes → Apertium modes; only directions checked to translate (apertium -l lists more).
MODES = {
    ("en", "es"): "eng-spa", ("es", "en"): "spa-eng",
    ("en", "ca"): "eng-cat", ("ca", "en"): "cat-eng",
    ("en", "gl"): "en-gl", ("gl", "en"): "gl-en",
    ("en", "eo"): "en-eo", ("eo", "en"): "eo-en",
    ("eu", "en"): "eu-en",
}

# Spanish courtesy register, applied to the stream of lexical units before generation.
_FORMAL_ES = r"""s/\^(Prpers|Ti|Tú)<prn><tn><p2><mf><sg>\$/^Usted<prn><tn><p3><mf><sg>$/g
s/\^(prpers|ti|tú)<prn><tn><p2><mf><sg>\$/^usted<prn><tn><p3><mf><sg>$/g
s/\^(Prpers|Vosotros)<prn><tn><p2><(m|f|mf)><pl>\$/^Ustedes<prn><tn><p3><mf><pl>$/g
s/\^(prpers|vosotros)<prn><tn><p2><(m|f|mf)><pl>\$/^ustedes<prn><tn><p3><mf><pl>$/g
s/\^(Vuestro|Tu|Tuyo)<det><pos>/^Su<det><pos>/g
s/\^(vuestro|tu|tuyo)<det><pos>/^su<det><pos>/g
s/<p2>/<p3>/g
"""
FORMAL_FILTERS = {"es": _FORMAL_ES}
TIMEOUT = 120  # seconds for one call; a 10,000-byte request takes well under one
MODE_DIRS = (Path("/usr/share/apertium/modes"), Path("/usr/local/share/apertium/modes"))


class ApertiumError(RuntimeError):
    """apertium failed or is not installed."""


@functools.cache
def installed_modes() -> frozenset[str]:
    """The modes `apertium -l` lists (empty when apertium is not installed)."""
    try:
        out = subprocess.run(["apertium", "-l"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return frozenset()
    return frozenset(line.strip() for line in out.splitlines() if line.strip())


class _Pipeline:
    """One mode's programs running in null-flush mode; one request at a time."""

    def __init__(self, command: str) -> None:
        self.process = subprocess.Popen(["bash", "-c", command], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, start_new_session=True)
        self.lock = threading.Lock()

    def alive(self) -> bool:
        return self.process.poll() is None

    def run(self, data: bytes, timeout: float) -> bytes:
        """The pipeline's answer to `data`: NUL-terminated blocks in, as many NUL-terminated blocks out."""
        if not data.endswith(b"\0"):
            data += b"\0"
        expected = data.count(b"\0")
        with self.lock:
            def write() -> None:
                try:
                    self.process.stdin.write(data)
                    self.process.stdin.flush()
                except OSError:
                    pass

            writer = threading.Thread(target=write, daemon=True)  # a big input must not block our reading
            writer.start()
            fd, chunks, seen, deadline = self.process.stdout.fileno(), [], 0, time.monotonic() + timeout
            while seen < expected:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                    self.close()
                    raise ApertiumError(f"apertium did not answer within {timeout:.0f} s")
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    self.close()
                    raise ApertiumError("the apertium pipeline ended")
                seen += chunk.count(b"\0")
                chunks.append(chunk)
            writer.join()
            return b"".join(chunks)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def _pipeline_command(mode: str, sed_script: str | None) -> str:
    """The mode's null-flush shell pipeline, with the formality filter before generation when given."""
    try:
        done = subprocess.run(["apertium-wblank-mode", "-z", str(_mode_file(mode))], capture_output=True, text=True,
                              timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ApertiumError(f"apertium-wblank-mode {mode}: {exc}") from None
    if done.returncode != 0 or not done.stdout.strip():
        raise ApertiumError(f"apertium-wblank-mode {mode} failed: {done.stderr[-300:]}")
    command = done.stdout.strip().replace("$1", "-n").replace("$2", "")
    if sed_script is not None:
        expressions = " ".join(f"-e '{line}'" for line in sed_script.splitlines() if line)  # no ' in scripts
        command, count = re.subn(r"\|\s*(lt-proc -z -n '[^']*autogen)",
                                 lambda m: f"| sed -u -z -E {expressions} | {m.group(1)}", command, count=1)
        if count != 1:
            raise ApertiumError(f"cannot find the generation step in the {mode} mode")
    return command


class ApertiumTranslator(Translator):
    """The pairs of MODES whose Apertium mode is installed."""

    name = "apertium"

    def __init__(self, batch: int = 2000) -> None:
        self.batch = batch
        self._lock = threading.Lock()
        self._pipelines: dict[tuple[str, bool], _Pipeline] = {}
        atexit.register(self.close)

    def close(self) -> None:
        """Stop the long-lived pipelines."""
        with self._lock:
            pipelines, self._pipelines = list(self._pipelines.values()), {}
        for pipeline in pipelines:
            pipeline.close()

    def pairs(self) -> set[tuple[str, str]]:
        modes = installed_modes()
        return {pair for pair, mode in MODES.items() if mode in modes}

    def formality_targets(self) -> set[str]:
        return {target for (_, target), mode in MODES.items()
                if target in FORMAL_FILTERS and mode in installed_modes()}

    def translate(self, texts: list[str], source: str, target: str, formality: str | None = None) -> list[str]:
        results = [""] * len(texts)
        todo = [(i, text) for i, text in enumerate(texts) if text.strip()]
        for start in range(0, len(todo), self.batch):
            chunk = todo[start:start + self.batch]
            for (i, text), out in zip(chunk, self._segments([t for _, t in chunk], source, target, formality)):
                results[i] = _tidy(text, out)
        return results

    def translate_html(self, html: str, source: str, target: str, formality: str | None = None) -> str:
        out = self._call(html.replace("\0", ""), source, target, formality, "html")
        return out[:-1] if out.endswith("\n") and not html.endswith("\n") else out

    def _segments(self, segments: list[str], source: str, target: str, formality: str | None) -> list[str]:
        clean = [" ".join(s.replace("\0", "").split()) for s in segments]  # no newline inside a segment
        out = self._call("\n\n".join(clean), source, target, formality, "txt").strip("\n").split("\n\n")
        if len(out) != len(clean):  # a segment that ate or made a blank line: one call each, still right
            out = [self._call(s, source, target, formality, "txt").strip("\n") for s in clean]
        return out

    def _call(self, text: str, source: str, target: str, formality: str | None, fmt: str) -> str:
        """`text` in format `fmt` (txt, html) through the mode's long-lived pipeline (restarted if it died).

        HTML goes through Transfuse (`tf-extract` / `tf-inject`) when it is installed, as the `apertium`
        command does: inline markup stays on the words it wraps when they move."""
        formal = formality == "FORMAL" and target in FORMAL_FILTERS
        key = (MODES[(source, target)], formal)
        transfuse = fmt == "html" and shutil.which("tf-extract") is not None
        deformat = ["tf-extract", "-f", "html"] if transfuse else [f"apertium-des{fmt}"]
        deformatted = _filter(deformat, text.encode("utf-8"))
        for attempt in (1, 2):
            with self._lock:
                pipeline = self._pipelines.get(key)
                if pipeline is None or not pipeline.alive():
                    script = FORMAL_FILTERS[target] if formal else None
                    pipeline = self._pipelines[key] = _Pipeline(_pipeline_command(key[0], script))
            try:
                translated = pipeline.run(deformatted, TIMEOUT)
                break
            except ApertiumError:
                if attempt == 2:
                    raise
        if transfuse:
            return _filter(["tf-inject"], translated).decode("utf-8", "replace")
        return _filter([f"apertium-re{fmt}"], translated.rstrip(b"\0")).decode("utf-8", "replace")


def _filter(command: list[str], data: bytes) -> bytes:
    """Run a deformatter or reformatter on `data`."""
    try:
        done = subprocess.run(command, input=data, capture_output=True, timeout=TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ApertiumError(f"{command[0]}: {exc}") from None
    if done.returncode != 0:
        raise ApertiumError(f"{command[0]} exited {done.returncode}: {done.stderr.decode('utf-8', 'replace')[-300:]}")
    return done.stdout


def _mode_file(mode: str) -> Path:
    for folder in MODE_DIRS:
        if (folder / f"{mode}.mode").exists():
            return folder / f"{mode}.mode"
    raise ApertiumError(f"no {mode}.mode file")


def _tidy(source: str, translated: str) -> str:
    """Single spaces (Apertium leaves two where a word vanished); a lower-case start stays lower case
    (Apertium capitalises every segment's first word)."""
    text = re.sub(r" {2,}", " ", translated.strip())
    first = next((c for c in source if c.isalpha()), "")
    if first.islower() and text[:1].isupper():
        text = text[:1].lower() + text[1:]
    return text

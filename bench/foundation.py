#!/usr/bin/env python
"""Foundation benchmarks: Sextant measured side by side with a local reference, in one run.

    python bench/foundation.py            # full run (about 40 s)
    python bench/foundation.py --quick    # short run (about 20 s)

What it measures (targets of issue 2, on a 2-core machine):

1. cold start: spawn `python -m sextant.cli.main serve` on a fresh home folder and time until
   the first answered S3 ListBuckets (`GET /` with a SigV4 credential scope for s3; auth is off
   by default so the signature is not checked). Median of 5 runs. Reference: `python -c pass`.
2. idle RSS of the server after start and a handful of requests.
3. 1 MB PutObject / GetObject throughput through a raw http.client keep-alive connection (the
   server's share) and through boto3 (what a user sees), interleaved operation by operation with
   the reference: write the same bytes to a new local file (and the variant with os.fsync), and
   read them back.
4. requests/s, p50 and p99 of S3 ListBuckets and `GET /_sextant/health` with 16 concurrent
   keep-alive clients (asyncio load generator in this file; `wrk` too when it is installed).

Beside each Sextant number it also measures a "floor": a do-nothing ASGI app on the same uvicorn
settings (this file with --floor-server PORT), i.e. what the HTTP stack alone costs here.
The servers run in a temporary home folder on free 127.0.0.1 ports and are stopped at the end.
Prints detail lines as it goes, then a Markdown table: metric / measured / target / pass.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench import common  # noqa: E402
from bench.common import HOST, log_lines, server_ms  # noqa: E402

MB = 1024 * 1024
SEED = 20240602
AUTH = ("AWS4-HMAC-SHA256 Credential=AKIDBENCH/20250101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)
S3_HEADERS = {"Authorization": AUTH, "x-amz-date": "20250101T000000Z"}
BUCKET = "bench-foundation"


# --- the server ------------------------------------------------------------------------------

class Server(common.Server):
    """The server, with the /proc readings the foundation benchmarks take."""

    def wait_first_answer(self, timeout: float = 30.0) -> float:
        """Poll with a real S3 ListBuckets until it answers 200; seconds since spawn."""
        return self.wait("/", S3_HEADERS, timeout, poll=0.005)

    # /proc readings of the server process

    def status_kb(self, field_name: str) -> int:
        try:
            import psutil  # noqa: F401  (optional)

            info = psutil.Process(self.process.pid).memory_info()
            if field_name == "VmRSS":
                return info.rss // 1024
        except ImportError:
            pass
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
        raise KeyError(field_name)

    def threads(self) -> int:
        return len(os.listdir(f"/proc/{self.process.pid}/task"))


def call(connection: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None,
         expect: int = 200) -> bytes:
    headers = dict(S3_HEADERS)
    if body is not None:
        headers["Content-Length"] = str(len(body))
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = response.read()
    if response.status != expect:
        raise RuntimeError(f"{method} {path}: HTTP {response.status}: {data[:300]!r}")
    return data


# --- the floor: a minimal ASGI app on the same uvicorn stack -------------------------------------------

LIST_XML = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/'
            b'2006-03-01/"><Buckets></Buckets><Owner><DisplayName>x</DisplayName><ID>x</ID></Owner>'
            b'</ListAllMyBucketsResult>')


def serve_floor(port: int, size: int = MB) -> None:
    """A do-nothing ASGI app with Sextant's uvicorn settings: PUT drains the body, GET /obj returns `size` bytes,
    any other GET a ListBuckets-sized XML document. What the HTTP stack alone costs on this machine."""
    import uvicorn

    data = random.Random(SEED).randbytes(size)

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                kind = message["type"].rsplit(".", 1)[-1]
                await send({"type": f"lifespan.{kind}.complete"})
                if kind == "shutdown":
                    return
        if scope["type"] != "http":
            return
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        body = b"" if scope["method"] == "PUT" else data if scope["path"] == "/obj" else LIST_XML
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/xml"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False, loop="uvloop", http="httptools",
                lifespan="on", timeout_keep_alive=75)


class FloorServer(Server):
    def command(self) -> list[str]:
        return [sys.executable, str(Path(__file__).resolve()), "--floor-server", str(self.port)]


# --- 1. cold start -----------------------------------------------------------------------------

def bench_cold_start(root: Path, runs: int) -> dict:
    times = []
    for index in range(runs):
        server = Server(root / f"cold{index}" / "home", root / f"cold{index}.log")
        (root / f"cold{index}").mkdir()
        server.spawn()
        try:
            times.append(server.wait_first_answer())
        finally:
            server.stop()
    interpreter = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        interpreter.append(time.perf_counter() - started)
    imports = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import uvicorn, uvloop, httptools, sextant.gateway.app"], check=True)
        imports.append(time.perf_counter() - started)
    result = {"runs": times, "median": statistics.median(times), "python_startup": min(interpreter),
              "python_import_gateway": min(imports)}
    print(f"cold start: runs {', '.join(f'{t:.3f}' for t in times)} s; median {result['median']:.3f} s "
          f"(reference: `python -c pass` {result['python_startup']:.3f} s, "
          f"python + import uvicorn/uvloop/httptools/sextant.gateway.app {result['python_import_gateway']:.3f} s)",
          flush=True)
    return result


# --- 3. 1 MB object throughput ---------------------------------------------------------------------

@dataclass
class Series:
    name: str
    seconds: list[float] = field(default_factory=list)

    def timed(self, function, *args):
        started = time.perf_counter()
        result = function(*args)
        self.seconds.append(time.perf_counter() - started)
        return result

    def mb_per_s(self, size: int) -> float:
        """Throughput from the median operation (robust to noise from other work on the machine)."""
        return size / MB / statistics.median(self.seconds)

    def mb_per_s_total(self, size: int) -> float:
        return size * len(self.seconds) / MB / sum(self.seconds)


def bench_objects(server: Server, floor: Server, root: Path, count: int, size: int = MB, warmup: int = 3) -> dict:
    import boto3
    from botocore.config import Config

    data = random.Random(SEED).randbytes(size)
    files = root / "reference"
    files.mkdir()
    s3 = boto3.client("s3", endpoint_url=f"http://{HOST}:{server.port}", region_name="us-east-1",
                      aws_access_key_id="AKIDBENCH", aws_secret_access_key="secret",
                      config=Config(retries={"max_attempts": 1}))
    connection = http.client.HTTPConnection(HOST, server.port, timeout=30)
    floor_connection = http.client.HTTPConnection(HOST, floor.port, timeout=30)

    def write(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.write(data)

    def write_fsync(path: Path) -> None:
        with open(path, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def read(path: Path) -> bytes:
        with open(path, "rb") as handle:
            return handle.read()

    def put_raw(key: str) -> None:
        call(connection, "PUT", f"/{BUCKET}/{key}", data)

    def get_raw(key: str) -> bytes:
        return call(connection, "GET", f"/{BUCKET}/{key}")

    def put_floor(key: str) -> None:
        call(floor_connection, "PUT", f"/{key}", data)

    def get_floor(key: str) -> bytes:
        return call(floor_connection, "GET", "/obj")

    def put_boto3(key: str) -> None:
        s3.put_object(Bucket=BUCKET, Key=key, Body=data)

    def get_boto3(key: str) -> bytes:
        return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    skip = log_lines(server.log)
    series = {name: Series(name) for name in
              ("file write", "file write+fsync", "PutObject raw", "PutObject boto3", "PUT floor",
               "file read", "GetObject raw", "GetObject boto3", "GET floor")}
    # Interleaved operation by operation, so noise from other work hits every series alike.
    for index in range(-warmup, count):
        keep = index >= 0
        for name, function, argument in (("file write", write, files / f"w{index}"),
                                         ("file write+fsync", write_fsync, files / f"f{index}"),
                                         ("PutObject raw", put_raw, f"raw/{index}"),
                                         ("PutObject boto3", put_boto3, f"boto3/{index}"),
                                         ("PUT floor", put_floor, f"floor/{index}")):
            target = series[name] if keep else Series(name)
            target.timed(function, argument)
    for index in range(-warmup, count):
        keep = index >= 0
        position = max(index, 0)
        for name, function, argument in (("file read", read, files / f"w{position}"),
                                         ("GetObject raw", get_raw, f"raw/{position}"),
                                         ("GetObject boto3", get_boto3, f"boto3/{position}"),
                                         ("GET floor", get_floor, None)):
            target = series[name] if keep else Series(name)
            if target.timed(function, argument) != data:
                raise RuntimeError(f"{name}: the bytes read back differ from the bytes written")
    connection.close()
    floor_connection.close()
    shutil.rmtree(files, ignore_errors=True)

    rates = {name: s.mb_per_s(size) for name, s in series.items()}
    logged = server_ms(server.log, skip)
    for name, s in series.items():
        print(f"  {name:18} median {statistics.median(s.seconds) * 1000:7.2f} ms  "
              f"{rates[name]:8.1f} MB/s (median op)  {s.mb_per_s_total(size):8.1f} MB/s (total of {count})")
    result = {"rates": rates,
              "put_ratio": rates["PutObject raw"] / rates["file write"],
              "put_ratio_fsync": rates["PutObject raw"] / rates["file write+fsync"],
              "put_ratio_boto3": rates["PutObject boto3"] / rates["file write"],
              "get_ratio": rates["GetObject raw"] / rates["file read"],
              "get_ratio_boto3": rates["GetObject boto3"] / rates["file read"],
              "put_floor_ratio": rates["PUT floor"] / rates["file write"],
              "get_floor_ratio": rates["GET floor"] / rates["file read"],
              "median_ms": {name: statistics.median(s.seconds) * 1000 for name, s in series.items()},
              "server_logged_ms": {}}
    # The calls alternate raw, boto3 per key (warm-up included), so the log lines do too.
    for operation in ("PutObject", "GetObject"):
        values = logged.get(operation, [])
        if len(values) == 2 * (count + warmup):
            result["server_logged_ms"][f"{operation} raw"] = statistics.median(values[0::2][warmup:])
            result["server_logged_ms"][f"{operation} boto3"] = statistics.median(values[1::2][warmup:])
    if result["server_logged_ms"]:
        print("  server-side median time per request (from its own request log): " +
              ", ".join(f"{op} {ms:.2f} ms" for op, ms in result["server_logged_ms"].items()))
    print(f"  ratios: PutObject raw / file write {result['put_ratio']:.2f}x "
          f"(/ write+fsync {result['put_ratio_fsync']:.2f}x, boto3 {result['put_ratio_boto3']:.2f}x); "
          f"GetObject raw / file read {result['get_ratio']:.2f}x (boto3 {result['get_ratio_boto3']:.2f}x); "
          f"do-nothing uvicorn app: PUT {result['put_floor_ratio']:.2f}x, GET {result['get_floor_ratio']:.2f}x",
          flush=True)
    return result


# --- 4. small requests under 16 concurrent clients ----------------------------------------------------

def raw_request(path: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAuthorization: {AUTH}\r\n"
            f"x-amz-date: 20250101T000000Z\r\nAccept-Encoding: identity\r\nUser-Agent: sextant-bench\r\n\r\n").encode()


async def _client(port: int, request: bytes, stop_at: float, record_from: float, budget: list[int],
                  latencies: list[float], errors: list[str]) -> None:
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        while budget[0] > 0:
            started = time.perf_counter()
            if started >= stop_at:
                break
            budget[0] -= 1
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
            if match is None:
                raise RuntimeError(f"response without content-length: {head[:200]!r}")
            await reader.readexactly(int(match.group(1)))
            if not head.startswith(b"HTTP/1.1 200"):
                errors.append(head.split(b"\r\n", 1)[0].decode())
            if started >= record_from:
                latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def _load(port: int, path: str, clients: int, seconds: float, warmup: float, max_requests: int) -> dict:
    request = raw_request(path)
    latencies: list[float] = []
    errors: list[str] = []
    budget = [max_requests]
    now = time.perf_counter()
    record_from, stop_at = now + warmup, now + warmup + seconds
    tasks = [asyncio.create_task(_client(port, request, stop_at, record_from, budget, latencies, errors))
             for _ in range(clients)]
    await asyncio.sleep(max(0.0, record_from - time.perf_counter()))
    measured_from = time.perf_counter()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - measured_from
    return {"latencies": latencies, "elapsed": elapsed, "errors": errors}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bench_load(server: Server, path: str, label: str, clients: int, seconds: float, warmup: float) -> dict:
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    cpu_server, cpu_client = server.cpu_seconds(), time.process_time()
    outcome = runner(_load(server.port, path, clients, seconds, warmup, max_requests=500_000))
    cpu_server, cpu_client = server.cpu_seconds() - cpu_server, time.process_time() - cpu_client
    latencies = outcome["latencies"]
    if outcome["errors"]:
        raise RuntimeError(f"{label}: {len(outcome['errors'])} non-200 answers, e.g. {outcome['errors'][0]}")
    total = len(latencies)
    rps = total / outcome["elapsed"]
    result = {"rps": rps, "p50_ms": percentile(latencies, 0.50) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
              "requests": total,
              # CPU over warm-up + measurement; per request over everything sent in that time
              "server_cpu_ms_per_request": cpu_server * 1000 / max(1, total * (seconds + warmup) / seconds),
              "server_cpu_share": cpu_server / (seconds + warmup),
              "client_cpu_share": cpu_client / (seconds + warmup)}
    print(f"  {label:28} {rps:8.0f} req/s  p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:6.2f} ms  "
          f"({total} requests in {outcome['elapsed']:.1f} s; server CPU {result['server_cpu_share']:.0%} of a core, "
          f"~{result['server_cpu_ms_per_request']:.2f} ms CPU/request; load generator CPU "
          f"{result['client_cpu_share']:.0%})", flush=True)
    return result


def bench_wrk(server: Server, path: str, label: str, clients: int, seconds: float) -> dict | None:
    wrk = shutil.which("wrk")
    if wrk is None:
        return None
    command = [wrk, "-t1", f"-c{clients}", f"-d{max(1, round(seconds))}s", "--latency",
               "-H", f"Authorization: {AUTH}", "-H", "x-amz-date: 20250101T000000Z",
               f"http://{HOST}:{server.port}{path}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    rps = re.search(r"Requests/sec:\s*([\d.]+)", output)
    if rps is None:
        print(f"  wrk {label}: could not parse output:\n{output}")
        return None

    def latency(pct: str) -> float | None:
        match = re.search(rf"^\s*{pct}%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
        if match is None:
            return None
        return float(match.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[match.group(2)]

    non2xx = re.search(r"Non-2xx or 3xx responses:\s*(\d+)", output)
    result = {"rps": float(rps.group(1)), "p50_ms": latency("50"), "p99_ms": latency("99"),
              "non2xx": int(non2xx.group(1)) if non2xx else 0}
    print(f"  wrk {label:24} {result['rps']:8.0f} req/s  p50 {result['p50_ms']:6.2f} ms  "
          f"p99 {result['p99_ms']:6.2f} ms" + (f"  ({result['non2xx']} non-2xx!)" if result["non2xx"] else ""),
          flush=True)
    return result


# --- main ----------------------------------------------------------------------------------------------

def git_commit() -> str:
    """The checked-out commit (with `+dirty` for local changes under src/), or `unknown`."""
    root = Path(__file__).resolve().parents[1]
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "src"], capture_output=True,
                               text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (commit or "unknown") + ("+dirty" if dirty else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short run (fewer repetitions, shorter load)")
    parser.add_argument("--json", type=Path, help="also write the raw numbers to this file")
    parser.add_argument("--no-wrk", action="store_true", help="skip wrk even when it is installed")
    parser.add_argument("--floor-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor_server:
        serve_floor(args.floor_server)
        return 0
    cold_runs, objects, load_seconds, warmup = (3, 10, 2.0, 0.5) if args.quick else (5, 40, 5.0, 1.0)
    clients = 16
    results: dict = {"date": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "nproc": os.cpu_count(),
                     "python": platform.python_version(), "quick": args.quick, "commit": git_commit()}
    print(f"Sextant foundation benchmarks — {results['date']}, nproc {results['nproc']}, "
          f"Python {results['python']}, commit {results['commit']}, {'quick' if args.quick else 'full'} run",
          flush=True)

    with tempfile.TemporaryDirectory(prefix="sextant-bench-") as tmp:
        root = Path(tmp)
        results["cold_start"] = bench_cold_start(root, cold_runs)

        server = Server(root / "main" / "home", root / "main.log")
        (root / "main").mkdir()
        floor = FloorServer(root / "floor", root / "floor.log")
        server.spawn()
        floor.spawn()
        try:
            server.wait_first_answer()
            floor.wait_first_answer()
            connection = http.client.HTTPConnection(HOST, server.port, timeout=10)
            call(connection, "PUT", f"/{BUCKET}")
            for index in range(5):
                call(connection, "GET", "/")
                call(connection, "PUT", f"/{BUCKET}/small-{index}", b"x" * 1024)
                call(connection, "GET", f"/{BUCKET}/small-{index}")
            call(connection, "GET", "/_sextant/health")
            connection.close()
            time.sleep(1.0)
            results["idle_rss_mb"] = server.status_kb("VmRSS") / 1024
            results["floor_rss_mb"] = floor.status_kb("VmRSS") / 1024
            print(f"idle RSS after start and 17 requests: {results['idle_rss_mb']:.1f} MB "
                  f"({server.threads()} threads; do-nothing uvicorn app: {results['floor_rss_mb']:.1f} MB)", flush=True)

            print(f"1 MB objects, {objects} of each, interleaved with the local-file reference:", flush=True)
            results["objects"] = bench_objects(server, floor, root, objects)

            print(f"{clients} concurrent keep-alive clients, {load_seconds:.0f} s each after {warmup:.1f} s warm-up:",
                  flush=True)
            results["load"] = {
                "ListBuckets": bench_load(server, "/", "S3 ListBuckets", clients, load_seconds, warmup),
                "health": bench_load(server, "/_sextant/health", "GET /_sextant/health", clients, load_seconds,
                                     warmup),
                "floor": bench_load(floor, "/", "do-nothing uvicorn app", clients, load_seconds, warmup),
            }
            if not args.no_wrk:
                results["wrk"] = {
                    "ListBuckets": bench_wrk(server, "/", "S3 ListBuckets", clients, load_seconds),
                    "health": bench_wrk(server, "/_sextant/health", "GET /_sextant/health", clients, load_seconds),
                }
                if results["wrk"]["ListBuckets"] is None:
                    print("  (wrk not installed: skipped)")
            results["rss_after_mb"] = server.status_kb("VmRSS") / 1024
            results["peak_rss_mb"] = server.status_kb("VmHWM") / 1024
            print(f"RSS after the load: {results['rss_after_mb']:.1f} MB (peak {results['peak_rss_mb']:.1f} MB)",
                  flush=True)
        finally:
            server.stop()
            floor.stop()

    print()
    print(table(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


def table(results: dict) -> str:
    def mark(ok: bool | None) -> str:
        return "—" if ok is None else ("yes" if ok else "**no**")

    cold, objects, load = results["cold_start"], results["objects"], results["load"]
    rates = objects["rates"]
    rows = [
        (f"cold start to first ListBuckets (median of {len(cold['runs'])})",
         f"{cold['median']:.2f} s (python -c pass: {cold['python_startup']:.2f} s)", "≤ 1.5 s",
         mark(cold["median"] <= 1.5)),
        ("idle RSS after a handful of requests",
         f"{results['idle_rss_mb']:.0f} MB (do-nothing uvicorn app: {results['floor_rss_mb']:.0f} MB)", "≤ 150 MB",
         mark(results["idle_rss_mb"] <= 150)),
        ("PutObject 1 MB, raw http.client vs file write",
         f"{rates['PutObject raw']:.0f} vs {rates['file write']:.0f} MB/s = {objects['put_ratio']:.2f}×", "≥ 0.5×",
         mark(objects["put_ratio"] >= 0.5)),
        ("GetObject 1 MB, raw http.client vs file read",
         f"{rates['GetObject raw']:.0f} vs {rates['file read']:.0f} MB/s = {objects['get_ratio']:.2f}×", "≥ 0.5×",
         mark(objects["get_ratio"] >= 0.5)),
        ("PutObject 1 MB, raw vs file write + fsync",
         f"{rates['PutObject raw']:.0f} vs {rates['file write+fsync']:.0f} MB/s = {objects['put_ratio_fsync']:.2f}×",
         "(info)", mark(None)),
        ("PUT / GET 1 MB to a do-nothing uvicorn app (floor)",
         f"{rates['PUT floor']:.0f} / {rates['GET floor']:.0f} MB/s = "
         f"{objects['put_floor_ratio']:.2f}× / {objects['get_floor_ratio']:.2f}×", "(info)", mark(None)),
        ("PutObject / GetObject 1 MB via boto3",
         f"{rates['PutObject boto3']:.0f} / {rates['GetObject boto3']:.0f} MB/s = "
         f"{objects['put_ratio_boto3']:.2f}× / {objects['get_ratio_boto3']:.2f}×", "(info)", mark(None)),
    ]
    for name, label in (("ListBuckets", "S3 ListBuckets"), ("health", "GET /_sextant/health"),
                        ("floor", "do-nothing uvicorn app (floor)")):
        item = load[name]
        rows.append((f"{label}, 16 clients (Python load generator)",
                     f"{item['rps']:,.0f} req/s (p50 {item['p50_ms']:.1f} ms, p99 {item['p99_ms']:.1f} ms; "
                     f"{item['server_cpu_ms_per_request']:.2f} ms server CPU/req)",
                     "(info)" if name == "floor" else "≥ 1,500 req/s",
                     mark(None if name == "floor" else item["rps"] >= 1500)))
    for name, label in (("ListBuckets", "S3 ListBuckets"), ("health", "GET /_sextant/health")):
        item = (results.get("wrk") or {}).get(name)
        if item:
            rows.append((f"{label}, 16 clients (wrk -t1 -c16)",
                         f"{item['rps']:,.0f} req/s (p50 {item['p50_ms']:.1f} ms, p99 {item['p99_ms']:.1f} ms)",
                         "(info)", mark(None)))
    lines = ["| metric | measured | target | pass |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

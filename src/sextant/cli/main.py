"""The `sextant` command."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

from .. import __version__
from ..config import DEFAULT_ACCOUNT, DEFAULT_REGION, Settings


def _settings(args: argparse.Namespace) -> Settings:
    settings = Settings.from_env()
    if getattr(args, "host", None):
        settings.host = args.host
    if getattr(args, "port", None):
        settings.port = args.port
    if getattr(args, "home", None):
        settings.home = args.home
    return settings


def _write_sagemaker_sdk_config(settings: Settings) -> Path:
    """The sagemaker SDK derives its default bucket's name from AWS's own STS endpoint, whatever
    AWS_ENDPOINT_URL says; this SDK config file names the bucket so that SDK code runs unchanged."""
    path = settings.home / "sagemaker-sdk-config.yaml"
    settings.home.mkdir(parents=True, exist_ok=True)
    bucket = f"sagemaker-{DEFAULT_REGION}-{DEFAULT_ACCOUNT}"
    path.write_text(f"SchemaVersion: '1.0'\nSageMaker:\n  PythonSDK:\n    Modules:\n      Session:\n"
                    f"        DefaultS3Bucket: {bucket}\n")
    return path


def serve(args: argparse.Namespace) -> int:
    """Run the server in the foreground."""
    import uvicorn

    from ..gateway.app import Gateway

    settings = _settings(args)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    gateway = Gateway(settings)
    sdk_config = _write_sagemaker_sdk_config(settings)
    print(f"Sextant {__version__} listening on http://{settings.host}:{settings.port} "
          f"(home {settings.home}, metadata {gateway.store.engine.dialect.name}, "
          f"objects {gateway.store.objects.kind}, auth {settings.auth})\n"
          f"  clients: export AWS_ENDPOINT_URL=http://{settings.host}:{settings.port}\n"
          f"  sagemaker SDK: export SAGEMAKER_USER_CONFIG_OVERRIDE={sdk_config}", file=sys.stderr, flush=True)
    uvicorn.run(gateway, host=settings.host, port=settings.port, log_level="warning", access_log=False,
                loop="uvloop", http="httptools", lifespan="on", timeout_keep_alive=75)
    return 0


def status(args: argparse.Namespace) -> int:
    """Ask a running server for its health and print it."""
    settings = _settings(args)
    url = f"http://{settings.host}:{settings.port}/_sextant/health"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            health = json.load(response)
    except (urllib.error.URLError, OSError) as exc:
        print(f"Sextant is not answering at {url}: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(health, indent=2))
        return 0
    print(f"Sextant {health['version']} at http://{settings.host}:{settings.port}: {health['status']}")
    print(f"  metadata: {health['store']['metadata']}, objects: {health['store']['objects']['kind']}, "
          f"auth: {health['auth']}")
    for name, info in sorted(health["services"].items()):
        if info["implemented"]:
            print(f"  {name:32} {info['protocol']:20} {info['implemented']} operations")
    return 0


def catalog(args: argparse.Namespace) -> int:
    """List the advisor's catalogue, or show one entry."""
    import yaml

    from ..advisor.catalog import load

    entries = load()
    if args.name:
        entry = entries.find(args.name)
        if entry is None:
            print(f"No catalogue entry is called {args.name!r}; `sextant catalog` lists them.", file=sys.stderr)
            return 1
        shown = {**entry.data, "implemented_in_sextant": entry.implemented}
        print(json.dumps(shown, indent=2, default=str) if args.json else
              yaml.safe_dump(shown, sort_keys=False, allow_unicode=True, width=110))
        return 0
    rows = [{"id": e.id, "kind": e.kind, "name": e.name, "implemented": e.implemented}
            for e in entries.entries.values()]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['id']:32} {row['kind']:10} {'yes' if row['implemented'] else '-':4} {row['name']}")
    return 0


def advise(args: argparse.Namespace) -> int:
    """Recommend services, algorithms and features for a problem."""
    from ..advisor import advise as recommend

    try:
        endpoint = None
        if args.data and args.data.startswith("s3://"):
            settings = _settings(args)
            endpoint = os.environ.get("AWS_ENDPOINT_URL") or f"http://{settings.host}:{settings.port}"
        advice = recommend(args.problem, args.data, args.target, endpoint)
    except ValueError as error:
        print(f"sextant advise: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(advice, indent=2, default=str))
        return 0
    if advice.get("data"):
        data = advice["data"]
        print(f"Data: {data['modality']}, {data['rows']} rows, target {data['target']} ({data['problem_type']})\n")
    for rank, choice in enumerate(advice["recommendations"], 1):
        state = "runs in Sextant" if choice["implemented"] else "not in Sextant yet"
        print(f"{rank}. {choice['name']} ({choice['kind']}, score {choice['score']:.2f}, {state})")
        for reason in choice["reasons"]:
            print(f"     - {reason}")
    if advice["ambiguous"]:
        print(f"\nAmbiguous: {advice['ambiguous']}")
    if advice["features"]:
        print("\nFeatures to use: " + ", ".join(f["name"] for f in advice["features"]))
    for rank, choice in enumerate(advice["instances"]):
        label = "Instances" if rank == 0 else "  or"
        print(f"{label}: {choice['compute']} {', '.join(choice['families'])} — {choice['reason']}")
    if advice["formats"]:
        print("Input format: " + ", ".join(advice["formats"][:3]))
    for param in advice["hyperparameters"]:
        print(f"Hyperparameter {param['name']}: {param['suggested']} — {param['reason']}")
    for pitfall in advice["pitfalls"]:
        print(f"Pitfall: {pitfall}")
    return 0


class _Clients:
    """boto3 clients for one Sextant endpoint."""

    def __init__(self, url: str) -> None:
        import boto3

        self.url = url
        self.session = boto3.Session(aws_access_key_id="sextant", aws_secret_access_key="sextant",
                                     region_name="us-east-1")

    def client(self, name: str):
        return self.session.client(name, endpoint_url=self.url)


def _server_url(settings: Settings) -> str:
    """A running Sextant's URL; one is started in this process when none answers."""
    url = f"http://{settings.host}:{settings.port}"
    try:
        urllib.request.urlopen(f"{url}/_sextant/health", timeout=2).close()
        return url
    except OSError:
        pass
    import socket
    import threading

    import uvicorn

    from ..gateway.app import Gateway

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = Gateway(settings)
    server = uvicorn.Server(uvicorn.Config(gateway, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="on"))
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{url}/_sextant/health", timeout=1).close()
            print(f"(no Sextant answered at {settings.host}:{settings.port}; started one in this process at {url} —"
                  " its endpoints end with this command; run `sextant serve` first to keep them)", file=sys.stderr)
            return url
        except OSError:
            import time

            time.sleep(0.05)
    raise RuntimeError("could not start Sextant")


def solve(args: argparse.Namespace) -> int:
    """Implement the top recommendation for a problem on a data file."""
    from ..advisor.solve import solve as implement

    settings = _settings(args)
    clients = _Clients(_server_url(settings))
    try:
        solution = implement(args.problem, args.data, args.target, clients, print, Path(args.script))
    except ValueError as error:
        print(f"sextant solve: {error}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"sextant solve: {error}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(solution.__dict__, indent=2, default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sextant", description="The AWS ML stack on your own machine.")
    parser.add_argument("--version", action="version", version=f"sextant {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, function, help_text in (("serve", serve, "run the server"),
                                      ("status", status, "show a running server's health")):
        command = commands.add_parser(name, help=help_text)
        command.add_argument("--host", help="address (default 127.0.0.1, env SEXTANT_HOST)")
        command.add_argument("--port", type=int, help="port (default 4599, env SEXTANT_PORT)")
        command.set_defaults(function=function)
        if name == "serve":
            command.add_argument("--home", type=Path, help="data folder (default ~/.sextant, env SEXTANT_HOME)")
        else:
            command.add_argument("--json", action="store_true", help="print the raw health document")
    shown = commands.add_parser("catalog", help="the advisor's catalogue of services, features and algorithms")
    shown.add_argument("name", nargs="?", help="an entry's id, name or alias")
    shown.add_argument("--json", action="store_true", help="print JSON")
    shown.set_defaults(function=catalog)
    asked = commands.add_parser("advise", help="recommend the AWS ML service, algorithm and features for a problem")
    asked.add_argument("problem", help="the problem, in your own words")
    asked.add_argument("--data", help="a data file, folder or s3:// URI to profile (CSV, images, audio, text)")
    asked.add_argument("--target", help="the target column of a tabular data file (default: guessed)")
    asked.add_argument("--json", action="store_true", help="print JSON")
    asked.add_argument("--host", help="the Sextant that holds s3:// data (default 127.0.0.1)")
    asked.add_argument("--port", type=int, help="its port (default 4599)")
    asked.set_defaults(function=advise)
    solving = commands.add_parser("solve", help="implement the recommendation: train, evaluate, deploy, predict")
    solving.add_argument("problem", help="the problem, in your own words")
    solving.add_argument("--data", required=True, help="a CSV file with a header row")
    solving.add_argument("--target", help="the column to predict (default: guessed; 'none' when there is nothing to predict)")
    solving.add_argument("--script", default="solution.py", help="where to write the reproducing boto3 script")
    solving.add_argument("--host", help="Sextant's address (default 127.0.0.1)")
    solving.add_argument("--port", type=int, help="Sextant's port (default 4599)")
    solving.add_argument("--json", action="store_true", help="print the solution as JSON at the end")
    solving.set_defaults(function=solve)
    args = parser.parse_args(argv)
    return args.function(args)


if __name__ == "__main__":
    sys.exit(main())

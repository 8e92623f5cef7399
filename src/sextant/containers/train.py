"""Entry point of a training job's process: a built-in algorithm, or the user's script (script mode)."""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
import traceback

from . import algorithms
from .environment import TrainingEnvironment, UserError
from .lifeline import watch_parent


def run_script(env: TrainingEnvironment) -> int:
    """Run `sagemaker_program` from /opt/ml/code with the toolkit's arguments; failure text as AWS words it."""
    program = env.hyperparameters["sagemaker_program"].strip('"')
    code = env.root / "code"
    if not (code / program).is_file():
        raise UserError(f"sagemaker_program {program!r} is not in the uploaded source directory")
    requirements = code / "requirements.txt"
    if requirements.is_file():
        print(f"Installing requirements from {requirements.name}", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "-r", str(requirements)], check=True)
    arguments = [sys.executable, program, *json_args()]
    process = subprocess.Popen(arguments, cwd=code, stderr=subprocess.PIPE,
                               env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [
                                   str(code), os.environ.get("PYTHONPATH", "")]))})
    tail: collections.deque[str] = collections.deque(maxlen=20)

    def forward() -> None:
        for raw in iter(process.stderr.readline, b""):
            line = raw.decode("utf-8", "replace")
            sys.stderr.write(line)
            sys.stderr.flush()
            tail.append(line.rstrip("\n"))

    forwarder = threading.Thread(target=forward, daemon=True)
    forwarder.start()
    code_ = process.wait()
    forwarder.join(timeout=10)
    if code_ != 0:
        message = "\n".join(tail)
        env.fail(f'ExecuteUserScriptError:\nExitCode {code_}\nErrorMessage "{message}"\n'
                 f'Command "{" ".join(arguments[1:])}"')
    return code_


def json_args() -> list[str]:
    """The hyperparameters as `--name value` arguments (SM_USER_ARGS)."""
    return json.loads(os.environ.get("SM_USER_ARGS", "[]"))


def main() -> int:
    watch_parent()
    env = TrainingEnvironment.from_env()
    try:
        if "sagemaker_program" in env.hyperparameters:
            return run_script(env)
        algorithms.load(os.environ["SEXTANT_ALGORITHM"]).train(env)
        return 0
    except UserError as error:
        print(f"ClientError: {error}", file=sys.stderr, flush=True)
        env.fail(f"ClientError: {error}")
    except subprocess.CalledProcessError as error:
        env.fail(f"ClientError: installing requirements.txt failed (exit code {error.returncode})")
    except Exception as error:  # noqa: BLE001 - any other failure is the algorithm's
        traceback.print_exc()
        env.fail(f"{type(error).__name__}: {error}")
    return 1


if __name__ == "__main__":
    sys.exit(main())

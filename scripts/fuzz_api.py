#!/usr/bin/env python
"""Fuzz the HTTP API with schemathesis (`--checks all`) as a signed-in learner, against the real server.

    python scripts/fuzz_api.py [--max-examples N] [--seed S] [--keep]

Serves the platform with daphne on a free loopback port on the embedded defaults (state in var/fuzz/, fresh
each run), creates a learner, and runs ``st run`` on ``/api/schema/`` with the learner's access token and
schemathesis.toml. Rate limits are raised for the run: the limiter has its own tests, and a fuzzer that
mostly meets 429 tests nothing else. Exits with schemathesis's status (0: no failure found).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CREATE_LEARNER = """
from apps.accounts.models import User
from rest_framework_simplejwt.tokens import RefreshToken
user = User.objects.create_user(email="fuzz-learner@example.com", password=None, display_name="Fuzz")
print(RefreshToken.for_user(user).access_token)
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback URL built here
                return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"the server did not answer {url} within {timeout:.0f}s")


def fuzz_env(data_dir: Path) -> dict[str, str]:
    """The embedded defaults with their state in ``data_dir`` and rate limits out of the fuzzer's way."""
    inherited = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "KAFKA_"))
    }
    return {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "learning_platform.settings.base",
        "DATA_DIR": str(data_dir),
        "LOG_LEVEL": "ERROR",
        "THROTTLE_RATE_IP": "100000/min",
        "THROTTLE_RATE_USER": "100000/min",
        "THROTTLE_RATE_AUTH": "100000/min",
    }


def run(*, max_examples: int, seed: int | None, data_dir: Path) -> int:
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    env = fuzz_env(data_dir)
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    token = (
        subprocess.run(
            [*manage, "shell", "-c", CREATE_LEARNER], cwd=ROOT, env=env, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "learning_platform.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(data_dir / "server.log", "wb"),  # noqa: SIM115 - handed to the child process
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/healthz")
        command = [
            str(BIN / "st"),
            "--config-file",
            str(ROOT / "schemathesis.toml"),
            "run",
            f"{base}/api/schema/?format=json",
            "--checks",
            "all",
            "--header",
            f"Authorization: Bearer {token}",
            "--max-examples",
            str(max_examples),
        ]
        if seed is not None:
            command += ["--seed", str(seed)]
        return subprocess.run(command, cwd=data_dir, env=env, check=False).returncode
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=50, help="examples per operation and phase")
    parser.add_argument("--seed", type=int, default=None, help="reproduce an earlier run")
    parser.add_argument("--data-dir", type=Path, default=ROOT / "var" / "fuzz")
    args = parser.parse_args(argv)
    return run(max_examples=args.max_examples, seed=args.seed, data_dir=args.data_dir)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The real ASGI server (daphne) on the embedded defaults, in its own process, for tests over HTTP."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_http(url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback URL built by the test
                return
        except OSError:
            time.sleep(0.2)
    raise TimeoutError(url)


def embedded_env(data_dir: Path, **overrides: str) -> dict[str, str]:
    """The environment of a process on the embedded defaults, with its state in ``data_dir``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "learning_platform.settings.base",
        "DATA_DIR": str(data_dir),
        "LOG_LEVEL": "WARNING",
        **overrides,
    }


def _server_command(server: str, port: int, options: tuple[str, ...]) -> list[str]:
    if server == "uvicorn":  # hands the body to the application as it arrives
        return [sys.executable, "-m", "uvicorn", "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    return [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), *options]


@contextmanager
def asgi_server(env: dict[str, str], *options: str, server: str = "daphne", log: Path | None = None) -> Iterator[str]:
    """The real ASGI server (daphne, or uvicorn with ``server="uvicorn"``) in its own process on a free loopback
    port, with ``env``; yields its base URL once ``/healthz`` answers, and stops it afterwards (killed if it has
    not stopped within a minute). Its output goes to ``log`` when given (a test shows it when it fails)."""
    port = free_port()
    output = log.open("ab") if log is not None else None
    proc = subprocess.Popen(
        [*_server_command(server, port, options), "learning_platform.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=output or subprocess.DEVNULL,
        stderr=output or subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{base}/healthz")
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)  # a loaded machine can take longer than 10 s to stop it
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        if output is not None:
            output.close()


@contextmanager
def embedded_server(data_dir: Path, *, migrate: bool = False, **overrides: str) -> Iterator[str]:
    """Serves the platform with daphne on a free loopback port; yields its base URL."""
    env = embedded_env(data_dir, **overrides)
    if migrate:
        subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    with asgi_server(env) as base:
        yield base

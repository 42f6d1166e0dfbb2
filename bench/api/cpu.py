"""CPU per request, in-process: the ASGI application called directly (no server, no client), sequential
requests, ``time.process_time()`` around them. Separates a change's CPU cost from the shared machine's noise,
which the load test cannot.

    .venv/bin/python -m bench.api.cpu [--requests 150] [--repeat 3] [--profile ENDPOINT]

Runs the bare DRF view and our endpoints in separate processes (separate settings), alternating, on a
database seeded like ``python -m bench api``'s. Prints milliseconds of CPU per request and the ratio
bare / ours (the figure the 0.6 target is about).
"""

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from typing import Any

from bench.api import PYTHON, ROOT, _environment, seed


async def _call(app: Any, path: str, headers: list[tuple[bytes, bytes]]) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
    }
    status = 0
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


async def _measure(app: Any, path: str, headers: list[tuple[bytes, bytes]], requests: int) -> float:
    for _ in range(10):  # warm up: first-use imports, compiled serializers, pooled connections
        assert await _call(app, path, headers) == 200, path
    start = time.process_time()
    for _ in range(requests):
        status = await _call(app, path, headers)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    return (time.process_time() - start) * 1000 / requests


def child() -> None:
    """Runs in the measured process: ``argv``: app module, JSON paths, token, requests, profile path."""
    module, paths, token = sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
    requests, profile = int(sys.argv[5]), sys.argv[6]
    import importlib

    app = importlib.import_module(module).application
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    out: dict[str, float] = {}
    for name, path in paths.items():
        out[name] = asyncio.run(_measure(app, path, headers, requests))
        if profile and name == profile:
            _profile(path, token, requests)
    print(json.dumps(out))


def _profile(path: str, token: str, requests: int) -> None:
    """cProfile of the same requests through Django's test client (synchronous: the ASGI handler runs a
    request's sync code in a thread of its own, which cProfile in the event loop's thread does not see)."""
    from django.test import Client

    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_HOST="127.0.0.1")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(80)


def _run(env: dict[str, str], module: str, paths: dict[str, str], token: str, requests: int, profile: str) -> Any:
    argv = [PYTHON, "-m", "bench.api.cpu", "--child", module, json.dumps(paths), token, str(requests), profile]
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr[-3000:])
    if profile:
        sys.stderr.write(done.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", default="", help="an endpoint name to profile with cProfile (stderr)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-api-cpu-") as data_dir:
        env = _environment(data_dir)
        ours_env = {**env, "DJANGO_SETTINGS_MODULE": "learning_platform.settings.base"}
        seeded, paths = seed(env)
        runs: list[dict[str, float]] = []
        for _ in range(args.repeat):
            bare = _run(env, "bench.api.bare_asgi", {"bare": "/bare/"}, "", args.requests, "")
            ours = _run(ours_env, "learning_platform.asgi", paths, seeded["token"], args.requests, args.profile)
            runs.append({**bare, **ours})
            print(" ".join(f"{k}={v:.2f}ms" for k, v in runs[-1].items()), flush=True)
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for name in runs[0]:
        values = [r[name] for r in runs]
        ratios = [r["bare"] / r[name] for r in runs]
        print(f"{name:16s} {min(values):6.2f}-{max(values):6.2f} ms  bare/ours {min(ratios):.2f}-{max(ratios):.2f}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child()
    else:
        sys.exit(main())

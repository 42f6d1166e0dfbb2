"""CPU per request, in-process: the ASGI application called directly (no server, no client), sequential
requests, ``time.process_time()`` around them. Separates a change's CPU cost from the shared machine's noise,
which the load test cannot.

    .venv/bin/python -m bench.api.cpu [--requests 100] [--blocks 7] [--repeat 3] [--profile ENDPOINT]

Runs the bare DRF view and our endpoints in two processes (separate settings) side by side, on a database
seeded like ``python -m bench api``'s, and measures them block by block in turn: a block of ``--requests``
bare requests, then a block of one of our endpoints, ``--blocks`` pairs per endpoint. Each endpoint's figure
is the median of its pairs' ratios bare / ours (the figure the 0.6 target is about): the bare view costs about
3 ms, and single blocks of it spread 2.2-4.2 ms within one process on a quiet machine, so a ratio of two
figures taken minutes apart moved with whatever the machine did in between. ``--repeat`` starts new
processes. Results: bench/results/api_cpu.json.
"""

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
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


async def _block(app: Any, path: str, headers: list[tuple[bytes, bytes]], requests: int) -> float:
    start = time.process_time()
    for _ in range(requests):
        status = await _call(app, path, headers)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
    return (time.process_time() - start) * 1000 / requests


async def _serve_blocks(app: Any, paths: dict[str, str], headers: list[tuple[bytes, bytes]], requests: int) -> None:
    """Warms every endpoint up, says ``ready``, then measures one block per endpoint name read from stdin."""
    for path in paths.values():
        for _ in range(10):  # first-use imports, compiled serializers, pooled connections
            assert await _call(app, path, headers) == 200, path
    print("ready", flush=True)
    for line in sys.stdin:
        print(json.dumps(await _block(app, paths[line.strip()], headers, requests)), flush=True)


def child() -> None:
    """Runs in the measured process: ``argv``: app module, JSON paths, token, requests, profiled endpoint."""
    module, paths, token = sys.argv[2], json.loads(sys.argv[3]), sys.argv[4]
    requests, profile = int(sys.argv[5]), sys.argv[6]
    import importlib

    app = importlib.import_module(module).application
    headers = [(b"authorization", f"Bearer {token}".encode())] if token else []
    asyncio.run(_serve_blocks(app, paths, headers, requests))
    if profile:
        _profile(paths[profile], token, requests)


class _Process:
    """A measured process: one block of requests per call, its CPU milliseconds per request returned."""

    def __init__(
        self, env: dict[str, str], module: str, paths: dict[str, str], token: str, requests: int, profile: str = ""
    ) -> None:
        argv = [PYTHON, "-m", "bench.api.cpu", "--child", module, json.dumps(paths), token, str(requests), profile]
        self.proc = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE if profile else subprocess.DEVNULL,
            text=True,
        )
        self._expect("ready")

    def _expect(self, what: str) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line or (what and line.strip() != what):
            self.proc.kill()
            raise RuntimeError(f"the measured process said {line!r} (expected {what or 'a figure'})")
        return line

    def block(self, name: str) -> float:
        assert self.proc.stdin is not None
        self.proc.stdin.write(name + "\n")
        self.proc.stdin.flush()
        return float(self._expect(""))

    def close(self) -> str:
        _, errors = self.proc.communicate(timeout=600)  # closes stdin: the process profiles, then ends
        return errors or ""


def repetition(
    env: dict[str, str], ours_env: dict[str, str], paths: dict[str, str], token: str, args: argparse.Namespace
) -> dict[str, dict[str, float]]:
    """One bare process and one of ours, measured block by block in turn (a bare block before each of ours):
    per endpoint the median CPU per request and the median of the paired blocks' ratios bare / ours."""
    bare = _Process(env, "bench.api.bare_asgi", {"bare": "/bare/"}, "", args.requests)
    ours = _Process(ours_env, "learning_platform.asgi", paths, token, args.requests, args.profile)
    pairs: dict[str, list[tuple[float, float]]] = {name: [] for name in paths}
    try:
        for _ in range(args.blocks):
            for name in paths:
                pairs[name].append((bare.block("bare"), ours.block(name)))
    finally:
        bare.close()
        profile = ours.close()
    if args.profile:
        sys.stderr.write(profile)
    out = {"bare": {"ms": statistics.median(b for values in pairs.values() for b, _ in values), "ratio": 1.0}}
    for name, values in pairs.items():
        out[name] = {
            "ms": statistics.median(o for _, o in values),
            "ratio": statistics.median(b / o for b, o in values),
        }
    return out


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


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100, help="requests per block")
    parser.add_argument("--blocks", type=int, default=7, help="paired blocks per endpoint (median kept)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", default="", help="an endpoint name to profile with cProfile (stderr)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-api-cpu-") as data_dir:
        env = _environment(data_dir)
        ours_env = {**env, "DJANGO_SETTINGS_MODULE": "learning_platform.settings.base"}
        seeded, paths = seed(env)
        runs = []
        for _ in range(args.repeat):
            runs.append(repetition(env, ours_env, paths, seeded["token"], args))
            print(" ".join(f"{k}={v['ms']:.2f}ms ({v['ratio']:.2f})" for k, v in runs[-1].items()), flush=True)
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    summary = {}
    for name in runs[0]:
        values, ratios = [r[name]["ms"] for r in runs], [r[name]["ratio"] for r in runs]
        summary[name] = {"ms": [min(values), max(values)], "bare_over_ours": [min(ratios), max(ratios)]}
        print(f"{name:30s} {min(values):6.2f}-{max(values):6.2f} ms  bare/ours {min(ratios):.2f}-{max(ratios):.2f}")
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "api_cpu.json").write_text(json.dumps({"args": vars(args), "runs": runs, "summary": summary}, indent=2))
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child()
    else:
        sys.exit(main())

"""API benchmark: our authenticated read endpoints next to a bare DRF view, same server kind, same clients,
same run.

    .venv/bin/python -m bench api            (3 rounds of 20 s per endpoint, 16 keep-alive connections)
    .venv/bin/python -m bench api --quick    (3 rounds of 5 s)

Then ``bench.api.cpu`` compares the CPU each request costs in-process (``--no-cpu`` skips it).

Ours: the project on its embedded defaults (SQLite, local files, in-process bus) with production-like
settings (DEBUG off, JSON logs, metrics, throttles on but with their rates raised so the load is not refused),
a learner with 25 extracted documents, a JWT. The ceiling: a bare Django + DRF project whose one view returns
{"ok": true} (no auth, no throttle, no query). Both served by daphne, one process each, started once; the load
client is another process (raw asyncio keep-alive, its own CPU share reported). Each round measures the bare
view and then each of our endpoints, so every ratio compares figures taken minutes apart, not hours.
Results: bench/results/api.json.
"""

import argparse
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, path: str, headers: dict[str, str], timeout: float = 60.0) -> None:
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", path, headers=headers)
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
            raise RuntimeError(f"{path} answered {status} while warming up")
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"nothing answered on port {port} after {timeout:.0f}s")


def _environment(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SERVICE_VARIABLES}
    env.update(
        DATA_DIR=data_dir,
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        DJANGO_DEBUG="false",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        THROTTLE_RATE_IP="10000000/min",
        THROTTLE_RATE_USER="10000000/min",
        JWT_ACCESS_MINUTES="240",
        EVENTBUS_TRANSPORT="inprocess",
        PYTHONPATH=str(ROOT),
    )
    return env


_SERVICE_VARIABLES = ("DATABASE_URL", "S3_BUCKET", "KAFKA_BOOTSTRAP_SERVERS", "REDIS_URL", "CELERY_BROKER_URL")


def seed(env: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Seeds a learner (documents, notes, a quiz, a chat session) in a child process; its token and the
    endpoints every API bench loads, by name."""
    seed_env = {**env, "DJANGO_SETTINGS_MODULE": "learning_platform.settings.base", "CELERY_TASK_ALWAYS_EAGER": "true"}
    done = subprocess.run(
        [PYTHON, "-m", "bench.api.seed"], cwd=ROOT, env=seed_env, capture_output=True, text=True, check=True
    )
    seeded = json.loads(done.stdout.strip().splitlines()[-1])
    document = seeded["document_id"]
    endpoints = {
        "documents list": "/api/v1/documents/",
        "document detail": f"/api/v1/documents/{document}/",
        "document pages (nested read)": f"/api/v1/documents/{document}/pages/",
        "document notes": f"/api/v1/documents/{document}/notes/",
        "quiz detail (read model)": f"/api/v1/quizzes/{seeded['quiz_id']}/",
        "chat sessions list": "/api/v1/chat/sessions/",
        "transcriptions list": "/api/v1/transcriptions/",
    }
    return seeded, endpoints


def _serve(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def _load(port: int, path: str, headers: list[str], seconds: float, connections: int) -> dict[str, Any]:
    argv = [PYTHON, "-m", "bench.api.load", "--port", str(port), "--path", path]
    argv += ["--seconds", str(seconds), "--connections", str(connections)]
    for header in headers:
        argv += ["--header", header]
    out = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return dict(json.loads(out))


def _server_argv(kind: str, app: str, port: int, workers: int) -> list[str]:
    if kind == "daphne":
        return [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), app]
    return [
        str(BIN / "uvicorn"),
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--lifespan",
        "off",
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="5 s per measurement instead of 20")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--server", choices=["daphne", "uvicorn"], default="daphne")
    parser.add_argument("--workers", type=int, default=1, help="server processes (uvicorn only)")
    parser.add_argument("--no-cpu", action="store_true", help="skip the in-process CPU comparison (bench.api.cpu)")
    args = parser.parse_args()
    seconds = 5.0 if args.quick else 20.0
    if args.server == "daphne" and args.workers != 1:
        parser.error("daphne serves from one process; use --server uvicorn for --workers")

    with tempfile.TemporaryDirectory(prefix="bench-api-") as data_dir:
        env = _environment(data_dir)
        seeded, endpoints = seed(env)
        auth = f"Authorization: Bearer {seeded['token']}"
        ours_port, bare_port = _free_port(), _free_port()
        logs = Path(data_dir)
        ours = _serve(
            _server_argv(args.server, "learning_platform.asgi:application", ours_port, args.workers),
            {**env, "DJANGO_SETTINGS_MODULE": "learning_platform.settings.base"},
            logs / "ours.log",
        )
        bare = _serve(
            _server_argv(args.server, "bench.api.bare_asgi:application", bare_port, args.workers),
            env,
            logs / "bare.log",
        )
        rounds: list[dict[str, Any]] = []
        try:
            _wait_for(bare_port, "/bare/", {})
            for path in endpoints.values():
                _wait_for(ours_port, path, {"Authorization": f"Bearer {seeded['token']}"})
            for number in range(1, args.rounds + 1):
                figures = {"bare DRF view": _load(bare_port, "/bare/", [], seconds, args.connections)}
                for name, path in endpoints.items():
                    figures[name] = _load(ours_port, path, [auth], seconds, args.connections)
                for figure in figures.values():
                    figure["ratio_to_bare"] = round(figure["req_per_s"] / figures["bare DRF view"]["req_per_s"], 2)
                rounds.append(figures)
                _print_round(number, figures)
        finally:
            _stop(ours)
            _stop(bare)
    summary = _summary(rounds)
    print(json.dumps(summary, indent=2))
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    (results / "api.json").write_text(
        json.dumps(
            {"server": args.server, "workers": args.workers, "seconds": seconds, "rounds": rounds, "summary": summary},
            indent=2,
        )
    )
    errors = sum(figure["errors"] for figures in rounds for figure in figures.values())
    cpu = 0
    if not args.no_cpu:  # the CPU each request costs, bare / ours (bench/results/api_cpu.json)
        print("-- CPU per request, in-process (python -m bench.api.cpu)", flush=True)
        cpu = subprocess.call([PYTHON, "-m", "bench.api.cpu", *(["--repeat", "1"] if args.quick else [])], cwd=ROOT)
    return 1 if errors or cpu else 0


def _print_round(number: int, figures: dict[str, dict[str, Any]]) -> None:
    print(f"-- round {number}")
    for name, f in figures.items():
        print(
            f"{name:32s} {f['req_per_s']:8.1f} req/s  p50 {f['p50_ms']:6.1f}  p95 {f['p95_ms']:6.1f}  "
            f"p99 {f['p99_ms']:6.1f} ms  errors {f['errors']}  ratio {f['ratio_to_bare']:.2f}  "
            f"client cpu {f['client_cpu_share']:.2f}",
            flush=True,
        )


def _summary(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, dict[str, list[float]]]:
    """Per endpoint, the spread (min, max) over the rounds of each figure."""
    out: dict[str, dict[str, list[float]]] = {}
    for name in rounds[0]:
        out[name] = {
            key: [min(r[name][key] for r in rounds), max(r[name][key] for r in rounds)]
            for key in ("req_per_s", "p50_ms", "p95_ms", "p99_ms", "errors", "ratio_to_bare", "client_cpu_share")
        }
    return out

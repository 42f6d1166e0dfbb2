"""Every app with models has an import-linter contract that keeps the other apps out of them."""

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
APPS = sorted(path.name for path in (ROOT / "apps").iterdir() if (path / "__init__.py").exists())
APPS_WITH_MODELS = [name for name in APPS if (ROOT / "apps" / name / "models.py").exists()]


def _contracts() -> list[dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return config["tool"]["importlinter"]["contracts"]


@pytest.mark.parametrize("app", APPS_WITH_MODELS)
def test_other_apps_are_forbidden_to_import_the_models_of(app):
    models = f"apps.{app}.models"
    guarded: set[str] = set()
    for contract in _contracts():
        if contract["type"] == "forbidden" and models in contract["forbidden_modules"]:
            guarded.update(contract["source_modules"])

    assert guarded >= {f"apps.{other}" for other in APPS if other != app}


def test_the_event_bus_may_import_no_app():
    assert any(c["source_modules"] == ["eventbus"] and c["forbidden_modules"] == ["apps"] for c in _contracts())

"""The docs stay true: every environment variable and every manage.py command the code has is documented."""

import re
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[3]
ENV_READ = re.compile(r"""env\.(?:str|int|bool|list|float|db_url|email_url)\(\s*["']([A-Z0-9_]+)["']""")
OWN_APPS = ("apps.", "eventbus")


def _variables_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for folder in ("learning_platform", "apps", "eventbus"):
        for path in (ROOT / folder).rglob("*.py"):
            names.update(ENV_READ.findall(path.read_text()))
    return names


def test_every_environment_variable_is_documented():
    documented = (ROOT / "docs" / "configuration.md").read_text()

    missing = sorted(name for name in _variables_read_by_the_code() if f"`{name}`" not in documented)

    assert missing == []


@pytest.mark.parametrize("command", sorted(name for name, app in get_commands().items() if app.startswith(OWN_APPS)))
def test_every_own_management_command_is_documented(command):
    assert f"`manage.py {command}" in (ROOT / "docs" / "operations.md").read_text()

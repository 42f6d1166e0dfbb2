import json

import pytest
from django.core.management import call_command

from apps.accounts.models import User

pytestmark = pytest.mark.django_db


def test_bootstrap_demo_creates_accounts_once_and_prints_working_credentials(capsys, settings, tmp_path, monkeypatch):
    monkeypatch.setattr("apps.accounts.management.commands.bootstrap_demo.DATA_DIR", tmp_path)

    call_command("bootstrap_demo")
    first = capsys.readouterr().out
    call_command("bootstrap_demo")
    second = capsys.readouterr().out

    passwords = json.loads((tmp_path / "demo-credentials.json").read_text())
    learner = User.objects.get(email="learner@example.com")
    admin = User.objects.get(email="admin@example.com")
    assert User.objects.count() == 2
    assert first == second
    assert passwords["learner"] in first
    assert learner.check_password(passwords["learner"])
    assert not learner.is_staff
    assert admin.check_password(passwords["admin"])
    assert admin.is_superuser
    assert "/api/docs/" in first

"""Creates a demo learner and a demo admin if they are missing, and prints how to sign in.

Passwords are random, generated once per installation and kept in ``DATA_DIR/demo-credentials.json``
(never in the code), so every `make run` prints the same ones.
"""

import json
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from learning_platform.settings.env import DATA_DIR

DEMO_ACCOUNTS = {"learner": "learner@example.com", "admin": "admin@example.com"}


class Command(BaseCommand):
    help = "Create the demo learner and admin if missing and print their credentials and the URLs."

    def handle(self, *args: Any, **options: Any) -> None:
        store = DATA_DIR / "demo-credentials.json"
        passwords: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
        User = get_user_model()
        for role, email in DEMO_ACCOUNTS.items():
            password = passwords.setdefault(role, secrets.token_urlsafe(12))
            user = User.objects.filter(email=email).first()
            if user is None:
                make = User.objects.create_superuser if role == "admin" else User.objects.create_user
                user = make(email=email, password=password, display_name=f"Demo {role}")
            if not user.check_password(password):
                user.set_password(password)
            user.is_email_verified = True
            user.save()
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(passwords))
        store.chmod(0o600)
        site = settings.SITE_URL
        self.stdout.write(
            "\n".join(
                [
                    "",
                    "Demo accounts (passwords are random per installation, kept in " + str(store) + "):",
                    f"  learner  {DEMO_ACCOUNTS['learner']}  {passwords['learner']}",
                    f"  admin    {DEMO_ACCOUNTS['admin']}  {passwords['admin']}",
                    "URLs:",
                    f"  {site}/            the learner web app (log in as the learner)",
                    f"  {site}/admin/      staff admin (sign in as the admin)",
                    f"  {site}/api/docs/   Swagger UI (offline)  ·  {site}/api/redoc/",
                    f"  {site}/readyz      readiness  ·  {site}/metrics",
                    "",
                ]
            )
        )

from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

#: The admin's and the deploy checks look for these in MIDDLEWARE; PageOnlyMiddleware runs them from
#: PAGE_MIDDLEWARE for every page (the admin included), so those checks are silenced and this one stands in.
_ADMIN_NEEDS = (
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
)


def check_page_middleware(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    listed = list(getattr(settings, "PAGE_MIDDLEWARE", []))
    in_middleware = "apps.core.middleware.PageOnlyMiddleware" in settings.MIDDLEWARE
    errors: list[checks.CheckMessage] = [
        checks.Error(f"{path} must be in PAGE_MIDDLEWARE (the admin and the web app need it).", id="core.E001")
        for path in _ADMIN_NEEDS
        if in_middleware and path not in listed and path not in settings.MIDDLEWARE
    ]
    positions = [listed.index(path) for path in _ADMIN_NEEDS if path in listed]
    if positions != sorted(positions):
        message = f"PAGE_MIDDLEWARE must list {', '.join(_ADMIN_NEEDS)} in this order."
        errors.append(checks.Error(message, id="core.E002"))
    return errors


class CoreConfig(AppConfig):
    name = "apps.core"
    label = "core"
    verbose_name = "Platform core"

    def ready(self) -> None:
        checks.register(check_page_middleware)

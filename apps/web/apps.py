from django.apps import AppConfig


class WebConfig(AppConfig):
    """The learner web app: server-rendered pages over the other apps' services and selectors."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "apps.web"
    label = "web"

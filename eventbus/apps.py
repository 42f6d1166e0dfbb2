from django.apps import AppConfig


class EventbusConfig(AppConfig):
    name = "eventbus"
    label = "eventbus"
    verbose_name = "Event bus"

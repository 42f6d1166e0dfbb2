from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventbusConfig(AppConfig):
    name = "eventbus"
    label = "eventbus"
    verbose_name = "Event bus"

    def ready(self) -> None:
        # The in-process transport registers itself with the publish path (eventbus.publishing).
        import eventbus.transports  # noqa: F401

        # Every installed app's ``handlers`` module declares its subscriptions with @subscribe.
        autodiscover_modules("handlers")

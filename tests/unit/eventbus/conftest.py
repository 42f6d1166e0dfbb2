from collections.abc import Callable, Iterator
from typing import Any

import pytest

from eventbus import Event, subscribe
from eventbus.subscriptions import unsubscribe

UPLOADED = {"document_id": 7, "owner_id": 3, "media_type": "application/pdf", "size_bytes": 1024}


@pytest.fixture(autouse=True)
def _bus_settings(settings: Any) -> None:
    settings.EVENTBUS_TRANSPORT = "inprocess"
    settings.EVENTBUS_RETRY_BASE_SECONDS = 0.0
    settings.EVENTBUS_MAX_ATTEMPTS = 3
    settings.EVENTBUS_SWEEP_GRACE_SECONDS = 0.0


@pytest.fixture
def handler_of() -> Iterator[Callable[..., list[Event]]]:
    """Subscribe a recording handler for one test: ``seen = handler_of("document.uploaded", "g")``."""
    registered: list[tuple[str, str, Any]] = []

    def make(topic: str, group: str, effect: Callable[[Event], None] | None = None) -> list[Event]:
        seen: list[Event] = []

        def handler(event: Event) -> None:
            seen.append(event)
            if effect:
                effect(event)

        subscribe(topic, group=group)(handler)
        registered.append((topic, group, handler))
        return seen

    yield make
    for topic, group, handler in registered:
        unsubscribe(topic, group=group, handler=handler)

"""The event being handled on this thread or task, so that a publish made by a handler carries its lineage."""

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

from eventbus.envelope import Event

_handling: ContextVar[Event | None] = ContextVar("eventbus_handling", default=None)


def current_event() -> Event | None:
    return _handling.get()


@contextlib.contextmanager
def handling(event: Event) -> Iterator[None]:
    token = _handling.set(event)
    try:
        yield
    finally:
        _handling.reset(token)

"""Declarative subscriptions: ``@subscribe(topic, group=...)`` in ``apps/<context>/handlers.py``.

The handler table is filled when the modules are imported (autodiscovered when the eventbus app is ready),
so every process that runs handlers sees the same table: it is code, not state.

This table is also the one list of consumers: ``consume_events`` reads a group's topics from it, and the
deployment generator (``scripts/generate_deploy_config.py``), the AsyncAPI document and the event catalogue
derive the consumer groups from :func:`consumer_groups`. A group exists where it has handlers, nowhere else.
"""

from collections import defaultdict
from collections.abc import Callable

from eventbus.envelope import Event
from eventbus.registry import get_topic

Handler = Callable[[Event], None]

_handlers: dict[str, dict[str, list[Handler]]] = defaultdict(lambda: defaultdict(list))


def subscribe(topic: str, *, group: str) -> Callable[[Handler], Handler]:
    """Register the decorated function as ``group``'s handler of ``topic``.

    A handler runs inside a database transaction together with the group's idempotency-ledger row, so its
    database effects happen once per event even when the event is delivered twice. Keep it light: enqueue a
    job for heavy work (from ``transaction.on_commit``). Raising makes the bus retry with backoff and, after
    ``EVENTBUS_MAX_ATTEMPTS``, dead-letter the event for that group only.
    """
    get_topic(topic)  # fail at import time on a typo

    def register(handler: Handler) -> Handler:
        if handler not in _handlers[group][topic]:
            _handlers[group][topic].append(handler)
        return handler

    return register


def unsubscribe(topic: str, *, group: str, handler: Handler) -> None:
    """For tests that register a handler for one test only."""
    if handler in _handlers[group][topic]:
        _handlers[group][topic].remove(handler)


def handlers_for(group: str, topic: str) -> list[Handler]:
    return list(_handlers.get(group, {}).get(topic, ()))


def groups_for(topic: str) -> list[str]:
    return sorted(group for group, topics in _handlers.items() if topics.get(topic))


def topics_for(group: str) -> list[str]:
    return sorted(topic for topic, handlers in _handlers.get(group, {}).items() if handlers)


def all_groups() -> list[str]:
    return sorted(group for group, topics in _handlers.items() if any(topics.values()))


def consumer_groups() -> dict[str, list[str]]:
    """Every group with at least one handler -> the sorted topics it handles (what the deployment runs)."""
    return {group: topics_for(group) for group in all_groups()}

"""Helpers for the long-running commands: signal handling, a throttled progress line, a metrics port."""

import asyncio
import signal
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from prometheus_client import start_http_server


def stop_on_signals(loop: asyncio.AbstractEventLoop, stop: Callable[[], None]) -> None:
    """SIGTERM (the orchestrator) and SIGINT (Ctrl-C) finish the current batch, then exit."""
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop)


class Progress:
    """Prints a running count at most once a second."""

    def __init__(self, out: Any, every: float = 1.0) -> None:
        self.out, self.every, self._last = out, every, 0.0

    def __call__(self, text: str) -> None:
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            self.out.write(text + "\n")
            self.out.flush()


def serve_metrics(port: int | None) -> None:
    if port:
        start_http_server(port, addr=settings.EVENTBUS_METRICS_BIND)

"""The one retry and dead-letter policy of the bus, used by both transports.

A handler failure is judged here, the same way whichever transport delivered the event:

- a payload that does not match its schema (:class:`~eventbus.schemas.InvalidPayload`) will never pass:
  dead-letter it at once;
- anything else is retried after an exponential backoff with jitter (base, 2x base, 4x base, ... capped at
  ``MAX_BACKOFF_SECONDS``) until the ``EVENTBUS_MAX_ATTEMPTS``-th attempt has failed, then dead-lettered.

The transports only differ in how they wait: the in-process transport stores the next attempt's time on a
``DeliveryRetry`` row for the sweep, the Kafka consumer sleeps in its poll loop (the partition waits behind the
record, which keeps the key's order).
"""

import logging
import random
import traceback
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from eventbus import metrics
from eventbus.schemas import InvalidPayload

logger = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    base_seconds: float
    max_backoff_seconds: float = MAX_BACKOFF_SECONDS

    @classmethod
    def from_settings(cls) -> "RetryPolicy":
        """Read at each decision, so a changed setting (or a test's override) applies at once."""
        return cls(max_attempts=settings.EVENTBUS_MAX_ATTEMPTS, base_seconds=settings.EVENTBUS_RETRY_BASE_SECONDS)

    def backoff(self, attempt: int) -> timedelta:
        """The wait after failed attempt ``attempt`` (1-based), with up to 10% jitter so retries spread out."""
        seconds = min(self.base_seconds * 2 ** (attempt - 1), self.max_backoff_seconds)
        return timedelta(seconds=seconds * (1 + random.random() / 10))


@dataclass(frozen=True)
class Verdict:
    """What to do after a failed attempt: dead-letter now (``retry_after`` is None) or retry after a wait."""

    error: str
    retry_after: timedelta | None = None

    @property
    def gives_up(self) -> bool:
        return self.retry_after is None


def describe_error(error: BaseException) -> str:
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    return text[:2000]


def after_failure(
    *, group: str, topic: str, error: Exception, attempt: int, policy: RetryPolicy | None = None
) -> Verdict:
    """Judge failed attempt ``attempt`` (1-based) of ``group`` on an event of ``topic``."""
    if isinstance(error, InvalidPayload):
        return Verdict(error=describe_error(error))
    policy = policy or RetryPolicy.from_settings()
    metrics.HANDLER_ERRORS.labels(group=group, topic=topic).inc()
    if attempt >= policy.max_attempts:
        return Verdict(error=describe_error(error))
    logger.warning(
        "group %s failed on %s (attempt %d of %d)", group, topic, attempt, policy.max_attempts, exc_info=error
    )
    return Verdict(error=describe_error(error), retry_after=policy.backoff(attempt))

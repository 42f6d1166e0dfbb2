"""The bus's one retry and dead-letter policy (eventbus.retry), which both transports apply."""

from datetime import timedelta
from typing import Any

import pytest

from eventbus import consumer, transports
from eventbus.metrics import HANDLER_ERRORS
from eventbus.retry import RetryPolicy, after_failure
from eventbus.schemas import InvalidPayload

POLICY = RetryPolicy(max_attempts=3, base_seconds=2.0, max_backoff_seconds=10.0)


def errors_counted(group: str, topic: str) -> float:
    return HANDLER_ERRORS.labels(group=group, topic=topic)._value.get()


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [(1, 2.0, 2.2), (2, 4.0, 4.4), (3, 8.0, 8.8), (4, 10.0, 11.0), (9, 10.0, 11.0)],
    ids=["first", "doubles", "doubles-again", "capped", "stays-capped"],
)
def test_backoff_doubles_from_the_base_with_at_most_ten_percent_jitter_up_to_the_cap(
    attempt: int, low: float, high: float
) -> None:
    waits = {POLICY.backoff(attempt).total_seconds() for _ in range(50)}
    assert all(low <= wait <= high for wait in waits)


def test_a_failure_before_the_last_attempt_is_retried_after_the_backoff_and_counted() -> None:
    before = errors_counted("g-retry", "document.uploaded")

    verdict = after_failure(
        group="g-retry", topic="document.uploaded", error=RuntimeError("down"), attempt=2, policy=POLICY
    )

    assert not verdict.gives_up
    assert verdict.retry_after is not None
    assert timedelta(seconds=4) <= verdict.retry_after <= timedelta(seconds=4.4)
    assert verdict.error == "RuntimeError: down"
    assert errors_counted("g-retry", "document.uploaded") == before + 1


def test_the_last_attempt_gives_up() -> None:
    verdict = after_failure(
        group="g-retry", topic="document.uploaded", error=RuntimeError("down"), attempt=3, policy=POLICY
    )

    assert verdict.gives_up
    assert verdict.error == "RuntimeError: down"


def test_an_invalid_payload_gives_up_at_once_and_is_not_counted_as_a_handler_error() -> None:
    before = errors_counted("g-invalid", "document.uploaded")

    verdict = after_failure(
        group="g-invalid", topic="document.uploaded", error=InvalidPayload("bad"), attempt=1, policy=POLICY
    )

    assert verdict.gives_up
    assert "InvalidPayload: bad" in verdict.error
    assert errors_counted("g-invalid", "document.uploaded") == before


def test_the_policy_reads_the_settings_at_each_decision(settings: Any) -> None:
    settings.EVENTBUS_MAX_ATTEMPTS = 1
    assert after_failure(group="g", topic="document.uploaded", error=RuntimeError(), attempt=1).gives_up
    settings.EVENTBUS_MAX_ATTEMPTS = 2
    assert not after_failure(group="g", topic="document.uploaded", error=RuntimeError(), attempt=1).gives_up


def test_both_transports_judge_failures_with_the_one_policy() -> None:
    assert transports.after_failure is after_failure
    assert consumer.after_failure is after_failure

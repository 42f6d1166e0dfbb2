"""A worker process freezes the objects alive when it starts (ADR 0037); the real prefork worker's frozen
count is checked in tests/integration/jobs/test_time_limits_on_a_real_worker.py."""

import gc
from collections.abc import Iterator

import pytest
from celery.signals import worker_process_init

from learning_platform import celery


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_every_worker_process_runs_the_freeze_when_it_starts(unfrozen: None) -> None:
    assert gc.get_freeze_count() == 0

    worker_process_init.send(sender=None)

    assert gc.get_freeze_count() > 50_000  # Django, the apps and their modules


def test_objects_made_after_the_freeze_are_still_collected(unfrozen: None) -> None:
    celery.freeze_start_up_objects()

    class Node:
        other: object = None

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle only the collector can free
    del a, b

    assert gc.collect() >= 2

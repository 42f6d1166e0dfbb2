"""A real ``consume_events`` process killed with SIGKILL while it works through a stream of uploads.

The documents group's handler asks for one extraction job per uploaded document; in these processes jobs run
inline right after the handler's transaction commits (eager Celery), so the kill lands between offset
commits, in the middle of a batch's jobs, or inside an extraction. After a restart the group resumes from
its committed offsets, the ledger turns the redelivered tail into duplicates with no effect, and the
scheduler's reaper finishes what the killed process left queued or running. Every document ends processed
by exactly one extraction job.
"""

import re
import signal
import subprocess
import sys
import time
from typing import Any

import pytest

from apps.documents.models import Document
from apps.documents.services import document_create_from_text
from apps.jobs.models import Job
from apps.jobs.runner import jobs_reap
from eventbus.models import DeadLetter, ProcessedEvent
from tests.factories import make_user
from tests.integration.eventbus.conftest import ROOT, KafkaBus
from tests.integration.eventbus.test_faults import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DOCUMENTS = 120
TEXT = "Mitosis splits one cell into two identical cells. " * 40


def consumer(kafka_bus: KafkaBus) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "manage.py", "consume_events", "--group", "documents", "--skip-checks"],
        cwd=ROOT,
        env=kafka_bus.subprocess_env(EVENTBUS_CONSUMER_BATCH_SIZE="10", JOBS_LEASE_SECONDS="2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def mid_batch() -> bool:
    """A quarter done, and a batch whose ledger rows are committed still has jobs to run: its offsets are
    committed only after them, so a kill now leaves the whole batch to be delivered again."""
    done = processed()
    return done >= DOCUMENTS // 4 and ledger() - done >= 2


def processed() -> int:
    return Document.objects.filter(status=Document.Status.PROCESSED).count()


def ledger() -> int:
    return ProcessedEvent.objects.filter(group="documents").count()


def test_a_consumer_process_killed_with_sigkill_loses_nothing_and_extracts_each_document_once(
    kafka_bus: KafkaBus, settings: Any
) -> None:
    settings.DOCUMENTS_MAX_QUEUED_PER_LEARNER = DOCUMENTS  # all of them wait for the consumer at once
    owner = make_user()
    ids = [document_create_from_text(owner_id=owner.pk, title=f"cells {i}", text=TEXT).pk for i in range(DOCUMENTS)]
    kafka_bus.relay()

    first = consumer(kafka_bus)
    try:
        # Kill mid-batch: the batch's ledger rows are committed, some of its jobs ran, its offsets are not.
        wait_for(mid_batch, 60, "a quarter of the documents, in the middle of a batch")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    done_at_kill, ledger_at_kill = processed(), ledger()
    assert first.returncode == -signal.SIGKILL
    assert done_at_kill < DOCUMENTS, "the consumer finished before it was killed: nothing was tested"

    second = consumer(kafka_bus)
    try:
        wait_for(lambda: ledger() == DOCUMENTS, 90, "the restarted consumer to handle every upload")
        time.sleep(1.0)  # let it finish the jobs of its last batch
    finally:
        second.send_signal(signal.SIGTERM)
        output, _ = second.communicate(timeout=30)
    assert second.returncode == 0, output.decode()
    summary = output.decode().strip().splitlines()[-1]

    # The scheduler's reaper: jobs the killed process left running (lease of 2 s) or queued are run again.
    settings.JOBS_REQUEUE_AFTER_SECONDS = 0
    time.sleep(2.5)
    for _ in range(3):
        jobs_reap()
        if processed() == DOCUMENTS:
            break
        time.sleep(1.0)

    assert processed() == DOCUMENTS, Document.objects.exclude(status="processed").values_list("id", "status")[:5]
    jobs = Job.objects.filter(kind="documents.extract")
    assert jobs.count() == DOCUMENTS  # one extraction job per document, however often its event arrived
    assert set(jobs.values_list("subject_id", flat=True)) == {str(i) for i in ids}
    assert set(jobs.values_list("status", flat=True)) == {Job.Status.SUCCEEDED}
    assert ledger() == DOCUMENTS
    assert not DeadLetter.objects.exists()
    # The restarted process got the killed batch again; the ledger made it a no-op.
    duplicates = int(re.search(r"duplicates (\d+)", summary).group(1))  # type: ignore[union-attr]
    assert duplicates > 0, summary
    assert ledger_at_kill > done_at_kill

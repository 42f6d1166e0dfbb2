"""A hung job does not pin a real prefork worker: the hard time limit kills its process, the worker goes on
with the next job, and the reaper fails the hung job with ``time_limit``."""

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from apps.jobs.models import Job
from tests.factories import UserFactory
from tests.integration.conftest import ROOT, child_env, django_python, wait_until

pytestmark = pytest.mark.integration

WORKER = (
    "import django; django.setup()\n"
    "import tests.integration.jobs.kinds\n"
    "from learning_platform.celery import app\n"
    "app.worker_main(['worker', '--pool', 'prefork', '--concurrency', '1', '--loglevel', 'WARNING',"
    " '--without-gossip', '--without-mingle', '--without-heartbeat'])"
)


def _env(redis_url: str, data_dir: Path) -> dict[str, str]:
    import redis

    env = {
        **{k: v for k, v in child_env().items() if not k.startswith("S3_")},
        "DATA_DIR": str(data_dir),
        "CELERY_BROKER_URL": redis_url.rsplit("/", 1)[0] + "/8",
        "EVENTBUS_TRANSPORT": "inprocess",
        "JOBS_TIME_LIMITS": "it.hang=1",
        "JOBS_HARD_LIMIT_GRACE_SECONDS": "1",
        "JOBS_LEASE_SECONDS": "60",  # the lease alone would keep the hung job for a minute
    }
    redis.Redis.from_url(env["CELERY_BROKER_URL"]).flushdb()
    return env


def _create(env: dict[str, str], kind: str, owner_id: int) -> int:
    """From a separate process, so the job goes through the real broker (no eager mode)."""
    return int(
        django_python(
            env,
            "from django.db import transaction\n"
            "import tests.integration.jobs.kinds\n"
            "from apps.jobs.services import job_create\n"
            f"with transaction.atomic():\n    job, _ = job_create(kind={kind!r}, owner_id={owner_id})\n"
            "print(job.id)",
        )
    )


@pytest.mark.django_db(transaction=True)
def test_a_hung_job_is_killed_at_its_hard_limit_and_the_worker_runs_the_next_job(
    postgres_url: str, redis_url: str, tmp_path: Path
) -> None:
    user: Any = UserFactory()
    env = _env(redis_url, tmp_path)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        hung_id = _create(env, "it.hang", user.pk)
        wait_until(lambda: Job.objects.get(pk=hung_id).status == "running", 60, "the hung job never started")

        quick_id = _create(env, "it.quick", user.pk)  # one worker process: it runs only if the hung one is gone
        wait_until(lambda: Job.objects.get(pk=quick_id).status == "succeeded", 60, "the worker stayed pinned")
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    hung = Job.objects.get(pk=hung_id)
    assert (hung.status, hung.attempts) == ("running", 1)  # killed: nobody wrote its end; the reaper will
    # The process that ran the quick job froze Django's and the apps' objects when it started (ADR 0037).
    assert Job.objects.get(pk=quick_id).result["frozen"] > 50_000

    report = django_python(env, "from apps.jobs.runner import jobs_reap; print(jobs_reap())")

    hung.refresh_from_db()
    assert "failed=1" in report
    assert (hung.status, hung.error_code) == ("failed", "time_limit")
    assert hung.error == "The job ran past its time limit of 1 s on attempt 1."

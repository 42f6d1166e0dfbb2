"""Job kinds for the worker started by test_time_limits_on_a_real_worker (imported there before the pool forks)."""

import gc
import time

from celery.exceptions import SoftTimeLimitExceeded

from apps.jobs.context import JobContext
from apps.jobs.registry import job_handler


@job_handler("it.hang", max_attempts=1)
def hang(job: JobContext) -> None:
    """Stuck as native code gets stuck: it never reports, and it shrugs off the soft time limit."""
    while True:
        try:
            time.sleep(60)
        except SoftTimeLimitExceeded:
            continue


@job_handler("it.quick")
def quick(job: JobContext) -> dict[str, int]:
    """Says how many objects the worker process froze when it started (learning_platform/celery.py)."""
    return {"ok": True, "frozen": gc.get_freeze_count()}

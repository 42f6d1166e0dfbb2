"""The Celery app every worker and the scheduler (celery beat) run."""

import gc
import os
from typing import Any

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "learning_platform.settings.base")

app = Celery("learning_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def freeze_start_up_objects() -> None:
    """Moves every object alive now (Django, the apps, their modules and settings: about 176,000 objects in a
    worker) out of the cyclic garbage collector's reach, as CPython's ``gc.freeze`` documents for servers.
    They live as long as the process, and each full collection walked all of them again: about 0.14 s of
    CPU, paid whenever enough objects had survived since the last one, in the middle of whichever job was
    running. Objects made later (a job's, the models' loaded on first use) are collected as before. See
    docs/decisions/0037-frozen-start-up-objects-in-workers.md."""
    gc.collect()
    gc.freeze()


@worker_process_init.connect
def _on_worker_process_init(**_: Any) -> None:
    freeze_start_up_objects()

"""Celery: filesystem transport on the embedded defaults (no server), Redis when configured."""

import contextlib
from pathlib import Path

from celery.schedules import crontab

from learning_platform.settings.cache import REDIS_URL
from learning_platform.settings.env import DATA_DIR, env
from learning_platform.settings.jobs import JOBS_REAPER_INTERVAL_SECONDS

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
_queue_dir = Path(env.str("CELERY_FILESYSTEM_DIR", default=str(DATA_DIR / "queue")))
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "out"),
        "data_folder_out": str(_queue_dir / "out"),
        "processed_folder": str(_queue_dir / "processed"),
        "control_folder": str(_queue_dir / "control"),
        "store_processed": False,
    }
    for _folder in ("out", "processed", "control"):
        with contextlib.suppress(OSError):
            (_queue_dir / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

#: Periodic jobs. Each is a thin task calling a service; the scheduler process (celery beat) fires them.
CELERY_BEAT_SCHEDULE = {
    "flush-expired-tokens": {
        "task": "apps.accounts.tasks.flush_expired_tokens",
        "schedule": crontab(minute=17, hour=3),
    },
    "prune-realtime-pushes": {
        "task": "apps.realtime.tasks.prune_pushes",
        "schedule": 300.0,
    },
    "reap-jobs": {
        "task": "apps.jobs.tasks.reap_jobs",
        "schedule": JOBS_REAPER_INTERVAL_SECONDS,
    },
    "eventbus-sweep-outbox": {
        "task": "eventbus.tasks.sweep_outbox",
        "schedule": 10.0,
    },
    "eventbus-prune": {
        "task": "eventbus.tasks.prune",
        "schedule": crontab(minute=41, hour=3),
    },
}

#: Durable jobs go to the queue of their kind (JOBS_KIND_QUEUES); everything else to the default queue.
CELERY_TASK_ROUTES = ("learning_platform.celery_routing.route_task",)

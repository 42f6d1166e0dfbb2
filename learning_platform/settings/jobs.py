"""The durable job mechanism every heavy job uses (apps/jobs): leases, retries, the reaper, time limits."""

from learning_platform.settings.env import env

#: A worker holds a job's lease this long and renews it while it works; the reaper re-queues expired ones.
JOBS_LEASE_SECONDS = env.int("JOBS_LEASE_SECONDS", default=60)
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
#: How often the scheduler (celery beat) runs the reaper.
JOBS_REAPER_INTERVAL_SECONDS = env.float("JOBS_REAPER_INTERVAL_SECONDS", default=30.0)
#: A job still queued after this long lost its broker message (e.g. a killed worker took it): sent again.
JOBS_REQUEUE_AFTER_SECONDS = env.int("JOBS_REQUEUE_AFTER_SECONDS", default=300)
#: Delay before a failed attempt is retried (multiplied by the attempt number).
JOBS_RETRY_BACKOFF_SECONDS = env.int("JOBS_RETRY_BACKOFF_SECONDS", default=5)
#: Hard time limit of one attempt of a job, for kinds without their own: past it the lease is no longer renewed,
#: the attempt fails (and is retried while attempts remain), and the worker process running it is killed.
JOBS_TIME_LIMIT_SECONDS = env.float("JOBS_TIME_LIMIT_SECONDS", default=3600.0)
#: Between a job's soft time limit (an exception inside it) and its hard one (the worker's pool kills the process).
JOBS_HARD_LIMIT_GRACE_SECONDS = env.float("JOBS_HARD_LIMIT_GRACE_SECONDS", default=30.0)
#: Per-kind time limits overriding the kind's own and the default, e.g. ``documents.extract=1800,notes.generate=600``.
JOBS_TIME_LIMITS = {kind: float(seconds) for kind, seconds in env.dict("JOBS_TIME_LIMITS", default={}).items()}

"""Job kinds and the functions that run them.

An app declares a kind once, at import time of its ``job_handlers`` module::

    @job_handler("documents.extract", on_failure=extraction_failed, time_limit_seconds=1800)
    def extract(job: JobContext) -> dict | None: ...

The registry maps code, not state: every process imports the same modules and gets the same map.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.conf import settings

if TYPE_CHECKING:
    from apps.jobs.context import JobContext
    from apps.jobs.info import JobInfo

Handler = Callable[["JobContext"], dict[str, Any] | None]
FailureHook = Callable[["JobInfo"], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Handler
    on_failure: FailureHook | None = None
    max_attempts: int | None = None
    #: The kind's own hard time limit per attempt; ``JOBS_TIME_LIMITS`` overrides it, else the global default.
    time_limit_seconds: float | None = None


_KINDS: dict[str, JobKind] = {}


def job_handler(
    name: str,
    *,
    on_failure: FailureHook | None = None,
    max_attempts: int | None = None,
    time_limit_seconds: float | None = None,
) -> Callable[[Handler], Handler]:
    """Registers ``func`` as the runner of job kind ``name``.

    ``on_failure`` runs, inside the transaction that marks the job failed for good, whether the handler
    gave up or the reaper did after the last attempt, so the owning app never keeps a subject "processing".
    ``time_limit_seconds`` bounds one attempt (see :func:`time_limit_for`).
    """

    def register(func: Handler) -> Handler:
        existing = _KINDS.get(name)
        if existing is not None and existing.run is not func:
            raise ValueError(f"job kind {name!r} is already registered")
        _KINDS[name] = JobKind(
            name=name, run=func, on_failure=on_failure, max_attempts=max_attempts, time_limit_seconds=time_limit_seconds
        )
        return func

    return register


def job_handler_remove(name: str) -> None:
    """For tests that register a kind for one test only."""
    _KINDS.pop(name, None)


def job_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def job_kinds() -> list[str]:
    return sorted(_KINDS)


def time_limit_for(kind: str) -> float:
    """Seconds one attempt of ``kind`` may run: ``JOBS_TIME_LIMITS[kind]``, else the kind's own limit, else
    ``JOBS_TIME_LIMIT_SECONDS``."""
    if kind in settings.JOBS_TIME_LIMITS:
        return float(settings.JOBS_TIME_LIMITS[kind])
    registered = _KINDS.get(kind)
    if registered is not None and registered.time_limit_seconds is not None:
        return registered.time_limit_seconds
    return float(settings.JOBS_TIME_LIMIT_SECONDS)


def shortest_time_limit() -> float:
    """The smallest limit any job can have now (the reaper looks at running jobs at least this old)."""
    kinds = set(_KINDS) | set(settings.JOBS_TIME_LIMITS)
    return min([float(settings.JOBS_TIME_LIMIT_SECONDS), *(time_limit_for(kind) for kind in kinds)])

"""Job kinds and the functions that run them.

An app declares a kind once, at import time of its ``job_handlers`` module::

    @job_handler("documents.extract", on_failure=extraction_failed)
    def extract(job: JobContext) -> dict | None: ...

The registry maps code, not state: every process imports the same modules and gets the same map.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apps.jobs.context import JobContext
    from apps.jobs.services import JobInfo

Handler = Callable[["JobContext"], dict[str, Any] | None]
FailureHook = Callable[["JobInfo"], None]


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Handler
    on_failure: FailureHook | None = None
    max_attempts: int | None = None


_KINDS: dict[str, JobKind] = {}


def job_handler(
    name: str, *, on_failure: FailureHook | None = None, max_attempts: int | None = None
) -> Callable[[Handler], Handler]:
    """Registers ``func`` as the runner of job kind ``name``.

    ``on_failure`` runs, inside the transaction that marks the job failed for good, whether the handler
    gave up or the reaper did after the last attempt, so the owning app never keeps a subject "processing".
    """

    def register(func: Handler) -> Handler:
        existing = _KINDS.get(name)
        if existing is not None and existing.run is not func:
            raise ValueError(f"job kind {name!r} is already registered")
        _KINDS[name] = JobKind(name=name, run=func, on_failure=on_failure, max_attempts=max_attempts)
        return func

    return register


def job_kind(name: str) -> JobKind | None:
    return _KINDS.get(name)


def job_kinds() -> list[str]:
    return sorted(_KINDS)

"""What a running handler sees of its job: its input, and how to report progress and keep its lease.

The context does not know how the lease is kept: the runner (``apps.jobs.runner``) hands it a :class:`Lease`.
"""

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings


class Lease(Protocol):
    def progress(self, done: int, total: int | None) -> None:
        """Records progress and renews the lease."""

    def renew(self) -> None:
        """Renews the lease."""


@dataclass
class JobContext:
    job_id: int
    kind: str
    owner_id: int
    payload: dict[str, Any]
    attempt: int
    lease_token: str
    lease: Lease = field(repr=False)
    subject_type: str = ""
    subject_id: str = ""
    #: Progress is written (and pushed) at most this often, plus always at the end.
    progress_interval: float = 0.5
    _last_write: float = field(default=0.0, repr=False)
    #: When the lease was last taken or renewed (the claim took it: the first heartbeat has nothing to renew).
    _renewed: float = field(default_factory=time.monotonic, repr=False)
    #: The amount of work as last told by :meth:`total_known`; the job's success records it (done = total).
    total: int | None = field(default=None, repr=False)

    def progress(self, done: int, total: int | None) -> None:
        """Records progress and renews the lease. Raises LeaseLost if another worker took the job, and
        TimeLimitExceeded once the attempt ran past its kind's time limit."""
        now = time.monotonic()
        if done != total and now - self._last_write < self.progress_interval:
            return
        self.lease.progress(done, total)
        self._last_write = self._renewed = now

    def total_known(self, total: int) -> None:
        """Records the amount of work without a write: a job that finishes before its next progress report
        (one batch, a short document) does not pay a progress write, and its success reports total/total."""
        self.total = total

    def heartbeat(self) -> None:
        """Renews the lease if a third of it has passed; call it at least that often during long steps.
        Raises like :meth:`progress`."""
        now = time.monotonic()
        if now - self._renewed < settings.JOBS_LEASE_SECONDS / 3:
            return
        self.lease.renew()
        self._renewed = now

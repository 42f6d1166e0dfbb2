"""What a running handler sees of its job: its input, and how to report progress and keep its lease."""

import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings


@dataclass
class JobContext:
    job_id: int
    kind: str
    owner_id: int
    payload: dict[str, Any]
    attempt: int
    lease_token: str
    subject_type: str = ""
    subject_id: str = ""
    #: Progress is written (and pushed) at most this often, plus always at the end.
    progress_interval: float = 0.5
    _last_write: float = field(default=0.0, repr=False)

    def progress(self, done: int, total: int | None) -> None:
        """Records progress and renews the lease; raises LeaseLost if another worker took the job."""
        from apps.jobs import services

        now = time.monotonic()
        if done != total and now - self._last_write < self.progress_interval:
            return
        services.job_progress(job_id=self.job_id, lease_token=self.lease_token, done=done, total=total)
        self._last_write = now

    def heartbeat(self) -> None:
        """Renews the lease if a third of it has passed; call it at least that often during long steps."""
        from apps.jobs import services

        now = time.monotonic()
        if now - self._last_write < settings.JOBS_LEASE_SECONDS / 3:
            return
        services.job_renew_lease(job_id=self.job_id, lease_token=self.lease_token)
        self._last_write = now

class JobFailed(Exception):
    """Raised by a handler for a failure that retrying cannot fix (bad input): the job fails at once."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class LeaseLost(Exception):
    """The worker no longer holds the job's lease (it expired and the reaper gave the job to another)."""


class TimeLimitExceeded(Exception):
    """The attempt ran past its kind's time limit: the runner stops renewing its lease and fails the attempt."""

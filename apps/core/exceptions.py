"""The base of every domain exception: a stable ``code`` and a sentence for the learner, no HTTP.

Domain modules (services, extraction, jobs) raise these; the API layer maps codes to HTTP statuses and
the job runner records the code as the failure code. Importing this module pulls in nothing (no Django,
no DRF), so it is safe in the plain processes that extract PDF pages.
"""


class DomainError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __reduce__(self) -> tuple[type["DomainError"], tuple[str, str]]:
        """Pickled with both arguments: raised in a worker process, re-raised in the caller."""
        return type(self), (self.code, self.message)

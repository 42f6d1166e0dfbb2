"""Who is asking: the one helper API views use to scope reads and writes to the signed-in learner."""

from rest_framework.request import Request


def request_owner_id(request: Request) -> int:
    """The signed-in user's id. Views that call it require authentication, so the id is never None."""
    return int(request.user.pk)  # type: ignore[arg-type]

"""Per-IP and per-user rate limits backed by the cache (O(1) sliding windows); the rates are settings
(THROTTLE_RATE_*)."""

from typing import TYPE_CHECKING, Any

from apps.core.ratelimit import SlidingWindowThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request


class PerIpRateThrottle(SlidingWindowThrottle):
    """Counts every request from one client address, signed in or not."""

    scope = "ip"

    def get_cache_key(self, request: "Request", view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PerUserRateThrottle(SlidingWindowThrottle):
    """Counts a signed-in learner's requests wherever they come from."""

    scope = "user"

    def get_cache_key(self, request: "Request", view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AuthRateThrottle(SlidingWindowThrottle):
    """A tighter limit for sign-in, registration and password reset, keyed by address."""

    scope = "auth"

    def get_cache_key(self, request: "Request", view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

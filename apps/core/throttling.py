"""Per-IP and per-user rate limits backed by the cache; the rates are settings (THROTTLE_RATE_*)."""

from typing import TYPE_CHECKING, Any

from rest_framework.throttling import SimpleRateThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request


class PerIpRateThrottle(SimpleRateThrottle):
    """Counts every request from one client address, signed in or not."""

    scope = "ip"

    def get_cache_key(self, request: "Request", view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class PerUserRateThrottle(SimpleRateThrottle):
    """Counts a signed-in learner's requests wherever they come from."""

    scope = "user"

    def get_cache_key(self, request: "Request", view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class AuthRateThrottle(SimpleRateThrottle):
    """A tighter limit for sign-in, registration and password reset, keyed by address."""

    scope = "auth"

    def get_cache_key(self, request: "Request", view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

"""Rate limits backed by the cache; the rates are settings (THROTTLE_RATE_*, see docs/configuration.md).

Scopes: ``ip`` (every request from one client address), ``user`` (a signed-in learner's requests), ``auth``
(sign-in, registration, mails and the admin sign-in, per address), ``refresh`` (token refresh, per address,
apart from ``auth`` so that sign-ins behind one NAT never use up the refreshes), and two budgets keyed by an
e-mail address rather than a client: ``signin_failures`` (failed sign-ins of one account) and ``mail`` (mails
sent to one address).
"""

import hashlib
import re
from typing import TYPE_CHECKING, Any

from rest_framework.throttling import SimpleRateThrottle

from apps.core.ratelimit import SlidingWindowThrottle

if TYPE_CHECKING:
    from rest_framework.request import Request

_RATE = re.compile(r"^(?P<num>\d+)/(?P<count>\d*)(?P<unit>[smhd])\w*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateThrottle(SimpleRateThrottle):
    """DRF's cache-backed sliding window, with rates like ``20/min`` or ``5/15min`` (five per 15 minutes)."""

    def parse_rate(self, rate: str | None) -> tuple[int | None, int | None]:
        if rate is None:
            return (None, None)
        match = _RATE.match(rate.strip())
        if match is None:
            raise ValueError(f"Bad throttle rate {rate!r}: expected e.g. '20/min' or '5/15min'.")
        count = int(match["count"] or 1)
        return int(match["num"]), count * _UNIT_SECONDS[match["unit"]]


class RequestRateThrottle(SlidingWindowThrottle, RateThrottle):
    """A request throttle: these rates, counted in O(1) per request (``apps.core.ratelimit``)."""


class PerIpRateThrottle(RequestRateThrottle):
    """Counts the requests of one client address (behind ``NUM_PROXIES`` trusted proxies) in its scope."""

    scope = "ip"

    def get_cache_key(self, request: "Request", view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class AuthRateThrottle(PerIpRateThrottle):
    """A tighter per-address limit for sign-in, registration, verification and password reset."""

    scope = "auth"


class RefreshRateThrottle(PerIpRateThrottle):
    """Token refresh, per address, in a budget of its own: a school's sign-ins never block its refreshes."""

    scope = "refresh"


class PerUserRateThrottle(RequestRateThrottle):
    """Counts a signed-in learner's requests wherever they come from."""

    scope = "user"

    def get_cache_key(self, request: "Request", view: Any) -> str | None:
        if not (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class KeyedBudget(RateThrottle):
    """A sliding-window budget for one key that is not a request (an e-mail address), used by services; DRF's
    list of timestamps, since these budgets count a handful of uses.

    ``remaining_wait()`` reads without counting, ``spend()`` counts one use, ``reset()`` forgets them. Keys are
    hashed, so the cache never holds the address itself.
    """

    duration: int | None
    num_requests: int | None

    def __init__(self, *, scope: str, key: str) -> None:
        self.scope = scope
        super().__init__()
        digest = hashlib.sha256(key.encode()).hexdigest()[:32]
        self.key = self.cache_format % {"scope": scope, "ident": digest}

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.key

    def _history(self) -> list[float]:
        now = self.timer()
        history = [moment for moment in self.cache.get(self.key, []) if moment > now - (self.duration or 0)]
        self.now, self.history = now, history
        return history

    def remaining_wait(self) -> float:
        """Seconds until one more use fits in the budget (0 when it fits now, or when the scope has no rate)."""
        if self.rate is None or self.num_requests is None:
            return 0.0
        if len(self._history()) < self.num_requests:
            return 0.0
        return float(self.wait() or 0.0)

    def spend(self) -> bool:
        """Counts one use; False (and nothing counted) when the budget is used up."""
        return bool(self.allow_request(None, None))  # type: ignore[arg-type]

    def reset(self) -> None:
        self.cache.delete(self.key)

"""A sliding-window rate limit on the cache in O(1): two counters per key instead of a list of timestamps.

DRF's ``SimpleRateThrottle`` keeps every request's timestamp in one cache entry and rewrites the whole list on
each request: with a limit of 600/min that is a 600-float list read, unpickled, trimmed, pickled and written
per request, and two concurrent requests can both read the old list (one of them is not counted). Here each
window of the rate's duration has a counter that only ever grows with an atomic ``incr`` (Redis INCR, or the
local-memory cache's lock), and the estimate weighs the previous window by how much of it still overlaps the
sliding window, as Cloudflare's and nginx's limiters do. A denied request is counted too: a client that keeps
hammering past its limit stays limited.
"""

import math
import time
from typing import Any

from django.core.cache import cache as default_cache
from rest_framework.throttling import SimpleRateThrottle


class SlidingWindowThrottle(SimpleRateThrottle):
    """Drop-in base for ``SimpleRateThrottle`` subclasses: same ``scope``, rates and ``get_cache_key``."""

    cache = default_cache
    duration: int | None  # set by SimpleRateThrottle from the rate
    num_requests: int | None

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None or not self.duration or self.num_requests is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self._duration, self._limit = int(self.duration), int(self.num_requests)
        self.now = self.timer()
        window, elapsed = divmod(self.now, self._duration)
        current_key = f"{self.key}:{int(window)}"
        previous = self.cache.get(f"{self.key}:{int(window) - 1}", 0)
        if self.cache.add(current_key, 1, timeout=self._duration * 2 + 1):
            current = 1
        else:
            try:
                current = self.cache.incr(current_key)
            except ValueError:  # expired between add and incr
                self.cache.set(current_key, 1, timeout=self._duration * 2 + 1)
                current = 1
        overlap = 1.0 - elapsed / self._duration
        self._estimate = previous * overlap + current
        self._previous, self._current, self._elapsed = previous, current, elapsed
        return self._estimate <= self._limit

    def wait(self) -> float | None:
        """Seconds until the estimate falls back under the limit (the older window's weight decays)."""
        remaining = self._duration - self._elapsed
        if self._previous == 0 or self._current > self._limit:
            return math.ceil(remaining)
        # previous * (1 - (elapsed + t) / duration) + current <= limit  =>  solve for t
        needed = (self._estimate - self._limit) * self._duration / self._previous
        return max(1, math.ceil(min(needed, remaining)))

    timer = staticmethod(time.time)

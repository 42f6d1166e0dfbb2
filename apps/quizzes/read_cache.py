"""A cache in front of the quiz read model (a cache, never the store: every entry can be rebuilt from the
``*View`` tables, and from the event store behind them). See docs/decisions/0022-quiz-read-model-cache.md.

Keys carry two counters held in the cache itself: one per learner, bumped by the projector when a learner's
event commits, and one for everything, bumped by erasure of many learners and by ``rebuild_read_models``. A
reader fetches the counters, then its entry under them; a bump makes every older entry of that learner
unreachable (it expires by its TTL). The bump runs at once and again after the commit: a reader that read
the old rows before the commit stored them under a counter that nobody reads after the commit.

The counters must be seen by every process that projects events and every process that reads: Redis when
configured; the process's local memory only where one process does both (``QUIZ_READ_CACHE`` says whether
the cache is on; by default it is on with Redis and off on the embedded defaults, whose job worker is a
separate process).
"""

import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import transaction

T = TypeVar("T")
_ALL = "quizzes:rm:all"


def _cache() -> BaseCache:
    return caches[settings.QUIZ_READ_CACHE_ALIAS]


def is_enabled() -> bool:
    return bool(settings.QUIZ_READ_CACHE)


def _learner(owner_id: int) -> str:
    return f"quizzes:rm:learner:{owner_id}"


def _bump(key: str) -> None:
    cache = _cache()
    try:
        cache.incr(key)
    except ValueError:  # not there (first event, or evicted): any fresh value differs from what readers used
        cache.set(key, _fresh(), timeout=None)


def _fresh() -> int:
    return time.time_ns()


def cached(owner_id: int, name: str, build: Callable[[], T]) -> T:
    """``build()``'s result for this learner, from the cache while none of the learner's events commits."""
    if not is_enabled():
        return build()
    cache = _cache()
    counters = cache.get_many([_ALL, _learner(owner_id)])
    if _ALL not in counters or _learner(owner_id) not in counters:
        for key in (_ALL, _learner(owner_id)):
            if key not in counters:
                cache.add(key, _fresh(), timeout=None)
        counters = cache.get_many([_ALL, _learner(owner_id)])
    key = f"quizzes:rm:{owner_id}:{counters.get(_ALL)}:{counters.get(_learner(owner_id))}:{name}"
    found = cache.get(key)
    if found is None:
        found = (build(),)  # in a tuple: a cached "nothing there" (None) is still a hit
        cache.set(key, found, timeout=settings.QUIZ_READ_CACHE_SECONDS)
    return found[0]


def invalidate(owner_id: int) -> None:
    """The learner's entries are stale: now (later reads in this transaction see its writes) and again after
    the commit (a reader of another process may have cached the rows of before the commit in between)."""
    _bump_now_and_on_commit(_learner(owner_id))


def invalidate_all() -> None:
    _bump_now_and_on_commit(_ALL)


def _bump_now_and_on_commit(key: str) -> None:
    if is_enabled():
        _bump(key)
        transaction.on_commit(lambda: _bump(key))

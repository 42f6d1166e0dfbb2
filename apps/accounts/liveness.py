"""What an API request needs to know about its token's account, cached, and never seen late (ADR 0023).

Every JWT request needs the account's row (is it active, not erased, which sign-out-everywhere generation)
and, for a token of a sign-in session, whether that session was signed out. Read from the database, that is
one or two queries per request, about a fifth of a read's CPU. Here they come from Django's cache, stamped
with the **liveness epoch**: a counter that every change to an account's liveness bumps *after* its
transaction commits (sign-out, sign-out everywhere, deactivation, erasure, password change: any save or
delete of a ``User``, any revocation of a session). An entry counts only while its epoch is the current one,
and the epoch is read *before* the database, so an entry filled from a row read before a change carries an
older epoch than the one the change leaves behind: no request after a committed sign-out is accepted.

Where the epoch lives follows where the cache lives:
- a cache shared by every process (Redis, ``REDIS_URL``): a key in that cache, read in the same round trip as
  the entry (``get_many``). A missing epoch (never set, or evicted) is created with a random value, so an
  entry never matches an epoch it was not stamped with;
- a cache inside each process (the embedded defaults' local memory): a file in ``DATA_DIR`` that each bump
  appends one byte to; its size is the epoch (one ``stat`` per request). Every process on the machine sees a
  bump at once (the embedded defaults run on one machine: SQLite and local files already require it).
Entries also expire after ``AUTH_LIVENESS_CACHE_SECONDS``: the bound for a change made behind the services'
back (an SQL ``UPDATE`` in a shell, a process killed between its commit and its bump).
``AUTH_LIVENESS_CACHE=false`` reads the database on every request.

The password hash is never cached: the cached row has it deferred, so code that checks a password loads it.
"""

import os
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.dummy import DummyCache
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from apps.accounts.models import RefreshTokenFamily, User

EPOCH_KEY = "auth:liveness:epoch"
_ENTRY_KEY = "auth:liveness:{user}:{family}"
_FIELDS = tuple(f.attname for f in User._meta.concrete_fields if f.attname != "password")


@dataclass(frozen=True)
class Liveness:
    """The token's account (without its password hash) and whether the token's session was signed out."""

    user: User | None
    is_session_revoked: bool


def is_enabled() -> bool:
    return bool(getattr(settings, "AUTH_LIVENESS_CACHE", True))


def _is_process_local() -> bool:
    return isinstance(caches["default"], LocMemCache | DummyCache)


def _epoch_file() -> str:
    return os.path.join(settings.DATA_DIR, "auth-liveness.epoch")  # a str: a Path per request cost 2 % of a read


def _file_epoch() -> int:
    try:
        return os.stat(_epoch_file()).st_size
    except FileNotFoundError:
        return 0


def epoch_bump() -> None:
    """Makes every cached entry stale, in every process. Call after the change has committed."""
    if _is_process_local():
        with open(_epoch_file(), "ab") as out:  # one byte appended: the size only ever grows
            out.write(b".")
        return
    if not cache.add(EPOCH_KEY, secrets.randbits(62), timeout=None):
        try:
            cache.incr(EPOCH_KEY)
        except ValueError:  # evicted between add and incr: a fresh random epoch
            cache.add(EPOCH_KEY, secrets.randbits(62), timeout=None)


def epoch_bump_around_commit() -> None:
    """Bumps now and again after the commit. The bump after the commit is the one that makes the change seen:
    a request that read the old row between the two has stamped it with the first bump's epoch. The bump now
    covers a change made inside a transaction that this same connection reads next (tests, nested work)."""
    epoch_bump()
    transaction.on_commit(epoch_bump)


def _shared_epoch(found: dict[str, Any]) -> int:
    epoch = found.get(EPOCH_KEY)
    if epoch is None:
        cache.add(EPOCH_KEY, secrets.randbits(62), timeout=None)
        epoch = cache.get(EPOCH_KEY)
    return int(epoch)


def _load(user_id: Any, family_id: str | None) -> Liveness:
    user = User.objects.filter(pk=user_id).first()
    revoked = False
    if family_id:
        revoked = RefreshTokenFamily.objects.filter(pk=family_id, revoked_at__isnull=False).exists()
    return Liveness(user=user, is_session_revoked=revoked)


def liveness_of(*, user_id: Any, family_id: str | None) -> Liveness:
    """The account and session state for a token, from the cache when its entry is current."""
    if not is_enabled():
        return _load(user_id, family_id)
    key = _ENTRY_KEY.format(user=user_id, family=family_id or "-")
    if _is_process_local():
        epoch = _file_epoch()
        entry = cache.get(key)
    else:
        found = cache.get_many([EPOCH_KEY, key])
        epoch, entry = _shared_epoch(found), found.get(key)
    if entry is not None and entry[0] == epoch:
        _, values, revoked = entry
        user = None if values is None else User.from_db("default", _FIELDS, values)
        return Liveness(user=user, is_session_revoked=revoked)
    live = _load(user_id, family_id)  # read after the epoch: a change committed since then bumped it
    values = None if live.user is None else tuple(getattr(live.user, name) for name in _FIELDS)
    cache.set(key, (epoch, values, live.is_session_revoked), timeout=settings.AUTH_LIVENESS_CACHE_SECONDS)
    return live


def _on_user_change(sender: Any, update_fields: Any = None, **kwargs: Any) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # each sign-in writes last_login: no reason to drop everybody's entries
    epoch_bump_around_commit()


post_save.connect(_on_user_change, sender=User, dispatch_uid="accounts.liveness.user_saved")
post_delete.connect(_on_user_change, sender=User, dispatch_uid="accounts.liveness.user_deleted")

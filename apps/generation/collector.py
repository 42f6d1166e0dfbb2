"""The cyclic garbage collector paused while the engine runs (ADR 0038).

The engine's objects (sentences, terms, candidates, yake's words, the analyses it caches) form no reference
cycles: every one is freed by its reference count. While a window is analysed they pile up, tens of
thousands of them, and the collector keeps walking them to prove they are alive: about 15 ms of a novel's
notes and quiz in young collections, plus 35-50 ms whenever a full collection falls inside the run (one run
in three). :func:`paused` turns the collector off for the length of a call and back on after, only if it was
on, then collects the two young generations once, so that what outlives the call (its results, the caches)
is walked inside the call, not by whatever code allocates next; calls may nest and overlap across threads
(the collector comes back on when the last one returns). A unit
test runs the engine on real text and checks that it left no cyclic garbage, so a change that starts making
cycles is caught rather than left to pile up.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block (for every thread of the process, as ``gc.disable`` is)."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
                # What outlives the call (its results, the engine's caches) is still in the youngest
                # generation, and the next allocation anywhere would collect it, in whatever code runs next.
                # It is collected here instead, once: the call pays for its own objects.
                gc.collect(1)

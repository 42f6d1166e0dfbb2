"""CPU per event of a request's publish, on one writer thread: ``publish`` in a transaction against the bare
single-row INSERT + commit of the per-request stage, in interleaved blocks, ``time.process_time()`` around each.
Separates the bus's own Python from the shared machine's noise, which the 16-thread stage cannot.

    .venv/bin/python -m bench.eventbus.cpu [--events 200] [--blocks 30] [--profile]

Needs PostgreSQL as ``python -m bench eventbus`` does (its throwaway database). Prints the median CPU per event
of each side, the median of the blocks' paired differences and of their ratios bare / ours; ``--profile``
adds a cProfile (CPU clock) of ours.
"""

import argparse
import cProfile
import pstats
import statistics
import sys
import time
import uuid
from collections.abc import Callable

from bench.eventbus import _create_bare_table, _load_services_env, _setup_django, bare_requests, published_requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eventbus.cpu", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=200, help="events per block")
    parser.add_argument("--blocks", type=int, default=30, help="blocks per side, interleaved")
    parser.add_argument("--profile", action="store_true", help="then a cProfile of ours")
    args = parser.parse_args(argv)
    _load_services_env()
    _setup_django(f"bench-cpu-{uuid.uuid4().hex[:6]}.")
    _create_bare_table()

    def bare(start: int) -> None:
        bare_requests(start, args.events)

    def ours(start: int) -> None:
        published_requests(start, args.events)

    def cpu_per_event(work: Callable[[int], None], start: int) -> float:
        started = time.process_time()
        work(start)
        return (time.process_time() - started) / args.events * 1e6

    bare(0)  # warm: the connection, the caches
    ours(0)
    bare_us, ours_us = [], []
    for block in range(1, args.blocks + 1):
        bare_us.append(cpu_per_event(bare, block * args.events))
        ours_us.append(cpu_per_event(ours, block * args.events))
    gaps = [o - b for o, b in zip(ours_us, bare_us, strict=True)]
    ratios = [b / o for o, b in zip(ours_us, bare_us, strict=True)]
    print(f"bare INSERT + commit  {statistics.median(bare_us):6.1f} µs CPU per event (median of {args.blocks} blocks)")
    print(f"publish               {statistics.median(ours_us):6.1f} µs")
    print(f"publish - bare        {statistics.median(gaps):6.1f} µs (median of paired blocks)")
    print(f"bare / publish        {statistics.median(ratios):6.3f}")
    if args.profile:
        profile = cProfile.Profile(time.process_time)
        profile.runcall(ours, (args.blocks + 1) * args.events)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Run benchmarks: ``python -m bench`` (every one found), ``python -m bench eventbus documents``, or
``python -m bench eventbus -- --quick`` (arguments after ``--`` go to each benchmark).

Each benchmark runs in its own process (its own Django settings and database), one after the other so they
do not compete for the cores. A summary of what ran goes to ``bench/results/index.json``.
"""

import json
import pkgutil
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(module.name for module in pkgutil.iter_modules([str(BENCH)]) if module.ispkg)


def main(argv: list[str]) -> int:
    extra: list[str] = []
    if "--" in argv:
        at = argv.index("--")
        argv, extra = argv[:at], argv[at + 1 :]
    names = argv or available()
    unknown = [name for name in names if name not in available()]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}", file=sys.stderr)
        return 2
    runs = []
    for name in names:
        print(f"== bench {name}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}", *extra], cwd=BENCH.parent)
        runs.append({"name": name, "exit_code": code, "seconds": round(time.monotonic() - started, 1)})
    results = BENCH / "results"
    results.mkdir(exist_ok=True)
    (results / "index.json").write_text(json.dumps({"at": datetime.now(UTC).isoformat(), "runs": runs}, indent=2))
    failed = [str(run["name"]) for run in runs if run["exit_code"]]
    print(f"ran {len(runs)} benchmark(s)" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

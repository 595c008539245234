"""Run every benchmark script (``benchmarks/bench_*.py``) in turn: ``python -m benchmarks [ARGS]``.

Each script runs in its own process, with ``ARGS``; the exit code is non-zero when any failed.
``make bench`` runs this under ``python -m cbrms.devservers exec``, which provides PostgreSQL.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def main() -> int:
    scripts = sorted(Path(__file__).parent.glob("bench_*.py"))
    failed = []
    for script in scripts:
        module = f"benchmarks.{script.stem}"
        print(f"==> python -m {module} {' '.join(sys.argv[1:])}", flush=True)
        if subprocess.call([sys.executable, "-m", module, *sys.argv[1:]]) != 0:  # noqa: S603
            failed.append(module)
    if failed:
        print(f"benchmarks failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

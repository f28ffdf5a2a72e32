"""Run every benchmark: ``python -m benchmarks [name ...]`` (default: all)."""

from __future__ import annotations

import sys

from benchmarks import (
    bench_big,
    bench_curves,
    bench_decision,
    bench_explain,
    bench_rerun,
    bench_stats,
    bench_study,
    bench_sweep,
)

BENCHMARKS = {
    "study": bench_study.main,
    "rerun": bench_rerun.main,
    "explain": bench_explain.main,
    "decision": bench_decision.main,
    "stats": bench_stats.main,
    "sweep": bench_sweep.main,
    "big": bench_big.main,
    "curves": bench_curves.main,
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(
            f"error: unknown benchmark {unknown}; choose from {list(BENCHMARKS)}", file=sys.stderr
        )
        return 2
    for name in names:
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

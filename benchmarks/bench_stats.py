"""Time of a study's statistics: 20 models on 20,000 held-out rows (target, issue 12: under 1 s).

What is timed is :func:`core.study._compare`, everything a study computes after its models are
measured: the marginal interval of each model (Wilson, per-class Wilson, or BCa with its
jackknife), the bootstrap resamples shared by all models, and the simultaneous claims (against
the dummy and the simple baseline, the tie set of the best, the best's selection optimism). The
predictions are synthetic (a yes/no target, models of growing skill); nothing here depends on how
they were made. One row per primary metric; the median of REPEATS runs.

Prints a table; writes ``benchmarks/results/stats.json``.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_decision import large_study
from core import candidates as cand
from core.stats import PRIMARY_CHOICES, Predictions, compute_metrics
from core.study import ModelResult, StudyConfig, _compare

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
N_MODELS, N_ROWS, REPEATS = 20, 20_000, 3
TARGET_S = 1.0


def _models(y: np.ndarray, rng: np.random.Generator) -> list[ModelResult]:
    names = [cand.DUMMY_BASELINE, cand.SIMPLE_BASELINE] + [f"m{i}" for i in range(N_MODELS - 2)]
    out = []
    for i, name in enumerate(names):
        skill = 0.5 + 0.02 * i
        p1 = np.clip(np.where(y == 1, skill, 1 - skill) + rng.normal(0, 0.2, len(y)), 0, 1)
        pred = Predictions((p1 >= 0.5).astype(np.int64), np.column_stack([1 - p1, p1]))
        out.append(
            ModelResult(
                name=name,
                label=name,
                family="synthetic",
                rung=i,
                interpretable=False,
                neural=False,
                description="",
                predictions=pred,
                metrics=compute_metrics("binary", y, pred, 2),
            )
        )
    return out


def timings() -> dict[str, float]:
    study, _ = large_study()
    dataset = study.dataset
    rng = np.random.default_rng(0)
    out = {}
    for metric in PRIMARY_CHOICES["classification"]:
        runs = []
        for _ in range(REPEATS):
            models = _models(dataset.y[:N_ROWS], rng)
            started = time.perf_counter()
            _compare(models, dataset, metric, np.arange(N_ROWS), StudyConfig())
            runs.append(time.perf_counter() - started)
        out[metric] = statistics.median(runs)
    return out


def main() -> None:
    results = timings()
    print(f"\nStatistics of a {N_MODELS}-model study on {N_ROWS:,} held-out rows (1,000 resamples)")
    print(f"{'primary metric':<22}{'seconds':>9}{'vs 1 s':>9}")
    for metric, seconds in results.items():
        print(f"{metric:<22}{seconds:>9.2f}{seconds / TARGET_S:>8.2f}×")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "stats.json").write_text(
        json.dumps({"seconds": results, "target_s": TARGET_S, "models": N_MODELS}, indent=2)
    )


if __name__ == "__main__":
    main()

"""Learning curves of four models on the 100,000 x 30 set (target, issue 17: no longer than the
study itself took), with the time of their fit and forecast, and of calibration.

The study is the default ladder (``run_study`` on this machine's pool of worker processes, the
workers' server already up as in the app). The curves are those the More data? page draws: the
decision's model, the most accurate, the best neural network and the simple baseline (when one
model holds several roles, the next most accurate models make up four), each trained again on
10, 20, 40 and 70% of the training rows on the same pool, scored on the same held-out rows and
fitted (:func:`core.curves.run_curves`). Also timed: fitting four curves of
1,000 resamples (:func:`core.forecast.fit_curve`) and the calibration of one model on the
20,000 held-out rows and on 100,000 rows (:func:`core.calibration.calibration`).

Prints the wall times and the ratio of the curves to the study; writes
``benchmarks/results/curves.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np

from benchmarks.bench_study import SEED, synthetic_frame
from core import candidates as cand
from core.calibration import calibration
from core.curves import curve_models, run_curves
from core.data import prepare_dataset
from core.forecast import fit_curve
from core.stats import Bootstrap, metric_info
from core.study import StudyConfig, prepare_workers, run_study

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = 5
N_CURVES = 4


def _fit_seconds() -> float:
    """Four curves of five sizes and 1,000 resamples of 20,000 held-out rows, fitted."""
    rng = np.random.default_rng(0)
    sizes = np.array([0.1, 0.2, 0.4, 0.7, 1.0]) * 80_000
    curves = []
    for k in range(4):
        truth = 0.9 - 0.01 * k - 2.0 * sizes**-0.5
        u = rng.uniform(size=20_000)
        correct = (u[:, None] < truth[None, :]).astype(float)
        plan = Bootstrap(20_000, 1000, k)
        samples = np.concatenate(
            [w @ correct / w.sum(axis=1, keepdims=True) for w in plan.chunks()]
        )
        curves.append((correct.mean(axis=0), samples))
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        for values, samples in curves:
            fit_curve(sizes, values, samples, higher_is_better=True, bounds=(0.0, 1.0))
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _calibration_seconds(rows: int) -> float:
    rng = np.random.default_rng(1)
    p = rng.beta(2, 2, rows)
    y = (rng.random(rows) < p).astype(np.int64)
    proba = np.column_stack([1 - p, p])
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        calibration("binary", y, proba, event="yes", n_resamples=1000)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    dataset = prepare_dataset(synthetic_frame(), "label", name="synthetic_100k.csv")
    print(f"{dataset.n_rows:,} x {dataset.X.shape[1]} classification, {os.cpu_count()} cores")
    prepare_workers()  # as the app does when it opens
    started = time.perf_counter()
    study = run_study(dataset, StudyConfig(seed=SEED))
    study_s = time.perf_counter() - started
    decision = study.decision
    roles = curve_models(study, decision.industry, decision.academic)
    # Four models, as the target says: when one model holds several roles, the next
    # most accurate ones make up the number (the product draws only the roles).
    info = metric_info(study.primary_metric)
    sign = 1 if info.higher_is_better else -1
    ranked = sorted(study.ok_models, key=lambda m: -sign * m.metrics[study.primary_metric])
    for m in ranked:
        if len(roles) >= N_CURVES:
            break
        if m.name not in roles and m.name != cand.DUMMY_BASELINE:
            roles[m.name] = ("next most accurate",)
    print(f"study ({len(study.models)} models):          {study_s:8.1f} s")
    started = time.perf_counter()
    curves = run_curves(study, roles, decision=decision.industry)
    curves_s = time.perf_counter() - started
    labels = ", ".join(c.label for c in curves.curves)
    print(f"curves of {len(curves.curves)} models ({labels}): {curves_s:8.1f} s = "
          f"{curves_s / study_s:.2f}x the study (target: at most 1x)")  # fmt: skip
    print(f"  {curves.sentence}")
    fit_s = _fit_seconds()
    cal_20k = _calibration_seconds(20_000)
    cal_100k = _calibration_seconds(100_000)
    print(f"fit of 4 curves x 1,000 resamples:       {fit_s * 1000:8.0f} ms")
    print(
        f"calibration, 20,000 / 100,000 rows:      {cal_20k * 1000:8.0f} / {cal_100k * 1000:.0f} ms"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "curves.json").write_text(
        json.dumps(
            {
                "machine": {
                    "cpu": platform.processor() or platform.machine(),
                    "cores": os.cpu_count(),
                },
                "rows": dataset.n_rows,
                "study_s": study_s,
                "curves_s": curves_s,
                "ratio": curves_s / study_s,
                "models": [c.label for c in curves.curves],
                "sentence": curves.sentence,
                "fit_4_curves_s": fit_s,
                "calibration_20k_s": cal_20k,
                "calibration_100k_s": cal_100k,
            },
            indent=2,
        ),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()

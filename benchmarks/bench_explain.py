"""Time of ``core.explain.explain`` per model of the default ladder, with its default caps.

Each bundled sample and a 100,000 x 30 synthetic classification set (the one of ``bench_study``)
get the default ladder trained by ``run_study``; then every model is explained with the defaults
(500 rows for tree and linear models, 100 for the permutation explainer, a 10 s time budget),
one at a time in this process. Samples: median of 3 runs; the synthetic set: one run. Before
anything, the one-off costs of a fresh process are timed apart: importing shap and compiling its
numba code (``warm_up``), which the first explanation of a process would otherwise pay.

Prints a table and writes ``benchmarks/results/explain.json``.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_study import synthetic_frame
from core import explain as ex
from core.data import load_dataset, prepare_dataset
from core.dataset import Dataset
from core.samples import SAMPLES, read_sample_bytes
from core.study import StudyConfig, run_study

RESULTS = Path(__file__).resolve().parent / "results"
REPEATS = 3
#: Training settings only: the explanation does not depend on the latency or bootstrap figures.
TRAINING = StudyConfig(latency_calls=30, latency_budget_s=0.05, n_resamples=300)


def explain_ladder(dataset: Dataset, repeats: int) -> list[dict[str, Any]]:
    study = run_study(dataset, TRAINING)
    rows = []
    for m in study.ok_models:
        runs = [ex.explain(study, m.name) for _ in range(repeats)]
        seconds = statistics.median(r.seconds for r in runs)
        last = runs[-1]
        rows.append(
            {
                "dataset": dataset.name,
                "model": m.name,
                "label": m.label,
                "explainer": last.explainer,
                "output": last.output,
                "n_rows": last.n_rows,
                "n_rows_available": last.n_rows_available,
                "seconds": seconds,
                "ms_per_row": 1000 * seconds / last.n_rows,
            }
        )
    return rows


def main() -> None:
    t0 = time.perf_counter()
    import shap  # noqa: F401  (timed: the first explanation of a process pays it)

    import_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    ex.warm_up()
    warm_up_s = time.perf_counter() - t0
    print(f"{os.cpu_count()} cores; one-off per process: import shap {import_s:.1f} s, ", end="")
    print(f"numba compilation {warm_up_s:.1f} s")

    datasets: list[tuple[Dataset, int]] = [
        (load_dataset(read_sample_bytes(s), s.filename, s.target), REPEATS) for s in SAMPLES
    ]
    datasets.append((prepare_dataset(synthetic_frame(), "label", name="synthetic_100k.csv"), 1))
    table: list[dict[str, Any]] = []
    print(f"{'dataset':<20}{'model':<30}{'explainer':<13}{'rows':>12}{'seconds':>9}{'ms/row':>8}")
    for dataset, repeats in datasets:
        for row in explain_ladder(dataset, repeats):
            table.append(row)
            rows = f"{row['n_rows']}/{row['n_rows_available']}"
            print(
                f"{row['dataset']:<20}{row['label']:<30}{row['explainer']:<13}{rows:>12}"
                f"{row['seconds']:>9.2f}{row['ms_per_row']:>8.2f}"
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "explain.json").write_text(
        json.dumps(
            {
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "import_shap_s": import_s,
                "warm_up_s": warm_up_s,
                "defaults": {
                    "max_rows": ex.DEFAULT_MAX_ROWS,
                    "max_rows_agnostic": ex.DEFAULT_MAX_ROWS_AGNOSTIC,
                    "time_budget_s": ex.DEFAULT_TIME_BUDGET_S,
                },
                "explanations": table,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

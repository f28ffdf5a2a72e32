"""Server time of the Business case and Fairness pages, and of their core calls on a large study.

1. **Pages.** The 20-model German credit study of :mod:`benchmarks.bench_rerun` (all 15
   candidates plus 5 copies) on the Business case and Fairness pages under Streamlit's AppTest, in
   this process: each interaction is timed (a new monthly volume, the tuned-threshold switch,
   another model; on Fairness the first view of a column set, which computes its report, then
   another model and another view, which read the kept reports). AppTest adds its own overhead,
   so these are upper bounds of the server's time. Target: under 300 ms a rerun, as for
   Trade-offs; a first fairness view may take longer once.
2. **Core on a large study.** A hand-built binary study of 11 models and 20,000 held-out rows (the
   held-out fifth of a 100,000-row table) with random predictions: :func:`business_case` (its
   bootstrap intervals cost rows x resamples) and :func:`fairness_report` of a 4-group and of a
   12-group (combined) column. Nothing here depends on how the predictions were made.

Prints tables; writes ``benchmarks/results/decision.json``.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from benchmarks.bench_rerun import study_of
from core import candidates as cand
from core.data import read_table
from core.dataset import Dataset
from core.economics import BusinessInputs, Resamples, business_case
from core.fairness import fairness_report
from core.report import build_report, full_report
from core.samples import DEFAULT_SAMPLE, get_sample, read_sample_bytes
from core.stats import Predictions, compute_metrics
from core.study import ModelResult, StudyConfig, StudyResult
from ui.state import BUSINESS_PAGE, FAIRNESS_PAGE, Keys, widget_key_of

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TARGET_MS = 300.0
N_ROWS, N_MODELS = 20_000, 11


def _timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return 1000.0 * (time.perf_counter() - started)


def _page(study: StudyResult, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.session_state[Keys.STUDY] = study
    at.switch_page(page)
    return at


def _set(at: AppTest, kind: str, key: str, value: object) -> float:
    """Milliseconds of the rerun after the widget ``kind`` under ``key`` takes ``value``: the
    widget is looked up in the latest tree each time (an older tree's labels may be stale)."""
    widget = getattr(at, kind)(key=widget_key_of(key))
    return _timed(widget.set_value(value).run)


def page_timings(study: StudyResult) -> dict[str, list[float]]:
    at = _page(study, BUSINESS_PAGE)
    timings: dict[str, list[float]] = {"business: first view": [_timed(at.run)]}
    # The money verdict (and its model picker) appears once the value and error costs are in.
    examples = at.button(key="use_example_amounts")
    timings["business: the example amounts"] = [_timed(examples.click().run)]
    timings["business: new volume"] = [
        _set(at, "number_input", Keys.PREDICTIONS_PER_MONTH, v)
        for v in (10_000, 100_000, 5_000_000, 1_000_000)
    ]
    timings["business: tuned thresholds"] = [
        _set(at, "toggle", Keys.TUNE_THRESHOLDS, v) for v in (True, False, True)
    ]
    names = [m.name for m in study.ok_models][:6]
    timings["business: another model"] = [
        _set(at, "selectbox", Keys.BUSINESS_MODEL, n) for n in names
    ]
    assert not at.exception, at.exception

    at = _page(study, FAIRNESS_PAGE)
    timings["fairness: first view"] = [_timed(at.run)]
    timings["fairness: combined view, first"] = [
        _set(at, "segmented_control", Keys.FAIRNESS_VIEW, "sex × age")
    ]
    timings["fairness: another model"] = [
        _set(at, "selectbox", Keys.FAIRNESS_MODEL, n) for n in names
    ]
    timings["fairness: back to a kept view"] = [
        _set(at, "segmented_control", Keys.FAIRNESS_VIEW, v)
        for v in ("sex", "age", "sex × age", "sex")
    ]
    assert not at.exception, at.exception
    assert at.session_state[Keys.STUDY] is study, "a rerun must never retrain"
    return timings


def large_study(seed: int = 0) -> tuple[StudyResult, pd.DataFrame]:
    """A binary study of N_MODELS models on N_ROWS held-out rows, built by hand."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, N_ROWS)
    groups = pd.DataFrame(
        {
            "region": rng.choice(["north", "south", "east", "west"], N_ROWS),
            "age": rng.integers(18, 80, N_ROWS).astype(float),
        }
    )
    dataset = Dataset(
        name="large.csv",
        sha256="0" * 64,
        target="target",
        task="binary",
        X=groups,
        y=y,
        row_ids=np.arange(N_ROWS),
        classes=("no", "yes"),
        positive_class="yes",
        numeric_features=("age",),
        categorical_features=("region",),
        feature_origin={"region": "region", "age": "age"},
        profiles=(),
        warnings=(),
    )
    names = [cand.DUMMY_BASELINE, cand.SIMPLE_BASELINE] + [f"m{i}" for i in range(N_MODELS - 2)]
    models = []
    for i, name in enumerate(names):
        skill = 0.5 + 0.04 * i
        p1 = np.clip(np.where(y == 1, skill, 1 - skill) + rng.normal(0, 0.2, N_ROWS), 0, 1)
        pred = Predictions((p1 >= 0.5).astype(np.int64), np.column_stack([1 - p1, p1]))
        models.append(
            ModelResult(
                name=name,
                label=name,
                family=f"family {i % 4}",
                rung=i,
                interpretable=False,
                neural=i == len(names) - 1,
                description="",
                predictions=pred,
                metrics=compute_metrics("binary", y, pred, 2),
                train_s=0.1 * (i + 1),
                train_cpu_s=0.1 * (i + 1),
                latency_ms_p50=0.5 + i,
                latency_ms_p95=1.0 + i,
                throughput_rows_per_s=1e5 / (i + 1),
                size_bytes=10_000 * (i + 1),
                delta_vs_best_ci_low=-0.01,
                delta_vs_best_ci_high=0.01,
                beats_baseline=i > 0,
            )
        )
    study = StudyResult(
        dataset=dataset,
        config=StudyConfig(),
        primary_metric="accuracy",
        models=models,
        eval_index=np.arange(N_ROWS),
        eval_fold=np.zeros(N_ROWS, dtype=np.int64),
        duration_s=0.0,
        created_at="",
    )
    return study, groups


def core_timings() -> dict[str, float]:
    study, _ = large_study()
    inputs = BusinessInputs()
    kept = Resamples(study)
    first = _timed(lambda: business_case(study, inputs, resamples=kept))
    prices = [
        BusinessInputs(cost_false_negative_usd=c, predictions_per_month=v)
        for c in (2.0, 8.0, 20.0)
        for v in (1e4, 1e7)
    ]
    return {
        "business_case, first (draws the resamples)": first,
        "business_case, new prices (resamples kept)": statistics.median(
            _timed(lambda p=p: business_case(study, p, resamples=kept)) for p in prices
        ),
        "business_case, tuned thresholds, first": _timed(
            lambda: business_case(study, inputs, tune_thresholds=True, resamples=kept)
        ),
        "fairness_report, 4 groups": _timed(lambda: fairness_report(study, ["region"])),
        "fairness_report, 24 groups (4 regions x 6 age bands)": _timed(
            lambda: fairness_report(study, ["region", "age"])
        ),
    }


def report_timings(study: StudyResult) -> dict[str, float]:
    """The report of the 20-model study: bare, and with every section."""
    sample = get_sample(DEFAULT_SAMPLE.key)
    table = read_table(read_sample_bytes(sample), sample.filename)
    inputs = BusinessInputs()
    page = full_report(study, table, inputs=inputs)
    return {
        "build_report, no optional section": _timed(lambda: build_report(study)),
        "full_report (SHAP, business case, fairness by sex and age)": _timed(
            lambda: full_report(study, table, inputs=inputs)
        ),
        "report size (MB)": len(page) / 1e6,
    }


def main() -> None:
    print(f"Training all {len(cand.CANDIDATES)} candidates on the German credit sample…")
    study = study_of(20, sweep=False)
    report = report_timings(study)
    timings = page_timings(study)
    print(f"\nBusiness case and Fairness pages, {len(study.models)} models (AppTest, in-process)")
    print(f"{'interaction':<34}{'median ms':>10}{'max ms':>9}{'vs 300 ms':>11}")
    pages = {}
    for name, values in timings.items():
        median = statistics.median(values)
        pages[name] = {"median_ms": median, "max_ms": max(values), "n": len(values)}
        print(f"{name:<34}{median:>10.0f}{max(values):>9.0f}{median / TARGET_MS:>10.2f}×")
    core = core_timings()
    print(f"\nCore calls, binary study of {N_MODELS} models on {N_ROWS:,} held-out rows")
    for name, ms in core.items():
        print(f"{name:<56}{ms:>8.0f} ms")
    print(f"\nThe report of the {len(study.models)}-model study")
    for name, value in report.items():
        print(f"{name:<60}{value:>8.1f}" + (" MB" if "MB" in name else " ms"))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "decision.json").write_text(
        json.dumps(
            {"pages": pages, "core_ms": core, "report": report, "target_ms": TARGET_MS}, indent=2
        )
    )


if __name__ == "__main__":
    main()

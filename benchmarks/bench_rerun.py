"""Server time of a Trade-offs rerun for a 20-model and a 300-model study (target, issues 3 and
16: under 300 ms).

20 models: a real study of all 15 candidates on the bundled German credit sample, plus 5 copies of
trained models under other names (a rerun's cost depends on how many models are drawn, not on
which). 300 models: the same with ``sweep`` (each ensemble and neural family's grid of sizes,
about 135 models), plus copies up to 300. The Trade-offs page then runs under Streamlit's
AppTest, in this process, and each interaction is timed: switching the cost axis, switching the
lens, setting a budget. Each is reported for a set of choices new to the session (the page
decides, serves and draws anew) and for one seen before (the page keeps its chart and served
study per set of choices). AppTest adds its own overhead (building and reading the page's
element tree), so the figures are an upper bound of what the server spends. Nothing is
retrained: the study object is the same throughout.

Also times the pure core calls the page makes (figure, decision, leaderboard) and the
browser payload (the Plotly figure JSON). Prints a table per study; writes
``benchmarks/results/rerun.json``.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core import candidates as cand
from core.data import load_dataset
from core.decision import Choices, decide
from core.figures import pareto_figure
from core.pareto import COST_AXES, Budgets
from core.samples import DEFAULT_SAMPLE, read_sample_bytes
from core.study import StudyConfig, StudyResult, run_study
from core.tables import leaderboard_view
from ui.state import TRADEOFFS_PAGE, Keys, widget_key_of

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SIZES = ((20, False), (300, True))  # models in the study, and whether it is a sweep
REPEATS = 5
TARGET_MS = 300.0


def study_of(n_models: int, *, sweep: bool) -> StudyResult:
    """Every candidate (and, with ``sweep``, every size of the sweep) trained on the German
    credit sample, with copies of trained models under other names up to ``n_models``."""
    dataset = load_dataset(
        read_sample_bytes(DEFAULT_SAMPLE), DEFAULT_SAMPLE.filename, DEFAULT_SAMPLE.target
    )
    study = run_study(dataset, StudyConfig(models=("all",), sweep=sweep))
    ok = study.ok_models
    extra = [
        replace(ok[i % len(ok)], name=f"{ok[i % len(ok)].name}_copy{i}", label=f"Copy {i + 1}")
        for i in range(n_models - len(study.models))
    ]
    study.models = [*study.models, *extra]
    return study


def _timed(action) -> float:  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    action()
    return 1000.0 * (time.perf_counter() - started)


def rerun_timings(study: StudyResult) -> dict[str, object]:
    """Time the Trade-offs page's interactions and the core calls behind them; print a table."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    at.session_state[Keys.STUDY] = study
    at.switch_page(TRADEOFFS_PAGE)
    at.run()
    assert not at.exception, at.exception

    # Each timing is of a set of choices seen before in the session (the page keeps its chart
    # and served study per set of choices) or new: both are reported.
    timings: dict[str, dict[bool, list[float]]] = {
        name: {True: [], False: []} for name in ("axis", "lens", "budget")
    }
    axes = list(COST_AXES)
    state: dict[str, object] = {"axis": "latency_ms_p50", "limit": None}
    seen = {(state["axis"], state["limit"])}

    def record(name: str, action) -> None:  # type: ignore[no-untyped-def]
        elapsed = _timed(action)
        key = (state["axis"], state["limit"])
        timings[name][key in seen].append(elapsed)
        seen.add(key)

    for r in range(REPEATS):
        for axis in axes:
            state["axis"] = axis
            record("axis", at.selectbox(key=widget_key_of(Keys.AXIS)).set_value(axis).run)
        for lens in ("Academic", "Industry"):
            control = at.segmented_control(key=widget_key_of(Keys.LENS))
            record("lens", control.set_value(lens).run)
        for limit in (5.0 + r, None):
            state["limit"] = limit
            budget = at.number_input(key=widget_key_of(Keys.MAX_LATENCY_MS))
            record("budget", budget.set_value(limit).run)
    assert not at.exception, at.exception
    assert at.session_state[Keys.STUDY] is study, "a rerun must never retrain"

    core_ms = {
        "pareto_figure": statistics.median(
            _timed(lambda a=a: pareto_figure(study.models, study.primary_metric, a)) for a in axes
        ),
        "decide": _timed(lambda: decide(study, Choices(budgets=Budgets(max_latency_ms=5.0)))),
        "leaderboard_view": _timed(lambda: leaderboard_view(study)),
    }
    payload = len(pareto_figure(study.models, study.primary_metric, "latency_ms_p50").to_json())

    print(f"\nTrade-offs page rerun, {len(study.models)} models (AppTest, in-process)")
    print(f"{'interaction':<12}{'choices':<10}{'runs':>5}{'median ms':>10}{'max ms':>8}"
          f"{'vs 300 ms':>11}")  # fmt: skip
    summary: dict[str, dict[str, object]] = {}
    for name, by_seen in timings.items():
        summary[name] = {}
        for was_seen, values in ((False, by_seen[False]), (True, by_seen[True])):
            if not values:
                continue
            median = statistics.median(values)
            words = "seen" if was_seen else "new"
            summary[name][words] = {"runs": len(values), "median_ms": median,
                                    "max_ms": max(values)}  # fmt: skip
            print(f"{name:<12}{words:<10}{len(values):>5}{median:>10.0f}{max(values):>8.0f}"
                  f"{median / TARGET_MS:>10.2f}×")  # fmt: skip
    print("core calls per rerun: " + ", ".join(f"{k} {v:.1f} ms" for k, v in core_ms.items()))
    print(f"figure JSON sent to the browser: {payload / 1024:.0f} KiB")
    return {
        "n_models": len(study.models),
        "interactions": summary,
        "core_ms": core_ms,
        "figure_json_bytes": payload,
        "target_ms": TARGET_MS,
    }


def main() -> None:
    runs = []
    for n_models, sweep in SIZES:
        what = "and every size of the sweep " if sweep else ""
        print(
            f"\nTraining all {len(cand.CANDIDATES)} candidates {what}on the German credit sample…"
        )
        runs.append(rerun_timings(study_of(n_models, sweep=sweep)))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rerun.json").write_text(json.dumps(runs, indent=2))


if __name__ == "__main__":
    main()

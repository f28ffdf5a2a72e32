"""The self-contained report: its sections, escaped user text, nothing fetched from a network."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from core.data import prepare_dataset
from core.decision import NET_VALUE, Choices, decide
from core.economics import BusinessInputs, business_case
from core.explain import explain
from core.fairness import fairness_report
from core.report import CSP, build_report, full_report, table_html
from core.study import StudyConfig, StudyResult, run_study
from tests.unit.conftest import FAST_STUDY

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def hostile_study() -> tuple[StudyResult, pd.DataFrame]:
    """A study whose file name, a column name, a category and the classes are markup."""
    rng = np.random.default_rng(0)
    n = 240
    x = rng.normal(size=n)
    table = pd.DataFrame(
        {
            HOSTILE: x,
            "sex": rng.choice(["female", "<b>male</b>"], n),
            "age": rng.integers(18, 80, n),
            "outcome": np.where(x + rng.normal(0, 0.5, n) > 0, "<i>yes</i>", "no & more"),
        }
    )
    dataset = prepare_dataset(table, "outcome", name=f"{HOSTILE}.csv")
    config = StudyConfig(models=("decision_tree", "mlp_small"), **FAST_STUDY)  # type: ignore[arg-type]
    return run_study(dataset, config), table


def test_every_user_text_is_escaped(hostile_study) -> None:  # type: ignore[no-untyped-def]
    study, table = hostile_study
    page = full_report(study, table, inputs=BusinessInputs())
    assert "<h2>Business case</h2>" in page
    assert HOSTILE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>male</b>" not in page
    assert "<i>yes</i>" not in page
    # Scripts: plotly.js once, then one per figure; none of them is the user's.
    scripts = re.findall(r"<script\b[^>]*>", page)
    figures = page.count('class="figure"')
    assert len(scripts) == 1 + figures
    assert figures >= 7 + 1 + 1 + 2  # seven cost axes, SHAP, net value, two fairness columns


def test_the_report_shows_the_decision_and_its_own_chart_first(hostile_study) -> None:  # type: ignore[no-untyped-def]
    study, _ = hostile_study
    on_size = decide(study, Choices(cost="size_bytes"))
    page = build_report(study, decision=on_size)
    assert html.escape(on_size.sentence, quote=False) in page
    charts = page[page.index("<h2>Accuracy against each cost</h2>") :]
    assert charts.index("<h3>Model size (MB)</h3>") < charts.index("<h3>P50 latency per row")
    assert "Judged on p50 latency per row instead" in charts
    on_money = decide(study, Choices(cost=NET_VALUE, business=BusinessInputs()))
    page = build_report(study, decision=on_money, business=business_case(study))
    charts = page[page.index("<h2>Accuracy against each cost</h2>") :]
    assert charts.index("<h3>Net value ($ per month)</h3>") < charts.index("<h3>Model size")
    if on_money.industry is not None:
        assert html.escape(on_money.sentence, quote=False) in page


def test_the_report_needs_no_network(hostile_study) -> None:  # type: ignore[no-untyped-def]
    study, _ = hostile_study
    page = build_report(study)
    assert '<meta http-equiv="Content-Security-Policy" content="default-src \'none\';' in page
    # Exactly what saving a chart as PNG needs (plotly draws it through a blob: image), no more.
    assert CSP == (
        "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:"
    )
    assert '"showSendToCloud": false' in page
    assert '"toImageButtonOptions": {"format": "png"' in page
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", page)
    assert len(page) > 3_000_000  # plotly.js is inlined


def test_the_report_prints_and_ends_with_its_words(hostile_study) -> None:  # type: ignore[no-untyped-def]
    study, _ = hostile_study
    page = build_report(study)
    style = page[page.index("<style>") : page.index("</style>")]
    printed = style[style.index("@media print") :]
    assert ".scroll { overflow: visible; }" in printed  # wide tables wrap on paper
    assert "break-inside: avoid" in printed
    words = page[page.index("<h2>Words used in this report</h2>") :]
    assert "<dt>Held-out rows</dt>" in words
    assert "<dt>SHAP contribution</dt>" not in words  # no explanation section, no SHAP word


def test_sections_follow_what_was_computed(hostile_study) -> None:  # type: ignore[no-untyped-def]
    study, table = hostile_study
    bare = build_report(study, generated_at="2026-12-01 08:00 UTC")
    for heading in (
        "Summary",
        "The data",
        "How the models were measured",
        "Leaderboard",
        "Accuracy against each cost",
        "Privacy",
        "Reproducibility",
    ):
        assert f"<h2>{heading}</h2>" in bare
    for heading in ("Why the model decides", "Business case", "Fairness</h2>"):
        assert heading not in bare
    assert study.dataset.sha256 in bare
    assert "2026-12-01 08:00 UTC" in bare
    assert "Industry pick: " in bare
    for column in ("p50 latency per row", "model size", "training (CPU time)", "serving ($"):
        assert f"<th>{column}" in bare, column  # the leaderboard has a column for each cost
    assert "is in the leaderboard CSV" in bare  # and says where the other figures are
    full = build_report(
        study,
        explanation=explain(study, "decision_tree"),
        business=business_case(study),
        fairness=[fairness_report(study, ["sex"], table)],
    )
    for heading in ("Why the model decides what it decides", "Business case", "Fairness"):
        assert f"<h2>{heading}</h2>" in full
    assert "Is the neural network justified?" in full
    assert "By sex" in full


def test_tables_escape_and_format_cells() -> None:
    frame = pd.DataFrame(
        {"model": ["<b>x</b>"], "net value ($ per month)": [-1234.5], "p": [0.12345], "ok": [True]}
    )
    out = table_html(frame, {"p": "{:.1f}"})
    assert "&lt;b&gt;x&lt;/b&gt;" in out
    assert "−$1.23k" in out
    assert ">0.1<" in out
    assert ">yes<" in out


def test_a_sweep_is_reported_in_rows_a_person_reads(hostile_study) -> None:  # type: ignore[no-untyped-def]
    """A study of a sweep's sizes: the candidates table has one row per family's sizes, the
    leaderboard the models a person compares, and every model one click away."""
    from dataclasses import replace

    from core import candidates as cand
    from core.stats import metric_info

    study, _ = hostile_study
    tree = study.model("decision_tree")
    sizes = [s for s in cand.SWEEP if s.family == "Random forest"]
    metric = study.primary_metric
    step = 1e-3 if metric_info(metric).higher_is_better else -1e-3
    swept = [
        replace(
            tree,
            name=s.name,
            label=s.label,
            family=s.family,
            rung=s.rung,
            description=s.description,
            # less accurate than the tree at its costs: dominated, so off every frontier
            metrics={**tree.metrics, metric: tree.metrics[metric] - step * (i + 1)},
        )
        for i, s in enumerate(sizes)
    ]
    crowded = replace(study, models=[*study.models, *swept])
    page = build_report(crowded)
    assert f"Random forest: {len(sizes)} more sizes (the sweep)" in page
    assert f"from {html.escape(sizes[0].label)} to {html.escape(sizes[-1].label)}" in page
    assert f"<details><summary>Every model ({len(crowded.models)})</summary>" in page
    assert f"of {len(crowded.models)} models: the picks, the baselines" in page
    board = page[page.index("<h2>Leaderboard</h2>") : page.index("<details>")]
    assert board.count("<tr>") < len(crowded.models)

"""Report: the study in one file for the meeting, the tables and results as files, and each
model ready to serve on another machine."""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.decision import served
from core.economics import business_case
from core.errors import TradeoffError
from core.explain import default_class
from core.export import (
    has_compiled_model,
    leaderboard_csv,
    model_bundle,
    onnx_serving_script,
    predictions_csv,
    results_json,
    serving_snippet,
    serving_usage,
)
from core.fairness import column_choices
from core.results import model_filename
from core.tables import format_time
from core.units import format_mb
from ui import curves as ui_curves
from ui.business import entered_inputs
from ui.common import (
    cached_explanation,
    cached_fairness,
    cached_report,
    chosen_sensitive,
    glossary_popover,
    md,
    study_resamples,
    study_table,
)
from ui.decision import current_decision, follow_decision
from ui.state import Icons, Keys, kept, require_study, stop_page

st.title("Report")
study = require_study()
glossary_popover(["skops", "p50", "p95", "held_out"])
dataset = study.dataset
if not study.ok_models:
    st.warning("No model of this study finished, so there is nothing to report. Train again.")
    stop_page()
st.caption(
    f"Everything about {md(dataset.name)} → **{md(dataset.target)}** in one HTML file for "
    "stakeholders: it opens offline on any machine (the chart library is inside), and every "
    "name from your data is shown as plain text."
)

decision = current_decision(study)
pick = decision.industry or decision.academic
table = study_table(study)
columns = chosen_sensitive(column_choices(study, table))
left, middle, right = st.columns(3)
with left:
    kept(st.checkbox, "Why the recommended model decides (SHAP)", Keys.REPORT_EXPLAIN)
inputs, tuned = entered_inputs(study)
with middle:
    kept(
        st.checkbox,
        "Business case, with your numbers"
        if inputs is not None
        else "Business case (enter your numbers first)",
        Keys.REPORT_BUSINESS,
        disabled=inputs is None,
        help="Net value per month with the numbers of the Business case page; left out until "
        "you have entered what a right answer is worth and what errors cost.",
    )
with right:
    kept(
        st.checkbox,
        f"Fairness by {md(', '.join(columns))}" if columns else "Fairness (no column chosen)",
        Keys.REPORT_FAIRNESS,
        disabled=not columns,
        help="The columns chosen on the Fairness page.",
    )
state = st.session_state
with_fairness = bool(columns) and state[Keys.REPORT_FAIRNESS]
curves = ui_curves.current(study)
choices = (
    pick if state[Keys.REPORT_EXPLAIN] else None,
    repr((inputs, tuned)) if state[Keys.REPORT_BUSINESS] and inputs is not None else None,
    tuple(columns) if with_fairness else (),
    repr(decision),
    None if curves is None else (curves.sentence, curves.seconds),
)
st.caption(
    "With the learning curves drawn on the More data? page."
    if curves is not None
    else "The learning curves are not drawn yet: draw them on the More data? page to add them."
)


def parts() -> dict[str, object]:
    """What the report includes, computed (or taken from this session's caches) on demand; a
    section core cannot make is left out and said so."""
    reports: list[object] = []
    found: dict[str, object] = {
        "decision": decision,
        "explanation": None,
        "fairness": reports,
        "curves": curves,
    }
    try:
        if choices[0] is not None and pick is not None:
            found["explanation"] = cached_explanation(study, pick, default_class(dataset))
    except TradeoffError as exc:
        st.warning(md(f"The report has no explanation: {exc}"), icon=Icons.WARNING)
    if choices[1] is not None and inputs is not None:
        found["business"] = business_case(
            served(study, decision.choices),
            inputs,
            tune_thresholds=tuned,
            model=pick,
            resamples=study_resamples(study),
        )
    for column in choices[2]:
        try:
            reports.append(cached_fairness(study, (column,), table))
        except TradeoffError as exc:
            st.warning(md(f"The report leaves out fairness by {column}: {exc}"), icon=Icons.WARNING)
    return found


html = cached_report(study, choices, parts)
stem = "".join(ch if ch.isalnum() else "_" for ch in dataset.name.rsplit(".", 1)[0])[:40]
st.subheader("Downloads")
files = st.columns(4)
for column, (label, data, name, mime) in zip(
    files,
    (
        ("Report (HTML)", html.encode("utf-8"), f"{stem}-report.html", "text/html"),
        # The others are made when clicked, not on every rerun of the page.
        (
            "Leaderboard (CSV)",
            partial(leaderboard_csv, study),
            f"{stem}-leaderboard.csv",
            "text/csv",
        ),
        (
            "Results (JSON)",
            partial(results_json, study, decision),
            f"{stem}-results.json",
            "application/json",
        ),
        (
            "Predictions (CSV)",
            partial(predictions_csv, study),
            f"{stem}-predictions.csv",
            "text/csv",
        ),
    ),
    strict=True,
):
    column.download_button(
        label,
        data,
        file_name=name,
        mime=mime,
        icon=Icons.DOWNLOAD,
        on_click="ignore",
        key=f"download:{name}",
        width="stretch",
    )
st.caption(
    f"The report is {len(html) / 1e6:.1f} MB. The CSVs open safely in a spreadsheet: a cell that "
    "would run as a formula (it starts with =, +, - or @) starts with an apostrophe instead. "
    "Predictions are those on the held-out rows, with each row's number in your table."
)

with st.expander("Preview the report", expanded=True):
    st.iframe(html, height=900)

st.subheader("A model ready to serve")
names = [m.name for m in study.ok_models if m.model_bytes is not None]
if not names:
    st.info("No model of this study has its fitted model file, so none can be downloaded.")
    stop_page()
labels = {m.name: m.label for m in study.models}
follow_decision(Keys.EXPORT_MODEL, names, pick if pick in names else names[0])
model = kept(
    st.selectbox,
    "Model",
    Keys.EXPORT_MODEL,
    options=names,
    format_func=lambda n: labels[n] + ("  (the decision)" if n == decision.industry else ""),
)
chosen = study.model(model)
size = (chosen.size_bytes or 0) / 1e6
compiled = has_compiled_model(study, model)
st.download_button(
    f"Download {labels[model]} with serve.py"
    + (" and serve_onnx.py" if compiled else "")
    + " (zip)",
    partial(model_bundle, study, model),  # zipped when clicked: a large model is many MB
    file_name=f"{stem}-{model_filename(model).removesuffix('.skops')}.zip",
    mime="application/zip",
    icon=Icons.DOWNLOAD,
    on_click="ignore",
    key="download_model",
)
if compiled and chosen.onnx is not None:
    onnx_note = (
        f" With it, the same model compiled for ONNX Runtime "
        f"({format_mb((chosen.onnx.size_bytes or 0) / 1e6)}), verified to predict as the "
        "pipeline on every held-out row, and serve_onnx.py, which needs only onnxruntime and "
        "numpy and refuses any model file but this one."
    )
else:
    onnx_note = (
        md(f" Not compiled for ONNX Runtime: {chosen.onnx_problem}") if chosen.onnx_problem else ""
    )
st.caption(
    f"The fitted pipeline (preprocessing and model, {format_mb(size)}) in skops' safe format, "
    "which loads without running code, and serve.py: it takes rows of your table, checks their "
    f"columns and predicts exactly as measured here (trained {format_time(study.created_at)})."
    + onnx_note
)
st.code(serving_usage(study, model), language="bash")
with st.expander("serve.py, as in the zip"):
    st.code(serving_snippet(study, model), language="python")
if compiled:
    with st.expander("serve_onnx.py, as in the zip"):
        st.code(onnx_serving_script(study, model), language="python")

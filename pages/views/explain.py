"""Explain: why a model decides what it decides, column by column (SHAP), and how two models differ.

Explanations are computed once per study, model and class, and kept in the session: moving a
widget here never recomputes one.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import candidates as cand
from core.explain import default_class, row_choices
from core.explain_figures import (
    agreement,
    beeswarm_figure,
    compare_figure,
    dependence_figure,
    importance_figure,
    waterfall_figure,
)
from core.figures import chart_config
from core.tables import text_frame
from core.units import format_number
from ui.common import cached_explanation, glossary_popover, md
from ui.decision import current_decision, follow_decision
from ui.state import Keys, kept, require_study, stop_page

st.title("Explain")
study = require_study()
glossary_popover(["shap", "rank_correlation", "held_out"])
dataset = study.dataset
models = {m.name: m for m in study.ok_models if m.pipeline is not None}
if not models:
    st.info("No model of this study can be explained: none has its fitted model.")
    stop_page()
decision = current_decision(study)
# The decision's pick, unless its model file is unavailable; then the simplest that has one.
preferred = (decision.industry, decision.academic, cand.SIMPLE_BASELINE, *models)
default = next(
    n for n in preferred if n in models and (n != cand.DUMMY_BASELINE or len(models) == 1)
)
follow_decision(Keys.EXPLAIN_MODEL, list(models), default)
st.caption(
    f"Which columns of {md(dataset.name)} drive each model's prediction of "
    f"**{md(dataset.target)}**, measured with SHAP (each column's fair share of a prediction)."
)

left, right = st.columns(2)
with left:
    name = kept(
        st.selectbox,
        "Model",
        Keys.EXPLAIN_MODEL,
        options=list(models),
        format_func=lambda n: (
            models[n].label + ("  (the decision)" if n == decision.industry else "")
        ),
    )
class_name = default_class(dataset)
if dataset.task == "multiclass":
    st.session_state.setdefault(Keys.EXPLAIN_CLASS, class_name)
    with right:
        class_name = kept(
            st.selectbox,
            "Class to explain",
            Keys.EXPLAIN_CLASS,
            options=list(dataset.classes),
            help="A multiclass model has one score per class; contributions are to this one.",
        )

expl = cached_explanation(study, name, class_name)
probability = expl.output.startswith("probability")
average = f"{expl.base_value:.1%}" if probability else format_number(expl.base_value)
took = "under 0.1 s" if expl.seconds < 0.05 else f"{expl.seconds:.1f} s"
rows = (
    "held-out rows (never seen in training)"
    if expl.held_out
    else "rows (with cross-validation the final model was refit on every row, these included)"
)
st.info(
    f"{expl.explainer_text}. Explained {expl.n_rows:,} of {expl.n_rows_available:,} {rows} "
    f"in {took}. Contributions are in {md(expl.output)}; each row's "
    f"contributions add up to its prediction, starting from the average prediction "
    f"({average}).",
    icon=":material/info:",
)

overall, one_row, compare, dependence = st.tabs(
    ["Overall", "One row", "Compare two models", "One column"]
)
with overall:
    st.plotly_chart(
        importance_figure(expl),
        width="stretch",
        key="importance",
        config=chart_config("importance"),
    )
    st.caption(
        "How much each column moves this model's prediction on average, whichever the direction. "
        "Longer bars matter more."
    )
    st.plotly_chart(
        beeswarm_figure(expl), width="stretch", key="beeswarm", config=chart_config("beeswarm")
    )
    st.caption(
        "Each dot is one row: right of the line pushes the prediction up, left pushes it down. "
        "The colour is the row's value in that column, so you can see e.g. whether high values "
        "push up."
    )

with one_row:
    lists = {"Any explained row": [int(i) for i in expl.values.index]}
    lists.update({k.capitalize(): v for k, v in row_choices(study, expl).items() if v})
    source = st.radio("Rows to choose from", list(lists), horizontal=True, key="row_list")
    row = st.selectbox(
        "Row",
        lists[source],
        format_func=lambda i: f"row {int(dataset.row_ids[i])} of the table",
        key=f"row:{source}",
        help="Rows are numbered from 0, as in the Data page's preview.",
    )
    st.plotly_chart(
        waterfall_figure(expl, row),
        width="stretch",
        key="waterfall",
        config=chart_config("waterfall"),
    )
    st.caption(
        "Start from the average prediction at the bottom; each bar is how much one column of "
        "this row pushed it up or down; the top is this row's prediction."
    )
    with st.expander("This row's values"):
        values = expl.data.loc[row]  # numbers and text: each written as a person would
        shown = pd.DataFrame({"column": values.index, "value": values.to_list()})
        st.dataframe(text_frame(shown), width="stretch", hide_index=True)

with compare:
    names = list(models)
    simple = cand.SIMPLE_BASELINE if cand.SIMPLE_BASELINE in models else names[0]
    best = decision.academic if decision.academic in models else names[-1]
    a_col, b_col = st.columns(2)
    first = a_col.selectbox(
        "First model",
        names,
        index=names.index(simple),
        format_func=lambda n: models[n].label,
        key="compare_a",
    )
    second = b_col.selectbox(
        "Second model",
        names,
        index=names.index(best),
        format_func=lambda n: models[n].label,
        key="compare_b",
    )
    a, b = (
        cached_explanation(study, first, class_name),
        cached_explanation(study, second, class_name),
    )
    st.success(md(agreement(a, b).sentence), icon=":material/compare_arrows:")
    st.plotly_chart(
        compare_figure(a, b), width="stretch", key="compare", config=chart_config("compare")
    )
    st.caption(
        "Each model's share of attention per column (its importances as a % of its total), so "
        "models whose outputs are in different units can be compared."
    )

with dependence:
    column = st.selectbox(
        "Column", list(expl.importance.index), key="dependence_column",
        help="Ordered by importance for this model.",
    )  # fmt: skip
    st.plotly_chart(
        dependence_figure(expl, column),
        width="stretch",
        key="dependence",
        config=chart_config("dependence"),
    )
    st.caption(
        "How this column's value changes its contribution: each dot is a row; above zero "
        "pushes the prediction up."
    )

"""Trade-offs: accuracy against the decision's cost, the decision rule, budgets and the leaderboard.

Everything here reads the finished study; no widget on this page trains anything. The pick is
:func:`ui.decision.current_decision`, the one every page shows.
"""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from core.decision import (
    DECISION_COSTS,
    NET_VALUE,
    chart_models,
    other_runtime_models,
    rule_words,
)
from core.figures import chart_config, family_line_words, pareto_figure
from core.glossary import result_terms
from core.pareto import COST_AXES, DEFAULT_USD_PER_VCPU_HOUR, USD_PER_VCPU_HOUR_SOURCE
from core.runtimes import RUNTIME_MODES, runtime_summary
from core.stats import metric_info
from core.tables import error_in_target_units
from ui.business import numbers_entered
from ui.common import glossary_popover, md, study_view
from ui.decision import current_decision, decision_cost, decision_leaderboard, served_view
from ui.state import BUSINESS_PAGE, EXPLAIN_PAGE, Icons, Keys, kept, require_study, widget_key_of

#: The Trade-offs chart's height in pixels: with the pick above it, on the first screen at
#: 1280×720.
TRADEOFFS_HEIGHT = 420

st.title("Trade-offs")
study = require_study()
metric = study.primary_metric
info = metric_info(metric)
words = info.words

costs = ([NET_VALUE] if numbers_entered(study) else []) + list(COST_AXES)
cost_widget = widget_key_of(Keys.AXIS)
st.session_state[cost_widget] = decision_cost(study)


def _cost_chosen() -> None:
    st.session_state[Keys.AXIS] = st.session_state[cost_widget]


# The controls in one row, so the pick and its chart come before the fold at 1280×720 (what
# the chart is of is said under it); the rule
# and the budgets, set less often, are under the chart. Every value lives in session state, so
# the decision below already reflects a change made in any of them.
cost_box, runtime_box, lens_box, words_box = st.columns(
    [3.4, 2.4, 2.4, 1.8], vertical_alignment="bottom"
)
with cost_box:
    st.selectbox(
        "Cost to decide on",
        options=costs,
        key=cost_widget,
        on_change=_cost_chosen,
        format_func=lambda k: (
            "net value per month (your business numbers)"
            if k == NET_VALUE
            else DECISION_COSTS[k].title
        ),
        help="The industry pick saves on this cost, and the chart shows it across. p50: the "
        "typical time to score one row; p95: 95 of 100 rows are scored faster. Throughput is "
        "for scoring large batches; batch serving cost converts it to money, online serving "
        "cost prices one request at a time. Training CPU time is the CPU seconds of the fit. "
        "Once you enter your business numbers, net value per month decides.",
    )
with runtime_box:
    kept(
        st.selectbox,
        "Served from",
        Keys.RUNTIME,
        options=list(RUNTIME_MODES),
        format_func=lambda k: RUNTIME_MODES[k],
        help="The same fitted model can be served from scikit-learn, as it was trained, or "
        "compiled to ONNX Runtime, where it compiles and predicts exactly as scikit-learn "
        "does on every held-out row. Best of both serves each model from the runtime that is "
        "clearly cheaper on the chosen cost.",
    )
with lens_box:
    kept(
        st.segmented_control,
        "Lens",
        Keys.LENS,
        options=["Industry", "Academic"],
        help="Academic: the best metric, whatever it costs. Industry: the best model, unless "
        "one statistically tied with it is materially cheaper on the chosen cost.",
    )
with words_box:
    glossary_popover(
        [*result_terms(study.primary_metric), "throughput", "vcpu_hour", "serving_cost"]
    )


def _rule_and_budgets() -> None:
    """The decision rule's two numbers and the three budgets, in one bordered row."""
    give_up = (
        "Give up at most (points)"
        if info.percent or metric == "r2"
        else ("Give up at most (% more error)")
    )
    with st.container(border=True):
        st.markdown("**The rule** (leave a budget empty for no limit)")
        tolerance, saving, latency, size, train = st.columns(5, vertical_alignment="bottom")
        with tolerance:
            kept(
                st.number_input,
                give_up,
                Keys.TOLERANCE,
                min_value=0.0,
                max_value=100.0,
                step=0.5,
                help=f"How much {words} you would give up for a cheaper model"
                + (" (points: hundredths of R²)." if metric == "r2" else "."),
            )
        with saving:
            kept(
                st.number_input,
                "Least saving worth it (%)",
                Keys.MATERIALITY,
                min_value=0.0,
                max_value=95.0,
                step=5.0,
                help="A cheaper model replaces the best one only if it saves at least this "
                "much on the chosen cost, and the saving is clear of the measurement noise.",
            )
        with latency:
            kept(
                st.number_input,
                "Max p95 latency (ms)",
                Keys.MAX_LATENCY_MS,
                min_value=0.0,
                value=None,
                step=1.0,
                help="Budget: the p95 latency per row, in milliseconds.",
            )
        with size:
            kept(
                st.number_input,
                "Max model size (MB)",
                Keys.MAX_SIZE_MB,
                min_value=0.0,
                value=None,
                step=1.0,
            )
        with train:
            kept(
                st.number_input,
                "Max training (CPU-s)",
                Keys.MAX_TRAIN_S,
                min_value=0.0,
                value=None,
                step=1.0,
                help="Budget: the CPU seconds of one training run.",
            )
        if not numbers_entered(study):
            st.page_link(
                BUSINESS_PAGE,
                label="Decide on money: enter your business numbers",
                icon=Icons.BUSINESS,
            )


decision = current_decision(study)
lens = st.session_state[Keys.LENS] or "Industry"
pick = decision.industry if lens == "Industry" else decision.academic
headline = decision.sentence if lens == "Industry" else decision.academic_sentence
box = st.success if pick else st.warning
label = study.model(pick).label if pick else "none"
box(f"**{lens} pick: {md(label)}.** {md(headline)}", icon=Icons.PICK)
axis = decision.cost


def _chart() -> tuple[go.Figure, bool]:
    """The chart of the decision's cost, and whether it shows the other runtime too."""
    shown = served_view(study, decision)  # kept: the leaderboard below shows it too
    other_runtime = other_runtime_models(study, decision, as_served=shown)
    figure = pareto_figure(
        chart_models(study, decision, as_served=shown),
        metric,
        axis,
        budgets=decision.budgets,
        academic=decision.academic,
        industry=decision.industry,
        other_runtime=other_runtime,
    )
    # A little shorter than other charts: the pick's sentence above it may name a runtime too.
    figure.update_layout(height=TRADEOFFS_HEIGHT)
    return figure, bool(other_runtime)


# Drawn once per set of choices and kept: a study of hundreds of models (a sweep) takes a
# second to draw, and going back to a cost or a budget seen before is instant.
figure, other_runtime = study_view(study, "trade-offs chart", (repr(decision.choices),), _chart)
st.plotly_chart(figure, width="stretch", key="pareto", config=chart_config("pareto"))
# What the chart is of, and what the pick above means, come under it: at 1280×720 the pick and
# the whole plot fit on the first screen.
if pick and metric == "r2":  # R² has no unit: say what it means in the target's own
    st.caption(md(error_in_target_units(study, pick)))
if st.session_state.get(Keys.AXIS) == decision.cost:
    st.caption(
        f"Judged on {md(decision.cost_label)}, the cost you chose: the sidebar, every page and "
        "the report show this pick."
    )
left_is = (
    "further left means more net value per month"
    if axis == NET_VALUE
    else f"further left means cheaper in {DECISION_COSTS[axis].label}"
)
st.caption(
    f"{md(study.dataset.name)} → predict **{md(study.dataset.target)}** "
    f"({study.dataset.task}), {len(study.models)} models, ranked by {words} on rows "
    f"they never saw in training. Each dot is a model. Up means better {words} (bars show "
    f"its 95% interval); {left_is}. "
    "Models on the solid line are the best you can get for their cost; faded ones are beaten "
    f"on both. The gold star is the decision. {family_line_words(study.models)} "
    "Horizontal lines mark the baselines; red shading is over budget."
    + (
        " Diamonds are served from ONNX Runtime; a hollow marker is the same model from the "
        "other runtime, and its arrow points from scikit-learn to ONNX Runtime."
        if other_runtime
        else ""
    )
)
summary = study_view(study, "runtime summary", (), lambda: runtime_summary(study))
if summary:
    st.caption(md(summary))
_rule_and_budgets()
st.caption(md(rule_words(metric, decision)))
if axis in ("usd_per_million_predictions", "usd_per_million_online_predictions"):
    price = study.config.usd_per_vcpu_hour
    source = (
        USD_PER_VCPU_HOUR_SOURCE if price == DEFAULT_USD_PER_VCPU_HOUR else "set for this study"
    )
    how = (
        "scored in batches on one vCPU at the measured throughput"
        if axis == "usd_per_million_predictions"
        else "served one request at a time on one vCPU, each for its mean single-row latency"
    )
    st.caption(
        md(f"Serving cost: one million predictions {how}, at ${price:g} per vCPU-hour ({source}).")
    )

st.subheader("Leaderboard")
st.caption(
    "Best first. A difference with the simple baseline is real only when its 95% interval "
    "excludes zero; otherwise it could be luck of the test rows."
)
decision_leaderboard(study, decision)
st.page_link(EXPLAIN_PAGE, label="Why do these models decide what they decide?", icon=Icons.EXPLAIN)

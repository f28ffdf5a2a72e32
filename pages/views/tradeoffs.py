"""Trade-offs: accuracy against each cost, budgets, the two lenses and the leaderboard.

Everything here reads the finished study; no widget on this page trains anything.
"""

from __future__ import annotations

import streamlit as st

from core.figures import pareto_figure
from core.pareto import COST_AXES, DEFAULT_USD_PER_VCPU_HOUR, USD_PER_VCPU_HOUR_SOURCE
from core.stats import metric_info
from core.tables import leaderboard_view
from ui.common import column_formats, current_budgets, md, table_height
from ui.state import EXPLAIN_PAGE, Icons, Keys, kept, require_study

st.title("Trade-offs")
study = require_study()
metric = study.primary_metric
words = metric_info(metric).words
st.caption(
    f"{md(study.dataset.name)} → predict **{md(study.dataset.target)}** "
    f"({study.dataset.task}), {len(study.models)} models, ranked by {words} on rows "
    "they never saw in training."
)

controls, budgets_box = st.columns([3, 2])
with controls:
    kept(
        st.selectbox,
        "Cost to compare against",
        Keys.AXIS,
        options=list(COST_AXES),
        format_func=lambda k: COST_AXES[k].title,
        help="p50: the typical time to score one row; p95: 95 of 100 rows are scored faster. "
        "Throughput is for scoring large batches; batch serving cost converts it to money, "
        "online serving cost prices one request at a time. Training CPU time is the CPU "
        "seconds of the fit, which compare fairly although models trained side by side.",
    )
    kept(
        st.segmented_control,
        "Lens",
        Keys.LENS,
        options=["Industry", "Academic"],
        help="Academic: the best metric, whatever it costs. Industry: the cheapest model "
        "statistically tied with the best that fits the budgets.",
    )
with budgets_box, st.container(border=True):
    st.markdown("**Budgets** (leave empty for no limit)")
    for budget_label, key in (
        ("Max p95 latency per row (ms)", Keys.MAX_LATENCY_MS),
        ("Max model size (MB)", Keys.MAX_SIZE_MB),
        ("Max training CPU time (CPU-s)", Keys.MAX_TRAIN_S),
    ):
        kept(st.number_input, budget_label, key, min_value=0.0, value=None, step=1.0)

budgets = current_budgets()
rec = study.rerecommend(budgets)
lens = st.session_state[Keys.LENS] or "Industry"
if lens == "Industry":
    pick = rec.industry
    headline = rec.sentence
else:
    pick = rec.academic
    headline = rec.academic_sentence
box = st.success if pick else st.warning
box(f"**{lens} pick: {study.model(pick).label if pick else 'none'}.** {headline}", icon=Icons.PICK)

axis = st.session_state[Keys.AXIS]
figure = pareto_figure(
    study.models,
    metric,
    axis,
    budgets=budgets,
    academic=rec.academic,
    industry=rec.industry,
)
st.plotly_chart(figure, width="stretch", key="pareto")
st.caption(
    f"Each dot is a model. Up means better {words} (bars show its 95% interval); "
    f"further left means cheaper in {COST_AXES[axis].label}. Models on the solid line are the "
    "best you can get for their cost; faded ones are beaten on both. Dotted lines join sizes "
    "of one family; horizontal lines mark the baselines; red shading is over budget."
)
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
        f"Serving cost: one million predictions {how}, at ${price:g} per vCPU-hour ({source})."
    )

st.subheader("Leaderboard")
st.caption(
    "Click a column header to sort. A difference is real only when its 95% interval excludes "
    "zero; otherwise it could be luck of the test rows."
)
st.dataframe(
    leaderboard_view(study, budgets),
    hide_index=True,
    width="stretch",
    column_config=column_formats(study.primary_metric),
    height=table_height(len(study.models)),
)
st.page_link(EXPLAIN_PAGE, label="Why do these models decide what they decide?", icon=Icons.EXPLAIN)

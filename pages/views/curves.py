"""More data?: would more rows change the decision? Learning curves of the study's key models,
with a forecast at 2×, 5× and 10× the rows, drawn in the background (:mod:`core.curves`).

The sentence about the decision is made in core (:func:`core.curves.more_data_sentence`), the
same in the report and the command line; this page only draws and shows it.
"""

from __future__ import annotations

import streamlit as st

from core import jobs
from core.curves import curve_models, forecast_table
from core.curves_figures import learning_curve_figure, training_cost_figure
from core.figures import chart_config
from core.stats import metric_info
from core.units import format_ms
from ui import curves as ui_curves
from ui.common import glossary_popover, md, reading_table, show_error
from ui.decision import current_decision
from ui.state import Icons, require_study, stop_page

st.title("More data?")
study = require_study()
glossary_popover(["learning_curve", "forecast", "interval", "held_out"])
dataset = study.dataset
info = metric_info(study.primary_metric)
st.caption(
    f"Would more rows of {md(dataset.name)} change which model to serve? Each key model is "
    f"trained again on 10, 20, 40 and 70% of the training rows and tested on the same held-out "
    f"rows; a curve fitted through the points forecasts its {info.words} with 2×, 5× and 10× "
    "the rows."
)
decision = current_decision(study)
roles = curve_models(study, decision.industry, decision.academic)
if not roles:
    st.warning("No model of this study finished, so there is nothing to draw. Train again.")
    stop_page()

key = ui_curves.curves_key(study)
job = jobs.find_curves(key)
saved, problem = ui_curves.saved_curves(study)
curves = job.result if job is not None and job.result is not None else saved
if problem:
    st.warning(md(problem), icon=Icons.WARNING)

listed = ", ".join(f"{study.model(n).label} ({', '.join(r)})" for n, r in roles.items())
running = job is not None and not job.finished
if curves is None and not running:
    st.info(
        f"The curves are not drawn yet. Drawing them trains {len(roles)} models "
        f"({md(listed)}) again on 10, 20, 40 and 70% of the rows (1.4 times the study's "
        "training of each, in all), on the study's executor, in the background: you can use "
        "the other pages meanwhile."
    )
stale = curves is not None and curves.decision != decision.industry and not running
if stale:
    st.info(
        "These curves were drawn when another model was the pick; draw them again to include "
        "the decision as it is now."
    )
draw = not running and (curves is None or stale)
if draw and st.button(
    "Draw the learning curves", type="primary", icon=":material/trending_up:", key="draw_curves"
):
    ui_curves.start(study, roles, decision.industry)
    st.rerun()


@st.fragment(run_every=ui_curves.REFRESH_S)
def _progress() -> None:
    """The curves' progress, redrawn every second; the page reruns whole once they end."""
    followed = jobs.find_curves(key)
    if followed is None or followed.finished:
        st.rerun()
    share, words = ui_curves.job_words(followed)
    st.progress(share, text=f"Drawing the learning curves · {words}")
    st.caption("You can open other pages meanwhile; the curves are kept with the study.")
    if st.button("Stop drawing", key="stop_curves"):
        followed.cancel()


if job is not None:
    if not job.finished:
        _progress()
        stop_page()
    if job.state == "failed" and job.error is not None:
        show_error(job.error)
    if job.state == "cancelled" and curves is None:
        st.info("Drawing the curves was stopped; nothing was saved.")
    if job.save_error:
        st.warning(
            f"The curves are drawn but could not be saved with the study: {md(job.save_error)}"
        )
if curves is None:
    stop_page()

st.subheader("Would more data change the choice?")
st.markdown(f"**{md(curves.sentence)}**")
untrusted = [c for c in curves.curves if c.forecasts and not c.trustworthy]
for c in untrusted:
    st.caption(f"**{md(c.label)}**: its forecast is not to be trusted. {md(c.why_not)}")
st.plotly_chart(
    learning_curve_figure(curves), width="stretch", config=chart_config("learning_curves")
)
st.caption(
    " ".join(curves.notes)
    + f" Every point was scored on the same {curves.held_out_rows:,} held-out rows; bars and "
    "bands are 95% intervals."
)

st.subheader("What more data would cost")
st.plotly_chart(
    training_cost_figure(curves), width="stretch", config=chart_config("training_time_curves")
)
table = forecast_table(curves)
if not table.empty:
    reading_table(table)
    st.caption(
        "Training time and file size at more rows are extrapolated from how they grew across "
        "the curve's points (a power of the rows); the interval of the forecast metric is 95%."
    )
for c in curves.curves:
    if c.problems:
        st.caption(f"{md(c.label)}: {md('; '.join(c.problems))}.")
took = curves.seconds
st.caption(f"Drawn in {format_ms(took * 1000)}.")
if not running and not stale and st.button("Draw them again", key="redraw_curves"):
    ui_curves.start(study, roles, decision.industry)
    st.rerun()

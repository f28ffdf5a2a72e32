"""Fairness and privacy: does each model treat groups of people alike, and what personal data
the study holds.

Groups are read from any column of the table (used in training or not); reports are computed once
per study and set of columns and kept in the session.
"""

from __future__ import annotations

import streamlit as st

from core.errors import TradeoffError
from core.fairness import (
    COLUMNS_SEPARATOR,
    FOUR_FIFTHS,
    MIN_GROUP_ROWS,
    column_choices,
    gap_sentence,
)
from core.fairness_figures import accuracy_gap_figure, group_figure, rates_figure
from core.figures import chart_config
from core.tables import gaps_summary, privacy_frame
from ui.common import (
    cached_fairness,
    chosen_sensitive,
    glossary_popover,
    md,
    number_formats,
    readable_numbers,
    reading_table,
    show_error,
    study_table,
)
from ui.decision import current_decision, follow_decision
from ui.state import DATA_PAGE, Icons, Keys, kept, require_study, stop_page

RATES_CAPTIONS = {
    "binary": "Left: the model's accuracy metric in each group, with its 95% interval; the dashed "
    "line is all rows. Right: how often it predicts the positive class in each group (selection "
    "rate), how many true positives it catches and how many others it flags.",
    "multiclass": "The model's accuracy metric in each group, with its 95% interval; the dashed "
    "line is all rows.",
    "regression": "Left: the model's accuracy metric in each group, with its 95% interval; the "
    "dashed line is all rows. Right: its mean absolute error in each group.",
}

st.title("Fairness")
study = require_study()
glossary_popover(["four_fifths", study.primary_metric, "interval", "held_out"])
dataset = study.dataset
often = (
    f", and predict **{md(dataset.positive_class)}** as often," if dataset.positive_class else ""
)
st.caption(
    f"Whether the models trained on {md(dataset.name)} to predict **{md(dataset.target)}** are "
    f"as accurate{often} for every group of people: by sex, age band or any column you choose, "
    "on rows they never saw in training."
)
table = study_table(study)
choices = column_choices(study, table)
available = [c.column for c in choices if c.available]
chosen_sensitive(choices)  # the kept choice, checked against this study's columns
models = {m.name: m.label for m in study.ok_models if m.predictions is not None}
if not models:
    st.warning("No model of this study finished with held-out predictions: nothing to compare.")
    stop_page()
decision = current_decision(study)
follow_decision(
    Keys.FAIRNESS_MODEL,
    list(models),
    next((n for n in (decision.industry, decision.academic) if n in models), next(iter(models))),
)

left, right = st.columns([3, 2])
with left:
    columns = kept(
        st.multiselect,
        "Columns that describe people",
        Keys.SENSITIVE,
        options=available,
        placeholder="Choose a column such as sex or age",
        help="Suggested from the column names (sex, gender, race, age, religion…). Ages fall "
        "into bands, other numbers into four ranges. With two or more, their combinations are "
        "compared too.",
    )
with right:
    model = kept(
        st.selectbox,
        "Model to look at",
        Keys.FAIRNESS_MODEL,
        options=list(models),
        format_func=lambda n: models[n] + ("  (the decision)" if n == decision.industry else ""),
    )
blocked = [c for c in choices if not c.available]
if blocked:
    with st.expander(f"Columns that cannot be measured here ({len(blocked)})"):
        st.markdown("\n".join(f"- **{md(c.column)}**: {md(c.reason)}." for c in blocked))

report = None
if not columns:
    st.info("Choose one or more columns that describe people to compare the groups.")
else:
    sets = [(c,) for c in columns] + ([tuple(columns)] if len(columns) > 1 else [])
    views = {COLUMNS_SEPARATOR.join(s): s for s in sets}
    if st.session_state.get(Keys.FAIRNESS_VIEW) not in views:
        st.session_state[Keys.FAIRNESS_VIEW] = next(iter(views))
    kept(
        st.segmented_control,
        "Groups by",
        Keys.FAIRNESS_VIEW,
        options=list(views),
        help="One column, or (last) every combination of the chosen columns: people at the "
        "crossing of two attributes can be treated differently even when each alone looks fair.",
    )
    chosen = views.get(st.session_state[Keys.FAIRNESS_VIEW] or "", sets[0])
    try:
        report = cached_fairness(study, chosen, table)
    except TradeoffError as exc:  # e.g. the table on screen is not the study's after all
        show_error(exc)
if report is not None:
    st.caption(md(report.training_sentence))
    gap = report.gap(model)
    calm = not gap.gap_is_clear and (gap.selection_rate_ratio or 1.0) >= FOUR_FIFTHS
    sentence = gap_sentence(gap, column=report.name, positive=dataset.positive_class)
    (st.info if calm else st.warning)(md(sentence), icon=Icons.FAIRNESS)
    if report.small_groups:
        small = md(", ".join(report.small_groups))
        st.caption(
            f"Grey groups have fewer than {MIN_GROUP_ROWS} held-out rows: too few to "
            f"judge, so they are left out of the gaps ({small})."
        )
    with_rates = dataset.task != "multiclass"
    one, two = st.columns(2) if with_rates else (st.container(), None)
    one.plotly_chart(
        group_figure(study, report, model),
        width="stretch",
        key=f"groups:{report.name}",
        config=chart_config(f"groups:{report.name}"),
    )
    if two is not None:
        two.plotly_chart(
            rates_figure(study, report, model),
            width="stretch",
            key=f"rates:{report.name}",
            config=chart_config(f"rates:{report.name}"),
        )
    st.caption(RATES_CAPTIONS[dataset.task])
    st.plotly_chart(
        accuracy_gap_figure(study, report, decision.industry),
        width="stretch",
        key=f"gap:{report.name}",
        config=chart_config(f"gap:{report.name}"),
    )
    st.caption(
        "Each dot is a model: up is more accurate on all rows, left is a smaller gap "
        "between the best and the worst group. Models on the solid line are the fairest "
        "for their accuracy; moving along it shows what fairness costs or gains."
    )
    reading_table(gaps_summary(report, dataset.task))
    st.caption(
        f"A selection-rate ratio below {FOUR_FIFTHS} (the 'four-fifths rule') is a "
        "common warning sign that one group is favoured."
    )
    with st.expander("Every model in every group"):
        st.dataframe(
            readable_numbers(report.table),
            hide_index=True,
            width="stretch",
            column_config=number_formats(report.table),
        )

st.subheader("Privacy")
st.caption(
    "The personal-data scan of the Data page: columns that identify people are left out of "
    "training, and their values are in no saved study, result, prediction or model file unless "
    "you include them on the Data page."
)
privacy = privacy_frame(dataset)
if privacy.empty:
    st.success(
        "No column looks like personal data, an identifier or a description of people.",
        icon=Icons.PRIVACY,
    )
else:
    reading_table(privacy)
st.page_link(DATA_PAGE, label="Leave a column out of training on the Data page", icon=Icons.DATA)

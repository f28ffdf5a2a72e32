"""Start: what the app answers, what is loaded, and one button to see results."""

from __future__ import annotations

import streamlit as st

from ui.common import md
from ui.state import (
    BUSINESS_PAGE,
    DATA_PAGE,
    EXPLAIN_PAGE,
    FAIRNESS_PAGE,
    REPORT_PAGE,
    STUDIES_PAGE,
    TRADEOFFS_PAGE,
    TRAIN_PAGE,
    Icons,
    Keys,
    current_dataset,
    current_study,
)
from ui.training import training

st.title("⚖️ Tradeoff Explorer")
st.markdown(
    "**Is the extra accuracy worth its cost?** Train a baseline and a ladder of richer models "
    "on a table, measure each one honestly (accuracy with its uncertainty, training time, "
    "latency, size, money) and see which one is worth serving."
)

dataset = current_dataset()
if dataset is not None:
    st.success(
        f"**{md(dataset.name)}** is loaded: predict **{md(dataset.target)}** "
        f"({dataset.task}) from {len(dataset.used_columns)} columns of {dataset.n_rows:,} rows.",
        icon=Icons.DATA,
    )
    if training():
        st.page_link(
            TRAIN_PAGE, label="Models are training: follow them on Train", icon=Icons.TRAIN
        )
    elif st.button("Train the default models on this data", type="primary", key="start_train"):
        st.session_state[Keys.AUTOSTART] = True
        st.switch_page(TRAIN_PAGE)
    source = st.session_state[Keys.SOURCE]
    st.caption(
        "About 20 seconds on this sample on two cores. To use your own table, open Data first."
        if source is not None and source.sample
        else "Time grows with the table's size; the Train page shows each model's progress."
    )
else:
    st.info("Choose a table and a target to begin.")

st.subheader("How it works")
steps = (
    (DATA_PAGE, "Data", Icons.DATA,
     "Upload a table or pick a sample; choose what to predict; check the warnings."),
    (TRAIN_PAGE, "Train", Icons.TRAIN,
     "Train a dummy baseline, a simple baseline and richer models, measured honestly."),
    (TRADEOFFS_PAGE, "Trade-offs", Icons.TRADEOFFS,
     "Accuracy against latency, size, training time and money; set budgets."),
    (EXPLAIN_PAGE, "Explain", Icons.EXPLAIN,
     "Which columns drive each model's decisions, and whether two models agree."),
    (BUSINESS_PAGE, "Business case", Icons.BUSINESS,
     "Money per month: errors, serving and training; does the extra accuracy pay?"),
    (FAIRNESS_PAGE, "Fairness", Icons.FAIRNESS,
     "Is each model as accurate for every group of people? What personal data is held?"),
    (REPORT_PAGE, "Report", Icons.REPORT,
     "One file for the meeting; tables, results and each model ready to serve."),
    (STUDIES_PAGE, "Studies", Icons.STUDIES,
     "Every finished study is saved; reopen or delete one."),
)  # fmt: skip
for row in range(0, len(steps), 4):
    columns = st.columns(4)
    for i, (script, title, icon, words) in enumerate(steps[row : row + 4]):
        with columns[i]:
            st.page_link(script, label=f"{row + i + 1} · {title}", icon=icon)
            st.caption(words)

if current_study() is not None:
    st.page_link(
        TRADEOFFS_PAGE, label="See the trade-offs of the current study", icon=Icons.TRADEOFFS
    )

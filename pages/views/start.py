"""Start: what the app answers, what is loaded, and one button to see results."""

from __future__ import annotations

import streamlit as st

from ui.common import md
from ui.state import (
    DATA_PAGE,
    EXPLAIN_PAGE,
    STUDIES_PAGE,
    TRADEOFFS_PAGE,
    TRAIN_PAGE,
    Icons,
    Keys,
    current_dataset,
    current_study,
)

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
    if st.button("Train the default models on this data", type="primary", key="start_train"):
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
steps = st.columns(5)
with steps[0]:
    st.page_link(DATA_PAGE, label="1 · Data", icon=Icons.DATA)
    st.caption("Upload a table or pick a sample; choose what to predict; check the warnings.")
with steps[1]:
    st.page_link(TRAIN_PAGE, label="2 · Train", icon=Icons.TRAIN)
    st.caption("Train a dummy baseline, a simple baseline and richer models, measured honestly.")
with steps[2]:
    st.page_link(TRADEOFFS_PAGE, label="3 · Trade-offs", icon=Icons.TRADEOFFS)
    st.caption("Accuracy against latency, size, training time and money; set budgets.")
with steps[3]:
    st.page_link(EXPLAIN_PAGE, label="4 · Explain", icon=Icons.EXPLAIN)
    st.caption("Which columns drive each model's decisions, and whether two models agree.")
with steps[4]:
    st.page_link(STUDIES_PAGE, label="5 · Studies", icon=Icons.STUDIES)
    st.caption("Every finished study is saved; reopen or delete one.")

if current_study() is not None:
    st.page_link(
        TRADEOFFS_PAGE, label="See the trade-offs of the current study", icon=Icons.TRADEOFFS
    )

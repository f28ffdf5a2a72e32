"""Studies: every finished study is saved; reopen one or delete it."""

from __future__ import annotations

import streamlit as st

from core.errors import TradeoffError
from core.tables import format_time, studies_frame
from ui.common import get_store, md, reading_table, show_error, tell_study_data
from ui.state import TRADEOFFS_PAGE, Icons, Keys, stop_page

st.title("Studies")
store = get_store()
st.caption(
    f"Every finished study is saved automatically, with its trained models, in `{store.root}` "
    "(set the `TRADEOFF_STORE_DIR` environment variable to keep them elsewhere). Saved studies "
    "are listed for everyone using this app; unsaved work stays in your own browser session."
)

if store.read_only:
    st.info(
        md(
            f"This folder cannot be written ({store.read_only}): saved studies can be opened, "
            "but new ones are not saved and none can be deleted."
        ),
        icon=Icons.WARNING,
    )
summaries = store.list()
if not summaries:
    st.info("No saved studies yet. Train models on the Train page; the study is saved when done.")
    stop_page()

reading_table(studies_frame(summaries), {"duration (s)": "{:.0f}"})
st.caption(
    "Newest first. The best model has the best metric; the recommended one is the decision "
    "with the default rule (judged on p50 latency per row, giving up at most 1 point for a "
    "saving of at least 20%) and the study's own budgets."
)

by_id = {s.study_id: s for s in summaries}
chosen_id = st.selectbox(
    "Study to open or delete",
    list(by_id),
    format_func=lambda i: (
        f"{format_time(by_id[i].created_at)} · {by_id[i].dataset_name} → "
        f"{by_id[i].target} · {by_id[i].n_models} models"
    ),
    key="study_pick",
)
chosen = by_id[chosen_id]
open_col, delete_col, _ = st.columns([1, 1, 3])
if open_col.button("Open this study", type="primary", key="open_study"):
    try:
        with st.spinner("Opening the study and its models…"):
            st.session_state[Keys.STUDY] = store.load(chosen.study_id)
        st.session_state[Keys.STUDY_ID] = chosen.study_id
        tell_study_data(st.session_state[Keys.STUDY].dataset, chosen.study_id)
    except TradeoffError as exc:
        show_error(exc)
        stop_page()
    st.switch_page(TRADEOFFS_PAGE)

confirm = delete_col.toggle("Allow delete", key="confirm_delete")
if delete_col.button("Delete this study", disabled=not confirm, key="delete_study"):
    try:
        store.delete(chosen.study_id)
    except TradeoffError as exc:
        show_error(exc)
        stop_page()
    if st.session_state.get(Keys.STUDY_ID) == chosen.study_id:
        st.session_state[Keys.STUDY_ID] = None  # still open in this session, no longer saved
    st.toast("Study deleted.")
    st.rerun()

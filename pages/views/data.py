"""Data: choose a table (a bundled sample or an upload), what to predict, which columns to use."""

from __future__ import annotations

import streamlit as st

from core.data import BIG_TABLE_COMMAND, suggest_target
from core.errors import TradeoffError
from core.fairness import IDENTIFYING_REASONS, suggest_sensitive
from core.samples import SAMPLES, get_sample
from core.tables import profile_frame
from ui.common import (
    TableSource,
    md,
    refresh_dataset,
    table_profiles,
    upload_limit_bytes,
    use_sample,
    use_upload,
)
from ui.state import TRAIN_PAGE, Icons, Keys, kept

#: The task choices and their labels, fixed (a label must not change between reruns).
TASK_LABELS = {
    "auto": "Automatic (from the target's values)",
    "binary": "Binary classification (two classes)",
    "multiclass": "Multiclass classification (three or more classes)",
    "regression": "Regression (predict a number)",
}
TASK_WORDS = {
    "binary": "binary classification (two classes)",
    "multiclass": "multiclass classification",
    "regression": "regression (predict a number)",
}

#: The one-click answer to a target written as yes and no in several ways: the warning's code →
#: the button's label and whether the target is then read as yes/no.
YES_NO_BUTTONS = {
    "yes_no_spellings": ("Read them as yes and no", True),
    "yes_no_read": ("Keep them as written", False),
}

st.title("Data")
st.caption("Choose a table, the column to predict, and which columns the models may use.")

source: TableSource = st.session_state[Keys.SOURCE]
mode = st.radio(
    "Where is the data?",
    ["Bundled sample", "Upload a file"],
    index=0 if source.sample else 1,
    horizontal=True,
    key="data_mode",
)

if mode == "Bundled sample":
    keys = [s.key for s in SAMPLES]
    chosen = st.selectbox(
        "Sample dataset",
        keys,
        index=keys.index(source.sample) if source.sample in keys else 0,
        format_func=lambda k: f"{get_sample(k).title} — predict {get_sample(k).target}",
        key="sample_pick",
    )
    if chosen != source.sample:
        use_sample(get_sample(chosen))
    sample = get_sample(chosen)
    st.caption(f"{sample.description} Source: {sample.source}.")
else:
    limit_mb = upload_limit_bytes() // (1024 * 1024)
    upload = st.file_uploader(
        "Upload a table",
        type=["csv", "tsv", "txt", "tab", "xlsx", "xls", "parquet", "pq", "json"],
        key="upload",
        help="CSV or TSV (any delimiter and encoding), Excel .xlsx, or Parquet.",
    )
    st.caption(
        f"CSV/TSV, Excel (.xlsx) or Parquet, up to {limit_mb} MB (the limit is "
        "`server.maxUploadSize` in `.streamlit/config.toml`). The file stays on this server and "
        "is never run as code. A bigger table (millions of rows) goes through the command "
        "line, which reads it from disk and writes the same report; in the project's folder:"
    )
    st.code(BIG_TABLE_COMMAND, language="bash")
    if upload is None:  # the file was removed: its error goes with it
        st.session_state[Keys.UPLOAD_ERROR] = None
        st.session_state[Keys.UPLOAD_ID] = None
    elif upload.file_id != st.session_state[Keys.UPLOAD_ID]:
        st.session_state[Keys.UPLOAD_ID] = upload.file_id
        st.session_state[Keys.UPLOAD_ERROR] = None
        try:
            use_upload(upload.getvalue(), upload.name, target=None)
            st.session_state[Keys.TARGET] = suggest_target(st.session_state[Keys.TABLE])
        except TradeoffError as exc:
            st.session_state[Keys.UPLOAD_ERROR] = str(exc)
    if st.session_state[Keys.UPLOAD_ERROR]:
        st.error(md(st.session_state[Keys.UPLOAD_ERROR]), icon=Icons.WARNING)
        st.caption(f"Still showing the previous table ({md(source.label)}).")

source = st.session_state[Keys.SOURCE]
table = st.session_state[Keys.TABLE]
columns = [str(c) for c in table.columns]

left, right = st.columns(2)
with left:
    kept(
        st.selectbox,
        "Column to predict (target)",
        Keys.TARGET,
        options=columns,
        index=None,
        placeholder="Choose the column to predict",
        then=lambda: st.session_state.update({Keys.LEFT_OUT: None, Keys.YES_NO: False}),
        help="What the models learn to predict, e.g. whether a loan defaults.",
    )
dataset = refresh_dataset()
if st.session_state[Keys.TASK] not in TASK_LABELS:  # never an unknown task, whatever happened
    st.session_state[Keys.TASK] = "auto"
with right:
    # Labels that never change between reruns: a selectbox remembers its choice by its label,
    # so a label that changed ("Automatic (binary)" -> "Automatic (regression)") came back as
    # an unknown task and blocked training. The inferred task is said below instead.
    kept(
        st.selectbox,
        "Task",
        Keys.TASK,
        options=list(TASK_LABELS),
        format_func=TASK_LABELS.__getitem__,
        help="Inferred from the target's values; override it if the guess is wrong.",
    )
dataset = refresh_dataset()
if dataset is not None and st.session_state[Keys.TASK] == "auto":
    with right:
        st.caption(f"Inferred from the target's values: **{TASK_WORDS[dataset.task]}**.")

if st.session_state[Keys.DATA_ERROR]:
    st.error(md(st.session_state[Keys.DATA_ERROR]), icon=Icons.WARNING)
elif st.session_state[Keys.TARGET] is None:
    st.info("Choose the column to predict.")

if dataset is not None:
    a, b, c, d = st.columns(4)
    a.metric("Rows used", f"{dataset.n_rows:,}", help="Rows with a target value.")
    b.metric("Feature columns", f"{len(dataset.used_columns)} of {dataset.n_columns - 1}")
    c.metric("Task", dataset.task)
    if dataset.is_classification:
        d.metric("Classes", len(dataset.classes), help=", ".join(dataset.classes))

    st.subheader("Checks")
    if not dataset.warnings:
        st.success(
            "Nothing flagged: no identifiers, personal data, leaking columns, constant columns, "
            "free text, heavy missingness or strong class imbalance found."
        )
    for warning in dataset.warnings:
        st.warning(md(warning.message), icon=Icons.CHECK)
        if warning.code in YES_NO_BUTTONS:
            label, read = YES_NO_BUTTONS[warning.code]
            if st.button(label, key=f"yes_no:{warning.code}"):
                st.session_state[Keys.YES_NO] = read
                st.rerun()
    flagged = [c for c in columns if c != dataset.target]
    st.multiselect(
        "Columns left out of the features",
        flagged,
        default=[c for c in flagged if c in dataset.excluded],
        key=f"left_out:{source.sha256[:12]}:{dataset.target}",
        placeholder="None: every column is used",
        on_change=lambda key: st.session_state.update({Keys.LEFT_OUT: st.session_state[key]}),
        args=(f"left_out:{source.sha256[:12]}:{dataset.target}",),
        help="Identifiers, personal data, leaks, constant columns and free text are left out "
        "automatically. Remove a column from this list to use it anyway, or add one to drop it.",
    )
    st.caption(
        "Personal data and identifier columns are left out by default: a model should not "
        "learn from who someone is, and an ID only lets it memorise rows."
    )
    people = suggest_sensitive(
        [c for c in flagged if dataset.excluded.get(c) not in IDENTIFYING_REASONS],
        dataset.profiles,
    )
    if people:
        st.caption(
            f"Columns that describe people: {md(', '.join(people))}. After training, the "
            "Fairness page compares every model across their groups; leave them out here to "
            "train without them, and they are still measured there."
        )

st.subheader("Columns")
st.caption("Each column of the table: its type, how much is missing, and whether models use it.")
st.dataframe(
    profile_frame(dataset.profiles if dataset else table_profiles(), dataset),
    hide_index=True,
    width="stretch",
    column_config={
        "missing (%)": st.column_config.NumberColumn(format="%.1f %%"),
        "distinct values": st.column_config.NumberColumn(format="%d"),
        "examples": st.column_config.TextColumn(width=220),  # all of them on hover
    },
)
st.subheader("Preview")
st.caption(f"The first 100 of {len(table):,} rows, as read from {md(source.name)}.")
st.dataframe(table.head(100), width="stretch")

if dataset is not None:
    st.page_link(TRAIN_PAGE, label="Next: train models on this data", icon=Icons.TRAIN)

"""Tradeoff Explorer: is the extra accuracy worth its cost?

Entry point of the Streamlit app (``make run``). This first version opens on a bundled sample
dataset and shows what the engine sees in it; the Data, Train and Trade-offs pages build on the
same ``core`` calls. Pages stay thin: everything computed comes from ``core``.
"""

from __future__ import annotations

import streamlit as st

from core.data import load_dataset
from core.dataset import Dataset
from core.errors import TradeoffError
from core.samples import DEFAULT_SAMPLE, SAMPLES, Sample, read_sample_bytes

st.set_page_config(page_title="Tradeoff Explorer", page_icon="⚖️", layout="wide")


@st.cache_data(max_entries=8, show_spinner="Reading the sample…")
def _load_sample(key: str) -> Dataset:
    sample = next(s for s in SAMPLES if s.key == key)
    return load_dataset(read_sample_bytes(sample), sample.filename, sample.target)


st.title("⚖️ Tradeoff Explorer")
st.markdown(
    "**Is the extra accuracy worth its cost?** Train a baseline and a ladder of richer models "
    "on a table, measure each one honestly (accuracy with its uncertainty, training time, "
    "latency, size, money) and see which one is worth serving."
)

sample: Sample = st.selectbox(
    "Sample dataset",
    SAMPLES,
    index=SAMPLES.index(DEFAULT_SAMPLE),
    format_func=lambda s: f"{s.title} — predict {s.target} ({s.task})",
    key="sample",
)
st.caption(f"{sample.description} Source: {sample.source}.")

try:
    dataset = _load_sample(sample.key)
except TradeoffError as exc:
    st.error(str(exc))
    st.stop()

left, middle, right = st.columns(3)
left.metric("Rows", f"{dataset.n_rows:,}")
middle.metric("Columns used as features", f"{len(dataset.used_columns)} of {dataset.n_columns - 1}")
right.metric("Task", dataset.task)

for warning in dataset.warnings:
    st.warning(warning.message)

st.subheader("Preview")
st.caption("The first rows of the table as the models will see them, with the original names.")
preview = dataset.X.head(20).rename(columns=dataset.feature_origin)
st.dataframe(preview, width="stretch")

st.subheader("Run a study")
st.markdown(
    "Until the Train page lands, run the full ladder from a terminal; it prints a leaderboard "
    "with units and writes `results.json`, `leaderboard.csv`, `predictions.csv` and one model "
    "file per model:"
)
st.code(f"python -m core run sample:{sample.key} --out results/{sample.key}", language="bash")

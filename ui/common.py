"""What every page shares: the data in use, the study store, the sidebar and error display."""

from __future__ import annotations

import hashlib
import html
import math
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
import streamlit as st

from core.data import prepare_leaving_out, profile_table, read_table
from core.dataset import TASKS, ColumnProfile, Dataset, Task
from core.economics import Resamples
from core.errors import TradeoffError
from core.explain import Explanation, explain, warm_up
from core.fairness import ColumnChoice, FairnessReport, fairness_report
from core.glossary import terms
from core.pareto import Budgets
from core.report import build_report
from core.samples import DEFAULT_SAMPLE, SAMPLES, Sample, get_sample, read_sample_bytes
from core.stats import metric_info
from core.store import StudyStore, default_store_dir
from core.study import StudyResult, prepare_workers
from core.tables import (
    Formats,
    focus_words,
    format_time,
    leaderboard_notes,
    leaderboard_summary,
    leaderboard_view,
    text_frame,
)
from core.units import MAX_DECIMALS
from ui.state import GLOSSARY_PAGE, Icons, Keys, current_dataset, current_study

T = TypeVar("T")


@dataclass(frozen=True)
class TableSource:
    """Where the table on screen came from: a bundled sample or an uploaded file."""

    name: str
    sha256: str
    sample: str | None = None

    @property
    def label(self) -> str:
        return f"sample: {get_sample(self.sample).title}" if self.sample else f"upload: {self.name}"


@st.cache_data(max_entries=8, show_spinner="Reading the sample…")
def _sample_table(key: str) -> tuple[pd.DataFrame, str]:
    sample = get_sample(key)
    data = read_sample_bytes(sample)
    return read_table(data, sample.filename), hashlib.sha256(data).hexdigest()


def use_sample(sample: Sample) -> None:
    """Put a bundled sample on screen with its target chosen."""
    table, sha = _sample_table(sample.key)
    _use_table(table, TableSource(sample.filename, sha, sample.key), sample.target)
    st.session_state[Keys.UPLOAD_BYTES] = None  # a sample is found again by its bytes' hash


def use_upload(data: bytes, filename: str, target: str | None) -> None:
    """Put an uploaded table on screen (already read by core, so it is a valid table)."""
    table = read_table(data, filename, max_bytes=upload_limit_bytes())
    _use_table(table, TableSource(filename, hashlib.sha256(data).hexdigest()), target)
    st.session_state[Keys.UPLOAD_BYTES] = data  # kept with the studies trained on it


def _use_table(table: pd.DataFrame, source: TableSource, target: str | None) -> None:
    st.session_state[Keys.TABLE] = table
    st.session_state[Keys.SOURCE] = source
    st.session_state[Keys.TARGET] = target
    st.session_state[Keys.TASK] = "auto"
    st.session_state[Keys.LEFT_OUT] = None
    st.session_state[Keys.YES_NO] = False
    st.session_state.pop(Keys.DATASET_SPEC, None)


@st.cache_data(max_entries=8, show_spinner="Profiling the columns…")
def _profiles(_table: pd.DataFrame, sha256: str) -> tuple[ColumnProfile, ...]:
    return profile_table(_table)


def table_profiles() -> tuple[ColumnProfile, ...]:
    """The column profile of the table on screen (computed once per table)."""
    source: TableSource = st.session_state[Keys.SOURCE]
    return _profiles(st.session_state[Keys.TABLE], source.sha256)


def upload_limit_bytes() -> int:
    """The upload limit set in .streamlit/config.toml (``server.maxUploadSize``, in MB)."""
    return int(st.get_option("server.maxUploadSize")) * 1024 * 1024


def refresh_dataset() -> Dataset | None:
    """Build the Dataset for the current table and choices (only when they changed).

    A choice core refuses (e.g. a target with one value) leaves no dataset and its message in
    ``Keys.DATA_ERROR``; the table and every saved study stay as they were.
    """
    if st.session_state.get(Keys.TABLE) is None:
        use_sample(DEFAULT_SAMPLE)
    source: TableSource = st.session_state[Keys.SOURCE]
    target = st.session_state.get(Keys.TARGET)
    task = st.session_state.get(Keys.TASK, "auto")
    left_out = st.session_state.get(Keys.LEFT_OUT)
    yes_no = bool(st.session_state.get(Keys.YES_NO))
    spec = (source, target, task, None if left_out is None else tuple(left_out), yes_no)
    if st.session_state.get(Keys.DATASET_SPEC) == spec:
        return current_dataset()
    st.session_state[Keys.DATASET_SPEC] = spec
    st.session_state[Keys.DATASET] = None
    st.session_state[Keys.DATA_ERROR] = None
    if target is None:
        return None
    try:
        dataset = prepare_leaving_out(
            st.session_state[Keys.TABLE],
            target,
            left_out,
            name=source.name,
            sha256=source.sha256,
            task=None if task == "auto" else _task(task),
            yes_no=yes_no,
        )
    except TradeoffError as exc:
        st.session_state[Keys.DATA_ERROR] = str(exc)
        return None
    st.session_state[Keys.DATASET] = dataset
    return dataset


def _task(value: str) -> Task:
    if value not in TASKS:
        raise TradeoffError(f"Unknown task {value!r}. Choose from: {', '.join(TASKS)}.")
    return cast(Task, value)


@st.cache_resource(max_entries=4)
def _store(root: str) -> StudyStore:
    # Shared by all sessions: the store holds no per-user state, only where the files are.
    return StudyStore(Path(root))


def get_store() -> StudyStore:
    return _store(str(default_store_dir()))


def use_study_data(ds: Dataset, study_id: str | None = None, *, table: bytes | None = None) -> bool:
    """Make the table of an opened study's dataset ``ds`` the current data, so that training
    again trains on it, with the study's target, task and left-out columns.

    A bundled sample is recognised by its file name and the SHA-256 of its bytes. An upload
    comes back from ``table`` (the file's bytes, held by a job still training) or from the
    study's folder (saved study ``study_id``) when the study kept it, read as any upload is.
    Otherwise the current data stays, and ``False`` says so (the caller tells the user)."""
    source: TableSource | None = st.session_state.get(Keys.SOURCE)
    if source is not None and source.sha256 == ds.sha256:
        return True
    for sample in SAMPLES:
        if sample.filename == ds.name and _sample_table(sample.key)[1] == ds.sha256:
            use_sample(sample)
            break
    else:
        try:
            data = table
            if data is None and study_id:
                data = get_store().table_bytes(study_id)
            if data is None:
                return False
            use_upload(data, ds.name, ds.target)
        except TradeoffError as exc:
            st.session_state[Keys.NOTICE] = md(f"The study's table could not be opened: {exc}")
            return False
    st.session_state[Keys.TARGET] = ds.target
    st.session_state[Keys.TASK] = ds.task
    st.session_state[Keys.LEFT_OUT] = list(ds.excluded)
    st.session_state[Keys.YES_NO] = any(w.code == "yes_no_read" for w in ds.warnings)
    return True


def show_notice() -> None:
    """Show, once, the message an earlier run left for the page the user landed on."""
    notice = st.session_state.pop(Keys.NOTICE, None)
    if notice:
        st.toast(notice, icon=Icons.WARNING)


def tell_study_data(
    ds: Dataset, study_id: str | None = None, *, table: bytes | None = None
) -> None:
    """Put an opened study's data ``ds`` on screen (``study_id``, ``table``: see
    :func:`use_study_data`), or say why the current data stays (on the next run, which is the
    page the user lands on)."""
    if not use_study_data(ds, study_id, table=table) and not st.session_state.get(Keys.NOTICE):
        st.session_state[Keys.NOTICE] = md(
            f"This study was trained on the uploaded file {ds.name}, which was not saved with "
            "it (studies saved before this version, or while the file was not at hand): the "
            "current data stays as it was. Upload that file again to train on it."
        )


#: The page link's query parameter holding the current saved study's id.
STUDY_LINK = "study"


def keep_study_in_link() -> None:
    """The current saved study survives a reload: its id rides in the page's link.

    A new session (a reload, or a link someone shared) whose link names a saved study opens it
    once; an id that is not a saved study's (a typo, a deleted study, a hostile string: the store
    accepts only exact 32-hex ids it holds) is told in a toast and dropped. Every run then puts
    the current saved study's id back in the link, since Streamlit clears the link's parameters
    on each change of page."""
    link = st.query_params.get(STUDY_LINK)
    if link and not st.session_state[Keys.LINK_TRIED] and st.session_state[Keys.STUDY] is None:
        st.session_state[Keys.LINK_TRIED] = True
        try:
            st.session_state[Keys.STUDY] = get_store().load(link)
            st.session_state[Keys.STUDY_ID] = link
            tell_study_data(st.session_state[Keys.STUDY].dataset, link)
        except TradeoffError as exc:
            st.toast(md(f"The study in this link could not be opened: {exc}"), icon=Icons.WARNING)
    st.session_state[Keys.LINK_TRIED] = True
    study_id = st.session_state[Keys.STUDY_ID]
    if study_id and st.query_params.get(STUDY_LINK) != study_id:
        st.query_params[STUDY_LINK] = study_id
    elif not study_id and STUDY_LINK in st.query_params:
        del st.query_params[STUDY_LINK]


#: Things the store did on its own are told to each session once, if they are this recent.
NOTICE_MAX_AGE_S = 3600.0


def store_notices() -> None:
    """Tell this session, once each, what the shared store did on its own (an index rebuilt
    from the study folders, a folder that cannot be written)."""
    try:
        store = get_store()
    except TradeoffError:
        return  # the Studies and Train pages say why the store cannot be opened
    seen: set[int] = st.session_state.setdefault(Keys.STORE_NOTICES_SEEN, set())
    for notice in store.notices:
        if notice.number not in seen and time.time() - notice.at < NOTICE_MAX_AGE_S:
            seen.add(notice.number)
            st.toast(md(notice.message), icon=Icons.STUDIES)


def show_error(exc: BaseException) -> None:
    """A refusal from core in its own words; anything else as a short apology."""
    if isinstance(exc, TradeoffError):
        st.error(md(str(exc)), icon=Icons.WARNING)  # messages quote user text: file, columns
        return
    st.error(
        "Sorry, something went wrong that the app did not expect. Your data and saved "
        "studies are untouched; try again, or report the details below.",
        icon=Icons.SORRY,
    )
    with st.expander("Details for a bug report"):
        st.code(f"{type(exc).__name__}: {exc}", language=None)


def sidebar() -> None:
    """The current dataset, target, task and study status, on every page."""
    store_notices()
    dataset = current_dataset()
    source: TableSource | None = st.session_state.get(Keys.SOURCE)
    from ui.training import sidebar_progress, training  # they build on this module

    with st.sidebar:
        if training():  # first, so it shows without scrolling; no timer runs otherwise
            sidebar_progress()
        st.markdown("#### Current data")
        if source is None:
            st.caption("No table yet.")
        else:
            st.markdown(f"**Table** · {md(source.label)}")
        if dataset is not None:
            positive = (
                f", positive class {md(dataset.positive_class)}" if dataset.positive_class else ""
            )
            st.markdown(
                f"**Target** · {md(dataset.target)} ({dataset.task}{positive})  \n"
                f"**Rows** · {dataset.n_rows:,} · **features** · {len(dataset.used_columns)}"
            )
        elif st.session_state.get(Keys.DATA_ERROR):
            st.caption("The chosen target cannot be used yet: see the Data page.")
        st.markdown("#### Study")
        study = current_study()
        if study is None and training():
            st.caption("The first study is training (above).")
        elif study is None:
            st.caption("No study yet: train models on the Train page or open a saved one.")
        else:
            from ui.decision import study_headline  # builds on this module

            st.markdown(
                f"**{md(study.dataset.name)}** → {md(study.dataset.target)}  \n"
                f"{study_headline(study)}  \n"
                f"Trained {format_time(study.created_at)}"
                + ("; saved" if st.session_state.get(Keys.STUDY_ID) else "")
            )


#: Where GitHub-flavoured Markdown would turn plain text into a link (``https://``, ``www.``,
#: ``name@host``): an invisible word joiner goes after the scheme, the "www" or the "@". A
#: backslash escape does not help: the renderer finds these in the text after unescaping.
_AUTOLINK = re.compile(r"(?i)((?:https?|ftp|mailto|xmpp)(?=:)|www(?=\.)|@)")
_WORD_JOINER = "\u2060"


def md(text: object) -> str:
    """User text made safe inside Markdown: HTML escaped, Markdown/LaTeX marks neutralised and
    nothing left that the renderer would turn into a link."""
    escaped = html.escape(str(text), quote=False)
    for mark in ("\\", "*", "_", "`", "$", "[", "]", "#", "|", "~"):
        escaped = escaped.replace(mark, "\\" + mark)
    return _AUTOLINK.sub(lambda m: m.group(0) + _WORD_JOINER, escaped)


def glossary_popover(keys: Iterable[str]) -> None:
    """The words of this page in plain words, one click away, and a link to all of them."""
    with st.popover("Words on this page", icon=Icons.GLOSSARY):
        for t in terms(keys):
            st.markdown(f"**{md(t.term)}** · {md(t.meaning)}")
        st.page_link(GLOSSARY_PAGE, label="Every word the app uses", icon=Icons.GLOSSARY)


def current_budgets() -> Budgets:
    """The budgets set on the Trade-offs page (``None`` = no limit)."""
    return Budgets(
        max_latency_ms=st.session_state.get(Keys.MAX_LATENCY_MS),
        max_size_mb=st.session_state.get(Keys.MAX_SIZE_MB),
        max_train_s=st.session_state.get(Keys.MAX_TRAIN_S),
    )


def reading_table(frame: pd.DataFrame, formats: Formats | None = None) -> None:
    """A table people read rather than sort (a handful of rows, one per model): every cell as
    text (:func:`core.tables.text_frame`), user text escaped, headers and cells wrapping to the
    page's width so it fits a 1280×720 screen without scrolling sideways, and prints."""
    st.table(reading_frame(frame, formats), hide_index=True)


def reading_frame(frame: pd.DataFrame, formats: Formats | None = None) -> pd.DataFrame:
    """What :func:`reading_table` shows of ``frame``: every cell as escaped text."""
    return text_frame(frame, formats).rename(columns=md).map(lambda t: _unbroken(md(t)))


def _unbroken(text: str) -> str:
    """``text`` with no line break inside an amount: never after a minus sign ("−$12.9M" would
    wrap as "−" and "$12.9M") nor inside "under $0.0001"."""
    return text.replace("−", "−\u2060").replace("under \\$", "under\u00a0\\$")


@dataclass(frozen=True)
class LeaderboardTables:
    """What :func:`show_leaderboard` puts on screen, made once per set of choices (a study of
    hundreds of models takes a while to tabulate)."""

    summary: pd.DataFrame  # the reading table, as text
    notes: tuple[str, ...]
    left_out: str | None
    board: pd.DataFrame  # every figure, still numbers so that it sorts
    formats: dict[str, Any]
    height: int


def leaderboard_tables(
    study: StudyResult, budgets: Budgets | None = None, focus: Sequence[str] | None = None
) -> LeaderboardTables:
    """The leaderboard's tables: what a person needs to choose, in a table that fits the
    screen (:func:`core.tables.leaderboard_summary`; of a large study, the models of ``focus``
    only: :func:`core.tables.leaderboard_focus`), and every figure measured, in a grid."""
    board = readable_numbers(leaderboard_view(study, budgets))
    return LeaderboardTables(
        summary=reading_frame(leaderboard_summary(study, budgets, focus)),
        notes=tuple(md(note) for note in leaderboard_notes(study, focus)),
        left_out=focus_words(study, focus),
        board=board,
        formats=column_formats(study.primary_metric, board),
        height=table_height(len(study.models)),
    )


def show_leaderboard(tables: LeaderboardTables) -> None:
    """The leaderboard on screen: the reading table and its notes, and the grid that sorts by
    any column one click away."""
    st.table(tables.summary, hide_index=True)
    for note in tables.notes:
        st.caption(note)
    if tables.left_out:
        st.caption(tables.left_out)
    with st.expander("Every figure measured, in a table you can sort"):
        st.dataframe(
            tables.board,
            hide_index=True,
            width="stretch",
            column_config=tables.formats,
            height=tables.height,
        )


def table_height(n_rows: int) -> int:
    """Pixels for a data grid showing ``n_rows`` rows and its header without a scroll bar."""
    return 35 * (n_rows + 1) + 3


def readable_format(values: pd.Series) -> str:
    """A number format for a column of measured figures that never shows scientific notation
    (printf's "%.3g" writes 57,612 as "5.76e+4"): digit groups for thousands, else about three
    significant digits, at most six decimals."""
    finite = pd.to_numeric(values, errors="coerce").abs()
    finite = finite[np.isfinite(finite) & (finite > 0)]
    if finite.empty:
        return "%.3g"
    if finite.max() >= 1000:
        return "localized"  # with the values rounded to whole numbers (see readable_numbers)
    smallest = float(finite.min())
    decimals = min(MAX_DECIMALS, max(0, 2 - math.floor(math.log10(smallest))))
    return f"%.{decimals}f"


def readable_numbers(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with float columns of thousands rounded to whole numbers, for
    :func:`readable_format`'s "localized" (which would show three decimals). Still numbers, so
    the columns still sort."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]) and readable_format(out[c]) == "localized":
            out[c] = out[c].round(0)
    return out


def column_formats(metric: str, frame: pd.DataFrame | None = None) -> dict[str, Any]:
    """Column formats for the tables of :mod:`core.tables` (numbers stay sortable); a metric
    in the target's own unit (MAE, RMSE) is formatted by its values in ``frame``."""
    info = metric_info(metric)
    value = f"{info.label} (%)" if info.percent else info.label
    points = " (points)" if info.percent else ""
    number = st.column_config.NumberColumn
    in_units = {
        c: number(format=readable_format(frame[c]))
        for c in (value, f"vs dummy baseline{points}", f"vs simple baseline{points}")
        if not info.percent and frame is not None and c in frame.columns
    }
    return {
        "model": st.column_config.TextColumn(pinned=True),  # named while scrolling across
        value: number(format="%.1f" if info.percent else "%.3g"),
        f"vs dummy baseline{points}": number(format="%+.1f" if info.percent else "%+.3g"),
        f"vs simple baseline{points}": number(format="%+.1f" if info.percent else "%+.3g"),
        "p50 latency (ms)": number(format="%.2f"),
        "p95 latency (ms)": number(format="%.2f"),
        "throughput (rows/s)": number(format="localized"),
        "size (MB)": number(format="%.3f"),
        "train CPU (s)": number(format="%.2f"),
        "train wall (s)": number(format="%.2f"),
        "batch serving ($ per million)": number(format="%.4f"),
        "online serving ($ per million)": number(format="%.4f"),
        "elapsed (s)": number(format="%.1f"),
        "status": st.column_config.TextColumn(width=130),
        **in_units,
    }


def money_formats() -> dict[str, Any]:
    """Column formats for the money tables of :mod:`core.tables` (numbers stay sortable)."""
    number = st.column_config.NumberColumn
    dollars = number(format="dollar")
    small = number(format="$%.6f")  # serving and training: often fractions of a cent a month
    return {
        "net value ($ per month)": dollars,
        "net 95% CI low ($ per month)": dollars,
        "net 95% CI high ($ per month)": dollars,
        "vs simple baseline ($ per month)": dollars,
        "vs simple 95% CI low ($ per month)": dollars,
        "vs simple 95% CI high ($ per month)": dollars,
        "errors ($ per month)": dollars,
        "value of caught positives ($ per month)": dollars,
        "decision threshold": number(format="%.3f"),
        "serving ($ per month)": small,
        "training ($ per month)": small,
        "extra cost ($ per month)": small,
        "extra latency (ms)": number(format="%.3f"),
        "extra size (MB)": number(format="%.4f"),
    }


def number_formats(frame: pd.DataFrame, *, skip: dict[str, Any] | None = None) -> dict[str, Any]:
    """About three significant digits for every number column of ``frame`` not in ``skip``
    (:func:`readable_format`): tables of measured figures should not show more digits than the
    measurement holds, nor scientific notation."""
    return {
        c: st.column_config.NumberColumn(format=readable_format(frame[c]))
        for c in frame.columns
        if pd.api.types.is_float_dtype(frame[c]) and c not in (skip or {})
    }


def cached_explanation(study: StudyResult, model: str, class_name: str | None) -> Explanation:
    """The SHAP explanation of ``model`` in ``study``, computed once per session and kept.

    Only the study on screen keeps its explanations: opening another study frees the memory.
    """
    cache, study_key = _study_cache(Keys.EXPLANATIONS, study)
    key = (study_key, model, class_name)
    if key not in cache:
        with st.spinner(f"Explaining {study.model(model).label}…"):
            cache[key] = explain(study, model, class_name=class_name)
    return cast(Explanation, cache[key])


def cached_fairness(
    study: StudyResult, columns: tuple[str, ...], table: pd.DataFrame | None
) -> FairnessReport:
    """The fairness report of ``columns`` in ``study``, computed once per session and kept
    (``table`` is the study's own table, or ``None`` when it is not open)."""
    cache, study_key = _study_cache(Keys.FAIRNESS_REPORTS, study)
    key = (study_key, columns, table is not None)
    if key not in cache:
        with st.spinner("Measuring every model in every group…"):
            cache[key] = fairness_report(study, columns, table)
    return cast(FairnessReport, cache[key])


#: Reports kept per session (each is about 5 MB).
KEPT_REPORTS = 3


def cached_report(
    study: StudyResult, choices: tuple[object, ...], parts: Callable[[], dict[str, Any]]
) -> str:
    """The report of ``study`` for ``choices`` (what it includes), made once and kept for the
    session; ``parts`` gives :func:`core.report.build_report` its pieces when it is made."""
    cache, study_key = _study_cache(Keys.REPORTS, study)
    key = (study_key, *choices)
    if key not in cache:
        while len(cache) >= KEPT_REPORTS:
            del cache[next(iter(cache))]
        with st.spinner("Writing the report…"):
            cache[key] = build_report(study, **parts())
    return cast(str, cache[key])


def study_table(study: StudyResult) -> pd.DataFrame | None:
    """The table the study was trained on, when it is the one on screen (same bytes); else
    ``None``: a saved study keeps its features, not the columns left out of training."""
    source: TableSource | None = st.session_state.get(Keys.SOURCE)
    if source is None or source.sha256 != study.dataset.sha256:
        return None
    table: pd.DataFrame = st.session_state[Keys.TABLE]
    return table


def chosen_sensitive(choices: Sequence[ColumnChoice]) -> list[str]:
    """The columns compared on the Fairness page: the user's choice (kept), or at first the
    available columns whose names describe people; columns the study cannot measure (see
    :func:`core.fairness.column_choices`) are dropped."""
    available = [c.column for c in choices if c.available]
    if st.session_state.get(Keys.SENSITIVE) is None:
        st.session_state[Keys.SENSITIVE] = [
            c.column for c in choices if c.available and c.sensitive
        ]
    st.session_state[Keys.SENSITIVE] = [
        c for c in st.session_state[Keys.SENSITIVE] if c in available
    ]
    return list(st.session_state[Keys.SENSITIVE])


def study_resamples(study: StudyResult) -> Resamples:
    """The bootstrap resamples of the study on screen, drawn once per set of thresholds and kept
    for the session: a new price or volume on the Business case page never resamples."""
    cache, study_key = _study_cache(Keys.RESAMPLES, study)
    key = (study_key,)
    if key not in cache:
        cache[key] = Resamples(study)
    return cast(Resamples, cache[key])


#: Views of the study on screen kept per session (a chart, a served study): a rerun that goes
#: back to a set of choices seen before draws nothing again.
KEPT_VIEWS = 32


def study_view(study: StudyResult, what: str, key: tuple[object, ...], make: Callable[[], T]) -> T:
    """``make()``, kept for the session under ``what`` and ``key`` while ``study`` is on screen.
    What it returns is shared between reruns: never change it."""
    cache, study_key = _study_cache(Keys.VIEWS, study)
    full = (study_key, what, *key)
    if full not in cache:
        while len(cache) >= KEPT_VIEWS:
            del cache[next(iter(cache))]
        cache[full] = make()
    return cast(T, cache[full])


def _study_cache(name: str, study: StudyResult) -> tuple[dict[tuple[object, ...], object], object]:
    """A per-session cache of results about one study: only the study on screen keeps its
    entries, so opening another study frees the memory."""
    cache: dict[tuple[object, ...], object] = st.session_state.setdefault(name, {})
    study_key = (id(study), study.created_at)
    for key in [k for k in cache if k[0] != study_key]:
        del cache[key]
    return cache, study_key


@st.cache_resource
def warm_up_workers() -> threading.Thread:
    """Start the training workers' server once per server process, in the background, so the
    first study does not wait for it (about 1.5 s)."""
    thread = threading.Thread(target=prepare_workers, name="workers-warm-up", daemon=True)
    thread.start()
    return thread


@st.cache_resource
def warm_up_explanations() -> threading.Thread:
    """Compile shap's numba code once per server process, in the background, so the first
    explanation a person asks for does not wait for it (3-4 s on 2 cores)."""
    thread = threading.Thread(target=warm_up, name="shap-warm-up", daemon=True)
    thread.start()
    return thread

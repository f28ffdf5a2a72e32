"""Training in the background (:mod:`core.jobs`): start it, follow it from any page, collect it.

The session holds its job's id (``Keys.JOB``), and so does the page's link while the job runs,
so a reload finds the same training. Progress is drawn by fragments that rerun every second on
their own; when the job ends, they rerun the whole app, whose first step
(:func:`collect_finished_job`) makes the new study current, whatever page is on screen.
"""

from __future__ import annotations

import functools

import streamlit as st

from core import jobs
from core.dataset import Dataset
from core.errors import TradeoffError
from core.study import StudyConfig, default_primary_metric
from core.tables import progress_table, progress_text
from ui.common import (
    get_store,
    keep_study_in_link,
    md,
    reading_table,
    show_error,
    tell_study_data,
)
from ui.links import choices_from_link, choices_to_link
from ui.state import TRAIN_PAGE, Icons, Keys

#: The page link's query parameter holding the id of the session's running job.
JOB_LINK = "job"
#: Seconds between two redraws of a job's progress.
REFRESH_S = 1.0


def current_job() -> jobs.StudyJob | None:
    """The session's training job (running, or finished and not yet collected)."""
    return jobs.find(st.session_state.get(Keys.JOB))


def training() -> bool:
    """Whether this session's models are training now."""
    job = current_job()
    return job is not None and not job.finished


def start_training(dataset: Dataset, config: StudyConfig) -> jobs.StudyJob:
    """Train ``config``'s models on ``dataset`` in the background; the study is saved when it
    ends. A session trains one study at a time: while one runs, it is returned as it is."""
    job = current_job()
    if job is not None and not job.finished:
        return job
    upload = st.session_state.get(Keys.UPLOAD_BYTES)
    table = upload if isinstance(upload, bytes) else None  # kept only if it is the dataset's
    try:
        store = get_store()
        save = functools.partial(store.save, table=table)
    except TradeoffError as exc:  # the study stays in the session; the Studies page says why
        save = None
        st.session_state[Keys.NOTICE] = md(f"This study will not be saved: {exc}")
    job = jobs.start(dataset, config, save, table=table)
    st.session_state[Keys.JOB] = job.id
    st.session_state[Keys.TRAIN_ERROR] = None
    return job


def collect_finished_job() -> None:
    """A finished job's study becomes the session's current one (or its error is kept for the
    Train page), on whatever page the user is. Runs first on every run of the app."""
    job = current_job()
    if job is None:
        st.session_state[Keys.JOB] = None
        return
    if not job.finished:
        return
    st.session_state[Keys.JOB] = None
    jobs.forget(job.id)
    if job.state == "done" and job.result is not None:
        st.session_state[Keys.STUDY] = job.result
        st.session_state[Keys.STUDY_ID] = job.study_id
        if job.save_error:
            st.toast(
                md(
                    f"The study could not be saved: {job.save_error} It stays open in this session."
                ),
                icon=Icons.WARNING,
            )
        else:
            st.toast("The models have finished training.", icon=Icons.DONE)
    elif job.state == "cancelled":
        st.toast("Training stopped; nothing was saved.", icon=Icons.WARNING)
    else:
        st.session_state[Keys.TRAIN_ERROR] = job.error
        st.toast("Training stopped with an error: the Train page says why.", icon=Icons.WARNING)


def keep_in_link() -> None:
    """The session's running job, its current saved study and the decision's choices survive a
    reload: they ride in the page's link (see :func:`ui.common.keep_study_in_link` and
    :mod:`ui.links`).

    A new session whose link names a job this server still runs follows it, and the job's data
    becomes current; any other value is dropped without a word (the job may simply have
    finished and been collected by the session before the reload, which saved its study)."""
    first = not st.session_state[Keys.LINK_TRIED]  # a new session: the link is read once
    if first:
        choices_from_link()
    link = st.query_params.get(JOB_LINK)
    if link and st.session_state.get(Keys.JOB) is None and first:
        job = jobs.find(link)
        if job is not None:
            st.session_state[Keys.JOB] = job.id
            tell_study_data(job.dataset, table=job.table)
    keep_study_in_link()
    job = current_job()
    if job is not None and not job.finished:
        if st.query_params.get(JOB_LINK) != job.id:
            st.query_params[JOB_LINK] = job.id
    elif JOB_LINK in st.query_params:
        del st.query_params[JOB_LINK]
    choices_to_link()


def _status_words(job: jobs.StudyJob) -> tuple[float, str]:
    if job.cancelling:
        return 0.0, "Stopping…"
    if job.state == "queued":
        return 0.0, "Waiting for another study, or learning curves, on this server to finish…"
    return jobs.progress_words(job.events())


def _followed_job() -> jobs.StudyJob | None:
    """The job a progress fragment follows; once it has finished, the whole app reruns (and
    :func:`collect_finished_job` makes its study current)."""
    job = current_job()
    if job is not None and job.finished:
        st.rerun()
    return job


@st.fragment(run_every=REFRESH_S)
def sidebar_progress() -> None:
    """The running job's progress in the sidebar, redrawn every second; when the job ends the
    whole app reruns, so the page on screen shows the new study. Drawn only while a job runs:
    its timer stops with the next run of the app after that."""
    job = _followed_job()
    if job is None:
        return
    share, words = _status_words(job)
    st.progress(share, text=f"**Training** · {words}")
    st.page_link(TRAIN_PAGE, label="Follow it on the Train page", icon=Icons.TRAIN)


@st.fragment(run_every=REFRESH_S)
def train_progress() -> None:
    """The running job on the Train page: a bar, each model's status and a button to stop."""
    job = _followed_job()
    if job is None:
        return
    share, words = _status_words(job)
    st.progress(share, text=words)
    st.caption(
        f"Training on {md(job.dataset.name)} → {md(job.dataset.target)}. You can open other "
        "pages meanwhile: the sidebar shows how far the models are, and the results open when "
        "they are done."
    )
    if st.button("Stop training", key="stop_training", disabled=job.cancelling):
        job.cancel()
        st.rerun(scope="fragment")
    metric = job.config.primary_metric or default_primary_metric(job.dataset)
    events = job.events()
    if events:
        reading_table(progress_text(progress_table(events, metric), metric))


def show_train_error() -> None:
    """Why the last training stopped, until the next one starts."""
    error = st.session_state.get(Keys.TRAIN_ERROR)
    if isinstance(error, BaseException):
        show_error(error)

"""The learning curves of the study on screen: found (drawn this session, being drawn, or saved
with the study), started in the background (:func:`core.jobs.start_curves`) and followed."""

from __future__ import annotations

import json

import streamlit as st

from core import jobs
from core.curves import Curves, CurvesFileError, curves_from_dict, curves_to_dict
from core.errors import TradeoffError
from core.study import StudyResult
from core.study_files import dumps, loads
from ui.common import get_store, md
from ui.state import Keys

REFRESH_S = 1.0


def curves_key(study: StudyResult) -> str:
    """How the curves of ``study`` are known: its saved id, else this session's study."""
    saved = st.session_state.get(Keys.STUDY_ID)
    return saved if isinstance(saved, str) else f"unsaved-{id(study)}-{study.created_at}"


def saved_curves(study: StudyResult) -> tuple[Curves | None, str | None]:
    """The curves saved with the study on screen (read once per session once found), and why a
    saved file could not be used."""
    study_id = st.session_state.get(Keys.STUDY_ID)
    if not isinstance(study_id, str):
        return None, None
    cache: dict[str, tuple[Curves | None, str | None]] = st.session_state.setdefault(
        Keys.CURVES, {}
    )
    if study_id not in cache:
        try:
            data = get_store().attachment(study_id, "curves")
            if data is None:  # looked up again next time: a job may save them meanwhile
                return None, None
            found = curves_from_dict(loads(data.decode("utf-8")))
            cache.clear()  # only the study on screen
            cache[study_id] = (found, None)
        except (TradeoffError, CurvesFileError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            cache[study_id] = (
                None,
                f"The learning curves saved with this study cannot be used ({exc}); draw them "
                "again.",
            )
    return cache[study_id]


def forget_saved(study_id: str | None) -> None:
    cache = st.session_state.get(Keys.CURVES)
    if isinstance(cache, dict) and study_id in cache:
        del cache[study_id]


def start(
    study: StudyResult, roles: dict[str, tuple[str, ...]], decision: str | None
) -> jobs.CurvesJob:
    """Draw the curves in the background; a saved study keeps them (``curves.json``)."""
    study_id = st.session_state.get(Keys.STUDY_ID)

    def save(curves: Curves) -> None:
        if isinstance(study_id, str):
            get_store().attach(study_id, "curves", dumps(curves_to_dict(curves)).encode("utf-8"))

    forget_saved(study_id if isinstance(study_id, str) else None)
    return jobs.start_curves(curves_key(study), study, roles, decision, save)


def job_words(job: jobs.CurvesJob) -> tuple[float, str]:
    """How far a curves job is, for a progress bar."""
    if job.state == "queued":
        return 0.0, "Waiting for a study on this server to finish…"
    p = job.progress
    if p.total == 0:
        return 0.0, "Starting…"
    words = f"{p.done} of {p.total} trainings done" + (f" · {md(p.words)}" if p.words else "")
    return p.done / p.total, words


def current(study: StudyResult) -> Curves | None:
    """The study's curves as last drawn: by a job of this server, else saved with it."""
    job = jobs.find_curves(curves_key(study))
    if job is not None and job.finished and job.result is not None:
        return job.result
    return saved_curves(study)[0]

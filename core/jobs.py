"""Studies that train in the background, so a person can leave the page, or reload it, while
the models train, and every page can say how far they are.

A :class:`StudyJob` is one call of :func:`core.study.run_study` in its own thread. Jobs of one
process run one at a time, in the order they were started: the latency phase measures each
model with nothing else running (DESIGN.md), which two studies at once would break, so a second
study waits its turn (``queued``) and says so.

A job's id is a random token (:func:`secrets.token_hex`). Whoever holds it (the session that
started the job, or the same browser after a reload, through the page's link) can follow the
job; nobody can guess another's. :func:`find` looks the id up in a dict: a hostile string only
misses. Finished jobs are kept a while (:data:`KEEP_FINISHED_S`) for a session to collect its
study; the study itself is saved to the store by the job, so nothing is lost when the job is
forgotten.

A :class:`CurvesJob` draws a study's learning curves (:mod:`core.curves`) the same way, in turn
with studies, one per study at a time (:func:`start_curves`).
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Literal

from core.curves import Curves, CurvesCancelled, CurvesProgress, run_curves
from core.dataset import Dataset
from core.errors import TradeoffError
from core.study import ProgressEvent, StudyConfig, StudyResult, run_study

JobState = Literal["queued", "running", "done", "failed", "cancelled"]

#: Seconds a finished job stays findable by its id, for a session to collect its study.
KEEP_FINISHED_S = 3600.0
#: At most this many finished jobs are kept (the oldest are forgotten first).
KEEP_FINISHED = 16

_log = logging.getLogger(__name__)


class StudyCancelled(Exception):
    """Raised inside a job's progress callback to stop its study (see :meth:`StudyJob.cancel`)."""


class _Job:
    """What every background job shares: its state under a lock, a way to ask it to stop, and
    a way to wait for its end."""

    def __init__(self) -> None:
        self.finished_at: float | None = None
        #: Why the job stopped: a :class:`TradeoffError` in its own words, or a bug.
        self.error: BaseException | None = None
        self.save_error: str | None = None
        self._state: JobState = "queued"
        self._lock = threading.Lock()
        self._cancel = threading.Event()
        self._finished = threading.Event()

    @property
    def state(self) -> JobState:
        with self._lock:
            return self._state

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    @property
    def cancelling(self) -> bool:
        """Stop was asked for and the job has not stopped yet."""
        return self._cancel.is_set() and not self.finished

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the job has finished (or ``timeout`` seconds); whether it has."""
        return self._finished.wait(timeout)

    def cancel(self) -> None:
        """Ask the job to stop: a queued job never starts; a running one stops at its next
        progress report (within about a second), and its worker processes with it."""
        self._cancel.set()

    def _end(self, state: JobState) -> None:
        with self._lock:
            self._state = state
            self.finished_at = time.time()
        self._finished.set()


class StudyJob(_Job):
    """One study training in a background thread. Read it from any thread: every attribute a
    reader uses is set under the job's lock, and :meth:`events` returns a copy.

    ``save`` (e.g. :meth:`core.store.StudyStore.save`) is called in the job's thread with the
    finished study; its id is then :attr:`study_id`, and a failure to save is kept in
    :attr:`save_error` (the study stays in :attr:`result`). ``table``: the bytes of the uploaded
    file the dataset was read from, so that a session that finds the job again after a reload
    can make that data current before the study is saved.
    """

    def __init__(
        self,
        dataset: Dataset,
        config: StudyConfig,
        save: Callable[[StudyResult], str] | None = None,
        *,
        table: bytes | None = None,
    ) -> None:
        super().__init__()
        self.id = secrets.token_hex(16)
        self.dataset = dataset
        self.table = table
        self.config = config
        self.started_at = time.time()
        #: When the study began to train, after waiting for its turn.
        self.began_at: float | None = None
        self.result: StudyResult | None = None
        self.study_id: str | None = None
        self._save = save
        self._events: list[ProgressEvent] = []
        self._thread = threading.Thread(target=self._run, name=f"study-{self.id[:8]}", daemon=True)

    def events(self) -> list[ProgressEvent]:
        """Every progress event so far, oldest first (a copy)."""
        with self._lock:
            return list(self._events)

    def _on_progress(self, event: ProgressEvent) -> None:
        with self._lock:
            self._events.append(event)
        if self._cancel.is_set():
            raise StudyCancelled

    def _run(self) -> None:
        try:
            while not _TURN.acquire(timeout=0.25):  # another study is measuring: wait in line
                if self._cancel.is_set():
                    raise StudyCancelled
            try:
                if self._cancel.is_set():
                    raise StudyCancelled
                with self._lock:
                    self._state = "running"
                    self.began_at = time.time()
                study = run_study(self.dataset, self.config, self._on_progress)
            finally:
                _TURN.release()
            self._keep(study)
        except StudyCancelled:
            self._end("cancelled")
        except TradeoffError as exc:
            self.error = exc
            self._end("failed")
        except Exception as exc:  # a bug: the session says sorry; the log keeps the details
            _log.exception("Study %s failed", self.id)
            self.error = exc
            self._end("failed")

    def _keep(self, study: StudyResult) -> None:
        self.result = study
        if self._save is not None:
            try:
                self.study_id = self._save(study)
            except (OSError, TradeoffError) as exc:
                self.save_error = str(exc)
        self._end("done")


#: One study measures at a time in this process (see the module's docstring).
_TURN = threading.Lock()
_JOBS: dict[str, StudyJob] = {}
_JOBS_GUARD = threading.Lock()


def start(
    dataset: Dataset,
    config: StudyConfig,
    save: Callable[[StudyResult], str] | None = None,
    *,
    table: bytes | None = None,
) -> StudyJob:
    """Start training ``dataset`` with ``config`` in the background; the job, findable by id
    (``table``: see :class:`StudyJob`)."""
    job = StudyJob(dataset, config, save, table=table)
    with _JOBS_GUARD:
        _prune()
        _JOBS[job.id] = job
    job._thread.start()
    return job


def find(job_id: object) -> StudyJob | None:
    """The job with exactly this id, if this process still holds it."""
    if not isinstance(job_id, str):
        return None
    with _JOBS_GUARD:
        return _JOBS.get(job_id)


def forget(job_id: str) -> None:
    """Drop a finished job (its study has been collected); a running job is kept."""
    with _JOBS_GUARD:
        job = _JOBS.get(job_id)
        if job is not None and job.finished:
            del _JOBS[job_id]


def _prune() -> None:
    now = time.time()
    finished = sorted(
        (j for j in _JOBS.values() if j.finished_at is not None), key=lambda j: j.finished_at or 0
    )
    for i, job in enumerate(finished):
        too_many = len(finished) - i > KEEP_FINISHED
        if too_many or now - (job.finished_at or now) > KEEP_FINISHED_S:
            del _JOBS[job.id]


class CurvesJob(_Job):
    """A study's learning curves drawn in a background thread (:func:`core.curves.run_curves`),
    in turn with studies (:data:`_TURN`: they train on every core too, and a study's latency
    phase must have the machine to itself). ``save`` is called with the finished curves."""

    def __init__(
        self,
        study: StudyResult,
        roles: dict[str, tuple[str, ...]],
        decision: str | None,
        save: Callable[[Curves], None] | None = None,
    ) -> None:
        super().__init__()
        self.study: StudyResult | None = study
        self.roles = roles
        self.decision = decision
        self.result: Curves | None = None
        self._save = save
        self._progress = CurvesProgress(0, 0, "Waiting for its turn…")
        self._thread = threading.Thread(target=self._run, name="curves", daemon=True)

    @property
    def progress(self) -> CurvesProgress:
        with self._lock:
            return self._progress

    def _on_progress(self, progress: CurvesProgress) -> None:
        with self._lock:
            if progress.words or progress.done != self._progress.done:
                self._progress = progress
        if self._cancel.is_set():
            raise CurvesCancelled("stopped")

    def _run(self) -> None:
        state: JobState = "failed"
        try:
            while not _TURN.acquire(timeout=0.25):
                if self._cancel.is_set():
                    raise CurvesCancelled("stopped")
            try:
                with self._lock:
                    self._state = "running"
                assert self.study is not None, "a job runs once"
                curves = run_curves(
                    self.study, self.roles, decision=self.decision, on_progress=self._on_progress
                )
            finally:
                _TURN.release()
            self.result = curves
            if self._save is not None:
                try:
                    self._save(curves)
                except (OSError, TradeoffError) as exc:
                    self.save_error = str(exc)
            state = "done"
        except CurvesCancelled:
            state = "cancelled"
        except TradeoffError as exc:
            self.error = exc
        except Exception as exc:  # a bug: the page says sorry; the log keeps the details
            _log.exception("Learning curves failed")
            self.error = exc
        finally:
            self.study = None  # the curves keep what they need; the study's memory goes
            self._end(state)


_CURVES: dict[str, CurvesJob] = {}


def start_curves(
    key: str,
    study: StudyResult,
    roles: dict[str, tuple[str, ...]],
    decision: str | None,
    save: Callable[[Curves], None] | None = None,
) -> CurvesJob:
    """Draw the curves of ``study`` (known to pages by ``key``, its saved id) in the
    background; the job already drawing them for ``key``, if one is."""
    with _JOBS_GUARD:
        running = _CURVES.get(key)
        if running is not None and not running.finished:
            return running
        ended = sorted((k for k, j in _CURVES.items() if j.finished), key=_finished_at)
        for old in ended[: max(0, len(ended) - KEEP_FINISHED + 1)]:
            del _CURVES[old]  # saved with their study, or drawn again when asked
        job = CurvesJob(study, roles, decision, save)
        _CURVES[key] = job
    job._thread.start()
    return job


def _finished_at(key: str) -> float:
    return _CURVES[key].finished_at or 0.0


def find_curves(key: object) -> CurvesJob | None:
    """The curves job of the study known by ``key``, if this process holds one."""
    if not isinstance(key, str):
        return None
    with _JOBS_GUARD:
        return _CURVES.get(key)


def progress_words(events: list[ProgressEvent]) -> tuple[float, str]:
    """How far a study is, as a share of its work (0 to 1) and a few words for a progress bar.

    Training (in parallel) is the first 80%; the latency phase, every model in turn with the
    others, the last 20%."""
    if not events:
        return 0.0, "Starting…"
    event = events[-1]
    if event.trained < event.total:
        return 0.8 * event.trained / event.total, f"{event.trained} of {event.total} models trained"
    return (
        0.8 + 0.2 * event.done / event.total,
        f"All trained; serving cost measured for {event.done} of {event.total}",
    )

"""Studies in the background: one at a time, stoppable, saved when they end, findable by id only."""

from __future__ import annotations

import time

import pytest

from core import jobs
from core.errors import TradeoffError
from core.study import ProgressEvent, StudyConfig, StudyResult

FAST = {"latency_calls": 30, "latency_budget_s": 0.05, "n_resamples": 200, "n_workers": 0}
WAIT_S = 120.0


def _config(**overrides) -> StudyConfig:
    return StudyConfig(**{"models": ("decision_tree",), **FAST, **overrides})


def test_a_job_trains_saves_and_reports_progress(binary_dataset):
    saved: list[StudyResult] = []

    def save(study: StudyResult) -> str:
        saved.append(study)
        return "a" * 32

    job = jobs.start(binary_dataset, _config(), save)
    assert jobs.find(job.id) is job
    assert job.wait(WAIT_S)
    assert job.state == "done"
    assert job.result is not None
    assert saved == [job.result]
    assert job.study_id == "a" * 32
    assert job.save_error is None
    events = job.events()
    assert {e.model for e in events} == {"dummy", "simple", "decision_tree"}
    assert jobs.progress_words(events) == (1.0, "All trained; serving cost measured for 3 of 3")
    jobs.forget(job.id)
    assert jobs.find(job.id) is None


def test_a_study_that_cannot_be_saved_is_still_kept(binary_dataset):
    def save(study: StudyResult) -> str:
        raise OSError("No space left on device.")

    job = jobs.start(binary_dataset, _config(), save)
    assert job.wait(WAIT_S)
    assert job.state == "done"
    assert job.result is not None
    assert job.study_id is None
    assert job.save_error == "No space left on device."


def test_two_studies_never_measure_at_once(binary_dataset, monkeypatch):
    """The studies themselves (training and measuring) run one after the other; what follows a
    study (saving it, saying it finished) may overlap the next."""
    spans: list[tuple[float, float]] = []
    run_study = jobs.run_study

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        began = time.monotonic()
        try:
            return run_study(*args, **kwargs)
        finally:
            spans.append((began, time.monotonic()))

    monkeypatch.setattr(jobs, "run_study", timed)
    first = jobs.start(binary_dataset, _config())
    second = jobs.start(binary_dataset, _config(seed=1))
    assert first.wait(WAIT_S)
    assert second.wait(WAIT_S)
    assert first.state == second.state == "done"
    assert len(spans) == 2
    (_, first_end), (second_began, _) = sorted(spans)
    assert first_end <= second_began  # the second began only after the first had finished


def test_stop_ends_a_running_study_and_a_queued_one_never_starts(binary_dataset):
    running = jobs.start(binary_dataset, _config(models=("decision_tree", "random_forest_small")))
    while running.state == "queued":
        time.sleep(0.01)
    queued = jobs.start(binary_dataset, _config())
    assert queued.state == "queued"
    queued.cancel()
    running.cancel()
    assert queued.wait(WAIT_S)
    assert running.wait(WAIT_S)
    assert queued.state == running.state == "cancelled"
    assert queued.began_at is None
    assert queued.events() == []
    assert running.result is None
    assert not running.cancelling


def test_a_refusal_is_kept_in_its_own_words(binary_dataset):
    job = jobs.start(binary_dataset, _config(primary_metric="r2"))  # a regression metric
    assert job.wait(WAIT_S)
    assert job.state == "failed"
    assert isinstance(job.error, TradeoffError)


def test_only_an_exact_id_finds_a_job(binary_dataset):
    job = jobs.start(binary_dataset, _config())
    job.cancel()
    assert job.wait(WAIT_S)
    for guess in (None, 42, "", job.id[:-1], job.id.upper(), f"{job.id} ", [job.id]):
        assert jobs.find(guess) is None
    assert jobs.find(job.id) is job


def test_old_and_surplus_finished_jobs_are_forgotten(binary_dataset, monkeypatch):
    monkeypatch.setattr(jobs, "KEEP_FINISHED", 2)
    done = []
    for _ in range(3):
        job = jobs.start(binary_dataset, _config())
        job.cancel()
        assert job.wait(WAIT_S)
        done.append(job)
    jobs.start(binary_dataset, _config()).cancel()  # starting prunes
    assert jobs.find(done[0].id) is None
    assert jobs.find(done[1].id) is done[1]
    assert jobs.find(done[2].id) is done[2]
    done[1].finished_at -= jobs.KEEP_FINISHED_S + 1
    jobs.start(binary_dataset, _config()).cancel()
    assert jobs.find(done[1].id) is None


@pytest.mark.parametrize(
    ("trained", "done", "share", "words"),
    [
        (0, 0, 0.0, "0 of 4 models trained"),
        (2, 0, 0.4, "2 of 4 models trained"),
        (4, 2, 0.9, "All trained; serving cost measured for 2 of 4"),
    ],
)
def test_progress_words(trained, done, share, words):
    event = ProgressEvent("m", "M", "training", 1.0, done, 4, trained=trained)
    assert jobs.progress_words([event]) == pytest.approx((share, words))
    assert jobs.progress_words([]) == (0.0, "Starting…")

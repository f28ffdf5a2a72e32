"""Training on a Dask cluster (core.cluster): the same answers as on this machine, a lost worker
retried once, time limits honoured, and workers that would not train alike refused."""

from __future__ import annotations

import os
import signal
import threading
import time

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification

from core import cluster
from core.cluster import SCHEDULER_ENV, scheduler_address
from core.errors import ConfigError
from core.study import StudyConfig, run_study
from tests.unit.conftest import make_dataset

distributed = pytest.importorskip("distributed")

FAST = {"latency_calls": 30, "latency_budget_s": 0.05, "n_resamples": 300}
LADDER = ("decision_tree", "naive_bayes", "random_forest_small", "xgboost_small", "mlp_small")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def dask_cluster():
    """Two worker processes, one thread each, as ``dask worker --nthreads 1`` starts them."""
    with cluster.local_cluster(2) as running:
        yield running


@pytest.fixture
def client(dask_cluster):
    with distributed.Client(dask_cluster.scheduler_address, set_as_default=False) as connected:
        # A worker stopped at its time limit is restarted by its nanny: slow on a busy machine.
        connected.wait_for_workers(2, timeout=180)
        yield connected


@pytest.fixture(scope="module")
def slow_dataset():
    """Enough rows that the large neural network trains for seconds, not milliseconds."""
    X, y = make_classification(n_samples=6000, n_features=20, n_informative=8, random_state=3)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)])
    return make_dataset(frame, y.astype(np.int64), "binary", ("no", "yes"))


# --- the address ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
        ("  tls://scheduler.example.org:8786/ ", "tls://scheduler.example.org:8786"),
        ("tcp://[::1]:8786", "tcp://[::1]:8786"),
        ("local", "local"),
        ("", None),
    ],
)
def test_a_scheduler_address_is_taken_as_given(given, expected):
    assert scheduler_address(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "10.0.0.5:8786",  # no scheme
        "http://10.0.0.5:8786",  # not a scheduler's scheme
        "tcp://10.0.0.5",  # no port
        "tcp://:8786",  # no host
        "tcp://10.0.0.5:port",
        "tcp://10.0.0.5:8786/path",
        "tcp://user@10.0.0.5:8786",
        "tcp://10.0.0.5:8786?x=1",
        "LOCAL",
        "localhost",
    ],
)
def test_anything_else_is_refused_with_an_example(given):
    with pytest.raises(ConfigError, match=r"tcp://10\.0\.0\.5:8786"):
        scheduler_address(given)


def test_the_variable_is_read_when_no_address_is_given(monkeypatch):
    monkeypatch.setenv(SCHEDULER_ENV, "tcp://10.0.0.5:8786")
    assert scheduler_address() == "tcp://10.0.0.5:8786"
    assert scheduler_address("local") == "local"  # the CLI's --cluster wins
    monkeypatch.setenv(SCHEDULER_ENV, "nonsense")
    with pytest.raises(ConfigError, match=SCHEDULER_ENV):
        scheduler_address()
    monkeypatch.delenv(SCHEDULER_ENV)
    assert scheduler_address() is None


def test_an_unreachable_scheduler_is_a_clear_error(binary_dataset, monkeypatch):
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1.0)
    config = StudyConfig(models=("decision_tree",), cluster="tcp://127.0.0.1:9", **FAST)
    with pytest.raises(ConfigError, match="Could not reach a Dask cluster"):
        run_study(binary_dataset, config)


# --- the same answers everywhere -----------------------------------------------------------------


def test_a_cluster_gives_the_same_answers_as_this_machine(binary_dataset, dask_cluster):
    here = run_study(binary_dataset, StudyConfig(models=LADDER, n_workers=2, **FAST))
    there = run_study(
        binary_dataset,
        StudyConfig(models=LADDER, cluster=dask_cluster.scheduler_address, **FAST),
    )
    assert [m.name for m in here.models] == [m.name for m in there.models]
    for a, b in zip(here.models, there.models, strict=True):
        assert (a.status, b.status) == ("ok", "ok"), b.reason
        assert a.metrics == b.metrics
        assert (a.metric_ci_low, a.metric_ci_high) == (b.metric_ci_low, b.metric_ci_high)
        assert np.array_equal(a.predictions.y_pred, b.predictions.y_pred)
        assert np.array_equal(a.predictions.proba, b.predictions.proba)
        assert a.model_bytes == b.model_bytes
        assert a.onnx_bytes == b.onnx_bytes
        assert a.size_bytes == b.size_bytes
        # The fitted model came back as its bytes and predicts here as it did there.
        rows = binary_dataset.X.iloc[:50]
        assert np.array_equal(a.pipeline.predict(rows), b.pipeline.predict(rows))
        assert b.latency_ms_p50 is not None  # measured here, after training
    assert there.decision.industry == here.decision.industry
    training = there.compute["training"]
    assert training["executor"] == "dask"
    assert training["scheduler"] == dask_cluster.scheduler_address
    assert training["workers"] == 2
    assert sum(training["cpus"].values()) == 2
    assert there.compute["serving"]["cores"] == os.cpu_count()
    assert here.compute["training"]["executor"] == "local pool"


def test_learning_curves_drawn_on_a_cluster_are_the_ones_drawn_here(binary_dataset, dask_cluster):
    """Several tasks of one model (a curve's shares, ``Task.tag``) on Dask: the same points and
    the same sentence as on this machine's pool."""
    from core.curves import curve_models, run_curves

    models = ("decision_tree", "mlp_small")
    curves = []
    for where in ({"n_workers": 2}, {"cluster": dask_cluster.scheduler_address}):
        study = run_study(binary_dataset, StudyConfig(models=models, **where, **FAST))
        decision = study.decision
        roles = curve_models(study, decision.industry, decision.academic)
        curves.append(run_curves(study, roles, decision=decision.industry))
    here, there = curves
    assert [c.name for c in here.curves] == [c.name for c in there.curves]
    for a, b in zip(here.curves, there.curves, strict=True):
        assert [(p.share, p.rows, p.metric, p.low, p.high) for p in a.points] == [
            (p.share, p.rows, p.metric, p.low, p.high) for p in b.points
        ]
        assert len(a.points) >= 4
    # the same words, but for a training time at more rows ("At 5× the rows, … would take …")
    assert here.sentence.split(" At ")[0] == there.sentence.split(" At ")[0]


def test_the_dataset_is_sent_to_each_worker_once(binary_dataset, client, dask_cluster):
    seen: list[str] = []

    def count(event):
        if event.stage == "training" and not event.message:
            seen.append(event.model)

    study = run_study(
        binary_dataset,
        StudyConfig(models=LADDER, cluster=dask_cluster.scheduler_address, **FAST),
        on_progress=count,
    )
    assert all(m.ok for m in study.models)
    # Every task's own message to the scheduler is small: the table went out once, broadcast.
    tasks = client.run_on_scheduler(
        lambda dask_scheduler: [
            (key, ts.nbytes) for key, ts in dask_scheduler.tasks.items() if str(key)[:6] == "train-"
        ]
    )
    assert not tasks or all(nbytes < 10_000_000 for _, nbytes in tasks)
    assert len(set(seen)) == len(study.models)


# --- a lost worker, a time limit -----------------------------------------------------------------


def test_a_model_whose_worker_is_lost_trains_again_on_another(slow_dataset, client, dask_cluster):
    pids = client.run(os.getpid)
    killed: list[str] = []
    messages: list[str] = []

    def kill_its_worker():
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # once its worker says it is training the model
            for _, said in client.get_events(cluster.TOPIC):
                if said["model"] == "mlp_large" and said["stage"] == "training":
                    time.sleep(0.2)
                    os.kill(pids[said["worker"]], signal.SIGKILL)
                    killed.append(said["worker"])
                    return
            time.sleep(0.05)

    def watch(event):
        if event.model == "mlp_large" and event.stage == "training":
            messages.append(event.message)
            if len(messages) == 1:
                threading.Thread(target=kill_its_worker, daemon=True).start()

    study = run_study(
        slow_dataset,
        StudyConfig(models=("mlp_large",), cluster=dask_cluster.scheduler_address, **FAST),
        on_progress=watch,
    )
    assert killed, "the test never saw the model running"
    model = study.model("mlp_large")
    assert model.ok, model.reason
    assert any("trained again on another worker" in note for note in model.notes)
    assert "Its worker was lost; training again on another." in messages
    assert all(m.ok for m in study.models)


def test_a_model_over_its_time_limit_stops_and_the_study_goes_on(slow_dataset, dask_cluster):
    started = time.perf_counter()
    study = run_study(
        slow_dataset,
        StudyConfig(
            models=("mlp_large", "naive_bayes"),
            cluster=dask_cluster.scheduler_address,
            time_limit_s=1.5,  # the network takes about 3.5 s, the others well under 0.5 s
            **FAST,
        ),
    )
    model = study.model("mlp_large")
    assert model.status == "failed"
    assert "time limit of 1.5 s" in model.reason
    for other in ("naive_bayes", "dummy", "simple"):
        assert study.model(other).ok, study.model(other).reason
        # the one waiting behind the network on its worker went back to the queue: not lost
        assert not any("lost" in note for note in study.model(other).notes), other
    assert time.perf_counter() - started < 120


def test_a_model_waiting_behind_one_over_its_limit_is_not_lost(slow_dataset):
    """One worker: the network is stopped at its limit with the worker's process; the models
    that had not begun go to the worker that replaces it, counted once, never as lost."""
    with cluster.local_cluster(1) as one:
        study = run_study(
            slow_dataset,
            StudyConfig(
                models=("mlp_large", "naive_bayes"),
                cluster=one.scheduler_address,
                time_limit_s=1.5,
                **FAST,
            ),
        )
    assert "time limit of 1.5 s" in study.model("mlp_large").reason
    for other in ("naive_bayes", "dummy", "simple"):
        model = study.model(other)
        assert model.ok, model.reason
        assert not any("lost" in note for note in model.notes), (other, model.notes)


def test_after_a_time_limit_the_cluster_still_trains(binary_dataset, client, dask_cluster):
    client.wait_for_workers(2, timeout=180)  # the overrunning model's worker restarted
    study = run_study(
        binary_dataset,
        StudyConfig(models=("decision_tree",), cluster=dask_cluster.scheduler_address, **FAST),
    )
    assert all(m.ok for m in study.models)


# --- workers that would not train alike ----------------------------------------------------------


def test_workers_with_other_package_versions_are_refused(binary_dataset, dask_cluster, monkeypatch):
    here = cluster._local_versions()
    monkeypatch.setattr(cluster, "_local_versions", lambda: here | {"scikit-learn": "0.0.1"})
    config = StudyConfig(models=("decision_tree",), cluster=dask_cluster.scheduler_address)
    with pytest.raises(ConfigError, match=r"has scikit-learn .* this machine 0\.0\.1"):
        run_study(binary_dataset, config)


def test_workers_with_several_threads_are_refused(binary_dataset):
    with cluster.local_cluster(1, threads_per_worker=2) as crowded:
        config = StudyConfig(models=("decision_tree",), cluster=crowded.scheduler_address)
        with pytest.raises(ConfigError, match=r"runs 2 threads.*--nthreads 1"):
            run_study(binary_dataset, config)


def test_a_local_cluster_is_started_for_the_study_and_stopped(binary_dataset):
    before = {t.name for t in threading.enumerate()}
    study = run_study(
        binary_dataset, StudyConfig(models=("decision_tree",), cluster="local", n_workers=2)
    )
    assert study.compute["training"] == {
        "executor": "dask",
        "workers": 2,
        "threads_per_worker": 1,
        "scheduler": None,
        "cpus": study.compute["training"]["cpus"],
    }
    assert all(m.ok for m in study.models)
    left = {t.name for t in threading.enumerate()} - before
    assert not any("dask" in name.lower() for name in left)


def test_the_table_waits_for_a_worker_when_every_worker_is_gone(monkeypatch):
    """Dask refuses to broadcast to no worker ("Can not use replicate to delete data"): after
    a time limit stopped the last worker, the table waits for the one its nanny starts, and is
    never sent to a worker being stopped (a model sent there with it would be cancelled)."""
    from types import SimpleNamespace

    from core.cluster import _Run

    monkeypatch.setattr(cluster, "_POLL_S", 0.0)
    seen = iter([{"old": 1}, {"old": 1, "new": 1}, {"new": 1}])
    sent: list[list[str]] = []

    class Client:
        def nthreads(self) -> dict[str, int]:
            return next(seen)

        def scatter(self, data, workers, broadcast: bool, hash: bool):  # type: ignore[no-untyped-def]
            sent.append(list(workers))
            if len(sent) == 1:  # the worker went between the look and the send
                raise ValueError("Can not use replicate to delete data")
            return "future"

    run = SimpleNamespace(client=Client(), dataset="table", stopped={"old"})
    assert _Run._scatter(run) == "future"  # type: ignore[arg-type]
    assert sent == [["new"], ["new"]]

"""The study store: exact round trips, listing, deletion, checks on files, concurrency, failures."""

from __future__ import annotations

import math
import multiprocessing as mp
import os
import re
import sqlite3
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing
from dataclasses import fields, replace

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

import core.store as store_module
from core.dataset import ColumnProfile, DataWarning
from core.pareto import Budgets, Recommendation
from core.results import to_dict
from core.store import (
    SCHEMA_VERSION,
    STORE_ENV,
    StoreError,
    StudyStore,
    StudySummary,
    default_store_dir,
)
from core.study import StudyConfig, StudyResult, run_study

FAST = {"n_workers": 0, "n_resamples": 200, "latency_calls": 20, "latency_budget_s": 0.05}
UNKNOWN = re.escape("No saved study 'abc'. It may have been deleted; refresh the Studies page.")


@pytest.fixture(scope="module")
def binary_study(binary_dataset) -> StudyResult:
    models = ("decision_tree", "knn", "xgboost_small")
    return run_study(binary_dataset, StudyConfig(models=models, **FAST))


@pytest.fixture(scope="module")
def multiclass_study(multiclass_dataset) -> StudyResult:
    return run_study(multiclass_dataset, StudyConfig(models=("decision_tree",), **FAST))


@pytest.fixture(scope="module")
def regression_study(regression_dataset) -> StudyResult:
    config = StudyConfig(models=("decision_tree", "hist_gb"), validation="cv", cv_folds=3, **FAST)
    return run_study(regression_dataset, config)


@pytest.fixture
def store(tmp_path) -> StudyStore:
    return StudyStore(tmp_path / "store")


def _sql(store: StudyStore, statement: str, params: tuple = ()) -> list[tuple]:
    """Run one statement on the store's database directly, as another program could."""
    with closing(sqlite3.connect(store.db_path)) as conn, conn:
        return conn.execute(statement, params).fetchall()


def _nan_as_text(value):
    """NaN never equals itself: compare it as text."""
    if isinstance(value, dict):
        return {k: _nan_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_nan_as_text(v) for v in value]
    return "nan" if isinstance(value, float) and math.isnan(value) else value


def _assert_same_study(loaded: StudyResult, original: StudyResult, *, pipelines: bool) -> None:
    assert to_dict(loaded) == to_dict(original)
    pd.testing.assert_frame_equal(loaded.dataset.X, original.dataset.X)
    for f in fields(original.dataset):
        a, b = getattr(loaded.dataset, f.name), getattr(original.dataset, f.name)
        if isinstance(b, np.ndarray):
            np.testing.assert_array_equal(a, b, strict=True)
        elif f.name != "X":
            assert a == b, f.name
            assert type(a) is type(b), f.name
    assert loaded.config == original.config
    assert loaded.recommendation == original.recommendation
    assert (loaded.primary_metric, loaded.created_at) == (
        original.primary_metric,
        original.created_at,
    )
    assert loaded.duration_s == original.duration_s
    np.testing.assert_array_equal(loaded.eval_index, original.eval_index, strict=True)
    np.testing.assert_array_equal(loaded.eval_fold, original.eval_fold, strict=True)
    assert [m.name for m in loaded.models] == [m.name for m in original.models]
    X = original.dataset.X
    for new, old in zip(loaded.models, original.models, strict=True):
        for f in fields(old):
            if f.name not in {"pipeline", "model_bytes", "predictions"}:
                assert _nan_as_text(getattr(new, f.name)) == _nan_as_text(getattr(old, f.name))
        if old.predictions is None:
            assert new.predictions is None
        else:
            assert new.predictions is not None
            got, want = new.predictions, old.predictions
            np.testing.assert_array_equal(got.y_pred, want.y_pred, strict=True)
            if want.proba is None:
                assert got.proba is None
            else:
                np.testing.assert_array_equal(got.proba, want.proba, strict=True)
        if not pipelines:
            assert new.pipeline is None
            assert new.model_bytes is None
        elif old.model_bytes is not None:
            assert new.model_bytes == old.model_bytes
            np.testing.assert_array_equal(new.pipeline.predict(X), old.pipeline.predict(X))
            if original.dataset.is_classification:
                np.testing.assert_array_equal(
                    new.pipeline.predict_proba(X), old.pipeline.predict_proba(X)
                )


@pytest.mark.parametrize("name", ["binary_study", "multiclass_study", "regression_study"])
@pytest.mark.parametrize("pipelines", [True, False])
def test_round_trip_is_exact(store, request, name, pipelines):
    study = request.getfixturevalue(name)
    assert all(m.ok for m in study.models)
    study_id = store.save(study)
    _assert_same_study(store.load(study_id, pipelines=pipelines), study, pipelines=pipelines)


def test_round_trip_keeps_profiles_warnings_missing_values_and_non_finite_numbers(
    store, binary_study
):
    X = binary_study.dataset.X.copy()
    X.loc[3, "colour"] = np.nan
    X["size"] = pd.Categorical(np.where(X["x1"] > 0, "big", "small"))
    X.loc[5, "x0"] = np.nan
    dataset = replace(
        binary_study.dataset,
        X=X,
        profiles=(ColumnProfile("colour", "categorical", "str", 0.25, 2, ("red", "blue")),),
        warnings=(DataWarning("id_column", "id", "Column 'id' looks like an identifier."),),
        excluded={"id": "an identifier"},
        feature_origin={**binary_study.dataset.feature_origin, "size": "Size (m²)"},
    )
    dummy = replace(binary_study.models[0], metrics={"accuracy": math.nan, "log_loss": math.inf})
    study = replace(binary_study, dataset=dataset, models=[dummy, *binary_study.models[1:]])
    loaded = store.load(store.save(study))
    _assert_same_study(loaded, study, pipelines=True)
    assert math.isnan(loaded.models[0].metrics["accuracy"])
    assert loaded.models[0].metrics["log_loss"] == math.inf


def test_loaded_model_bytes_on_demand(store, binary_study):
    study_id = store.save(binary_study)
    tree = binary_study.model("decision_tree")
    assert store.model_bytes(study_id, "decision_tree") == tree.model_bytes
    with pytest.raises(StoreError, match="has no fitted model 'nope'"):
        store.model_bytes(study_id, "nope")


def test_list_newest_first_with_summary_fields(store, binary_study, regression_study):
    days = {}
    for day, study in ((2, binary_study), (3, regression_study), (1, binary_study)):
        dated = replace(study, created_at=f"2026-01-0{day}T10:00:00+00:00")
        days[store.save(dated)] = (day, study)
    summaries = store.list()
    assert [days[s.study_id][0] for s in summaries] == [3, 2, 1]
    for summary in summaries:
        study = days[summary.study_id][1]
        rec, metric = study.recommendation, study.primary_metric
        best, pick = study.model(rec.academic), study.model(rec.industry)
        assert summary == StudySummary(
            study_id=summary.study_id,
            created_at=f"2026-01-0{days[summary.study_id][0]}T10:00:00+00:00",
            dataset_name="synthetic.csv",
            target="target",
            task=study.dataset.task,
            n_rows=study.dataset.n_rows,
            primary_metric=metric,
            n_models=len(study.models),
            best_label=best.label,
            best_metric=best.metrics[metric],
            recommended_label=pick.label,
            recommended_metric=pick.metrics[metric],
            duration_s=study.duration_s,
        )


def test_list_without_a_recommendation(store, binary_study):
    none = Recommendation(None, None, "Nothing finished.", "Nothing finished.", Budgets())
    store.save(replace(binary_study, recommendation=none))
    (summary,) = store.list()
    assert summary.best_label is summary.best_metric is None
    assert summary.recommended_label is summary.recommended_metric is None


def test_list_reads_no_file(store, binary_study):
    ids = {store.save(binary_study) for _ in range(3)}
    for folder in (store.root / "studies").iterdir():
        for path in folder.rglob("*.*"):
            path.unlink()
    assert {s.study_id for s in store.list()} == ids


def test_delete_removes_row_and_files(store, binary_study):
    keep, gone = store.save(binary_study), store.save(binary_study)
    store.delete(gone)
    assert [s.study_id for s in store.list()] == [keep]
    assert gone not in store
    assert keep in store
    assert len(store) == 1
    assert not (store.root / "studies" / gone).exists()
    assert (store.root / "studies" / keep / "X.parquet").exists()
    assert {p for (p,) in _sql(store, "SELECT study_id FROM files")} == {keep}
    with pytest.raises(StoreError, match="No saved study"):
        store.load(gone)


@pytest.mark.parametrize("study_id", ["abc", "../abc"])
def test_unknown_id_is_a_clear_error(store, study_id):
    message = UNKNOWN.replace("abc", re.escape(study_id))
    with pytest.raises(StoreError, match=message):
        store.load(study_id)
    with pytest.raises(StoreError, match=message):
        store.delete(study_id)
    with pytest.raises(StoreError, match=message):
        store.model_bytes(study_id, "dummy")


@pytest.mark.parametrize("rel", ["models/decision_tree.skops", "X.parquet", "arrays.npz"])
def test_tampered_file_is_refused(store, binary_study, rel):
    study_id = store.save(binary_study)
    path = store.root / "studies" / study_id / rel
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    message = f"Saved study '{study_id}' is damaged: its file {rel} changed after it was saved"
    with pytest.raises(StoreError, match=re.escape(message)):
        store.load(study_id)


def test_missing_file_is_a_clear_error(store, binary_study):
    study_id = store.save(binary_study)
    (store.root / "studies" / study_id / "models" / "knn.skops").unlink()
    with pytest.raises(
        StoreError, match=re.escape("is incomplete: its file models/knn.skops is missing")
    ):
        store.load(study_id)
    assert store.load(study_id, pipelines=False).model("knn").size_bytes > 0


class Intruder:
    """A type outside the allow-list, standing for anything a stranger might put in a file."""

    def __init__(self) -> None:
        self.payload = "not a model"


def test_model_file_with_types_outside_the_allow_list_is_refused(store, binary_study):
    study_id = store.save(binary_study)
    data = sio.dumps(Intruder())
    rel = "models/decision_tree.skops"
    (store.root / "studies" / study_id / rel).write_bytes(data)
    _sql(  # someone who can also rewrite the recorded hash
        store,
        "UPDATE files SET sha256 = ? WHERE study_id = ? AND path = ?",
        (store_module._sha256(data), study_id, rel),
    )
    with pytest.raises(StoreError, match=r"holding types this app does not load: .*Intruder"):
        store.load(study_id)


def test_default_store_dir_honours_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(STORE_ENV, str(tmp_path / "mine"))
    assert default_store_dir() == tmp_path / "mine"
    assert StudyStore().root == tmp_path / "mine"
    assert (tmp_path / "mine" / "studies.sqlite").exists()
    monkeypatch.delenv(STORE_ENV)
    assert default_store_dir().name == "tradeoff-explorer"
    assert default_store_dir() != tmp_path / "mine"


def test_database_is_wal_with_a_schema_version(store):
    assert _sql(store, "PRAGMA journal_mode") == [("wal",)]
    assert _sql(store, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


def test_store_from_a_newer_app_is_refused(store):
    _sql(store, "PRAGMA user_version = 99")
    with pytest.raises(StoreError, match="written by a newer version of this app"):
        StudyStore(store.root)


def test_two_stores_on_one_root_see_each_other(tmp_path, binary_study):
    first, second = StudyStore(tmp_path), StudyStore(tmp_path)
    a, b = first.save(binary_study), second.save(binary_study)
    assert {s.study_id for s in first.list()} == {s.study_id for s in second.list()} == {a, b}
    second.delete(a)
    assert a not in first


def test_concurrent_saves_from_threads_are_all_listed(tmp_path, multiclass_study):
    def work(_: int) -> list[str]:
        own = StudyStore(tmp_path)
        ids = [own.save(multiclass_study) for _ in range(2)]
        own.list()
        return ids

    with ThreadPoolExecutor(4) as pool:
        ids = [i for batch in pool.map(work, range(4)) for i in batch]
    assert len(set(ids)) == 8
    store = StudyStore(tmp_path)
    assert {s.study_id for s in store.list()} == set(ids)
    assert all(store.load(i, pipelines=False).created_at for i in ids)


def _save_twice(root: str, study: StudyResult) -> list[str]:
    store = StudyStore(root)
    return [store.save(study) for _ in range(2)]


@pytest.mark.slow
def test_concurrent_saves_from_processes_are_all_listed(tmp_path, multiclass_study):
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as pool:
        futures = [pool.submit(_save_twice, str(tmp_path), multiclass_study) for _ in range(2)]
        ids = [i for f in futures for i in f.result()]
    assert {s.study_id for s in StudyStore(tmp_path).list()} == set(ids)
    assert len(ids) == 4


def _disk_full_at_first_model(monkeypatch):
    original, calls = store_module._put, []

    def put(*args):
        calls.append(args)
        if len(calls) == 3:  # X.parquet, arrays.npz, then the first model file
            raise OSError(28, "No space left on device")
        original(*args)

    monkeypatch.setattr(store_module, "_put", put)


def _database_locked_after_files_are_in_place(monkeypatch):
    def locked(self):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(StudyStore, "_transaction", locked)


def _bug_in_metadata(monkeypatch):
    monkeypatch.setattr(store_module, "_dumps", lambda meta: 1 / 0)


@pytest.mark.parametrize(
    ("sabotage", "error", "message"),
    [
        (_disk_full_at_first_model, StoreError, "Could not save the study .*No space left"),
        (_database_locked_after_files_are_in_place, StoreError, "database is locked"),
        (_bug_in_metadata, ZeroDivisionError, "division"),
    ],
)
def test_failed_save_leaves_nothing(store, binary_study, monkeypatch, sabotage, error, message):
    sabotage(monkeypatch)
    with pytest.raises(error, match=message):
        store.save(binary_study)
    monkeypatch.undo()
    assert store.list() == []
    assert len(store) == 0
    assert list((store.root / "studies").iterdir()) == []


def test_stale_leftovers_are_swept(store, binary_study):
    kept = store.save(binary_study)
    studies = store.root / "studies"
    stale, fresh = studies / ".partial-old", studies / ("0" * 32)
    for folder in (stale, fresh):
        (folder / "models").mkdir(parents=True)
    old = time.time() - 2 * store_module._STALE_S
    os.utime(stale, (old, old))
    os.utime(studies / kept, (old, old))
    StudyStore(store.root)
    assert sorted(p.name for p in studies.iterdir()) == sorted([kept, fresh.name])
    assert store.load(kept, pipelines=False).created_at == binary_study.created_at

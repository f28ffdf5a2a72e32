"""The study store: exact round trips, listing, deletion, checks on files, concurrency, failures."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import multiprocessing as mp
import os
import re
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import closing
from dataclasses import fields, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

import core.store as store_module
import core.study_files as study_files
from core.dataset import ColumnProfile, DataWarning
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
    assert loaded.decision == original.decision
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
            if f.name not in {"pipeline", "model_bytes", "onnx_bytes", "predictions"}:
                assert _nan_as_text(getattr(new, f.name)) == _nan_as_text(getattr(old, f.name))
        assert new.onnx_bytes == (old.onnx_bytes if pipelines else None)
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
        rec, metric = study.decision, study.primary_metric
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
    failed = [replace(m, status="failed", metrics={}) for m in binary_study.models]
    store.save(replace(binary_study, models=failed))  # nothing finished: no pick at all
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


@pytest.mark.parametrize("rel", ["X.parquet", "arrays.npz"])
def test_tampered_data_file_is_refused(store, binary_study, rel):
    study_id = store.save(binary_study)
    path = store.root / "studies" / study_id / rel
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    message = f"Saved study '{study_id}' is damaged: its file {rel} changed after it was saved"
    with pytest.raises(StoreError, match=re.escape(message)):
        store.load(study_id)


def _assert_only_unavailable(loaded: StudyResult, original: StudyResult, name: str, why: str):
    """The study opened: ``name`` has no pipeline and says why; every other model works."""
    X = original.dataset.X
    for model, old in zip(loaded.models, original.models, strict=True):
        assert model.metrics == old.metrics
        np.testing.assert_array_equal(model.predictions.y_pred, old.predictions.y_pred)
        if model.name == name:
            assert model.pipeline is None
            assert model.model_bytes is None
            assert re.search(why, model.file_problem), model.file_problem
        elif old.model_bytes is not None:
            assert model.file_problem is None
            np.testing.assert_array_equal(model.pipeline.predict(X), old.pipeline.predict(X))


@pytest.mark.parametrize("damage", ["one byte changed", "truncated", "emptied", "deleted"])
def test_a_damaged_model_file_leaves_only_that_model_unavailable(store, binary_study, damage):
    study_id = store.save(binary_study)
    path = store.root / "studies" / study_id / "models" / "knn.skops"
    data = bytearray(path.read_bytes())
    if damage == "one byte changed":
        data[len(data) // 3] ^= 0x01
        path.write_bytes(bytes(data))
    elif damage == "deleted":
        path.unlink()
    else:
        path.write_bytes(bytes(data[: len(data) // 2 if damage == "truncated" else 0]))
    why = "is missing" if damage == "deleted" else "changed after it was saved"
    loaded = store.load(study_id)
    _assert_only_unavailable(
        loaded, binary_study, "knn", f"models/knn.skops was not loaded: .*{why}"
    )
    assert store.load(study_id, pipelines=False).model("knn").size_bytes > 0


class Intruder:
    """A type outside the allow-list, standing for anything a stranger might put in a file."""

    def __init__(self) -> None:
        self.payload = "not a model"


def _replace_model_file(store: StudyStore, study_id: str, name: str, data: bytes) -> None:
    """Put ``data`` in place of a model file and its hash in the index, as someone who can
    write the store's folder could."""
    rel = f"models/{name}.skops"
    (store.root / "studies" / study_id / rel).write_bytes(data)
    _sql(
        store,
        "UPDATE files SET sha256 = ? WHERE study_id = ? AND path = ?",
        (study_files.sha256(data), study_id, rel),
    )


def test_model_file_with_types_outside_the_allow_list_is_refused(store, binary_study):
    study_id = store.save(binary_study)
    _replace_model_file(store, study_id, "decision_tree", sio.dumps(Intruder()))
    loaded = store.load(study_id)
    _assert_only_unavailable(
        loaded, binary_study, "decision_tree", r"never writes into a model file \(.*Intruder"
    )


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
    original, calls = Path.write_bytes, []

    def write_bytes(self, data):
        calls.append(self)
        if len(calls) == 3:  # X.parquet, arrays.npz, then the first model file
            raise OSError(28, "No space left on device")
        return original(self, data)

    monkeypatch.setattr(Path, "write_bytes", write_bytes)


def _bug_in_metadata(monkeypatch):
    monkeypatch.setattr(study_files, "_metadata", lambda *_: 1 / 0)


@pytest.mark.parametrize(
    ("sabotage", "error", "message"),
    [
        (_disk_full_at_first_model, StoreError, "Could not save the study .*No space left"),
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


def test_a_study_whose_index_row_failed_is_kept_and_listed_at_the_next_start(
    store, binary_study, monkeypatch
):
    def locked(self):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(StudyStore, "_transaction", locked)
    with pytest.raises(StoreError, match=r"was saved in .*it will be listed when the app restarts"):
        store.save(binary_study)
    monkeypatch.undo()
    assert store.list() == []
    (summary,) = StudyStore(store.root).list()
    _assert_same_study(StudyStore(store.root).load(summary.study_id), binary_study, pipelines=True)


def test_only_leftovers_the_store_marked_incomplete_are_swept(store, binary_study):
    kept, unindexed = store.save(binary_study), store.save(binary_study)
    _sql(store, "DELETE FROM studies WHERE study_id = ?", (unindexed,))  # its row lost
    studies = store.root / "studies"
    partial, deleting = studies / ".partial-old", studies / f".deleting-{'1' * 32}-abcd"
    stranger, fresh = studies / "notes", studies / ".partial-fresh"
    for folder in (partial, deleting, stranger, fresh):
        (folder / "models").mkdir(parents=True)
    old = time.time() - 2 * store_module._STALE_S
    for folder in (partial, deleting, stranger, studies / kept, studies / unindexed):
        os.utime(folder, (old, old))
    again = StudyStore(store.root)
    assert sorted(p.name for p in studies.iterdir()) == sorted(
        [kept, unindexed, stranger.name, fresh.name]
    )
    assert {s.study_id for s in again.list()} == {kept, unindexed}
    assert again.load(unindexed, pipelines=False).created_at == binary_study.created_at


def _two_saved(store: StudyStore, binary_study, regression_study) -> set[str]:
    return {store.save(binary_study), store.save(regression_study)}


def _remove_index(root: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        (root / f"studies.sqlite{suffix}").unlink(missing_ok=True)


def _truncate_index(root: Path) -> None:
    path = root / "studies.sqlite"
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    (root / "studies.sqlite-wal").unlink(missing_ok=True)
    (root / "studies.sqlite-shm").unlink(missing_ok=True)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _garble_index(root: Path) -> None:
    _remove_index(root)
    (root / "studies.sqlite").write_bytes(b"this is not a database" * 100)


def _empty_index(root: Path) -> None:
    _remove_index(root)
    (root / "studies.sqlite").write_bytes(b"")


LOSSES = {
    "deleted": _remove_index,
    "truncated": _truncate_index,
    "garbled": _garble_index,
    "emptied": _empty_index,
}


@pytest.mark.parametrize("loss", list(LOSSES))
def test_an_index_lost_before_start_is_rebuilt_from_the_folders(
    store, binary_study, regression_study, loss
):
    ids = _two_saved(store, binary_study, regression_study)
    before = sorted(store.list(), key=lambda s: s.study_id)
    LOSSES[loss](store.root)
    again = StudyStore(store.root)
    assert sorted(again.list(), key=lambda s: s.study_id) == before
    _assert_same_study(
        again.load(before[0].study_id),
        *[st for st in (binary_study, regression_study) if st.dataset.task == before[0].task],
        pipelines=True,
    )
    (notice,) = again.notices
    assert "rebuilt from the study folders" in notice.message
    assert "2 studies listed" in notice.message
    assert {p.name for p in (store.root / "studies").iterdir()} == ids
    if loss in ("truncated", "garbled"):  # the damaged index is kept aside, never deleted
        assert list(store.root.glob("studies.sqlite.damaged-*"))


@pytest.mark.parametrize("loss", list(LOSSES))
def test_an_index_lost_while_running_is_rebuilt_and_work_goes_on(
    store, binary_study, regression_study, loss
):
    ids = _two_saved(store, binary_study, regression_study)
    LOSSES[loss](store.root)
    assert {s.study_id for s in store.list()} == ids
    third = store.save(binary_study)
    assert {s.study_id for s in store.list()} == ids | {third}
    assert store.load(third).model("decision_tree").pipeline is not None
    store.delete(third)
    assert len(store) == 2
    assert len(store.notices) == 1  # said once
    assert "rebuilt from the study folders" in store.notices[0].message


def test_rebuild_by_hand_reports_folders_that_are_not_studies(store, binary_study):
    kept = store.save(binary_study)
    broken = store.root / "studies" / ("2" * 32)
    broken.mkdir()
    (broken / "manifest.json").write_text("{ not json")
    report = store.rebuild()
    assert report.studies == 1
    assert report.skipped == (("2" * 32, "its manifest.json is damaged (not valid JSON)"),)
    assert [s.study_id for s in store.list()] == [kept]
    assert broken.exists()


def _hostile_manifest(folder: Path, change) -> None:
    document = json.loads((folder / "manifest.json").read_text())
    change(document)
    (folder / "manifest.json").write_text(json.dumps(document))


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: d["files"].append(dict(d["files"][0], path="../../secret")), "not a study file"),
        (lambda d: d.update(study_id="f" * 32), "not its folder's name"),
        (lambda d: d["summary"].update(n_rows="many"), "'n_rows' is not a int"),
        (lambda d: d["meta"]["models"][0].update(stored_file="/etc/passwd"), "does not list"),
        (lambda d: d.update(format="something else"), "unknown format"),
    ],
)
def test_a_hostile_manifest_is_never_listed_nor_followed(store, binary_study, change, reason):
    study_id = store.save(binary_study)
    _hostile_manifest(store.root / "studies" / study_id, change)
    _remove_index(store.root)
    again = StudyStore(store.root)
    assert again.list() == []
    (skipped,) = again.rebuild().skipped
    assert skipped[0] == study_id
    assert reason in skipped[1]
    assert (store.root / "studies" / study_id / "X.parquet").exists()


def test_a_study_saved_before_manifests_gets_one_and_survives_a_lost_index(store, binary_study):
    study_id = store.save(binary_study)
    manifest = store.root / "studies" / study_id / "manifest.json"
    manifest.unlink()  # as saved by the previous version of the app
    StudyStore(store.root)
    assert manifest.exists()
    _remove_index(store.root)
    again = StudyStore(store.root)
    _assert_same_study(again.load(study_id), binary_study, pipelines=True)


_READ_ONLY_CHECK = """
import sys
from core.store import StoreError, StudyStore
store = StudyStore(sys.argv[1])
ids = [s.study_id for s in store.list()]
study = store.load(ids[0])
assert study.model("decision_tree").pipeline is not None
try:
    store.save(study)
except StoreError as exc:
    print("refused:", exc)
try:
    store.delete(ids[0])
except StoreError as exc:
    print("refused:", exc)
print("notice:", store.notices[0].message)
print("listed:", len(ids))
"""


def _as_a_user_who_cannot_write(root: Path, script: str) -> subprocess.CompletedProcess:
    """Run ``script`` on ``root`` made read-only. Root may write anywhere, so as root the
    process runs without the capabilities that override file permissions (``setpriv``)."""
    for path in [root, *root.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    command = [sys.executable, "-c", script, str(root)]
    if os.geteuid() == 0:
        command = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", "--", *command]
    try:
        return subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=120,
            cwd=Path(__file__).parents[2],
            check=False,
        )
    finally:
        for path in [root, *root.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("index", ["kept", "lost"])
def test_a_read_only_store_lists_and_opens_but_says_why_it_cannot_save(
    tmp_path, binary_study, index
):
    root = tmp_path / "store"
    store = StudyStore(root)
    ids = {store.save(binary_study), store.save(binary_study)}
    if index == "lost":
        _remove_index(root)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    done = _as_a_user_who_cannot_write(root, _READ_ONLY_CHECK)
    assert done.returncode == 0, done.stderr
    assert "listed: 2" in done.stdout
    assert "refused: Cannot save the study: the study folder" in done.stdout
    assert "refused: Cannot delete the study" in done.stdout
    assert "is read-only" in done.stdout
    assert "saved studies can be opened, but new ones are not saved" in done.stdout
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before
    assert {s.study_id for s in StudyStore(root).list()} == ids


def _with_table(study: StudyResult, data: bytes) -> StudyResult:
    return dataclasses.replace(
        study, dataset=dataclasses.replace(study.dataset, sha256=hashlib.sha256(data).hexdigest())
    )


def test_a_study_keeps_the_uploaded_file_it_was_trained_on(store, binary_study):
    data = b"x0,x1,target\n1,2,yes\n3,4,no\n"
    study = _with_table(binary_study, data)
    kept = store.save(study, table=data)
    assert store.table_bytes(kept) == data
    assert store.table_bytes(store.save(study)) is None  # saved without it
    # Bytes that are not the dataset's file are never kept under its name.
    assert store.table_bytes(store.save(study, table=b"another file")) is None
    # The index can be rebuilt from the folders: the table is listed again.
    store.rebuild()
    assert store.table_bytes(kept) == data


def test_a_changed_or_missing_table_is_refused(store, binary_study):
    data = b"x0,x1,target\n1,2,yes\n3,4,no\n"
    study_id = store.save(_with_table(binary_study, data), table=data)
    path = store.root / "studies" / study_id / "table.bin"
    path.write_bytes(data.replace(b"yes", b"YES"))
    with pytest.raises(StoreError, match=r"its file table\.bin changed after it was saved"):
        store.table_bytes(study_id)
    path.unlink()
    with pytest.raises(StoreError, match=r"its file table\.bin is missing"):
        store.table_bytes(study_id)
    store.load(study_id)  # the study itself still opens


# --- where a study ran ---------------------------------------------------------------------------


def test_where_a_study_ran_is_saved_and_reopened(store, binary_study):
    assert binary_study.compute["training"]["executor"] in ("local pool", "this process")
    loaded = store.load(store.save(binary_study))
    assert loaded.compute == binary_study.compute


@pytest.mark.parametrize(
    "saved",
    [
        None,  # saved before it was recorded
        "dask",
        {"training": {"executor": "dask"}},  # fields missing
        {
            "training": {
                "executor": "dask",
                "workers": "2",  # text, not a number
                "threads_per_worker": 1,
                "scheduler": None,
                "cpus": {},
            },
            "serving": {"cpu": "x", "cores": 2},
        },
        {
            "training": {
                "executor": "dask",
                "workers": 2,
                "threads_per_worker": 1,
                "scheduler": None,
                "cpus": {"x": [1]},
            },
            "serving": {"cpu": "x", "cores": 2},
        },
    ],
)
def test_a_record_of_where_it_ran_not_of_our_shape_is_dropped(saved):
    assert study_files._compute_from(saved) == {}


def test_a_record_of_where_it_ran_keeps_only_its_own_fields():
    saved = {
        "training": {
            "executor": "dask",
            "workers": 3,
            "threads_per_worker": 1,
            "scheduler": "tcp://10.0.0.5:8786",
            "cpus": {"Xeon": 3},
            "extra": "<script>",
        },
        "serving": {"cpu": "EPYC", "cores": 2},
        "other": 1,
    }
    kept = study_files._compute_from(saved)
    assert kept == {
        "training": {k: v for k, v in saved["training"].items() if k != "extra"},
        "serving": saved["serving"],
    }

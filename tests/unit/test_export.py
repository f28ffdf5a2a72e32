"""Files that leave the app: CSVs safe in spreadsheets, and a model served in a fresh process."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import prepare_dataset, read_table
from core.errors import ConfigError
from core.export import (
    leaderboard_csv,
    model_bundle,
    predictions_csv,
    results_json,
    serving_features,
    serving_snippet,
)
from core.results import neutralise, safe_csv
from core.samples import get_sample, read_sample_bytes
from core.study import StudyConfig, StudyResult, run_study
from tests.unit.conftest import FAST_STUDY, imports_and_calls


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=SUM(A1:A9)", "'=SUM(A1:A9)"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        (-3.5, -3.5),
        (None, None),
    ],
)
def test_neutralise(cell: object, shown: object) -> None:
    assert neutralise(cell) == shown


def test_safe_csv_neutralises_text_cells_and_headers_but_not_numbers() -> None:
    frame = pd.DataFrame({"=x": ["=1+1", "ok"], "n": [-1.5, 2.0]})
    back = pd.read_csv(io.BytesIO(safe_csv(frame)))
    assert list(back.columns) == ["'=x", "n"]
    assert back["'=x"].tolist() == ["'=1+1", "ok"]
    assert back["n"].tolist() == [-1.5, 2.0]


def _study(frame: pd.DataFrame, target: str, *models: str) -> StudyResult:
    dataset = prepare_dataset(frame, target, name="rows.csv")
    config = StudyConfig(models=models, **FAST_STUDY)  # type: ignore[arg-type]
    return run_study(dataset, config)


def test_hostile_labels_are_inert_in_every_csv() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=120)
    frame = pd.DataFrame(
        {
            "x": x,
            "=cmd|' /C calc'!A0": rng.choice(["a", "b"], 120),
            "label": np.where(x > 0, '=HYPERLINK("http://x")', "@safe"),
        }
    )
    study = _study(frame, "label", "decision_tree")
    for data in (predictions_csv(study), leaderboard_csv(study)):
        for line in data.decode().splitlines():
            for cell in line.split(","):
                assert not cell.strip('"').startswith(("=", "+", "@")), line
    predictions = pd.read_csv(io.BytesIO(predictions_csv(study)))
    assert set(predictions["true"]) == {'\'=HYPERLINK("http://x")', "'@safe"}
    # JSON is not opened by spreadsheets: there the name stays as the user wrote it.
    assert "=cmd|' /C calc'!A0" in results_json(study).decode()


# --- serving -------------------------------------------------------------------------------------


def _table() -> pd.DataFrame:
    """Numbers, a category, a yes/no column and dates: every way a column becomes a feature."""
    rng = np.random.default_rng(3)
    n = 300
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    amount = rng.normal(100, 30, n).round(2)
    member = rng.choice(["yes", "no"], n)
    return pd.DataFrame(
        {
            "amount (USD)": amount,
            "plan": rng.choice(["basic", "pro", "team"], n),
            "member": member,
            "signed up": days.strftime("%Y-%m-%d"),
            "churn": np.where(
                amount + 40 * (member == "yes") + rng.normal(0, 20, n) > 120, "stays", "leaves"
            ),
        }
    )


def test_serving_features_say_where_each_column_comes_from() -> None:
    dataset = prepare_dataset(_table(), "churn")
    features = {f.name: f for f in serving_features(dataset)}
    assert features["amount__USD_"].source == "amount (USD)"
    assert features["amount__USD_"].kind == "number"
    assert features["plan"].kind == "category"
    assert features["member"].yes_no
    parts = {f.part for f in features.values() if f.source == "signed up"}
    assert parts >= {"year", "month", "day", "weekday"}


def _run_serve(
    tmp_path: Path, study: StudyResult, model: str, rows: pd.DataFrame, rows_file: str
) -> subprocess.CompletedProcess[str]:
    """Unzip the model's bundle into ``tmp_path`` and run its serve.py in a fresh process."""
    with zipfile.ZipFile(io.BytesIO(model_bundle(study, model))) as archive:
        archive.extractall(tmp_path)
    source = tmp_path / rows_file
    if source.suffix == ".parquet":
        rows.to_parquet(source)
    else:
        rows.to_csv(source, index=False)
    out = "out" + source.suffix
    return subprocess.run(
        [sys.executable, "serve.py", rows_file, out],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def _serve(tmp_path: Path, study: StudyResult, model: str, rows: pd.DataFrame) -> pd.DataFrame:
    done = _run_serve(tmp_path, study, model, rows, "rows.parquet")
    assert done.returncode == 0, done.stderr
    return pd.read_parquet(tmp_path / "out.parquet")


@pytest.mark.parametrize("model", ["simple", "xgboost_small"])
def test_an_exported_model_predicts_in_a_fresh_process_exactly_as_in_the_app(
    tmp_path: Path, model: str
) -> None:
    table = _table()
    study = _study(table, "churn", "xgboost_small")
    held_out = table.iloc[study.dataset.row_ids[study.eval_index]]  # the user's own rows
    served = _serve(tmp_path, study, model, held_out)
    pred = study.model(model).predictions
    assert pred is not None
    classes = np.asarray(study.dataset.classes, dtype=object)
    assert served["prediction"].tolist() == classes[pred.y_pred.astype(int)].tolist()
    assert pred.proba is not None
    for code, name in enumerate(study.dataset.classes):
        np.testing.assert_array_equal(served[f"probability of {name}"], pred.proba[:, code])


def test_a_served_regression_model_and_a_sample_table(tmp_path: Path) -> None:
    sample = get_sample("german_credit")
    table = read_table(read_sample_bytes(sample), sample.filename)
    dataset = prepare_dataset(table, "credit_amount")
    study = run_study(dataset, StudyConfig(models=("decision_tree",), **FAST_STUDY))  # type: ignore[arg-type]
    held_out = table.iloc[dataset.row_ids[study.eval_index]]
    served = _serve(tmp_path, study, "decision_tree", held_out)
    pred = study.model("decision_tree").predictions
    assert pred is not None
    np.testing.assert_array_equal(served["prediction"], pred.y_pred)


def test_serve_names_a_missing_column(tmp_path: Path) -> None:
    study = _study(_table(), "churn")
    done = _run_serve(tmp_path, study, "simple", _table().drop(columns=["plan"]), "rows.csv")
    assert done.returncode == 2
    assert "Missing input columns: ['plan']" in done.stderr


def test_the_bundle_holds_the_model_the_snippet_and_a_readme() -> None:
    study = _study(_table(), "churn")
    with zipfile.ZipFile(io.BytesIO(model_bundle(study, "simple"))) as archive:
        names = set(archive.namelist())
        model_bytes = archive.read("simple.skops")
    assert names == {"simple.skops", "serve.py", "simple.onnx", "serve_onnx.py", "README.txt"}
    assert model_bytes == study.model("simple").model_bytes
    study.model("simple").model_bytes = None
    with pytest.raises(ConfigError, match="has no fitted model to export"):
        model_bundle(study, "simple")


def test_hostile_names_reach_the_snippet_only_as_literals() -> None:
    hostile = '"""\nimport os; os.system("echo owned") #'
    frame = _table().rename(columns={"plan": hostile})
    study = _study(frame, "churn")
    code = serving_snippet(study, "simple")
    imported, calls = imports_and_calls(code)
    standard = {"annotations", "io", "json", "sys", "zipfile"}
    assert imported == standard | {"numpy", "pandas", "skops.io"}
    assert "system" not in calls
    assert repr(hostile) in code

"""A compiled model served by its ``serve_onnx.py`` in a fresh process, with nothing but
onnxruntime and numpy: the user's own held-out rows, read from the file as the user wrote them,
get the predictions the app measured."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.compiled import PROBABILITY_TOLERANCE, VALUE_TOLERANCE, CompiledModel
from core.data import prepare_dataset, read_table
from core.errors import ConfigError
from core.export import model_bundle, onnx_serving_script
from core.samples import get_sample, read_sample_bytes
from core.study import StudyConfig, StudyResult, run_study
from tests.unit.conftest import FAST_STUDY, imports_and_calls

#: Run serve_onnx.py as ``python serve_onnx.py ...`` would, where importing any of these fails:
#: the script must need nothing but onnxruntime, numpy and the standard library.
_WITHOUT = ("pandas", "sklearn", "skops", "xgboost", "scipy", "onnx", "skl2onnx", "core")
_GUARD = (
    "import runpy, sys\n"
    f"for name in {_WITHOUT!r}:\n"
    "    sys.modules[name] = None\n"
    "sys.argv = ['serve_onnx.py', *sys.argv[1:]]\n"
    "runpy.run_path('serve_onnx.py', run_name='__main__')\n"
)
COMPILING = ("simple", "decision_tree", "random_forest_small", "xgboost_small", "mlp_small")


def _quirky_csv() -> bytes:
    """A table written the way people write them: amounts with a currency sign and digit
    grouping, day-first dates, Y/N flags, missing values as "n/a", "?" and blanks."""
    rng = np.random.default_rng(7)
    n = 320
    days = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    amount = rng.gamma(2.0, 900.0, n).round(2)
    member = rng.choice(["Y", "N"], n)
    plan = rng.choice(["basic", "pro", "team", "?"], n, p=[0.4, 0.3, 0.2, 0.1])
    region = rng.choice(["north", "south", "n/a", ""], n, p=[0.45, 0.45, 0.05, 0.05])
    score = amount / 900 + 1.2 * (member == "Y") + 0.5 * (plan == "pro") + rng.normal(0, 0.7, n)
    frame = pd.DataFrame(
        {
            "amount": [f"${a:,.2f}" for a in amount],
            "plan": plan,
            "region": region,
            "member": member,
            "signed up": days.strftime("%d/%m/%Y"),
            "churn": np.where(score > 2.2, "stays", "leaves"),
        }
    )
    return frame.to_csv(index=False).encode()


def _sample_csv(key: str) -> tuple[bytes, str]:
    sample = get_sample(key)
    return read_sample_bytes(sample), sample.filename


def _study(data: bytes, filename: str, target: str) -> StudyResult:
    dataset = prepare_dataset(read_table(data, filename), target, name=filename)
    config = StudyConfig(models=COMPILING, **FAST_STUDY)  # type: ignore[arg-type]
    return run_study(dataset, config)


def _held_out_csv(data: bytes, study: StudyResult) -> str:
    """The held-out rows as they are in the user's file: its header and those lines' cells,
    untouched (not as pandas read them back)."""
    header, *rows = list(csv.reader(io.StringIO(data.decode("utf-8"))))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for position in study.dataset.row_ids[study.eval_index]:
        writer.writerow(rows[int(position)])
    return out.getvalue()


def _unzip(tmp_path: Path, study: StudyResult, model: str) -> Path:
    folder = tmp_path / model
    with zipfile.ZipFile(io.BytesIO(model_bundle(study, model))) as archive:
        archive.extractall(folder)
    return folder


def _serve(folder: Path, rows: str, *args: str) -> subprocess.CompletedProcess[str]:
    (folder / "rows.csv").write_text(rows, encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-c", _GUARD, *(args or ("rows.csv", "out.csv"))],
        cwd=folder, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


@pytest.fixture(scope="module")
def studies() -> dict[str, tuple[bytes, StudyResult]]:
    """One study per kind of table: binary with categories, multiclass with missing values,
    regression, and a quirky table read by the app's own reader."""
    found = {}
    for key, target in (("german_credit", "credit_risk"), ("penguins", "species")):
        data, filename = _sample_csv(key)
        found[key] = (data, _study(data, filename, target))
    data, filename = _sample_csv("diabetes")
    found["diabetes"] = (data, _study(data, filename, "disease_progression"))
    quirky = _quirky_csv()
    found["quirky"] = (quirky, _study(quirky, "quirky.csv", "churn"))
    return found


@pytest.mark.slow
@pytest.mark.parametrize("table", ["german_credit", "penguins", "diabetes", "quirky"])
def test_serve_onnx_reproduces_the_held_out_predictions_in_a_fresh_process(
    tmp_path: Path, studies: dict[str, tuple[bytes, StudyResult]], table: str
) -> None:
    data, study = studies[table]
    ds = study.dataset
    X_eval = ds.X.iloc[study.eval_index]
    exported = [m for m in study.ok_models if m.onnx_bytes is not None]
    assert len(exported) >= 3, [(m.name, m.onnx_problem) for m in study.models]
    for m in exported:
        done = _serve(_unzip(tmp_path, study, m.name), _held_out_csv(data, study))
        assert done.returncode == 0, (m.name, done.stderr)
        served = pd.read_csv(tmp_path / m.name / "out.csv", keep_default_na=False)
        assert len(served) == len(X_eval)
        assert m.onnx_bytes is not None
        graph = CompiledModel(m.onnx_bytes, ds).run(X_eval)  # the compiled model, in the app
        pred = m.predictions
        assert pred is not None
        if ds.task == "regression":
            np.testing.assert_array_equal(served["prediction"], graph.predictions)
            scale = max(float(np.std(pred.y_pred)), 1e-12)
            worst = np.abs(served["prediction"] - pred.y_pred) / np.maximum(
                np.abs(pred.y_pred), scale
            )
            assert float(worst.max()) <= VALUE_TOLERANCE, m.name
            continue
        classes = np.asarray(ds.classes, dtype=object)
        assert served["prediction"].tolist() == classes[pred.y_pred.astype(int)].tolist(), m.name
        assert pred.proba is not None
        assert graph.probabilities is not None
        for code, name in enumerate(ds.classes):
            column = served[f"probability of {name}"].to_numpy()
            np.testing.assert_array_equal(column, graph.probabilities[:, code])
            assert np.abs(column - pred.proba[:, code]).max() <= PROBABILITY_TOLERANCE, m.name


def test_serve_onnx_refuses_a_changed_model_file_before_reading_it(
    tmp_path: Path, studies: dict[str, tuple[bytes, StudyResult]]
) -> None:
    data, study = studies["german_credit"]
    folder = _unzip(tmp_path, study, "xgboost_small")
    graph = folder / "xgboost_small.onnx"
    changed = bytearray(graph.read_bytes())
    changed[len(changed) // 2] ^= 0x01
    graph.write_bytes(bytes(changed))
    done = _serve(folder, _held_out_csv(data, study))
    assert done.returncode == 2
    assert "xgboost_small.onnx was not loaded: it is not the file exported" in done.stderr
    assert not (folder / "out.csv").exists()


def test_serve_onnx_names_a_missing_column_and_a_bad_value(
    tmp_path: Path, studies: dict[str, tuple[bytes, StudyResult]]
) -> None:
    data, study = studies["quirky"]
    folder = _unzip(tmp_path, study, "simple")
    rows = pd.read_csv(io.StringIO(_held_out_csv(data, study)), dtype=str, keep_default_na=False)
    done = _serve(folder, rows.drop(columns=["plan"]).to_csv(index=False))
    assert done.returncode == 2
    assert "Missing input columns: ['plan']" in done.stderr
    rows.loc[rows.index[3], "amount"] = "about 12"
    done = _serve(folder, rows.to_csv(index=False))
    assert done.returncode == 2
    assert "Column 'amount' must hold numbers; row 4 has 'about 12'." in done.stderr
    done = _serve(folder, "", "only-one-argument")
    assert done.returncode == 2
    assert "usage: python serve_onnx.py" in done.stderr


def test_serve_onnx_from_python_takes_values_as_python_has_them(
    tmp_path: Path, studies: dict[str, tuple[bytes, StudyResult]]
) -> None:
    """Rows as dicts of Python values (numbers, None, dates) predict as the same rows as text."""
    data, study = studies["quirky"]
    folder = _unzip(tmp_path, study, "xgboost_small")
    text_rows = list(csv.DictReader(io.StringIO(_held_out_csv(data, study))))[:20]
    typed = []
    for row in text_rows:
        day, month, year = (int(part) for part in row["signed up"].split("/"))
        amount = float(row["amount"].replace("$", "").replace(",", ""))
        plan = None if row["plan"] == "?" else row["plan"]
        signed_up = dt.date(year, month, day)
        typed.append({**row, "amount": amount, "plan": plan, "signed up": signed_up})
    code = (
        "import json, sys\n"
        "sys.path.insert(0, '.')\n"
        f"for name in {_WITHOUT!r}:\n"
        "    sys.modules[name] = None\n"
        "import datetime, serve_onnx\n"
        "rows = eval(sys.stdin.read())\n"  # our own repr, from this test
        "model = serve_onnx.load()\n"
        "print(json.dumps([serve_onnx.predict(model, r) for r in rows]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        input=repr([text_rows, typed]), cwd=folder, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    from_text, from_values = pd.read_json(io.StringIO(done.stdout), typ="series")
    assert from_text == from_values
    assert len(from_text) == 20


def test_a_model_that_did_not_compile_ships_without_serve_onnx_and_says_why() -> None:
    data, filename = _sample_csv("german_credit")
    dataset = prepare_dataset(read_table(data, filename), "credit_risk", name=filename)
    study = run_study(dataset, StudyConfig(models=("simple",), **FAST_STUDY))  # type: ignore[arg-type]
    dummy = study.model("dummy")
    assert dummy.onnx_bytes is None
    with zipfile.ZipFile(io.BytesIO(model_bundle(study, "dummy"))) as archive:
        names = set(archive.namelist())
        readme = archive.read("README.txt").decode()
    assert names == {"dummy.skops", "serve.py", "README.txt"}
    assert f"No compiled (ONNX) version: {dummy.onnx_problem}" in readme
    with pytest.raises(ConfigError, match="has no compiled model to export"):
        onnx_serving_script(study, "dummy")
    with zipfile.ZipFile(io.BytesIO(model_bundle(study, "simple"))) as archive:
        assert archive.read("simple.onnx") == study.model("simple").onnx_bytes
        script = archive.read("serve_onnx.py").decode()
    expected = hashlib.sha256(study.model("simple").onnx_bytes or b"").hexdigest()
    assert f"MODEL_SHA256 = {expected!r}" in script


def test_hostile_names_reach_serve_onnx_only_as_literals() -> None:
    hostile = '"""\nimport os; os.system("echo owned") #'
    rng = np.random.default_rng(1)
    x = rng.normal(size=150)
    frame = pd.DataFrame(
        {
            "x": x,
            hostile: rng.choice(["a", "b"], 150),
            "label": np.where(x + rng.normal(0, 0.5, 150) > 0, hostile + "yes", "no"),
        }
    )
    dataset = prepare_dataset(frame, "label", name="rows.csv")
    study = run_study(dataset, StudyConfig(models=("simple",), **FAST_STUDY))  # type: ignore[arg-type]
    code = onnx_serving_script(study, "simple")
    imported, calls = imports_and_calls(code)
    standard = {"annotations", "csv", "datetime", "hashlib", "math", "re", "sys"}
    assert imported == standard | {"Mapping", "Sequence", "Any", "numpy", "onnxruntime"}
    assert "system" not in calls
    assert repr(hostile) in code
    assert onnx_serving_script(study, "simple") == code  # the same script every time

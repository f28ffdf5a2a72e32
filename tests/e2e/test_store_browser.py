"""A store that someone damaged while the app runs, in a real browser: the index deleted, one
model file replaced by a crafted one. Nothing is lost, nothing runs, and user text that looks
like a link stays text. Screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import prepare_dataset
from core.store import StudyStore
from core.study import StudyConfig, run_study
from core.study_files import sha256
from tests.e2e.conftest import screenshot
from tests.e2e.test_app_browser import _body, _nav, _wait_idle
from tests.unit.test_trust import _runstring

pytestmark = pytest.mark.e2e

LINKY = "see https://evil.example/x"


def _study_with_linky_text():  # type: ignore[no-untyped-def]
    """A study whose column name, class labels and data name look like links."""
    rng = np.random.default_rng(0)
    n = 300
    x = rng.normal(size=n)
    table = pd.DataFrame(
        {
            LINKY: x + rng.normal(scale=0.5, size=n),
            "mail me@evil.example": rng.normal(size=n),
            "plan": rng.choice(["basic", "pro"], n),
            "outcome": np.where(x > 0, "www.evil.example", "stays"),
        }
    )
    dataset = prepare_dataset(table, "outcome", name="https://evil.example/data.csv")
    config = StudyConfig(models=("decision_tree", "xgboost_small"), n_workers=0)
    return run_study(dataset, config)


def test_a_damaged_store_opens_with_what_it_can(page, app_store: Path, tmp_path: Path):
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    store = StudyStore(app_store)
    study_id = store.save(_study_with_linky_text())
    canary = tmp_path / "ran.txt"
    crafted, rel = _runstring(canary), "models/decision_tree.skops"
    (app_store / "studies" / study_id / rel).write_bytes(crafted)
    manifest = app_store / "studies" / study_id / "manifest.json"
    document = json.loads(manifest.read_text())  # someone who can also rewrite its hash
    for entry in document["files"]:
        if entry["path"] == rel:
            entry["sha256"] = sha256(crafted)
    manifest.write_text(json.dumps(document))
    for suffix in ("", "-wal", "-shm"):  # the index is lost while the server runs
        (app_store / f"studies.sqlite{suffix}").unlink(missing_ok=True)

    _nav(page, "Studies")
    page.get_by_text("rebuilt from the study folders").first.wait_for(timeout=30_000)
    screenshot(page, "store-rebuilt")
    assert "No saved studies yet" not in _body(page)
    page.get_by_role("button", name="Open this study").click()
    _wait_idle(page)
    page.get_by_text("1 model of this saved study cannot predict").wait_for(timeout=60_000)
    screenshot(page, "store-damaged-model")
    assert "never writes into a model file" in _body(page)

    _nav(page, "Explain")
    page.get_by_role("tab", name=re.compile("compare", re.IGNORECASE)).click()
    _wait_idle(page)
    screenshot(page, "store-explain-compare")
    _nav(page, "Business case")
    page.get_by_text("The decision:").first.wait_for(timeout=60_000)
    _wait_idle(page)
    screenshot(page, "store-business")
    links = page.locator("a[href*='evil'], a[href^='mailto']")
    assert links.count() == 0, [links.nth(i).get_attribute("href") for i in range(links.count())]
    assert "evil.example" in _body(page)  # shown, as text
    assert not canary.exists()

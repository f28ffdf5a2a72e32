"""The report as a stakeholder opens it: a file, in headless Chromium with the network off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data import prepare_dataset
from core.report import full_report
from core.study import StudyConfig, run_study
from tests.e2e.conftest import ARTIFACTS

pytestmark = pytest.mark.e2e

HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"


def test_the_report_opens_offline_renders_its_charts_and_runs_no_user_text(browser, tmp_path):
    rng = np.random.default_rng(1)
    n = 300
    x = rng.normal(size=n)
    table = pd.DataFrame(
        {
            HOSTILE: x,
            "sex": rng.choice(["female", "male"], n),
            "age": rng.integers(18, 80, n),
            "churn": np.where(x + rng.normal(0, 0.7, n) > 0, "yes", "no"),
        }
    )
    dataset = prepare_dataset(table, "churn", name="customers.csv")
    config = StudyConfig(
        models=("decision_tree", "xgboost_small"),
        n_workers=0,
        n_resamples=200,
        latency_calls=20,
        latency_budget_s=0.05,
    )
    study = run_study(dataset, config)
    path = tmp_path / "report.html"
    path.write_text(full_report(study, table), encoding="utf-8")

    context = browser.new_context(viewport={"width": 1200, "height": 900}, offline=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    page.on("pageerror", lambda e: problems.append(f"error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request: {r.url}"))
    page.goto(path.as_uri())
    page.wait_for_function(
        "document.querySelectorAll('.js-plotly-plot .main-svg').length >= 9", timeout=60_000
    )
    page.wait_for_timeout(1000)
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == page.locator(".figure").count() >= 9
    # Every chart drew its points, and the column name is shown as text.
    assert page.locator(".js-plotly-plot .scatterlayer .trace").count() > 20
    assert page.get_by_text(HOSTILE).count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    # A chart saved for a slide: the camera button gives a PNG at 1600 x 900 (x2), offline,
    # and the modebar offers no way to send anything to the cloud.
    first = plots.first
    first.hover()
    assert page.locator(".modebar-btn[data-title*='Cloud' i]").count() == 0
    assert page.locator("a[href*='plotly.com'], a[href*='chart-studio']").count() == 0
    with page.expect_download(timeout=30_000) as download:
        first.locator(".modebar-btn[data-title='Download plot as a PNG']").click()
    saved = download.value
    assert saved.suggested_filename.endswith(".png")
    target = tmp_path / saved.suggested_filename
    saved.save_as(target)
    png = target.read_bytes()
    assert png.startswith(b"\x89PNG")
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (3200, 1800)
    assert problems == []
    context.close()

"""The app as a person uses it, in a real headless Chromium: train on the bundled sample, explore
the trade-offs, reload, and reopen the saved study. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e

TRAIN_TIMEOUT_MS = 240_000


def _wait_idle(page) -> None:  # type: ignore[no-untyped-def]
    """Until Streamlit has finished the current run (its status widget disappears)."""
    page.wait_for_timeout(300)
    page.get_by_test_id("stStatusWidget").wait_for(state="detached", timeout=TRAIN_TIMEOUT_MS)
    page.wait_for_timeout(500)


def _nav(page, title: str) -> None:  # type: ignore[no-untyped-def]
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    _wait_idle(page)


def _body(page) -> str:  # type: ignore[no-untyped-def]
    text = page.locator("body").inner_text()
    assert "Traceback" not in text
    assert "Sorry, something went wrong" not in text
    return text


def _x_title(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator(".js-plotly-plot .xtitle").first.text_content() or ""


def test_train_explore_reload_and_reopen(page, browser, app_url):
    # First open: the sample is loaded with its target; one button trains.
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    screenshot(page, "1-start")
    assert "Is the extra accuracy worth its cost?" in _body(page)
    page.get_by_role("button", name="Train the default models on this data").click()
    # Live progress: the bar counts finished models and the table fills in as they finish.
    page.get_by_text(re.compile(r"[3-9] of \d+ models done")).wait_for(timeout=TRAIN_TIMEOUT_MS)
    page.get_by_test_id("stDataFrame").first.wait_for(timeout=30_000)
    screenshot(page, "2-training")
    page.get_by_text("Latest results").wait_for(timeout=TRAIN_TIMEOUT_MS)
    _wait_idle(page)
    screenshot(page, "3-train-done")
    body = _body(page)
    assert "recommended:" in body
    assert "Latest results" in body
    assert page.get_by_test_id("stDataFrame").count() == 1  # the leaderboard (a canvas grid)

    # Trade-offs: chart with units, the recommendation sentence, the leaderboard.
    _nav(page, "Trade-offs")
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    screenshot(page, "4-tradeoffs-latency")
    body = _body(page)
    assert "Industry pick:" in body
    assert "p50 latency per row (ms)" in _x_title(page)
    assert "Leaderboard" in body

    # Switch the cost axis: the chart re-renders at once, nothing retrains.
    page.get_by_role("combobox", name="Cost to compare against").click()
    page.get_by_role("option", name="model size (MB)").click()
    _wait_idle(page)
    assert "model size (MB)" in _x_title(page)
    screenshot(page, "5-tradeoffs-size")

    # Explain: SHAP of the recommended model on the original columns, in plain words.
    _nav(page, "Explain")
    page.locator(".js-plotly-plot").first.wait_for(timeout=120_000)
    _wait_idle(page)
    screenshot(page, "6-explain")
    body = _body(page)
    assert "held-out rows" in body
    assert "Contributions are in" in body
    page.get_by_role("tab", name="One row").click()
    page.wait_for_timeout(800)
    screenshot(page, "6-explain-row")
    page.get_by_role("tab", name="Compare two models").click()
    page.wait_for_timeout(800)
    assert "rank correlation" in _body(page)
    screenshot(page, "6-explain-compare")

    # Another browser session sees none of this session's results.
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    stranger = other.new_page()
    stranger.goto(app_url)
    stranger.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(stranger)
    _nav(stranger, "Trade-offs")
    assert "There are no results yet" in _body(stranger)
    other.close()

    # A reload starts a new session; the finished study is saved and reopens.
    page.reload()
    page.get_by_text("No study yet").wait_for(timeout=60_000)
    _wait_idle(page)
    assert "There are no results yet" in _body(page)  # the page reloaded was Trade-offs
    _nav(page, "Studies")
    page.get_by_text("Study to open or delete").wait_for(timeout=30_000)
    screenshot(page, "7-studies")
    _body(page)
    picked = page.get_by_role("combobox", name="Study to open or delete").input_value()
    assert "german_credit.csv → credit_risk · 11 models" in picked
    page.get_by_role("button", name="Open this study").click()
    page.locator(".js-plotly-plot").first.wait_for(timeout=60_000)
    _wait_idle(page)
    screenshot(page, "8-reopened")
    body = _body(page)
    assert "Industry pick:" in body
    assert "Trade-offs" in body


def test_data_page_in_the_browser(page):
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    _nav(page, "Data")
    page.get_by_text("Columns left out of the features").wait_for(timeout=30_000)
    page.wait_for_timeout(1000)  # let the data grids paint
    screenshot(page, "data")
    body = _body(page)
    chosen = page.get_by_role("combobox", name="Column to predict (target)").input_value()
    assert chosen == "credit_risk"
    assert "up to 200 MB" in body or "Bundled sample" in body
    assert "Personal data and identifier columns are left out by default" in body

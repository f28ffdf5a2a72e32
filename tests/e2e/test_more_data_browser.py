"""Would more data help, and can the probabilities be trusted? In a real headless Chromium: train a
few models with a calibrated variant, draw the learning curves, wander off mid-draw, reload, and
read the same sentence in the report. Screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import screenshot
from tests.e2e.test_app_browser import TRAIN_TIMEOUT_MS, _body, _nav, _wait_idle

pytestmark = pytest.mark.e2e


def _sentence(page) -> str:  # type: ignore[no-untyped-def]
    section = page.get_by_test_id("stMain").get_by_text(
        re.compile(r"forecast|The curves are flat|cannot be trusted")
    )
    section.first.wait_for(timeout=TRAIN_TIMEOUT_MS)
    return str(section.first.inner_text())


def test_draw_the_curves_leave_reload_and_read_them_in_the_report(page):
    page.get_by_text("german_credit.csv").first.wait_for(timeout=60_000)
    _wait_idle(page)
    _nav(page, "Train")
    # A lighter ladder than the default (a person in a hurry), plus a calibrated variant.
    for label in ("k-nearest neighbours", "Extra trees (small)", "Histogram gradient boosting"):
        page.get_by_text(label, exact=True).first.click()
        _wait_idle(page)
    box = page.get_by_role("combobox", name="Also train with calibrated probabilities")
    box.click()
    page.keyboard.type("XGBoost (sm")  # as a person narrows a long list
    page.get_by_role("option", name=re.compile(r"XGBoost \(small\)")).first.click()
    page.keyboard.press("Escape")
    _wait_idle(page)
    train = page.get_by_role("button", name=re.compile(r"Train \d+ models"))
    train.click()
    page.get_by_text("Latest results").wait_for(timeout=TRAIN_TIMEOUT_MS)
    _wait_idle(page)
    assert "XGBoost (small), calibrated" in _body(page)

    _nav(page, "More data?")
    assert "The curves are not drawn yet" in _body(page)
    screenshot(page, "more-data-1-before")
    page.get_by_role("button", name="Draw the learning curves").click()
    # Its progress, or already its result on a fast machine (1,000 rows train in about a second).
    page.get_by_text(
        re.compile("Drawing the learning curves|Would more data change the choice")
    ).first.wait_for(timeout=30_000)
    screenshot(page, "more-data-2-drawing")
    _nav(page, "Trade-offs")  # a person reads another page meanwhile
    assert "Industry pick:" in _body(page)
    _nav(page, "More data?")
    said = _sentence(page)
    _wait_idle(page)
    page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)
    assert "Would more data change the choice?" in _body(page)
    screenshot(page, "more-data-3-drawn")

    page.reload()  # a new session: the curves come back from the saved study
    _wait_idle(page)
    _nav(page, "More data?")
    assert _sentence(page) == said
    assert page.get_by_role("button", name="Draw the learning curves").count() == 0

    _nav(page, "Business case")
    heading = page.get_by_text("Can you trust its probabilities?")
    heading.wait_for(timeout=30_000)
    heading.scroll_into_view_if_needed()
    body = _body(page)
    assert "Brier score" in body
    assert "held-out rows" in body
    screenshot(page, "more-data-4-calibration")

    _nav(page, "Report")
    page.get_by_text("With the learning curves drawn on the More data? page.").wait_for(
        timeout=60_000
    )
    frame = page.frame_locator("iframe").first
    frame.get_by_text("Would more data help?").wait_for(timeout=60_000)
    frame.get_by_text("Can you trust the probabilities?").wait_for(timeout=30_000)
    screenshot(page, "more-data-5-report")

"""The app as a person sees it in a browser."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import screenshot

pytestmark = pytest.mark.e2e


def test_first_open_shows_the_bundled_sample(page):
    page.get_by_text("python -m core run sample:german_credit").wait_for(timeout=60_000)
    page.get_by_test_id("stDataFrame").wait_for(timeout=30_000)
    page.wait_for_timeout(1500)  # let the data grid paint before the screenshot
    screenshot(page, "home")
    body = page.locator("body").inner_text()
    assert "Is the extra accuracy worth its cost?" in body
    chosen = page.get_by_role("combobox", name="Sample dataset").input_value()
    assert chosen == "German credit risk — predict credit_risk (binary)"
    assert "1,000 past bank loans" in body
    metrics = page.get_by_test_id("stMetric").all_inner_texts()
    assert any("Rows" in m and "1,000" in m for m in metrics)
    assert "Traceback" not in body

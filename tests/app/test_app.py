"""The entry page under Streamlit's AppTest: it opens on the bundled sample, with no exception."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.samples import SAMPLES

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    return at


def test_opens_on_the_default_sample():
    at = _app()
    assert not at.exception
    assert at.title[0].value.endswith("Tradeoff Explorer")
    assert [m.label for m in at.metric] == ["Rows", "Columns used as features", "Task"]
    assert at.metric[0].value == "1,000"
    assert at.metric[2].value == "binary"
    assert "sample:german_credit" in at.code[0].value


def test_every_sample_opens():
    at = _app()
    for sample in SAMPLES:
        at.selectbox(key="sample").set_value(sample).run()
        assert not at.exception, sample.key
        assert at.metric[2].value == sample.task
        assert f"sample:{sample.key}" in at.code[0].value

"""More data? (learning curves drawn in the background, saved with the study, shown after a
reload and in the report), probabilities you can trust on the Business case page, and the
calibrated variants on the Train page, under Streamlit's AppTest."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core import candidates as cand
from core import jobs
from core.calibration import model_calibration
from core.curves import curves_from_dict
from core.store import StudyStore
from core.study_files import loads
from tests.app.conftest import assert_ok, charts, open_app, reload, texts
from ui.common import md
from ui.state import (
    BUSINESS_PAGE,
    CURVES_PAGE,
    REPORT_PAGE,
    TRAIN_PAGE,
    Keys,
    widget_key_of,
)


def test_more_data_without_a_study_points_to_train():
    at = open_app(CURVES_PAGE)
    assert_ok(at)
    assert "There are no results yet" in at.info[0].value


def _wait_for_curves(at, timeout_s: float = 300.0):
    """Wait for the curves job of the study on screen, then rerun as the fragment does."""
    key = at.session_state[Keys.STUDY_ID]
    job = jobs.find_curves(key)
    assert job is not None, "no curves are being drawn"
    assert job.wait(timeout_s), "the curves did not finish in time"
    at.run()
    return job


@pytest.mark.slow
def test_curves_are_drawn_in_the_background_saved_and_shown_after_a_reload(credit_study, store_dir):
    study_id = StudyStore(store_dir).save(credit_study)
    at = open_app(CURVES_PAGE, **{Keys.STUDY: credit_study, Keys.STUDY_ID: study_id})
    assert_ok(at)
    assert "The curves are not drawn yet" in at.info[0].value
    assert not charts(at)
    at.button(key="draw_curves").click().run()
    assert_ok(at)
    job = _wait_for_curves(at)
    assert job.state == "done", job.error
    curves = job.result
    assert curves is not None
    assert curves.decision == credit_study.decision.industry
    assert f"**{md(curves.sentence)}**" in [m.value for m in at.markdown]
    drawn = charts(at)
    assert len(drawn) == 2  # the curves and what training would cost
    assert "held-out rows" in drawn[0]["layout"]["title"]["text"]
    assert at.table, "the forecast table"
    # saved with the study: the store's file is the one drawn
    data = StudyStore(store_dir).attachment(study_id, "curves")
    assert data is not None
    assert curves_from_dict(loads(data.decode())) == curves
    # a reload: a new session finds them saved, with nothing to draw again
    again = reload({"study": study_id}, CURVES_PAGE)
    assert_ok(again)
    assert f"**{md(curves.sentence)}**" in [m.value for m in again.markdown]
    assert not [b for b in again.button if b.key == "draw_curves"]
    # the report says the same sentence
    again.switch_page(REPORT_PAGE).run()
    assert_ok(again)
    report = next(reversed(again.session_state[Keys.REPORTS].values()))
    assert "Would more data help?" in report
    assert curves.sentence.replace("'", "&#x27;") in report


def test_a_damaged_curves_file_is_said_and_can_be_drawn_again(credit_study, store_dir):
    store = StudyStore(store_dir)
    study_id = store.save(credit_study)
    store.attach(study_id, "curves", b'{"format": "something else"}')
    at = open_app(CURVES_PAGE, **{Keys.STUDY: credit_study, Keys.STUDY_ID: study_id})
    assert_ok(at)
    assert any("cannot be used" in w.value for w in at.warning)
    assert [b for b in at.button if b.key == "draw_curves"]


def test_the_business_case_says_whether_the_probabilities_mean_what_they_say(credit_study):
    at = open_app(BUSINESS_PAGE, **{Keys.STUDY: credit_study})
    assert_ok(at)
    assert "Can you trust its probabilities?" in [h.value for h in at.subheader]
    pick = credit_study.decision.industry
    check = model_calibration(credit_study, pick)
    assert check is not None
    text = texts(at)
    assert f"Brier score {check.brier:.3f}" in text
    reliability = [c for c in charts(at) if "80%" in c["layout"]["title"]["text"]]
    assert reliability, "the reliability diagram"
    # any model of the study, up to four on one chart
    others = [m.name for m in credit_study.ok_models if m.name != pick]
    box = at.multiselect(key=widget_key_of(Keys.CALIBRATION_MODELS))
    assert box.value == [pick]
    box.set_value([pick, others[-1]]).run()
    assert_ok(at)
    label = credit_study.model(others[-1]).label
    assert any(m.value.startswith(f"**{md(label)}.**") for m in at.markdown)
    (chart,) = [c for c in charts(at) if "80%" in c["layout"]["title"]["text"]]
    assert len([t for t in chart["data"] if t.get("mode") != "lines"]) == 2


def test_a_poorly_calibrated_model_is_flagged_with_a_way_to_a_calibrated_variant(
    credit_study, monkeypatch
):
    """A model whose probabilities are off: the business case says so where its threshold is
    shown, and one click ticks its calibrated variant on the Train page."""
    from core import calibration

    measured = calibration.model_calibration

    def off(study, name):
        found = measured(study, name)
        return None if found is None else replace(found, poorly_calibrated=True)

    monkeypatch.setattr(calibration, "model_calibration", off)
    at = open_app(BUSINESS_PAGE, **{Keys.STUDY: credit_study})
    assert_ok(at)
    pick = credit_study.decision.industry
    label = credit_study.model(pick).label
    assert any("poorly calibrated" in w.value and md(label) in w.value for w in at.warning)
    variant = cand.calibrated_name(pick)
    assert variant is not None
    at.button(key=f"calibrate:{pick}").click().run()
    assert_ok(at)
    assert at.title[0].value == "Train"
    assert at.session_state[Keys.CALIBRATED] == [pick]
    chosen = at.multiselect(key=widget_key_of(Keys.CALIBRATED))
    assert chosen.value == [pick]
    assert any(b.label.startswith("Train ") for b in at.button)


def test_the_train_page_adds_a_calibrated_variant_to_the_study(credit_study):
    at = open_app(TRAIN_PAGE)
    assert_ok(at)
    before = next(b.label for b in at.button if b.key == "train")
    choice = at.multiselect(key=widget_key_of(Keys.CALIBRATED))
    assert cand.DUMMY_BASELINE not in choice.options
    choice.set_value(["xgboost_small"]).run()
    after = next(b.label for b in at.button if b.key == "train")
    count = int(before.split()[1])
    assert after == f"Train {count + 1} models"


def test_curves_wait_for_a_study_that_measures_and_can_be_stopped(credit_study, store_dir):
    """While another study holds the machine the curves wait their turn, say so, and a Stop
    ends them before they start; nothing is saved."""
    study_id = StudyStore(store_dir).save(credit_study)
    at = open_app(CURVES_PAGE, **{Keys.STUDY: credit_study, Keys.STUDY_ID: study_id})
    with jobs._TURN:  # a study measuring its latency
        at.button(key="draw_curves").click().run()
        assert_ok(at)
        (bar,) = at.get("progress")
        assert "Waiting for a study on this server to finish" in bar.proto.text
        at.button(key="stop_curves").click().run()
        job = jobs.find_curves(study_id)
        assert job is not None
        assert job.wait(30)
    at.run()
    assert_ok(at)
    assert job.state == "cancelled"
    assert "Drawing the curves was stopped; nothing was saved." in texts(at)
    assert StudyStore(store_dir).attachment(study_id, "curves") is None
    assert [b for b in at.button if b.key == "draw_curves"]  # and can be drawn again

"""Each page under Streamlit's AppTest: state in, a click by key, the visible outcome checked."""

from __future__ import annotations

import functools
import hashlib
import html
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from core import jobs
from core.data import BINARY_MESSAGE, TARGET_CONSTANT_MESSAGE, load_dataset
from core.decision import NET_VALUE, Choices, Decision, chart_models, decide
from core.economics import BusinessInputs
from core.export import results_json
from core.figures import DECISION_NAME, FRONTIER_NAME, OTHER_RUNTIME_NAME, SYMBOL_ONNX
from core.pareto import cost_value, frontier
from core.samples import DEFAULT_SAMPLE, SAMPLES, get_sample, read_sample_bytes
from core.store import StudyStore
from core.study import StudyConfig, run_study
from tests.app.conftest import (
    APOLOGY,
    APP,
    assert_ok,
    charts,
    finish_training,
    open_app,
    reload,
    shown_table,
    texts,
)
from ui.common import md
from ui.state import (
    BUSINESS_PAGE,
    CURVES_PAGE,
    DATA_PAGE,
    EXPLAIN_PAGE,
    FAIRNESS_PAGE,
    GLOSSARY_PAGE,
    REPORT_PAGE,
    START_PAGE,
    STUDIES_PAGE,
    TRADEOFFS_PAGE,
    TRAIN_PAGE,
    Keys,
    widget_key_of,
)

# --- Start ---------------------------------------------------------------------------------------


def test_a_worker_process_importing_the_app_script_runs_nothing(monkeypatch):
    """multiprocessing's spawn imports the server's main script in every process it starts
    (Streamlit makes app.py ``__main__``; a Dask nanny restarting a worker does it at any
    time): under the name ``__mp_main__`` the app must not run."""
    import runpy

    import ui.common

    ran: list[str] = []
    monkeypatch.setattr(ui.common, "warm_up_workers", lambda: ran.append("warm up"))
    namespace = runpy.run_path(str(APP), run_name="__mp_main__")
    assert callable(namespace["main"])
    assert not ran


def test_first_open_has_the_default_sample_ready():
    at = open_app()
    assert_ok(at)
    assert at.title[0].value.endswith("Tradeoff Explorer")
    assert "german\\_credit.csv** is loaded: predict **credit\\_risk**" in at.success[0].value
    assert at.button(key="start_train").label == "Train the default models on this data"
    sidebar = "\n".join(m.value for m in at.sidebar.markdown)
    assert "credit\\_risk" in sidebar
    assert "(binary, positive class bad)" in sidebar
    assert "No study yet" in "\n".join(c.value for c in at.sidebar.caption)


# --- Data ----------------------------------------------------------------------------------------


def test_data_page_shows_the_sample_profile_and_checks():
    at = open_app(DATA_PAGE)
    assert_ok(at)
    assert [m.label for m in at.metric] == ["Rows used", "Feature columns", "Task", "Classes"]
    assert at.metric[0].value == "1,000"
    assert at.selectbox(key=widget_key_of(Keys.TARGET)).value == "credit_risk"
    task = at.selectbox(key=widget_key_of(Keys.TASK))
    assert task.value == "auto"
    assert task.format_func("auto") == "Automatic (from the target's values)"
    assert "Inferred from the target's values: **binary classification (two classes)**." in [
        c.value for c in at.caption
    ]
    profile = at.dataframe[0].value
    assert list(profile.columns) == [
        "column",
        "type",
        "missing (%)",
        "distinct values",
        "examples",
        "use",
    ]
    assert profile.set_index("column").loc["credit_risk", "use"] == "target (what to predict)"
    assert "Personal data and identifier columns are left out by default" in texts(at)
    assert "Columns that describe people: sex, age. After training, the Fairness page" in texts(at)


def test_yes_and_no_written_seven_ways_are_read_as_yes_and_no_in_one_click():
    from ui.common import TableSource

    rng = np.random.default_rng(0)
    answers = np.array(["N", "No", "YES", "Yes", "no", "y", "yes"])
    table = pd.DataFrame(
        {"tenure": rng.integers(1, 72, 140), "plan": rng.choice(["a", "b"], 140),
         "churned": answers[np.arange(140) % 7]}
    )  # fmt: skip
    at = open_app(DATA_PAGE)
    at.session_state[Keys.TABLE] = table
    at.session_state[Keys.SOURCE] = TableSource("churn.csv", "1" * 64)
    at.session_state[Keys.TARGET] = "churned"
    at.radio(key="data_mode").set_value("Upload a file").run()  # as if it had been uploaded
    assert_ok(at)
    assert at.session_state[Keys.DATASET].task == "multiclass"
    assert "look like yes and no written 7 ways" in texts(at)
    at.button(key="yes_no:yes_no_spellings").click().run()
    assert_ok(at)
    dataset = at.session_state[Keys.DATASET]
    assert (dataset.task, dataset.classes) == ("binary", ("no", "yes"))
    assert "they are read as yes ('YES', 'Yes', 'y', 'yes') and no" in texts(at)
    # Another target, then back: the choice was for that target and is not carried over.
    at.selectbox(key=widget_key_of(Keys.TARGET)).set_value("plan").run()
    at.selectbox(key=widget_key_of(Keys.TARGET)).set_value("churned").run()
    assert at.session_state[Keys.DATASET].task == "multiclass"
    at.button(key="yes_no:yes_no_spellings").click().run()
    at.button(key="yes_no:yes_no_read").click().run()  # and undone in one click
    assert_ok(at)
    assert at.session_state[Keys.DATASET].task == "multiclass"


def test_rows_in_time_order_are_offered_a_time_ordered_split():
    from ui.common import TableSource

    rng = np.random.default_rng(1)
    days = pd.date_range("2023-01-01", periods=300, freq="D").strftime("%Y-%m-%d")
    sales = pd.DataFrame(
        {"day": days, "price": rng.uniform(1, 9, 300), "sold": rng.choice(["yes", "no"], 300)}
    )
    at = open_app(DATA_PAGE)
    at.session_state[Keys.TABLE] = sales
    at.session_state[Keys.SOURCE] = TableSource("sales.csv", "2" * 64)
    at.session_state[Keys.TARGET] = "sold"
    at.radio(key="data_mode").set_value("Upload a file").run()
    assert "The rows are in the order of 'day'" in texts(at)
    at.switch_page(TRAIN_PAGE).run()
    assert_ok(at)
    assert "a random split lets the models learn from the future" in texts(at)
    at.button(key="use_time_split").click().run()
    assert_ok(at)
    assert at.session_state[Keys.VALIDATION] == "time"
    assert "The latest 20% of rows in the order of day are tested." in texts(at)
    assert not [b for b in at.button if b.key == "use_time_split"]


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda s: s.key)
def test_every_sample_opens_with_its_target(sample):
    at = open_app(DATA_PAGE)
    at.selectbox(key="sample_pick").set_value(sample.key).run()
    assert_ok(at)
    assert at.selectbox(key=widget_key_of(Keys.TARGET)).value == sample.target
    assert at.metric[2].value == sample.task
    assert at.session_state[Keys.DATASET].target == sample.target


def test_changing_target_and_task_rebuilds_the_dataset():
    at = open_app(DATA_PAGE)
    at.selectbox(key=widget_key_of(Keys.TARGET)).set_value("credit_amount").run()
    assert_ok(at)
    assert at.metric[2].value == "regression"
    at.selectbox(key=widget_key_of(Keys.TARGET)).set_value("housing").run()
    assert at.metric[2].value == "multiclass"
    # The choice survives a visit to another page.
    at.switch_page(TRAIN_PAGE).run()
    at.switch_page(DATA_PAGE).run()
    assert at.selectbox(key=widget_key_of(Keys.TARGET)).value == "housing"


def test_leaving_out_a_column_changes_the_features():
    at = open_app(DATA_PAGE)
    before = len(at.session_state[Keys.DATASET].used_columns)
    widget = next(m for m in at.multiselect if m.label == "Columns left out of the features")
    widget.set_value(["sex"]).run()
    assert_ok(at)
    dataset = at.session_state[Keys.DATASET]
    assert "sex" not in dataset.used_columns
    assert len(dataset.used_columns) == before - 1
    assert at.metric[1].value == f"{before - 1} of 9"


def _upload(at, name: str, data: bytes):
    at.radio(key="data_mode").set_value("Upload a file").run()
    at.file_uploader(key="upload").upload(name, data, "text/csv").run()
    return at


def test_a_bad_upload_shows_core_message_and_keeps_the_previous_table():
    at = _upload(open_app(DATA_PAGE), "photo.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert_ok(at)
    expected = BINARY_MESSAGE.format(filename="photo.csv").split(".")[0]
    assert any(expected in e.value for e in at.error), [e.value for e in at.error]
    assert "Still showing the previous table" in texts(at)
    assert at.session_state[Keys.DATASET].target == "credit_risk"


def test_an_upload_gets_a_suggested_target_and_an_impossible_one_is_explained():
    rows = 60
    frame = pd.DataFrame(
        {
            "age": range(rows),
            "plan": ["basic", "pro"] * (rows // 2),
            "country": ["FR"] * rows,
            "$x$ <b>": ["same"] * rows,
            "churn": ["yes", "no", "no"] * (rows // 3),
        }
    )
    at = _upload(open_app(DATA_PAGE), "customers.csv", frame.to_csv(index=False).encode())
    assert_ok(at)
    assert at.selectbox(key=widget_key_of(Keys.TARGET)).value == "churn"
    assert at.session_state[Keys.DATASET].name == "customers.csv"
    at.selectbox(key=widget_key_of(Keys.TARGET)).set_value("country").run()
    assert_ok(at)
    expected = TARGET_CONSTANT_MESSAGE.format(target="country", value="'FR'")
    assert any(expected in e.value for e in at.error), [e.value for e in at.error]
    # User text in a message is shown as text: no Markdown, LaTeX or HTML from a column name.
    at.selectbox(key=widget_key_of(Keys.TARGET)).set_value("$x$ <b>").run()
    assert_ok(at)
    assert "Column '\\$x\\$ &lt;b&gt;' has only one value" in at.error[0].value
    at.selectbox(key=widget_key_of(Keys.TARGET)).set_value("plan").run()
    assert not at.error
    assert at.session_state[Keys.DATASET].target == "plan"


# --- Train ---------------------------------------------------------------------------------------


def test_train_page_groups_candidates_with_baselines_always_on():
    at = open_app(TRAIN_PAGE)
    assert_ok(at)
    dummy = at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "dummy"))
    assert dummy.value
    assert dummy.disabled
    assert not at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "xgboost_large")).value
    assert at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "mlp_small")).value
    families = [m.value for m in at.markdown if m.value.startswith("**")]
    assert "**XGBoost**" in families
    assert "**Neural network**" in families
    assert (
        at.selectbox(key=widget_key_of(Keys.METRIC)).value == "balanced_accuracy"
    )  # 70% of loans are good
    assert at.button(key="train").label.startswith("Train ")


def test_training_fills_the_leaderboard_saves_the_study_and_never_retrains(store_dir):
    at = open_app(TRAIN_PAGE)
    for box in at.checkbox:
        if not box.disabled and box.key != widget_key_of(Keys.CANDIDATE_PREFIX + "decision_tree"):
            box.uncheck()
    at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "decision_tree")).check()
    at.run()
    assert at.button(key="train").label == "Train 3 models"
    at.button(key="train").click().run()
    assert_ok(at)
    assert "Stop training" in [b.label for b in at.button]  # it trains in the background
    assert not [b for b in at.button if b.key == "train"]  # one training at a time
    finish_training(at)
    assert_ok(at)
    assert at.session_state[Keys.JOB] is None  # collected
    study = at.session_state[Keys.STUDY]
    assert [m.name for m in study.models] == ["dummy", "simple", "decision_tree"]
    board = at.dataframe[-1].value
    assert set(board["model"]) == {m.label for m in study.models}
    assert "Balanced accuracy (%)" in board.columns
    summaries = StudyStore(store_dir).list()
    assert [s.study_id for s in summaries] == [at.session_state[Keys.STUDY_ID]]
    # Touching any other widget, on this page or another, does not train again.
    at.selectbox(key=widget_key_of(Keys.METRIC)).set_value("accuracy").run()
    at.switch_page(TRADEOFFS_PAGE).run()
    at.selectbox(key=widget_key_of(Keys.AXIS)).set_value("size_bytes").run()
    assert_ok(at)
    assert at.session_state[Keys.STUDY] is study
    assert len(StudyStore(store_dir).list()) == 1


def _start_small_training(at: AppTest) -> None:
    for box in at.checkbox:
        if not box.disabled and box.key != widget_key_of(Keys.CANDIDATE_PREFIX + "decision_tree"):
            box.uncheck()
    at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "decision_tree")).check()
    at.run()
    at.button(key="train").click().run()
    assert_ok(at)


def test_leaving_train_mid_run_keeps_training_and_the_sidebar_follows_it(store_dir):
    at = open_app(TRAIN_PAGE)
    _start_small_training(at)
    at.switch_page(DATA_PAGE).run()  # a person leaves the page while the models train
    assert_ok(at)
    sidebar = [p.proto.text for p in at.sidebar.get("progress")]
    assert sidebar, "the sidebar does not show the training"
    assert sidebar[0].startswith("**Training** · "), sidebar
    finish_training(at)  # the sidebar's fragment reruns the app when the job ends
    assert_ok(at)
    study = at.session_state[Keys.STUDY]
    assert [m.name for m in study.models] == ["dummy", "simple", "decision_tree"]
    assert [s.study_id for s in StudyStore(store_dir).list()] == [at.session_state[Keys.STUDY_ID]]
    assert "The models have finished training." in [t.value for t in at.toast]
    assert not at.sidebar.get("progress")
    sidebar_text = "\n".join(m.value for m in at.sidebar.markdown)
    assert md(study.model(study.decision.pick).label) in sidebar_text


def test_stop_training_keeps_the_previous_study_and_saves_nothing(store_dir, credit_study):
    at = open_app(TRAIN_PAGE, **{Keys.STUDY: credit_study})
    _start_small_training(at)
    at.button(key="stop_training").click().run()
    finish_training(at)
    assert_ok(at)
    assert at.session_state[Keys.STUDY] is credit_study
    assert StudyStore(store_dir).list() == []
    assert "Training stopped; nothing was saved." in [t.value for t in at.toast]
    assert at.button(key="train").label == "Train 3 models"  # ready to train again


def test_a_reload_mid_run_follows_the_same_training(store_dir):
    at = open_app(TRAIN_PAGE)
    _start_small_training(at)
    job_id = at.session_state[Keys.JOB]
    assert at.query_params["job"] == job_id
    # A reload is a new session with the same link.
    again = AppTest.from_file(APP, default_timeout=120)
    again.query_params["job"] = job_id
    again.run()
    assert_ok(again)
    assert again.session_state[Keys.JOB] == job_id
    assert again.sidebar.get("progress")
    finish_training(again)
    assert_ok(again)
    assert again.session_state[Keys.STUDY].dataset.sha256 == at.session_state[Keys.DATASET].sha256
    assert again.query_params["study"] == again.session_state[Keys.STUDY_ID]
    assert "job" not in again.query_params


@pytest.mark.parametrize("link", ["0" * 32, "../../etc/passwd", "<b>x</b>"])
def test_a_link_to_an_unknown_training_is_dropped_quietly(link):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["job"] = link
    at.run()
    assert_ok(at)
    assert at.session_state[Keys.JOB] is None
    assert "job" not in at.query_params
    assert not at.sidebar.get("progress")


def test_a_failed_training_says_why_on_the_train_page(monkeypatch):
    from core import study as study_module

    def refuse(*args, **kwargs):
        raise study_module.ConfigError("Every model failed: the table is too small to split.")

    monkeypatch.setattr("core.jobs.run_study", refuse)
    at = open_app(TRAIN_PAGE)
    _start_small_training(at)  # it fails at once: the run that started it may have collected it
    if at.session_state[Keys.JOB] is not None:
        finish_training(at)
    assert_ok(at)
    assert "the table is too small to split" in at.error[0].value
    assert at.session_state[Keys.STUDY] is None


@pytest.mark.slow
def test_with_a_cluster_set_the_train_page_says_so_and_trains_there(store_dir, monkeypatch):
    monkeypatch.setenv("TRADEOFF_DASK_SCHEDULER", "local")
    at = open_app(TRAIN_PAGE)
    captions = " ".join(c.value for c in at.caption)
    assert "Models train on a Dask cluster of worker processes started on this machine" in (
        captions
    )
    assert "measured on this machine" in captions
    _start_small_training(at)
    finish_training(at)
    assert_ok(at)
    study = at.session_state[Keys.STUDY]
    assert study.compute["training"]["executor"] == "dask"
    assert all(m.ok for m in study.models)
    assert any("Trained on a Dask cluster" in c.value for c in at.caption)


def test_a_malformed_cluster_variable_is_an_error_not_a_traceback(monkeypatch):
    monkeypatch.setenv("TRADEOFF_DASK_SCHEDULER", "my-laptop:8786")
    at = open_app(TRAIN_PAGE)
    assert_ok(at)
    assert any("TRADEOFF\\_DASK\\_SCHEDULER variable takes" in e.value for e in at.error)
    _start_small_training(at)  # training says why it cannot start, and the page stays usable
    if at.session_state[Keys.JOB] is not None:
        finish_training(at)
    assert at.session_state[Keys.STUDY] is None
    assert any("tcp://10.0.0.5:8786" in e.value for e in at.error)


def test_the_sweep_option_counts_its_models_and_reaches_the_study(store_dir):
    at = open_app(TRAIN_PAGE)
    _start_small_training(at)  # only the tree: no family to sweep
    at.button(key="stop_training").click().run()
    finish_training(at)
    sweep_box = at.checkbox(key=widget_key_of(Keys.SWEEP))
    assert sweep_box.disabled
    assert "choose an ensemble or a neural network first" in sweep_box.label
    at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "mlp_small")).check().run()
    sweep_box = at.checkbox(key=widget_key_of(Keys.SWEEP))
    assert not sweep_box.disabled
    assert "20 more sizes" in sweep_box.label
    assert at.button(key="train").label == "Train 4 models"
    sweep_box.check().run()
    assert at.button(key="train").label == "Train 24 models"
    at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "mlp_small")).uncheck().run()
    # Unticking the family turns the sweep off with it, whatever the box last said.
    assert at.button(key="train").label == "Train 3 models"
    assert at.checkbox(key=widget_key_of(Keys.SWEEP)).disabled
    at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "mlp_small")).check().run()
    at.button(key="train").click().run()
    assert_ok(at)
    job = jobs.find(at.session_state[Keys.JOB])
    assert job is not None
    assert job.config.sweep
    at.button(key="stop_training").click().run()
    finish_training(at)
    assert_ok(at)


def test_start_button_trains_the_default_ladder():
    at = open_app()
    at.button(key="start_train").click().run()
    assert_ok(at)
    finish_training(at)
    assert_ok(at)
    study = at.session_state[Keys.STUDY]
    assert {"dummy", "simple", "xgboost_small", "mlp_small"} <= {m.name for m in study.models}
    assert any("Decision:" in s.value for s in at.success)


# --- Trade-offs ----------------------------------------------------------------------------------


def test_tradeoffs_without_a_study_points_to_train():
    at = open_app(TRADEOFFS_PAGE)
    assert_ok(at)
    assert "There are no results yet" in at.info[0].value
    assert "No study yet" in "\n".join(c.value for c in at.sidebar.caption)  # sidebar still drawn


def _figure(at) -> dict:

    return json.loads(at.get("plotly_chart")[0].proto.spec)


def test_tradeoffs_shows_chart_recommendation_and_leaderboard(credit_study):
    at = open_app(TRADEOFFS_PAGE, **{Keys.STUDY: credit_study})
    assert_ok(at)
    assert at.success[0].value.startswith("**Industry pick: ")
    assert credit_study.decision.sentence in at.success[0].value
    board = at.dataframe[0].value
    assert len(board) == len(credit_study.models)
    assert "vs dummy baseline (points)" in board.columns
    assert _figure(at)["layout"]["xaxis"]["title"]["text"].startswith("p50 latency per row (ms)")
    shown = json.loads(at.get("plotly_chart")[0].proto.config)  # a PNG for slides, no cloud
    assert shown["toImageButtonOptions"]["width"] == 1600
    assert shown["displaylogo"] is False
    assert "Up means better balanced accuracy" in texts(at), texts(at)


def _crowded(study, n_models: int = 60):
    """``study`` with copies of its trained models under other names, up to ``n_models``: a
    sweep's number of models (each family then has many sizes)."""
    from dataclasses import replace

    ok = [m for m in study.models if m.ok and m.name not in ("dummy", "simple")]
    copies = [
        replace(ok[i % len(ok)], name=f"{ok[i % len(ok)].name}_size{i}", label=f"Size {i}")
        for i in range(n_models - len(study.models))
    ]
    return replace(study, models=[*study.models, *copies])


def test_a_crowded_study_lists_the_models_a_person_compares(credit_study):
    crowded = _crowded(credit_study)
    at = open_app(TRADEOFFS_PAGE, **{Keys.STUDY: crowded})
    assert_ok(at)
    reading = shown_table(at.table[0])
    assert 4 <= len(reading) < 60
    assert "Listing" in texts(at)
    assert "of 60 models: the picks, the baselines" in texts(at)
    assert len(at.dataframe[0].value) == 60  # every model, one click away
    decision = at.session_state[Keys.DECISIONS]
    picks = {d.industry for d in decision.values()} | {d.academic for d in decision.values()}
    labels = set(reading["model"].str.replace(" (ONNX Runtime)", "", regex=False))
    for name in picks - {None}:
        assert crowded.model(name).label in labels
    # The chart draws the other runtime of its named models only: no arrow for the rest.
    figure = _figure(at)
    arrows = [a for a in figure["layout"].get("annotations", []) if a.get("showarrow")]
    named = next(t for t in figure["data"] if t.get("name") == FRONTIER_NAME)["text"]
    assert len(arrows) <= len(named) + 2
    # Going back to a cost seen before shows the same chart, drawn once.
    first = figure
    at.selectbox(key=widget_key_of(Keys.AXIS)).set_value("size_bytes").run()
    at.selectbox(key=widget_key_of(Keys.AXIS)).set_value("latency_ms_p50").run()
    assert_ok(at)
    assert _figure(at) == first
    kept = [k for k in at.session_state[Keys.VIEWS] if k[1] == "trade-offs chart"]
    assert len(kept) == 2


def test_axis_lens_and_budgets_rerender_without_retraining(credit_study):
    at = open_app(TRADEOFFS_PAGE, **{Keys.STUDY: credit_study})
    at.selectbox(key=widget_key_of(Keys.AXIS)).set_value("size_bytes").run()
    assert "model size (MB)" in _figure(at)["layout"]["xaxis"]["title"]["text"]
    at.selectbox(key=widget_key_of(Keys.AXIS)).set_value("usd_per_million_predictions").run()
    assert "$ per million predictions" in _figure(at)["layout"]["xaxis"]["title"]["text"]
    assert "0.045 per vCPU-hour (about the on-demand price" in texts(at)
    at.segmented_control(key=widget_key_of(Keys.LENS)).set_value("Academic").run()
    assert at.success[0].value.startswith("**Academic pick: ")
    assert credit_study.decision.academic_sentence in at.success[0].value
    at.segmented_control(key=widget_key_of(Keys.LENS)).set_value("Industry").run()
    at.number_input(key=widget_key_of(Keys.MAX_SIZE_MB)).set_value(1e-6).run()
    assert_ok(at)
    assert "No model that beats the dummy baseline fits the budgets" in at.warning[0].value
    within = at.dataframe[0].value["within budgets?"]
    assert all(v.startswith("size ") for v in within if v)
    assert at.session_state[Keys.STUDY] is credit_study


def test_the_runtime_switch_serves_the_same_models_from_either_runtime(credit_study, store_dir):
    """Served from the cheaper of the two (the default), from scikit-learn or from ONNX
    Runtime: the pick's sentence, the chart's diamonds and hollow pairs and the leaderboard
    follow the switch, nothing retrains, and the choice rides in the link."""
    study_id = StudyStore(store_dir).save(credit_study)
    at = open_app(TRADEOFFS_PAGE, **{Keys.STUDY: credit_study, Keys.STUDY_ID: study_id})
    switch = at.selectbox(key=widget_key_of(Keys.RUNTIME))
    assert switch.value == "best"
    assert "Served from ONNX Runtime (verified equal" in at.success[0].value
    assert "compiled to ONNX Runtime and predict as scikit-learn does" in texts(at)

    def drawn() -> tuple[set[str], list[str]]:
        data = _figure(at)["data"]
        symbols = {s for t in data if t.get("legendgroup") for s in t["marker"]["symbol"]}
        hollow = [t for t in data if t.get("name") == OTHER_RUNTIME_NAME]
        return symbols, [] if not hollow else hollow[0]["marker"]["symbol"]

    symbols, hollow = drawn()
    assert SYMBOL_ONNX in symbols
    assert set(hollow) == {"circle-open"}  # the same models from scikit-learn
    at.selectbox(key=widget_key_of(Keys.RUNTIME)).set_value("sklearn").run()
    assert_ok(at)
    assert "ONNX" not in at.success[0].value
    symbols, hollow = drawn()
    assert SYMBOL_ONNX not in symbols
    assert set(hollow) == {"diamond-open"}  # where compiling would take them
    board = shown_table(at.table[0])
    assert not board["model"].str.contains("ONNX").any()
    assert dict(at.query_params)["runtime"] == "sklearn"
    at.selectbox(key=widget_key_of(Keys.RUNTIME)).set_value("onnx").run()
    assert_ok(at)
    board = shown_table(at.table[0])
    assert board["model"].str.endswith("(ONNX Runtime)").sum() == 4  # all but the dummy
    assert "Served from ONNX Runtime" in at.success[0].value
    assert at.session_state[Keys.STUDY] is credit_study
    again = reload(dict(at.query_params), TRADEOFFS_PAGE)
    assert_ok(again)
    assert again.session_state[Keys.RUNTIME] == "onnx"


# --- Studies -------------------------------------------------------------------------------------


def test_studies_page_empty_state():
    at = open_app(STUDIES_PAGE)
    assert_ok(at)
    assert "No saved studies yet" in at.info[0].value


def test_studies_page_reopens_and_deletes(credit_study, store_dir):
    study_id = StudyStore(store_dir).save(credit_study)
    at = open_app(STUDIES_PAGE)
    assert_ok(at)
    table = shown_table(at.table[0])
    assert table["dataset"].tolist() == ["german_credit.csv"]
    assert at.selectbox(key="study_pick").value == study_id
    at.button(key="open_study").click().run()
    assert_ok(at)
    opened = at.session_state[Keys.STUDY]
    assert at.session_state[Keys.STUDY_ID] == study_id
    assert [m.name for m in opened.models] == [m.name for m in credit_study.models]
    assert at.title[0].value == "Trade-offs"
    at.switch_page(STUDIES_PAGE).run()
    at.toggle(key="confirm_delete").set_value(True).run()
    at.button(key="delete_study").click().run()
    assert_ok(at)
    assert StudyStore(store_dir).list() == []
    assert "No saved studies yet" in at.info[0].value
    assert at.session_state[Keys.STUDY] is opened  # what is on screen stays until replaced


def test_opening_a_sample_study_makes_its_data_current(credit_study, store_dir):
    # The study is on German credit, but the data on screen is another sample: training again
    # after opening must train on the study's table, target and columns.
    study_id = StudyStore(store_dir).save(credit_study)
    at = open_app(DATA_PAGE)
    at.selectbox(key="sample_pick").set_value("penguins").run()
    assert at.session_state[Keys.SOURCE].sample == "penguins"
    at.switch_page(STUDIES_PAGE).run()
    at.button(key="open_study").click().run()
    assert_ok(at)
    assert at.session_state[Keys.STUDY_ID] == study_id
    assert at.session_state[Keys.SOURCE].sample == DEFAULT_SAMPLE.key
    assert at.session_state[Keys.TARGET] == credit_study.dataset.target
    assert at.session_state[Keys.TASK] == "binary"
    assert not at.toast


def test_opening_an_uploaded_study_says_the_data_stays(credit_study, store_dir):
    from dataclasses import replace

    renamed = replace(credit_study.dataset, name="churn.csv", sha256="f" * 64)
    StudyStore(store_dir).save(replace(credit_study, dataset=renamed))
    at = open_app(STUDIES_PAGE)
    at.button(key="open_study").click().run()
    assert_ok(at)
    assert at.title[0].value == "Trade-offs"  # the message waits for the page landed on
    assert "uploaded file churn.csv, which was not saved with it" in at.toast[0].value
    assert Keys.NOTICE not in at.session_state  # shown once
    assert at.session_state[Keys.SOURCE].sample == DEFAULT_SAMPLE.key  # the data on screen


def test_a_link_to_a_saved_study_opens_it_in_a_new_session(credit_study, store_dir):
    study_id = StudyStore(store_dir).save(credit_study)
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["study"] = study_id
    at.run()
    assert_ok(at)
    assert at.session_state[Keys.STUDY_ID] == study_id
    assert at.query_params["study"] in (study_id, [study_id])
    bad = AppTest.from_file(APP, default_timeout=120)
    bad.query_params["study"] = "../" + study_id
    bad.run()
    assert_ok(bad)
    assert bad.session_state[Keys.STUDY] is None
    assert "could not be opened" in bad.toast[0].value
    assert "study" not in bad.query_params


def test_an_unexpected_error_is_an_apology_not_a_traceback(credit_study, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("internal detail")

    monkeypatch.setattr("ui.common.leaderboard_summary", broken)
    at = open_app(TRADEOFFS_PAGE, **{Keys.STUDY: credit_study})
    assert not at.exception
    assert any(APOLOGY in e.value for e in at.error)
    assert at.expander[0].label == "Details for a bug report"
    assert "RuntimeError: internal detail" in at.code[0].value
    assert "Traceback" not in texts(at)
    assert "Decision:" in "\n".join(m.value for m in at.sidebar.markdown)  # sidebar still drawn


def test_every_page_script_is_listed_in_the_app_and_documented():
    root = Path(APP).parent
    scripts = sorted(p.relative_to(root).as_posix() for p in (root / "pages").rglob("*.py"))
    app_source = (root / "app.py").read_text()
    listed = [
        START_PAGE, DATA_PAGE, TRAIN_PAGE, TRADEOFFS_PAGE, EXPLAIN_PAGE, BUSINESS_PAGE,
        CURVES_PAGE, FAIRNESS_PAGE, REPORT_PAGE, STUDIES_PAGE, GLOSSARY_PAGE,
    ]  # fmt: skip
    assert sorted(listed) == scripts
    names = (
        "START_PAGE",
        "DATA_PAGE",
        "TRAIN_PAGE",
        "TRADEOFFS_PAGE",
        "EXPLAIN_PAGE",
        "BUSINESS_PAGE",
        "CURVES_PAGE",
        "FAIRNESS_PAGE",
        "REPORT_PAGE",
        "STUDIES_PAGE",
        "GLOSSARY_PAGE",
    )
    for name in names:
        assert f"st.Page({name}," in app_source
    readme = (root / "pages" / "README.md").read_text()
    assert all(f"`{s.removeprefix('pages/')}`" in readme for s in scripts)
    assert not list((root / "pages").glob("*.py"))  # see pages/README.md: none at the top level


# --- Explain -------------------------------------------------------------------------------------


def test_explain_without_a_study_points_to_train():
    at = open_app(EXPLAIN_PAGE)
    assert_ok(at)
    assert "There are no results yet" in at.info[0].value


def test_explain_defaults_to_the_recommended_model_and_says_how(credit_study):
    at = open_app(EXPLAIN_PAGE, **{Keys.STUDY: credit_study})
    assert_ok(at)
    pick = credit_study.decision.industry
    assert at.selectbox(key=widget_key_of(Keys.EXPLAIN_MODEL)).value == pick
    info = at.info[0].value
    assert "held-out rows" in info
    assert "'bad'" in info  # the positive class is explained
    charts = [c.proto.spec for c in at.get("plotly_chart")]
    assert len(charts) == 5  # importance, beeswarm, waterfall, compare, dependence
    cache = at.session_state[Keys.EXPLANATIONS]
    (expl,) = [e for key, e in cache.items() if key[1] == pick]
    assert expl.importance.index[0] in charts[0]  # the top column is drawn, by its own name


def test_explain_model_picker_row_picker_and_compare(credit_study):
    at = open_app(EXPLAIN_PAGE, **{Keys.STUDY: credit_study})
    at.selectbox(key=widget_key_of(Keys.EXPLAIN_MODEL)).set_value("xgboost_small").run()
    assert_ok(at)
    assert "TreeExplainer" in at.info[0].value
    explained = {key[1] for key in at.session_state[Keys.EXPLANATIONS]}
    assert "xgboost_small" in explained
    # Rows: the misclassified list holds rows the model got wrong.
    lists = at.radio(key="row_list").options
    assert "Misclassified" in lists
    at.radio(key="row_list").set_value("Misclassified").run()
    row = at.selectbox(key="row:Misclassified").value
    model = credit_study.model("xgboost_small")
    position = list(credit_study.eval_index).index(row)
    assert model.predictions.y_pred[position] != credit_study.dataset.y[row]
    assert_ok(at)
    # The row's values, numbers and text in one column, each written as text for people.
    values = next(d.value for d in at.dataframe if list(d.value.columns) == ["column", "value"])
    assert all(isinstance(v, str) for v in values["value"])
    assert "credit_amount" in set(values["column"])
    # Compare: simple baseline vs the most accurate model by default, with a verdict in words.
    assert at.selectbox(key="compare_a").value == "simple"
    assert at.selectbox(key="compare_b").value == credit_study.decision.academic
    assert "rank correlation" in at.success[0].value
    at.selectbox(key="compare_a").set_value("knn").run()
    assert_ok(at)
    # Changing a widget never recomputes what was explained before.
    before = dict(at.session_state[Keys.EXPLANATIONS])
    at.selectbox(key="dependence_column").set_value("age").run()
    after = at.session_state[Keys.EXPLANATIONS]
    assert all(after[k] is v for k, v in before.items())


def test_explain_a_chosen_class_of_a_multiclass_study():
    sample = get_sample("penguins")
    dataset = load_dataset(read_sample_bytes(sample), sample.filename, sample.target)
    config = StudyConfig(
        models=("decision_tree",), n_workers=0, n_resamples=200, latency_calls=20,
        latency_budget_s=0.05,
    )  # fmt: skip
    study = run_study(dataset, config)
    at = open_app(EXPLAIN_PAGE, **{Keys.STUDY: study})
    assert_ok(at)
    picker = at.selectbox(key=widget_key_of(Keys.EXPLAIN_CLASS))
    assert list(picker.options) == list(dataset.classes)
    other = dataset.classes[-1]
    picker.set_value(other).run()
    assert_ok(at)
    assert f"'{other}'" in at.info[0].value
    assert {key[2] for key in at.session_state[Keys.EXPLANATIONS]} >= {other}


# --- Business case -------------------------------------------------------------------------------


_charts = charts


def test_business_case_without_a_study_points_to_train():
    at = open_app(BUSINESS_PAGE)
    assert_ok(at)
    assert "There are no results yet" in at.info[0].value


def test_business_case_shows_no_money_verdict_on_example_numbers(credit_study):
    at = open_app(BUSINESS_PAGE, **{Keys.STUDY: credit_study})
    assert_ok(at)
    pick = credit_study.model(credit_study.decision.industry).label
    assert at.success[0].value.startswith(f"**The decision: {pick}.**")
    assert "Enter what a right answer is worth" in at.info[0].value
    assert not any("net value" in json.dumps(c) for c in _charts(at))  # no money chart yet
    costs = shown_table(at.table[0])
    assert costs.columns.tolist() == [
        "model", "serving ($ per month)", "training ($ per month)",
        "serving and training ($ per month)",
    ]  # fmt: skip
    inputs = {n.label: n for n in at.number_input}
    missed = inputs["Cost of a missed 'bad': called 'good' ($)"]
    assert missed.value is None  # empty: an example is only a placeholder
    assert "example: 5.00" in missed.proto.placeholder
    text = texts(at)
    assert "Where the defaults come from" in [e.label for e in at.expander]
    assert "balanced accuracy improves by" in text or "No model buys more" in text
    assert "No neural network finished in this study" in text  # none was trained


def _enter_credit_costs(at) -> None:
    for key, value in (
        (Keys.VALUE_TRUE_POSITIVE, 0.0),
        (Keys.COST_FALSE_POSITIVE, 1.0),
        (Keys.COST_FALSE_NEGATIVE, 5.0),
    ):
        at.number_input(key=widget_key_of(key)).set_value(value).run()


def test_business_case_shows_money_per_month_once_numbers_are_entered(credit_study):
    at = open_app(BUSINESS_PAGE, **{Keys.STUDY: credit_study})
    _enter_credit_costs(at)
    assert_ok(at)
    assert at.success[0].value.startswith("**The decision: ")
    assert "Based on your business numbers, at 1M predictions a month: " in at.success[0].value
    charts = _charts(at)
    net = charts[0]
    assert net["layout"]["xaxis"]["title"]["text"].startswith("serving cost (&#36; per month")
    assert net["layout"]["yaxis"]["title"]["text"].startswith("net value (&#36; per month)")
    assert all("G" not in t and "µ" not in t for t in net["layout"]["yaxis"]["ticktext"])
    threshold = charts[1]
    assert (
        "decision threshold: a row is called 'bad'" in threshold["layout"]["xaxis"]["title"]["text"]
    )
    board = shown_table(at.table[0])
    assert board.columns[:2].tolist() == ["model", "net value ($ per month, 95% CI)"]
    assert set(board["model"]) == {m.label for m in credit_study.ok_models}
    net = board["net value ($ per month, 95% CI)"]
    assert all(re.fullmatch(r"−?\$\d+(\.\d+)?[kMB]? \(.+ to .+\)", v) for v in net), net
    assert "decision threshold" in board.columns
    # "Use the example amounts" does the same in one click.
    other = open_app(BUSINESS_PAGE, **{Keys.STUDY: credit_study})
    other.button(key="use_example_amounts").click().run()
    assert_ok(other)
    assert other.session_state[Keys.COST_FALSE_NEGATIVE] == 5.0
    assert "Based on your business numbers" in other.success[0].value


def test_business_inputs_rerender_without_retraining_and_persist(credit_study):
    at = open_app(BUSINESS_PAGE, **{Keys.STUDY: credit_study})
    _enter_credit_costs(at)
    at.number_input(key=widget_key_of(Keys.PREDICTIONS_PER_MONTH)).set_value(5000).run()
    assert_ok(at)
    assert "at 5k predictions a month" in at.success[0].value
    at.toggle(key=widget_key_of(Keys.TUNE_THRESHOLDS)).set_value(True).run()
    assert_ok(at)
    after = shown_table(at.table[0])
    assert (after["decision threshold"] != "0.50").any()
    at.radio(key=widget_key_of(Keys.SERVING)).set_value("online").run()
    assert_ok(at)
    assert "one request at a time" in _charts(at)[0]["layout"]["xaxis"]["title"]["text"]
    # The numbers outlast a visit to another page; nothing was trained again.
    at.switch_page(TRADEOFFS_PAGE).run()
    at.switch_page(BUSINESS_PAGE).run()
    assert at.number_input(key=widget_key_of(Keys.PREDICTIONS_PER_MONTH)).value == 5000
    assert at.number_input(key=widget_key_of(Keys.COST_FALSE_NEGATIVE)).value == 5.0
    assert at.session_state[Keys.STUDY] is credit_study


def test_business_case_model_picker_and_price_axis(credit_study):
    at = open_app(BUSINESS_PAGE, **{Keys.STUDY: credit_study})
    _enter_credit_costs(at)
    at.selectbox(key=widget_key_of(Keys.BUSINESS_MODEL)).set_value("knn").run()
    assert_ok(at)
    assert any("k-nearest neighbours" in i.value for i in at.info)  # its break-even sentence
    at.selectbox(key=widget_key_of(Keys.PRICE_AXIS)).set_value("size_bytes").run()
    assert_ok(at)


def test_every_place_names_the_same_pick_before_and_after_business_numbers_and_axes(
    credit_study, monkeypatch
):
    """The sidebar, Trade-offs (its sentence and its star), Business case and the report show
    one pick: with the default cost, after another cost is chosen, and once business numbers
    are entered (net value then decides, until another cost is chosen)."""
    study = credit_study
    at = open_app(TRADEOFFS_PAGE, **{Keys.STUDY: study})

    def shows(expected: Decision) -> None:
        assert_ok(at)
        name = expected.industry
        assert name is not None
        label = study.model(name).label
        sidebar = "\n".join(m.value for m in at.sidebar.markdown)
        served = " served from ONNX Runtime" if expected.runtime == "onnx" else ""
        assert f"Decision: {label}{served} (" in sidebar
        assert at.success[0].value == f"**Industry pick: {md(label)}.** {md(expected.sentence)}"
        (star,) = [t for t in _charts(at)[0]["data"] if t.get("name") == DECISION_NAME]
        drawn = {m.name: m for m in chart_models(study, expected)}
        assert star["x"][0] == pytest.approx(cost_value(drawn[name], expected.cost))
        assert name in frontier(chart_models(study, expected), study.primary_metric, expected.cost)
        at.switch_page(BUSINESS_PAGE).run()
        assert_ok(at)
        assert at.success[0].value == f"**The decision: {md(label)}.** {md(expected.sentence)}"
        # The Report page: its report file and the results.json its download button serves
        # (made when clicked: the deferred call is caught as the page builds it).
        deferred = []

        class Catching(functools.partial):  # type: ignore[type-arg]
            def __new__(cls, func, *args, **kwargs):  # type: ignore[no-untyped-def]
                deferred.append((func, args, kwargs))
                return super().__new__(cls, func, *args, **kwargs)

        with monkeypatch.context() as patch:
            patch.setattr(functools, "partial", Catching)
            at.switch_page(REPORT_PAGE).run()
        assert_ok(at)
        report = next(reversed(at.session_state[Keys.REPORTS].values()))
        assert f"<b>Industry pick: {html.escape(label)}.</b> " in report
        assert html.escape(expected.sentence, quote=False) in report
        ((func, args, kwargs),) = [d for d in deferred if d[0] is results_json]
        document = json.loads(func(*args, **kwargs))
        assert document["recommendation"] == json.loads(json.dumps(expected.to_dict()))
        at.switch_page(TRADEOFFS_PAGE).run()

    shows(study.decision)  # the default cost: the study's own decision, as in results.json
    at.selectbox(key=widget_key_of(Keys.AXIS)).set_value("size_bytes").run()
    shows(decide(study, Choices(cost="size_bytes")))
    at.switch_page(BUSINESS_PAGE).run()
    _enter_credit_costs(at)
    at.switch_page(TRADEOFFS_PAGE).run()
    assert at.selectbox(key=widget_key_of(Keys.AXIS)).value == NET_VALUE  # money decides now
    numbers = BusinessInputs(
        value_true_positive_usd=0.0,
        cost_false_positive_usd=1.0,
        cost_false_negative_usd=5.0,
        usd_per_vcpu_hour=study.config.usd_per_vcpu_hour,
    )
    on_money = decide(study, Choices(cost=NET_VALUE, business=numbers))
    assert on_money.sentence.startswith("Based on your business numbers")
    shows(on_money)
    at.selectbox(key=widget_key_of(Keys.AXIS)).set_value("latency_ms_p95").run()
    shows(decide(study, Choices(cost="latency_ms_p95", business=numbers)))


def _tiny_study(sample_key: str, **prepare: object):
    sample = get_sample(sample_key)
    dataset = load_dataset(read_sample_bytes(sample), sample.filename, sample.target, **prepare)
    config = StudyConfig(
        models=("decision_tree",), n_workers=0, n_resamples=200, latency_calls=20,
        latency_budget_s=0.05,
    )  # fmt: skip
    return run_study(dataset, config)


def test_business_case_of_a_multiclass_study_uses_the_cost_matrix():
    study = _tiny_study("penguins")
    at = open_app(BUSINESS_PAGE, **{Keys.STUDY: study})
    assert_ok(at)
    assert "Cost of each kind of mistake" in texts(at)
    assert "is only an example" in texts(at)
    at.button(key="use_example_amounts").click().run()
    assert_ok(at)
    classes = study.dataset.classes
    assert classes in at.session_state[Keys.CONFIRMED_MATRICES]
    example = shown_table(at.table[0])
    costs = {(t, p): 100.0 for t in classes for p in classes if t != p}
    at.session_state[Keys.COST_MATRICES] = {classes: costs}
    at.run()
    assert_ok(at)
    dearer = shown_table(at.table[0])
    assert dearer["errors ($ per month)"].tolist() != example["errors ($ per month)"].tolist()


def test_business_case_of_a_regression_study_prices_each_unit_of_error():
    study = _tiny_study("diabetes")
    at = open_app(BUSINESS_PAGE, **{Keys.STUDY: study})
    assert_ok(at)
    labels = [n.label for n in at.number_input]
    assert "Cost per unit of error ($ per unit of disease\\_progression)" in labels
    assert "decision threshold" not in shown_table(at.table[0]).columns


# --- Fairness ------------------------------------------------------------------------------------


def test_fairness_without_a_study_points_to_train():
    at = open_app(FAIRNESS_PAGE)
    assert_ok(at)
    assert "There are no results yet" in at.info[0].value


def test_fairness_suggests_sex_and_age_and_compares_their_groups(credit_study):
    at = open_app(FAIRNESS_PAGE, **{Keys.STUDY: credit_study})
    assert_ok(at)
    assert at.multiselect(key=widget_key_of(Keys.SENSITIVE)).value == ["sex", "age"]
    view = at.segmented_control(key=widget_key_of(Keys.FAIRNESS_VIEW))
    assert list(view.options) == ["sex", "age", "sex × age"]
    assert view.value == "sex"
    text = texts(at)
    assert "'sex' was used in training." in text
    assert "worse for sex 'female' than for 'male'" in text or "worse for sex 'male'" in text
    gaps = shown_table(at.table[0])
    assert "Balanced accuracy gap, points (95% CI)" in gaps.columns
    assert len(gaps) == len(credit_study.ok_models)
    assert set(gaps["worst / best group"]) <= {"female / male", "male / female"}
    charts = _charts(at)
    assert len(charts) == 3  # groups, rates, accuracy against the gap
    assert charts[2]["layout"]["xaxis"]["title"]["text"].startswith(
        "largest gap in balanced accuracy between sex groups (points)"
    )
    privacy = shown_table(at.table[-1])
    assert set(privacy["column"]) == {"sex", "age"}
    assert set(privacy["in training"]) == {"used by the models"}
    # The combination of both columns, one view at a time; each report is computed once.
    view.set_value("sex × age").run()
    assert_ok(at)
    assert "'sex' was used in training; 'age' was used in training." in texts(at)
    assert "between sex × age groups" in _charts(at)[2]["layout"]["xaxis"]["title"]["text"]
    cached = at.session_state[Keys.FAIRNESS_REPORTS]
    assert {key[1] for key in cached} == {("sex",), ("sex", "age")}


def test_fairness_of_a_column_left_out_of_training_reads_the_table():
    study = _tiny_study("german_credit", exclude=["sex"])
    at = open_app(FAIRNESS_PAGE, **{Keys.STUDY: study})
    assert_ok(at)
    text = texts(at)
    assert "'sex' was left out of training: it is read from the table only" in text
    # With another table on screen, the column cannot be read: the page says why.
    at.switch_page(DATA_PAGE).run()
    at.selectbox(key="sample_pick").set_value("penguins").run()
    at.switch_page(FAIRNESS_PAGE).run()
    assert_ok(at)
    assert at.multiselect(key=widget_key_of(Keys.SENSITIVE)).value == ["age"]
    assert "Columns that cannot be measured here (1)" in [e.label for e in at.expander]
    assert "open it on the Data page" in texts(at)


def test_fairness_with_no_column_chosen_says_what_to_do(credit_study):
    at = open_app(FAIRNESS_PAGE, **{Keys.STUDY: credit_study})
    at.multiselect(key=widget_key_of(Keys.SENSITIVE)).set_value([]).run()
    assert_ok(at)
    assert "Choose one or more columns that describe people" in at.info[0].value
    at.multiselect(key=widget_key_of(Keys.SENSITIVE)).set_value(["housing"]).run()
    assert_ok(at)
    assert list(at.segmented_control(key=widget_key_of(Keys.FAIRNESS_VIEW)).options) == ["housing"]
    cached = at.session_state[Keys.FAIRNESS_REPORTS]
    assert {key[1] for key in cached} >= {("housing",), ("sex",)}


def test_business_and_fairness_of_a_study_where_no_model_finished(credit_study):
    from dataclasses import replace

    failed = replace(
        credit_study, models=[replace(m, status="failed") for m in credit_study.models]
    )
    for page in (BUSINESS_PAGE, FAIRNESS_PAGE):
        at = open_app(page, **{Keys.STUDY: failed})
        assert_ok(at)
        assert "No model of this study finished" in at.warning[0].value


# --- Report --------------------------------------------------------------------------------------


def test_report_without_a_study_points_to_train():
    at = open_app(REPORT_PAGE)
    assert_ok(at)
    assert "There are no results yet" in at.info[0].value


def test_report_page_offers_every_file_and_the_serving_snippet(credit_study):
    at = open_app(REPORT_PAGE, **{Keys.STUDY: credit_study})
    assert_ok(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels[:4] == [
        "Report (HTML)", "Leaderboard (CSV)", "Results (JSON)", "Predictions (CSV)",
    ]  # fmt: skip
    pick = credit_study.decision.industry
    label = credit_study.model(pick).label
    assert labels[4] == f"Download {label} with serve.py and serve_onnx.py (zip)"
    usage, code, compiled = (c.value for c in at.code)
    assert "python serve.py rows.csv predictions.csv" in usage
    assert "python serve_onnx.py rows.csv predictions.csv" in usage
    assert f"MODEL_FILE = '{pick}.skops'" in code
    assert "def prepare(rows" in code
    assert f"MODEL_FILE = '{pick}.onnx'" in compiled
    assert "import onnxruntime as ort" in compiled
    (report,) = at.session_state[Keys.REPORTS].values()
    for heading in ("Why the model decides", "Fairness", "Privacy"):
        assert f"<h2>{heading}" in report
    assert "By sex" in report
    # No money on example numbers: the business case waits for the user's own.
    assert "<h2>Business case</h2>" not in report
    assert at.checkbox(key=widget_key_of(Keys.REPORT_BUSINESS)).disabled
    at.session_state[Keys.COST_FALSE_POSITIVE] = 1.0
    at.session_state[Keys.COST_FALSE_NEGATIVE] = 5.0
    at.session_state[Keys.VALUE_TRUE_POSITIVE] = 0.0
    at.run()
    assert_ok(at)
    with_money = list(at.session_state[Keys.REPORTS].values())[-1]
    assert "<h2>Business case</h2>" in with_money
    # Leaving a section out makes another report, without it; nothing retrains.
    at.checkbox(key=widget_key_of(Keys.REPORT_BUSINESS)).uncheck().run()
    assert_ok(at)
    reports = list(at.session_state[Keys.REPORTS].values())
    assert len(reports) == 3
    assert "<h2>Business case</h2>" not in reports[-1]
    at.selectbox(key=widget_key_of(Keys.EXPORT_MODEL)).set_value("knn").run()
    assert_ok(at)
    assert "MODEL_FILE = 'knn.skops'" in at.code[1].value
    # A model that did not compile ships with serve.py only, and the page says why.
    at.selectbox(key=widget_key_of(Keys.EXPORT_MODEL)).set_value("dummy").run()
    assert_ok(at)
    assert len(at.code) == 2
    assert "serve_onnx" not in at.code[0].value
    assert any(
        "Not compiled for ONNX Runtime: ONNX has no converter" in c.value for c in at.caption
    )
    assert at.session_state[Keys.STUDY] is credit_study


HOSTILE = "<script>alert(1)</script> age"


def test_an_injected_column_name_stays_text_on_every_page():
    import numpy as np

    rng = np.random.default_rng(0)
    n = 200
    x = rng.normal(size=n)
    frame = pd.DataFrame(
        {
            HOSTILE: rng.integers(18, 80, n),
            "x": x,
            "<b>plan</b>": rng.choice(["<i>a</i>", "b"], n),
            "y": np.where(x > 0, "yes", "no"),
        }
    )
    from core.data import prepare_dataset

    dataset = prepare_dataset(frame, "y", name="<img src=x onerror=alert(2)>.csv")
    config = StudyConfig(
        models=("decision_tree",), n_workers=0, n_resamples=200, latency_calls=20,
        latency_budget_s=0.05,
    )  # fmt: skip
    study = run_study(dataset, config)
    for page in (TRADEOFFS_PAGE, EXPLAIN_PAGE, BUSINESS_PAGE, FAIRNESS_PAGE, REPORT_PAGE):
        at = open_app(page, **{Keys.STUDY: study})
        assert_ok(at)
        shown = texts(at)
        for markup in ("<script>", "<b>plan", "<i>a", "<img"):
            assert markup not in shown, (page, markup)
    report = next(iter(at.session_state[Keys.REPORTS].values()))
    assert "<script>alert(1)" not in report
    assert "&lt;script&gt;alert(1)&lt;/script&gt; age" in report


def test_the_decisions_choices_ride_in_the_link_and_a_reload_keeps_them(store_dir, credit_study):
    study_id = StudyStore(store_dir).save(credit_study)
    at = open_app(TRADEOFFS_PAGE, **{Keys.STUDY: credit_study, Keys.STUDY_ID: study_id})
    at.selectbox(key=widget_key_of(Keys.AXIS)).set_value("size_bytes").run()
    at.number_input(key=widget_key_of(Keys.TOLERANCE)).set_value(3.0).run()
    at.number_input(key=widget_key_of(Keys.MAX_SIZE_MB)).set_value(50.0).run()
    assert_ok(at)
    link = dict(at.query_params)
    assert link["cost"] == "size_bytes"
    assert link["tolerance"] == "3"
    assert link["max_size_mb"] == "50"
    assert "min_saving" not in link  # defaults stay out of the link
    sentence = at.success[0].value
    # A reload: a new session with the same link shows the same pick, judged the same way.
    again = reload(link, TRADEOFFS_PAGE)
    assert_ok(again)
    assert again.session_state[Keys.AXIS] == "size_bytes"
    assert again.session_state[Keys.TOLERANCE] == 3.0
    assert again.success[0].value == sentence
    # Back to the default: the choice leaves the link.
    again.number_input(key=widget_key_of(Keys.TOLERANCE)).set_value(1.0).run()
    assert "tolerance" not in dict(again.query_params)


def test_choices_in_a_hostile_link_are_left_at_their_defaults():
    at = AppTest.from_file(APP, default_timeout=120)
    hostile = {
        "cost": "__import__('os')", "tolerance": "nan", "min_saving": "1e9",
        "max_size_mb": "-1", "lens": "<b>Industry</b>", "max_latency_ms": "inf",
    }  # fmt: skip
    for name, value in hostile.items():
        at.query_params[name] = value
    at.run()
    assert_ok(at)
    assert at.session_state[Keys.AXIS] is None
    assert at.session_state[Keys.TOLERANCE] == 1.0
    assert at.session_state[Keys.MAX_SIZE_MB] is None
    assert at.session_state[Keys.LENS] == "Industry"
    said = [t.value for t in at.toast]
    assert any("were not understood" in t for t in said), said
    assert not set(hostile) & set(dict(at.query_params))  # and they leave the link


def _churn_upload_on_train_page(seed: int) -> tuple[AppTest, bytes, str]:
    """A session whose current data is an uploaded churn table (its bytes kept, as an upload's
    are), on the Train page; the table's bytes and their SHA-256."""
    from core.data import read_table
    from ui.common import TableSource

    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {"tenure": rng.integers(1, 72, 160), "plan": rng.choice(["a", "b"], 160),
         "churned": rng.choice(["yes", "no"], 160)}
    )  # fmt: skip
    data = frame.to_csv(index=False).encode()
    sha = hashlib.sha256(data).hexdigest()
    at = open_app(DATA_PAGE)
    at.session_state[Keys.TABLE] = read_table(data, "churn.csv")
    at.session_state[Keys.SOURCE] = TableSource("churn.csv", sha)
    at.session_state[Keys.UPLOAD_BYTES] = data
    at.session_state[Keys.TARGET] = "churned"
    at.radio(key="data_mode").set_value("Upload a file").run()
    at.switch_page(TRAIN_PAGE).run()
    return at, data, sha


def test_a_study_of_an_upload_brings_its_table_back_when_opened(store_dir):
    at, data, sha = _churn_upload_on_train_page(2)
    _start_small_training(at)
    finish_training(at)
    study_id = at.session_state[Keys.STUDY_ID]
    assert StudyStore(store_dir).table_bytes(study_id) == data
    # Another day: a new session opens the study; its table is the current data again.
    later = AppTest.from_file(APP, default_timeout=120)
    later.query_params["study"] = study_id
    later.run()
    assert_ok(later)
    assert later.session_state[Keys.SOURCE].sha256 == sha
    assert later.session_state[Keys.DATASET].target == "churned"
    assert later.session_state[Keys.DATASET].sha256 == sha


def test_a_reload_while_an_upload_trains_makes_that_upload_current_at_once(store_dir):
    at, _, sha = _churn_upload_on_train_page(3)
    with jobs._TURN:  # another study holds the server: this one waits, still training
        _start_small_training(at)
        job_id = at.session_state[Keys.JOB]
        again = reload({"job": job_id}, DATA_PAGE)
        assert_ok(again)
        assert again.session_state[Keys.JOB] == job_id
        # Before the study ends, the data on screen is the upload being trained, not the
        # sample a new session starts with: "Train" again would not train the wrong table.
        assert again.session_state[Keys.SOURCE].sha256 == sha
        assert again.session_state[Keys.DATASET].target == "churned"
        assert "churn.csv" in "\n".join(m.value for m in again.sidebar.markdown)
    finish_training(again)
    assert_ok(again)
    assert again.session_state[Keys.STUDY].dataset.sha256 == sha


def test_the_train_choices_ride_in_the_link_too():
    at = open_app(TRAIN_PAGE)
    at.radio(key=widget_key_of(Keys.VALIDATION)).set_value("cv").run()
    at.number_input(key=widget_key_of(Keys.SEED)).set_value(7).run()
    at.selectbox(key=widget_key_of(Keys.METRIC)).set_value("roc_auc").run()
    link = dict(at.query_params)
    assert (link["validation"], link["seed"], link["metric"]) == ("cv", "7", "roc_auc")
    again = reload({**link, "folds": "4", "seed": "-3"}, TRAIN_PAGE)
    assert_ok(again)
    assert again.session_state[Keys.VALIDATION] == "cv"
    assert again.session_state[Keys.CV_FOLDS] == 4
    assert again.session_state[Keys.METRIC] == "roc_auc"
    assert again.session_state[Keys.SEED] == 0  # "-3" is not a seed: left at its default


def test_the_candidate_models_ride_in_the_link():
    at = open_app(TRAIN_PAGE)
    at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "xgboost_large")).check().run()
    at.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "mlp_small")).uncheck().run()
    link = dict(at.query_params)
    assert "xgboost_large" in link["models"].split(",")
    assert "mlp_small" not in link["models"].split(",")
    label = at.button(key="train").label
    again = reload(link, TRAIN_PAGE)
    assert_ok(again)
    assert again.button(key="train").label == label
    assert again.checkbox(key=widget_key_of(Keys.CANDIDATE_PREFIX + "xgboost_large")).value
    regression = open_app(DATA_PAGE)
    regression.selectbox(key=widget_key_of(Keys.TARGET)).set_value("credit_amount").run()
    regression.switch_page(TRAIN_PAGE).run()
    assert "models" not in dict(regression.query_params)  # its own default ladder: no link
    hostile = reload({"models": "xgboost_small,os.system"})
    assert_ok(hostile)
    assert "models" not in dict(hostile.query_params)
    assert any("were not understood" in t.value for t in hostile.toast)

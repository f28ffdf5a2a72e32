"""Session-state keys, their defaults and the guards every page starts with.

Everything a user chose or produced lives under one of these keys in ``st.session_state``, which
Streamlit keeps per browser session: two sessions never see each other's data. Widgets whose
choice must outlast a visit to another page are drawn with :func:`kept`, which keeps the value
under its own key.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NoReturn

import streamlit as st

from core.dataset import Dataset
from core.decision import DEFAULT_MATERIALITY, DEFAULT_TOLERANCE
from core.economics import (
    DEFAULT_PREDICTIONS_PER_MONTH,
    DEFAULT_RETRAINS_PER_MONTH,
    DEFAULT_SERVING,
)
from core.runtimes import DEFAULT_RUNTIME_MODE
from core.samples import DEFAULT_SAMPLE
from core.study import StudyResult
from core.tables import unavailable_sentence

#: Page scripts, relative to app.py. They sit one level below pages/ on purpose: Streamlit's
#: legacy multipage mode scans pages/*.py and, when it finds scripts there, may run a page
#: without app.py (no state, no sidebar) on a direct link (streamlit/streamlit#10276).
START_PAGE = "pages/views/start.py"
DATA_PAGE = "pages/views/data.py"
TRAIN_PAGE = "pages/views/train.py"
TRADEOFFS_PAGE = "pages/views/tradeoffs.py"
EXPLAIN_PAGE = "pages/views/explain.py"
BUSINESS_PAGE = "pages/views/business.py"
CURVES_PAGE = "pages/views/curves.py"
FAIRNESS_PAGE = "pages/views/fairness.py"
REPORT_PAGE = "pages/views/report.py"
STUDIES_PAGE = "pages/views/studies.py"
GLOSSARY_PAGE = "pages/views/glossary.py"


class Icons:
    """Material icons (bundled with Streamlit, so they render without an emoji font)."""

    START = ":material/balance:"
    DATA = ":material/table_chart:"
    TRAIN = ":material/model_training:"
    TRADEOFFS = ":material/scatter_plot:"
    EXPLAIN = ":material/psychology_alt:"
    BUSINESS = ":material/payments:"
    CURVES = ":material/trending_up:"
    FAIRNESS = ":material/diversity_3:"
    PRIVACY = ":material/shield_person:"
    REPORT = ":material/summarize:"
    DOWNLOAD = ":material/download:"
    STUDIES = ":material/folder_open:"
    GLOSSARY = ":material/menu_book:"
    WARNING = ":material/warning:"
    CHECK = ":material/search_check:"
    PICK = ":material/recommend:"
    DONE = ":material/check_circle:"
    SORRY = ":material/sentiment_dissatisfied:"


class Keys:
    """Names of the session-state entries (one place, so pages cannot drift apart)."""

    # Data: the raw table, where it came from, and the choices that turn it into a Dataset.
    TABLE = "table"  # pandas DataFrame as read
    SOURCE = "source"  # TableSource
    TARGET = "target"
    TASK = "task_choice"  # "auto" or a task
    LEFT_OUT = "left_out"  # original column names left out of the features
    YES_NO = "yes_no"  # read a target written as yes and no in several ways as yes/no
    DATASET = "dataset"  # Dataset built from the above, or None when the choices are invalid
    DATA_ERROR = "data_error"  # core's message when the choices cannot make a Dataset
    DATASET_SPEC = "dataset_spec"  # the choices the current Dataset was built from
    UPLOAD_ID = "upload_id"  # file id of the last upload read, so it is read once
    UPLOAD_ERROR = "upload_error"
    UPLOAD_BYTES = "upload_bytes"  # the uploaded file as it came, saved with its studies
    # Train choices (widget keys, kept across pages).
    VALIDATION = "validation"
    CV_FOLDS = "cv_folds"
    METRIC = "metric"
    SEED = "seed"
    SWEEP = "sweep"  # also train each family's grid of sizes
    CALIBRATED = "calibrated"  # models also trained with calibrated probabilities
    CANDIDATE_PREFIX = "candidate:"
    AUTOSTART = "autostart"
    JOB = "job"  # id of the session's training job (core.jobs), until its study is collected
    TRAIN_ERROR = "train_error"  # why the last training stopped, shown on the Train page
    # The study on screen and its id in the store.
    STUDY = "study"
    STUDY_ID = "study_id"
    #: The saved study in the page's link has been tried once this session (opened or not).
    LINK_TRIED = "link_tried"
    #: A message for the next run to show (the page a user lands on after a switch of page).
    NOTICE = "notice"
    STORE_NOTICES_SEEN = "store_notices_seen"  # numbers of the store's notices shown here
    # Trade-offs choices.
    AXIS = "axis"  # the decision's cost; None: net value once business numbers are in, else p50
    TOLERANCE = "tolerance"  # points (or % of the error) the industry pick may give up
    MATERIALITY = "min_saving_percent"  # the least saving worth it, percent
    DECISIONS = "decisions"  # {(study key, choices): Decision}
    FOLLOWED = "followed"  # {key: the decision's pick it was last set to}
    LENS = "lens"
    RUNTIME = "runtime"  # how models are served: core.runtimes.RUNTIME_MODES
    MAX_LATENCY_MS = "max_latency_ms"
    MAX_SIZE_MB = "max_size_mb"
    MAX_TRAIN_S = "max_train_s"
    # Explanations: the choices, and every explanation computed in this session.
    EXPLAIN_MODEL = "explain_model"
    EXPLAIN_CLASS = "explain_class"
    EXPLANATIONS = "explanations"  # {(study key, model, class): Explanation}
    # Business case: the user's numbers (kept across pages and studies) and choices.
    SERVING = "serving"
    PREDICTIONS_PER_MONTH = "predictions_per_month"
    USD_PER_VCPU_HOUR = "usd_per_vcpu_hour"  # None until a study fills in its own price
    RETRAINS_PER_MONTH = "retrains_per_month"
    VALUE_TRUE_POSITIVE = "value_true_positive_usd"
    COST_FALSE_POSITIVE = "cost_false_positive_usd"
    COST_FALSE_NEGATIVE = "cost_false_negative_usd"
    USD_PER_UNIT_ERROR = "usd_per_unit_error"
    COST_MATRICES = "cost_matrices"  # {classes: {(true, predicted): USD}}
    CONFIRMED_MATRICES = "confirmed_matrices"  # {classes}: cost matrices the user has given
    TUNE_THRESHOLDS = "tune_thresholds"
    BUSINESS_MODEL = "business_model"
    PRICE_AXIS = "price_axis"
    CALIBRATION_MODELS = "calibration_models"  # models on the reliability chart (None: usual)
    RESAMPLES = "resamples"  # {(study key,): core.economics.Resamples}
    VIEWS = "views"  # {(study key, what, choices...): a chart or a served study (ui.common)}
    # Fairness: the columns chosen (None: the suggestion), the model looked at, the reports.
    SENSITIVE = "sensitive_columns"
    FAIRNESS_MODEL = "fairness_model"
    FAIRNESS_VIEW = "fairness_view"  # which column, or the combination, is on screen
    FAIRNESS_REPORTS = "fairness_reports"  # {(study key, columns): FairnessReport}
    # Report: what it includes, the reports made (kept per study), the model to export.
    REPORT_EXPLAIN = "report_explain"
    REPORT_BUSINESS = "report_business"
    REPORT_FAIRNESS = "report_fairness"
    REPORTS = "reports"  # {(study key, choices...): HTML}
    EXPORT_MODEL = "export_model"
    # More data?: the learning curves saved with the study on screen, read once.
    CURVES = "curves"  # {study id: (Curves or None, why a saved file was refused)}


def defaults() -> dict[str, Any]:
    """The state of a fresh session: the default sample loaded, its target chosen, no study."""
    return {
        Keys.SOURCE: None,
        Keys.TABLE: None,
        Keys.TARGET: DEFAULT_SAMPLE.target,
        Keys.TASK: "auto",
        Keys.LEFT_OUT: None,
        Keys.YES_NO: False,
        Keys.DATASET: None,
        Keys.DATA_ERROR: None,
        Keys.UPLOAD_ID: None,
        Keys.UPLOAD_ERROR: None,
        Keys.UPLOAD_BYTES: None,
        Keys.VALIDATION: "holdout",
        Keys.CV_FOLDS: 5,
        Keys.SEED: 0,
        Keys.SWEEP: False,
        Keys.CALIBRATED: [],
        Keys.JOB: None,
        Keys.TRAIN_ERROR: None,
        Keys.STUDY: None,
        Keys.STUDY_ID: None,
        Keys.LINK_TRIED: False,
        Keys.AXIS: None,
        Keys.TOLERANCE: DEFAULT_TOLERANCE,
        Keys.MATERIALITY: DEFAULT_MATERIALITY * 100,
        Keys.LENS: "Industry",
        Keys.RUNTIME: DEFAULT_RUNTIME_MODE,
        Keys.MAX_LATENCY_MS: None,
        Keys.MAX_SIZE_MB: None,
        Keys.MAX_TRAIN_S: None,
        Keys.SERVING: DEFAULT_SERVING,
        Keys.PREDICTIONS_PER_MONTH: DEFAULT_PREDICTIONS_PER_MONTH,
        Keys.USD_PER_VCPU_HOUR: None,
        Keys.RETRAINS_PER_MONTH: DEFAULT_RETRAINS_PER_MONTH,
        # What a right answer is worth and what errors cost: only the user can say.
        Keys.VALUE_TRUE_POSITIVE: None,
        Keys.COST_FALSE_POSITIVE: None,
        Keys.COST_FALSE_NEGATIVE: None,
        Keys.USD_PER_UNIT_ERROR: None,
        Keys.COST_MATRICES: {},
        Keys.CONFIRMED_MATRICES: set(),
        Keys.TUNE_THRESHOLDS: False,
        Keys.BUSINESS_MODEL: None,
        Keys.PRICE_AXIS: "latency_ms_p50",
        Keys.SENSITIVE: None,
        Keys.FAIRNESS_MODEL: None,
        Keys.REPORT_EXPLAIN: True,
        Keys.REPORT_BUSINESS: True,
        Keys.REPORT_FAIRNESS: True,
        Keys.EXPORT_MODEL: None,
    }


def init_state() -> None:
    for key, value in defaults().items():
        st.session_state.setdefault(key, value)


def kept(
    widget: Callable[..., Any],
    label: str,
    key: str,
    *,
    then: Callable[[], None] | None = None,
    **kwargs: Any,
) -> Any:
    """Draw ``widget`` whose value lives in ``st.session_state[key]``, not in the widget.

    Streamlit forgets a widget's value when its page is not shown; the lasting value is copied
    to ``key`` on every change and put back into the widget when the page is shown again.
    ``then`` runs after a change (e.g. a new target resets the columns left out).
    """
    widget_key = widget_key_of(key)
    if st.session_state.get(widget_key, _MISSING) != st.session_state.get(key):
        st.session_state[widget_key] = st.session_state.get(key)

    def copy() -> None:
        st.session_state[key] = st.session_state[widget_key]
        if then is not None:
            then()

    return widget(label, key=widget_key, on_change=copy, **kwargs)


_MISSING = object()


def widget_key_of(key: str) -> str:
    """The key of the widget drawn by :func:`kept` for the lasting value ``key``."""
    return f"_widget:{key}"


class StopPage(Exception):
    """Ends the page early; ``app.py`` catches it and still draws the sidebar.

    Pages raise it (through :func:`stop_page`) instead of calling ``st.stop()``, which would
    also end ``app.py`` before the sidebar reflects what the page did.
    """


def stop_page() -> NoReturn:
    raise StopPage


def current_dataset() -> Dataset | None:
    value = st.session_state.get(Keys.DATASET)
    return value if isinstance(value, Dataset) else None


def current_study() -> StudyResult | None:
    value = st.session_state.get(Keys.STUDY)
    return value if isinstance(value, StudyResult) else None


def require_dataset() -> Dataset:
    """The dataset chosen on the Data page; otherwise explain and stop the page."""
    dataset = current_dataset()
    if dataset is None:
        st.info("Choose a table and a target on the Data page first.")
        st.page_link(DATA_PAGE, label="Go to Data", icon=Icons.DATA)
        stop_page()
    return dataset


def require_study() -> StudyResult:
    """The study on screen; otherwise explain and stop the page."""
    study = current_study()
    if study is None:
        st.info("There are no results yet: train models on the Train page, or reopen a study.")
        left, right = st.columns(2)
        with left:
            st.page_link(TRAIN_PAGE, label="Go to Train", icon=Icons.TRAIN)
        with right:
            st.page_link(STUDIES_PAGE, label="Open a saved study", icon=Icons.STUDIES)
        stop_page()
    problem = unavailable_sentence(study)
    if problem:
        from ui.common import md  # ui.common builds on this module

        st.warning(md(problem), icon=Icons.WARNING)
    return study

"""Train: choose the candidates and how to validate them; train and measure behind one button."""

from __future__ import annotations

import streamlit as st

from core import candidates as cand
from core.cluster import setting_sentence as cluster_setting
from core.results import compute_sentence, rows_sentence
from core.stats import metric_info, primary_choices
from core.study import StudyConfig, default_primary_metric
from ui.common import current_budgets, glossary_popover, md
from ui.decision import current_decision, decision_leaderboard, study_headline
from ui.state import TRADEOFFS_PAGE, Icons, Keys, current_study, kept, require_dataset
from ui.training import show_train_error, start_training, train_progress, training

#: The ways to validate, in the words of the screen.
VALIDATION_WORDS = {
    "holdout": "Hold out 20% of rows for testing",
    "cv": "k-fold cross-validation (every row tested once)",
    "time": "Hold out the latest 20% of rows (time-ordered)",
}

st.title("Train")
dataset = require_dataset()
glossary_popover(["held_out", "baselines", *primary_choices(dataset.task), "interval"])
st.caption(
    f"Predict **{md(dataset.target)}** ({dataset.task}) from {len(dataset.used_columns)} "
    f"columns of {dataset.n_rows:,} rows. Each model is trained on the same rows, one CPU "
    "thread each; then, with nothing else running, the models take turns serving rows in "
    "shuffled rounds, so the costs compare fairly."
)
run_box = st.container()  # the button, live progress and results, above the settings

st.subheader("Candidates")
st.caption(
    "From the cheapest to the richest. The dummy baseline (always predicts the most common "
    "answer) and the simple baseline are always trained: every result is read against them."
)
specs = [s for s in cand.CANDIDATES if s.supports(dataset.task)]
families = list(dict.fromkeys(s.family for s in specs))
columns = st.columns(3)
for i, family in enumerate(families):
    with columns[i % 3], st.container(border=True):
        st.markdown(f"**{family}**")
        for spec in (s for s in specs if s.family == family):
            key = Keys.CANDIDATE_PREFIX + spec.name
            baseline = spec.name in (cand.DUMMY_BASELINE, cand.SIMPLE_BASELINE)
            st.session_state.setdefault(key, spec.default or baseline)
            kept(st.checkbox, spec.label, key, disabled=baseline, help=spec.description)
            st.caption(spec.description)
chosen = tuple(s.name for s in specs if st.session_state[Keys.CANDIDATE_PREFIX + s.name])
swept = cand.sweep_names(chosen, dataset.task)
kept(
    st.checkbox,
    f"Trace each family's frontier: {len(swept)} more sizes of the ensembles and neural "
    "networks chosen"
    if swept
    else "Trace each family's frontier (choose an ensemble or a neural network first)",
    Keys.SWEEP,
    disabled=not swept,
    help="Each ensemble and neural family chosen is also trained at 20 to 30 sizes (trees, "
    "depth, hidden units), so the chart shows how its accuracy grows with its cost as a curve, "
    "not two or three points. A much longer study: on a large table, use the command line "
    "(python -m core run … --sweep), on a cluster if you have one.",
)
sweep = bool(st.session_state[Keys.SWEEP]) and bool(swept)
calibratable = [n for n in chosen if cand.calibrated_name(n) is not None]
if calibratable:
    st.session_state[Keys.CALIBRATED] = [
        n for n in st.session_state.get(Keys.CALIBRATED) or [] if n in calibratable
    ]
    kept(
        st.multiselect,
        "Also train with calibrated probabilities",
        Keys.CALIBRATED,
        options=calibratable,
        format_func=lambda n: cand.get_candidate(n).label,
        placeholder="None",
        help="A model whose probabilities do not mean what they say (see the Business case) "
        "can be trained again with them calibrated on its training rows (scikit-learn's "
        "CalibratedClassifierCV), and measured like any other model.",
    )
calibrated = tuple(
    cand.calibrated_name(n) or n for n in st.session_state.get(Keys.CALIBRATED) or []
)
chosen = (*chosen, *calibrated)
n_models = len(cand.resolve_names(chosen, dataset.task, sweep=sweep))

st.subheader("How to measure")
left, middle, right = st.columns(3)
with left:
    kept(
        st.radio,
        "Validation",
        Keys.VALIDATION,
        options=list(VALIDATION_WORDS),
        format_func=VALIDATION_WORDS.__getitem__,
        help="Holdout is quick; cross-validation is steadier on small tables but k times "
        "slower. When the rows follow time, holding out the latest rows tests the models on a "
        "future they have not seen, as they will serve.",
    )
    ordered = next((w for w in dataset.warnings if w.code == "time_ordered"), None)
    if ordered is not None and st.session_state[Keys.VALIDATION] != "time":
        st.warning(
            f"The rows are in the order of {md(ordered.column)}: a random split lets the models "
            "learn from the future of the rows they are tested on.",
            icon=Icons.CHECK,
        )
        if st.button("Hold out the latest rows instead", key="use_time_split"):
            st.session_state[Keys.VALIDATION] = "time"
            st.rerun()
    elif st.session_state[Keys.VALIDATION] == "time":
        st.caption(
            f"The latest 20% of rows in the order of {md(ordered.column)} are tested."
            if ordered is not None
            else "No date puts these rows in order, so the last 20% of rows, in the table's "
            "order, are tested."
        )
    if st.session_state[Keys.VALIDATION] == "cv":
        kept(st.slider, "Folds", Keys.CV_FOLDS, min_value=3, max_value=10)
with middle:
    choices = primary_choices(dataset.task)
    if st.session_state.get(Keys.METRIC) not in choices:
        st.session_state[Keys.METRIC] = default_primary_metric(dataset)
    kept(
        st.selectbox,
        "Primary metric",
        Keys.METRIC,
        options=choices,
        format_func=lambda m: metric_info(m).label,
        help="The number models are ranked by. Balanced accuracy is the default when one class "
        "dominates, because plain accuracy then rewards always guessing that class.",
    )
with right:
    kept(
        st.number_input,
        "Random seed",
        Keys.SEED,
        min_value=0,
        max_value=2**31 - 1,
        step=1,
        help="The same data, models and seed always give the same metrics.",
    )

config = StudyConfig(
    models=chosen,
    validation=st.session_state[Keys.VALIDATION],
    cv_folds=int(st.session_state[Keys.CV_FOLDS]),
    seed=int(st.session_state[Keys.SEED]),
    primary_metric=st.session_state[Keys.METRIC],
    budgets=current_budgets(),
    sweep=sweep,
)
with run_box:
    show_train_error()
    autostart = st.session_state.pop(Keys.AUTOSTART, False)  # the Start page's one button
    if training():
        train_progress()
    else:
        clicked = st.button(f"Train {n_models} models", type="primary", key="train")
        setting = cluster_setting()
        if setting is not None:
            words, problem = setting
            (st.error if problem else st.caption)(md(words))
        if clicked or autostart:
            start_training(dataset, config)
            st.rerun()  # the page now follows the training

    study = current_study()
    if study is not None:
        st.subheader("Latest results")
        st.caption(
            f"Trained in {study.duration_s:.0f} s. Best first; every figure has its unit. "
            + md(f"{rows_sentence(study)} {compute_sentence(study.compute)}")
        )
        st.success(study_headline(study), icon=Icons.DONE)
        if study.dataset.sha256 != dataset.sha256 or study.dataset.target != dataset.target:
            st.caption(
                f"These results are for {md(study.dataset.name)} → {md(study.dataset.target)}, "
                "not the data chosen now."
            )
        decision = current_decision(study)
        decision_leaderboard(study, decision)
        st.page_link(TRADEOFFS_PAGE, label="See the trade-offs", icon=Icons.TRADEOFFS)

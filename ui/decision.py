"""The decision on screen: the user's choices, kept in the session, and the one
:class:`core.decision.Decision` they give. Every page, the sidebar and the report show this one;
no page picks a model of its own.
"""

from __future__ import annotations

from typing import cast

import streamlit as st

from core.decision import (
    DECISION_COSTS,
    DEFAULT_COST,
    DEFAULT_MATERIALITY,
    DEFAULT_TOLERANCE,
    NET_VALUE,
    Choices,
    Decision,
    decide,
    served,
)
from core.errors import TradeoffError
from core.pareto import format_metric
from core.runtimes import DEFAULT_RUNTIME_MODE, RUNTIME_LABELS, RUNTIME_MODES
from core.stats import metric_info
from core.study import StudyResult
from core.tables import leaderboard_focus
from ui.business import entered_inputs
from ui.common import (
    LeaderboardTables,
    _study_cache,
    current_budgets,
    leaderboard_tables,
    show_leaderboard,
    study_resamples,
    study_view,
)
from ui.state import Keys


def decision_cost(study: StudyResult) -> str:
    """The cost the decision is judged on: the user's choice, else net value once they have
    given their business numbers, else :data:`core.decision.DEFAULT_COST`."""
    business, _ = entered_inputs(study)
    chosen = st.session_state.get(Keys.AXIS)
    if chosen not in DECISION_COSTS or (chosen == NET_VALUE and business is None):
        chosen = None
    return chosen or (NET_VALUE if business is not None else DEFAULT_COST)


def current_choices(study: StudyResult) -> Choices:
    """The user's choices as kept in the session."""
    business, tuned = entered_inputs(study)
    tolerance = st.session_state.get(Keys.TOLERANCE)
    saving = st.session_state.get(Keys.MATERIALITY)
    runtime = st.session_state.get(Keys.RUNTIME)
    return Choices(
        cost=decision_cost(study),
        tolerance=DEFAULT_TOLERANCE if tolerance is None else float(tolerance),
        materiality=DEFAULT_MATERIALITY if saving is None else min(float(saving), 99.0) / 100,
        budgets=current_budgets(),
        business=business,
        tune_thresholds=tuned,
        runtime=runtime if runtime in RUNTIME_MODES else DEFAULT_RUNTIME_MODE,
    )


def current_decision(study: StudyResult) -> Decision:
    """The decision for the study on screen and the user's choices, made once per set of
    choices and kept for the session."""
    choices = current_choices(study)
    cache, study_key = _study_cache(Keys.DECISIONS, study)
    key = (study_key, repr(choices))
    if key not in cache:
        while len(cache) >= 16:
            del cache[next(iter(cache))]
        try:
            cache[key] = decide(study, choices, resamples=study_resamples(study))
        except TradeoffError:  # numbers the study cannot price: decide on the measured cost
            fallback = Choices(
                cost=DEFAULT_COST,
                tolerance=choices.tolerance,
                materiality=choices.materiality,
                budgets=choices.budgets,
                runtime=choices.runtime,
            )
            cache[key] = decide(study, fallback)
    return cast(Decision, cache[key])


def pick_words(study: StudyResult, decision: Decision) -> str:
    """One line for the sidebar: the model to serve and its metric, or "don't ship"."""
    metric = study.primary_metric
    if decision.industry is None:
        return (
            "Decision: don't ship a model yet"
            if decision.kind == "no_signal"
            else ("Decision: no model fits the budgets" if decision.kind == "no_fit" else "No pick")
        )
    model = study.model(decision.industry)
    value = format_metric(metric, model.metrics[metric])
    basis = "your business numbers" if decision.based_on_business else decision.cost_label
    served = (
        f" served from {RUNTIME_LABELS[decision.runtime]}" if decision.runtime == "onnx" else ""
    )
    return (
        f"Decision: {model.label}{served} ({metric_info(metric).words} {value}), judged on {basis}"
    )


def study_headline(study: StudyResult) -> str:
    """One line about a study: how many models trained, and the decision."""
    text = f"{len(study.ok_models)} of {len(study.models)} models trained"
    return f"{text}  \n{pick_words(study, current_decision(study))}"


def follow_decision(key: str, options: list[str], default: str) -> None:
    """Keep the model chosen under ``key`` on ``default`` (the decision's pick) until the user
    picks another; a choice that is no longer offered goes back to ``default``."""
    followed: dict[str, str] = st.session_state.setdefault(Keys.FOLLOWED, {})
    current = st.session_state.get(key)
    if current not in options or current == followed.get(key):
        st.session_state[key] = default
        followed[key] = default


def served_view(study: StudyResult, decision: Decision) -> StudyResult:
    """The study as ``decision`` serves it (:func:`core.decision.served`), kept per set of
    choices: choosing each model's runtime compares its two runtimes' rounds."""
    return study_view(
        study, "served", (repr(decision.choices),), lambda: served(study, decision.choices)
    )


def decision_leaderboard(study: StudyResult, decision: Decision) -> None:
    """The leaderboard of the study as ``decision`` serves it: of a large study (a sweep), the
    picks, the baselines, the models on the decision's chart frontier and each family's best."""
    shown = served_view(study, decision)

    def tables() -> LeaderboardTables:
        picks = (decision.academic, decision.industry)
        focus = leaderboard_focus(shown, picks, decision.cost)
        return leaderboard_tables(shown, decision.budgets, focus)

    show_leaderboard(study_view(study, "leaderboard", (repr(decision.choices),), tables))

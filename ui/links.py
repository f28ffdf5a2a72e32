"""The decision's and the Train page's choices in the page's link, so that a reload, or a link
sent to a colleague, shows the same pick judged the same way, and trains the same way.

Only choices that differ from their defaults are written, each under a short name of
:data:`LINK_CHOICES`. A link is text from elsewhere: each value is checked against an exact
list (the costs, the lenses) or parsed as a finite number within its bounds; anything else is
left at its default, and the person is told once.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from core import candidates as cand
from core.decision import NET_VALUE
from core.pareto import COST_AXES
from core.runtimes import RUNTIME_MODES
from core.stats import METRICS
from core.study import VALIDATIONS
from ui.common import md
from ui.state import Icons, Keys, defaults

#: The lenses of the Trade-offs page (an exact list).
LENSES = ("Industry", "Academic")


def _choice(options: tuple[str, ...]) -> Callable[[str], object | None]:
    return lambda text: text if text in options else None


def _number(low: float, high: float) -> Callable[[str], object | None]:
    def parse(text: str) -> float | None:
        try:
            value = float(text)
        except ValueError:
            return None
        return value if math.isfinite(value) and low <= value <= high else None

    return parse


def _integer(low: int, high: int) -> Callable[[str], object | None]:
    def parse(text: str) -> int | None:
        if not (text.isascii() and text.isdigit() and len(text) <= 12):
            return None
        value = int(text)
        return value if low <= value <= high else None

    return parse


def _flag(text: str) -> bool | None:
    return {"True": True, "False": False}.get(text)


@dataclass(frozen=True)
class LinkChoice:
    key: str  # the session-state key
    parse: Callable[[str], object | None]  # the value, or None when the text is not one


#: Link name → the choice it holds.
LINK_CHOICES: dict[str, LinkChoice] = {
    "cost": LinkChoice(Keys.AXIS, _choice((*COST_AXES, NET_VALUE))),
    "lens": LinkChoice(Keys.LENS, _choice(LENSES)),
    "runtime": LinkChoice(Keys.RUNTIME, _choice(tuple(RUNTIME_MODES))),
    "tolerance": LinkChoice(Keys.TOLERANCE, _number(0.0, 100.0)),
    "min_saving": LinkChoice(Keys.MATERIALITY, _number(0.0, 95.0)),
    "max_latency_ms": LinkChoice(Keys.MAX_LATENCY_MS, _number(0.0, math.inf)),
    "max_size_mb": LinkChoice(Keys.MAX_SIZE_MB, _number(0.0, math.inf)),
    "max_train_s": LinkChoice(Keys.MAX_TRAIN_S, _number(0.0, math.inf)),
    # How the next study is trained (the Train page checks the metric against the task).
    "validation": LinkChoice(Keys.VALIDATION, _choice(VALIDATIONS)),
    "folds": LinkChoice(Keys.CV_FOLDS, _integer(3, 10)),
    "metric": LinkChoice(Keys.METRIC, _choice(tuple(METRICS))),
    "seed": LinkChoice(Keys.SEED, _integer(0, 2**31 - 1)),
    "sweep": LinkChoice(Keys.SWEEP, _flag),
}


#: The link's name for the candidate models chosen on the Train page, comma-separated.
MODELS_LINK = "models"
_BASELINES = (cand.DUMMY_BASELINE, cand.SIMPLE_BASELINE)


def _models(text: str) -> set[str] | None:
    """The exact candidate names of a link's ``models`` (the baselines are always in)."""
    known = {s.name for s in cand.CANDIDATES}
    names = set(text.split(","))
    return names | set(_BASELINES) if names <= known else None


def _chosen_models() -> tuple[set[str], set[str]] | None:
    """The candidates ticked on the Train page and those it showed (the ones the task
    supports), or ``None`` if it has not been shown yet."""
    ticks = {s.name: st.session_state.get(Keys.CANDIDATE_PREFIX + s.name) for s in cand.CANDIDATES}
    shown = {name for name, ticked in ticks.items() if ticked is not None}
    if not shown:
        return None
    return {name for name, ticked in ticks.items() if ticked}, shown


def choices_from_link() -> None:
    """A new session takes the choices its link holds (call once, before anything is drawn)."""
    refused = []
    text = st.query_params.get(MODELS_LINK)
    if text is not None:
        chosen = _models(text)
        if chosen is None:
            refused.append(MODELS_LINK)
        else:
            for spec in cand.CANDIDATES:
                st.session_state[Keys.CANDIDATE_PREFIX + spec.name] = spec.name in chosen
    for name, choice in LINK_CHOICES.items():
        text = st.query_params.get(name)
        if text is None:
            continue
        value = choice.parse(text)
        if value is None:
            refused.append(name)
        else:
            st.session_state[choice.key] = value
    if refused:
        st.toast(
            md(
                "Some choices in this link were not understood and are left as they were: "
                + ", ".join(refused)
                + "."
            ),
            icon=Icons.WARNING,
        )


def choices_to_link() -> None:
    """Write the session's choices that differ from their defaults into the link."""
    ticked = _chosen_models()
    default = {s.name for s in cand.CANDIDATES if s.default} | set(_BASELINES)
    if ticked is None or ticked[0] == default & ticked[1]:
        if MODELS_LINK in st.query_params:
            del st.query_params[MODELS_LINK]
    else:
        chosen = ticked[0]
        text = ",".join(s.name for s in cand.CANDIDATES if s.name in chosen - set(_BASELINES))
        if st.query_params.get(MODELS_LINK) != text:
            st.query_params[MODELS_LINK] = text
    initial = defaults()
    for name, choice in LINK_CHOICES.items():
        value = st.session_state.get(choice.key)
        if value is None or value == initial.get(choice.key):
            if name in st.query_params:
                del st.query_params[name]
            continue
        text = f"{value:g}" if isinstance(value, float) else str(value)
        if st.query_params.get(name) != text:
            st.query_params[name] = text

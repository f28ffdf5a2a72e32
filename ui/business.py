"""The Business case page's inputs: the user's volume, prices and error costs, kept in the session.

Every value lives under its own key (:class:`ui.state.Keys`), so it outlasts a visit to another
page and applies to every study the user opens.
"""

from __future__ import annotations

import streamlit as st

from core.economics import (
    BINARY_COSTS_SOURCE,
    COST_MATRIX_SOURCE,
    DEFAULT_COST_FALSE_NEGATIVE_USD,
    DEFAULT_COST_FALSE_POSITIVE_USD,
    DEFAULT_USD_PER_UNIT_ERROR,
    DEFAULT_VALUE_TRUE_POSITIVE_USD,
    PREDICTIONS_PER_MONTH_SOURCE,
    RETRAINS_PER_MONTH_SOURCE,
    SERVING_MODES,
    SERVING_SOURCE,
    USD_PER_UNIT_ERROR_SOURCE,
    BusinessInputs,
    cost_matrix_frame,
)
from core.pareto import DEFAULT_USD_PER_VCPU_HOUR, USD_PER_VCPU_HOUR_SOURCE
from core.study import StudyResult
from ui.common import md
from ui.state import Keys, kept

_MATRIX_VERSION = "cost_matrix_version"


def business_inputs(study: StudyResult) -> tuple[BusinessInputs, bool]:
    """Draw the inputs; return them and whether binary models use their own best threshold."""
    ds = study.dataset
    if st.session_state.get(Keys.USD_PER_VCPU_HOUR) is None:
        st.session_state[Keys.USD_PER_VCPU_HOUR] = float(study.config.usd_per_vcpu_hour)
    with st.container(border=True):
        st.markdown(
            "**Your numbers.** Volume and price have defaults (their sources are below). What a "
            "right answer is worth and what each kind of error costs only you can say: until "
            "you enter them, this page shows what serving and training cost, and no money "
            "verdict. The greyed-in amounts are examples."
        )
        left, middle, right = st.columns(3)
        with left:
            kept(
                st.radio,
                "How predictions are served",
                Keys.SERVING,
                options=list(SERVING_MODES),
                format_func=lambda s: {"batch": "In batches", "online": "One at a time"}[s],
                horizontal=True,
                help=f"Batch: {SERVING_MODES['batch']}. One at a time: "
                f"{SERVING_MODES['online']}. {SERVING_SOURCE.capitalize()}.",
            )
            kept(
                st.number_input,
                "Predictions per month",
                Keys.PREDICTIONS_PER_MONTH,
                min_value=0,
                step=100_000,
                format="%d",
                help=PREDICTIONS_PER_MONTH_SOURCE.capitalize() + ".",
            )
        with middle:
            kept(
                st.number_input,
                "Price per vCPU-hour ($)",
                Keys.USD_PER_VCPU_HOUR,
                min_value=0.0,
                step=0.005,
                format="%.4f",
                help=f"Default ${DEFAULT_USD_PER_VCPU_HOUR}: {USD_PER_VCPU_HOUR_SOURCE}.",
            )
            kept(
                st.number_input,
                "Retraining runs per month",
                Keys.RETRAINS_PER_MONTH,
                min_value=0.0,
                step=1.0,
                format="%.1f",
                help=RETRAINS_PER_MONTH_SOURCE.capitalize() + ".",
            )
        with right:
            _error_costs(study)
        if ds.task == "multiclass":
            _cost_matrix(ds.classes)
        if ds.task == "binary":
            kept(
                st.toggle,
                "Judge each model at its own best decision threshold",
                Keys.TUNE_THRESHOLDS,
                help="Off: every model calls a row positive at a probability of 0.5. On: each "
                "model uses the threshold that maximises its net value on the held-out rows "
                "(slightly optimistic, since it is chosen on the same rows).",
            )
        if not numbers_entered(study):
            st.button(
                "Use the example amounts",
                key="use_example_amounts",
                on_click=use_examples,
                args=(study,),
                icon=":material/edit_note:",
                help="Fill in the example value and error costs shown greyed in, and judge the "
                "models on them. Change any of them afterwards.",
            )
        with st.expander("Where the defaults come from"):
            st.markdown(_sources(ds.task))
    return inputs_from_state(study)


#: The example amounts of the value and error costs (what "Use the example amounts" fills in).
EXAMPLES: dict[str, float] = {
    Keys.VALUE_TRUE_POSITIVE: DEFAULT_VALUE_TRUE_POSITIVE_USD,
    Keys.COST_FALSE_POSITIVE: DEFAULT_COST_FALSE_POSITIVE_USD,
    Keys.COST_FALSE_NEGATIVE: DEFAULT_COST_FALSE_NEGATIVE_USD,
    Keys.USD_PER_UNIT_ERROR: DEFAULT_USD_PER_UNIT_ERROR,
}
#: The amounts each task needs before its money can be judged (multiclass: its cost matrix).
_NEEDED = {
    "binary": (Keys.VALUE_TRUE_POSITIVE, Keys.COST_FALSE_POSITIVE, Keys.COST_FALSE_NEGATIVE),
    "regression": (Keys.USD_PER_UNIT_ERROR,),
    "multiclass": (),
}


def numbers_entered(study: StudyResult) -> bool:
    """Whether the user has given (or accepted) what a right answer is worth and what each kind
    of error costs for this study's task."""
    state = st.session_state
    ds = study.dataset
    if ds.task == "multiclass":
        return ds.classes in state[Keys.CONFIRMED_MATRICES]
    return all(state.get(key) is not None for key in _NEEDED[ds.task])


def numbers_changed() -> None:
    """The user gave a business number: the decision follows their numbers (net value) unless
    they pick another cost afterwards."""
    st.session_state[Keys.AXIS] = None


def use_examples(study: StudyResult) -> None:
    """Fill in the example amounts for the study's task and take them as the user's."""
    ds = study.dataset
    for key in _NEEDED[ds.task]:
        if st.session_state.get(key) is None:
            st.session_state[key] = EXAMPLES[key]
    if ds.task == "multiclass":
        st.session_state[Keys.CONFIRMED_MATRICES].add(ds.classes)
    numbers_changed()


def inputs_from_state(study: StudyResult) -> tuple[BusinessInputs, bool]:
    """The user's numbers as kept in the session, with the example amounts where they have not
    given one (:func:`numbers_entered` says whether they have), and whether binary models use
    their own best threshold; draws nothing."""
    state = st.session_state
    price = state.get(Keys.USD_PER_VCPU_HOUR)
    ds = study.dataset
    costs = state[Keys.COST_MATRICES].get(ds.classes) if ds.task == "multiclass" else None

    def amount(key: str) -> float:
        value = state.get(key)
        return float(EXAMPLES[key] if value is None else value)

    inputs = BusinessInputs(
        serving=state[Keys.SERVING],
        predictions_per_month=float(state[Keys.PREDICTIONS_PER_MONTH] or 0),
        usd_per_vcpu_hour=float(study.config.usd_per_vcpu_hour if price is None else price),
        retrains_per_month=float(state[Keys.RETRAINS_PER_MONTH] or 0),
        value_true_positive_usd=amount(Keys.VALUE_TRUE_POSITIVE),
        cost_false_positive_usd=amount(Keys.COST_FALSE_POSITIVE),
        cost_false_negative_usd=amount(Keys.COST_FALSE_NEGATIVE),
        cost_matrix=dict(costs) if costs else None,
        usd_per_unit_error=amount(Keys.USD_PER_UNIT_ERROR),
    )
    return inputs, ds.task == "binary" and bool(state[Keys.TUNE_THRESHOLDS])


def entered_inputs(study: StudyResult) -> tuple[BusinessInputs | None, bool]:
    """The user's business numbers when they have given them (else ``None``), and whether binary
    models use their own best threshold: what the decision is based on."""
    inputs, tuned = inputs_from_state(study)
    return (inputs if numbers_entered(study) else None), tuned


def _money(label: str, key: str, help_text: str) -> None:
    example = EXAMPLES[key]
    kept(
        st.number_input,
        label,
        key,
        then=numbers_changed,
        min_value=0.0,
        step=0.5,
        format="%.2f",
        value=None,
        placeholder=f"example: {example:.2f}",
        help=help_text,
    )


def _error_costs(study: StudyResult) -> None:
    ds = study.dataset
    if ds.task == "binary":
        pos = md(ds.positive_class)
        neg = md(next(c for c in ds.classes if c != ds.positive_class))
        _money(
            f"Value of a caught '{pos}' ($)",
            Keys.VALUE_TRUE_POSITIVE,
            f"What a right '{pos}' prediction earns, beyond the loss it avoids.",
        )
        _money(
            f"Cost of a false alarm: '{neg}' called '{pos}' ($)",
            Keys.COST_FALSE_POSITIVE,
            "e.g. a good customer refused, a needless check.",
        )
        _money(
            f"Cost of a missed '{pos}': called '{neg}' ($)",
            Keys.COST_FALSE_NEGATIVE,
            "e.g. a loan approved that defaults, a fraud let through.",
        )
    elif ds.task == "regression":
        _money(
            f"Cost per unit of error ($ per unit of {md(ds.target)})",
            Keys.USD_PER_UNIT_ERROR,
            "What being off by one unit of the target costs, e.g. $1 per unit of price.",
        )
    else:
        st.caption(
            "Multiclass: the cost of each kind of mistake is in the table below (one row per "
            "true class, one column per predicted class)."
        )


def _cost_matrix(classes: tuple[str, ...]) -> None:
    """The multiclass cost matrix, edited in a grid and kept per set of classes."""
    saved: dict[tuple[str, ...], dict[tuple[str, str], float]] = st.session_state[
        Keys.COST_MATRICES
    ]
    costs = saved.setdefault(classes, {})
    version = st.session_state.setdefault(_MATRIX_VERSION, 0)
    key = f"cost_matrix:{version}"

    def apply() -> None:
        for row, cells in st.session_state[key]["edited_rows"].items():
            for column, value in cells.items():
                costs[(classes[int(row)], str(column))] = max(0.0, float(value or 0.0))
        st.session_state[Keys.CONFIRMED_MATRICES].add(classes)
        numbers_changed()
        # A new widget next run, drawn from the saved costs: its edits are in them now.
        st.session_state[_MATRIX_VERSION] = version + 1

    frame = cost_matrix_frame(classes, BusinessInputs(cost_matrix=costs))
    frame.index = [f"true: {c}" for c in classes]
    confirmed = classes in st.session_state[Keys.CONFIRMED_MATRICES]
    st.markdown(
        "**Cost of each kind of mistake (\\$)**: one row per true class, one column per "
        "predicted class; the diagonal is a right answer (usually \\$0). Double-click a cell "
        "to change it."
        + (
            ""
            if confirmed
            else " Until you change one (or use the examples), \\$1 per mistake is only an example."
        )
    )
    st.data_editor(
        frame,
        key=key,
        on_change=apply,
        column_config={
            c: st.column_config.NumberColumn(
                c, min_value=0.0, step=0.5, format="$%.2f", width=_class_width(len(classes))
            )
            for c in classes
        },
        width="stretch",
    )


#: The matrix's room on a 1280×720 screen (pixels), less its column of true classes.
_MATRIX_ROOM = 620


def _class_width(n_classes: int) -> int | None:
    """Pixels per predicted class so that up to about ten classes fit without scrolling
    sideways (a dollar amount needs about 56); ``None`` (the grid's own) for a few."""
    return None if n_classes <= 5 else max(56, _MATRIX_ROOM // n_classes)


def _sources(task: str) -> str:
    lines = [
        f"- **Serving:** {SERVING_SOURCE}.",
        f"- **Predictions per month:** {PREDICTIONS_PER_MONTH_SOURCE}.",
        f"- **Price per vCPU-hour:** ${DEFAULT_USD_PER_VCPU_HOUR}, {USD_PER_VCPU_HOUR_SOURCE}.",
        f"- **Retraining runs per month:** {RETRAINS_PER_MONTH_SOURCE}.",
    ]
    error = {
        "binary": BINARY_COSTS_SOURCE,
        "multiclass": COST_MATRIX_SOURCE,
        "regression": USD_PER_UNIT_ERROR_SOURCE,
    }[task]
    lines.append(f"- **Error costs:** {error}.")
    return "\n".join(lines).replace("$", "\\$")

"""Business case: what each model is worth in money per month, and whether the extra accuracy pays.

Everything here reads the finished study and the user's numbers; nothing retrains. The pick is
the decision every page shows (:func:`ui.decision.current_decision`); until the user has given
what a right answer is worth and what errors cost, no money verdict is drawn.
"""

from __future__ import annotations

import streamlit as st

from core import candidates as cand
from core.calibration import (
    Calibration,
    calibration_sentence,
    calibration_warning,
    model_calibration,
)
from core.calibration_figures import reliability_figure
from core.decision import NET_VALUE, axis_pick_words, decide_for_axis, served
from core.economics import business_case
from core.economics_figures import break_even_figure, net_value_figure, threshold_figure
from core.figures import chart_config
from core.pareto import COST_AXES
from core.stats import metric_info
from core.tables import business_frame, costs_frame, price_frame
from core.units import format_number, format_usd
from ui.business import business_inputs, numbers_entered
from ui.common import glossary_popover, md, reading_table, study_resamples, study_view
from ui.decision import current_decision, follow_decision
from ui.state import FAIRNESS_PAGE, TRAIN_PAGE, Icons, Keys, kept, require_study, stop_page

st.title("Business case")
study = require_study()
glossary_popover(
    [
        "net_value",
        "break_even",
        "vcpu_hour",
        "serving_cost",
        "interval",
        "tied",
        "baselines",
        "calibration",
        "brier",
        "ece",
    ]
)
dataset = study.dataset
st.caption(
    f"What each model trained on {md(dataset.name)} to predict **{md(dataset.target)}** is worth "
    "per month: the value of right predictions minus the cost of wrong ones, of serving and of "
    "training. Costs come from the measured speed and the held-out predictions."
)
names = [m.name for m in study.ok_models]
if not names:
    st.warning("No model of this study finished, so there is nothing to price. Train again.")
    stop_page()
inputs, tuned = business_inputs(study)
entered = numbers_entered(study)
decision = current_decision(study)
labels = {m.name: m.label for m in study.ok_models}
follow_decision(
    Keys.BUSINESS_MODEL,
    names,
    next((n for n in (decision.industry, decision.academic) if n in names), names[0]),
)
# Serving costs as the decision serves each model (its runtime), the same figures it weighed.
as_served = served(study, decision.choices)
case = business_case(
    as_served,
    inputs,
    tune_thresholds=tuned,
    model=st.session_state[Keys.BUSINESS_MODEL],
    price_axis=st.session_state[Keys.PRICE_AXIS],
    resamples=study_resamples(study),
)


def named(name: str) -> str:
    """A model's label in a list, the decision's marked."""
    return labels[name] + ("  (the decision)" if name == decision.industry else "")


def calibrated(name: str) -> Calibration | None:
    """The model's calibration, computed once per study on screen."""
    return study_view(study, "calibration", (name,), lambda: model_calibration(study, name))


def offer_calibrated_variant(name: str) -> None:
    """A button that ticks the calibrated variant of ``name`` on the Train page and goes there."""
    variant = cand.calibrated_name(name)
    if variant is None or variant in labels:
        return
    if st.button(
        f"Train {cand.get_candidate(variant).label} too",
        key=f"calibrate:{name}",
        icon=Icons.TRAIN,
        help="Ticks it on the Train page; the next study measures it like any other model.",
    ):
        st.session_state[Keys.CANDIDATE_PREFIX + name] = True
        wanted = list(st.session_state.get(Keys.CALIBRATED) or [])
        st.session_state[Keys.CALIBRATED] = [*wanted, name] if name not in wanted else wanted
        st.switch_page(TRAIN_PAGE)


pick = labels.get(decision.industry or "", "none")
box = st.success if decision.industry else st.warning
box(f"**The decision: {md(pick)}.** {md(decision.sentence)}", icon=Icons.PICK)
if entered and not decision.based_on_business:
    on_money = decide_for_axis(study, decision, NET_VALUE, resamples=study_resamples(study))
    st.caption(md(axis_pick_words(study, decision, on_money)))
else:
    on_money = decision

if not entered:
    st.subheader("What serving and training cost")
    st.info(
        "Enter what a right answer is worth and what each kind of error costs (above) to see "
        "each model's net value, the best decision threshold and the break-even volume. Until "
        "then, here is only what is measured: serving and training at your volume and price.",
        icon=Icons.BUSINESS,
    )
    reading_table(costs_frame(case))
else:
    st.subheader("Net value per month")
    st.plotly_chart(
        net_value_figure(as_served, case, on_money.industry),
        width="stretch",
        key="net_value",
        config=chart_config("net_value"),
    )
    st.caption(
        "Each dot is a model: up means more money per month for the business (bars show the "
        "95% interval over the held-out rows), further left means cheaper to serve. Models on "
        "the solid line are the best you can get for their serving cost; the gold star is the "
        "pick on your numbers. Net value = value of caught positives − cost of errors − serving "
        "− training; with no value entered it is what the models cost, so closer to zero is "
        "better."
    )
    reading_table(business_frame(case, dataset.task))
    st.caption(
        "Intervals come from resampling the held-out rows (errors vary with the rows drawn); "
        "serving and training are measured and taken as exact. A model is clearly more valuable "
        "than the simple baseline only when the interval of the difference is above zero."
    )

    st.subheader("One model up close")
    kept(
        st.selectbox,
        "Model",
        Keys.BUSINESS_MODEL,
        options=names,
        format_func=named,
        help="Its decision threshold and its break-even volume against the simple baseline.",
    )
    chosen = case.model or names[0]
    warning = calibration_warning(study, chosen, calibrated(chosen))
    if warning:
        st.warning(md(warning), icon=Icons.WARNING)
        offer_calibrated_variant(chosen)
    if chosen in case.thresholds:
        result = case.thresholds[chosen]
        figure = threshold_figure(result, labels[chosen], dataset.positive_class or "positive")
        st.plotly_chart(figure, width="stretch", key="threshold", config=chart_config("threshold"))
        gain = result.gain_usd_per_month
        st.caption(
            f"Net value of {md(labels[chosen])} if rows were called "
            f"**{md(dataset.positive_class)}** from each probability up. The best threshold, "
            f"{result.threshold:.2f}, earns {md(format_usd(gain, signed=True))} a month over the "
            "default 0.5 on the held-out rows; it is chosen on those same rows, so confirm it on "
            "fresh data before relying on it."
        )
    st.markdown("**Break-even volume** against the simple baseline")
    if case.break_even is None:
        st.info(md(case.break_even_problem))
    else:
        st.info(md(case.break_even.sentence), icon=":material/trending_up:")
        if case.break_even.kind in ("above", "below"):
            st.plotly_chart(
                break_even_figure(
                    case.break_even,
                    inputs.predictions_per_month,
                    labels[chosen],
                    labels.get(cand.SIMPLE_BASELINE, "the simple baseline"),
                ),
                width="stretch",
                key="break_even",
                config=chart_config("break_even"),
            )
            st.caption(
                "Above the zero line the model earns more than it costs over the simple "
                "baseline: fewer costly errors against more serving and training. The diamond "
                "is your volume."
            )

if dataset.is_classification:
    st.subheader("Can you trust its probabilities?")
    usual = [
        n
        for n in dict.fromkeys((decision.industry, st.session_state.get(Keys.BUSINESS_MODEL)))
        if n in labels
    ]
    picked = [n for n in st.session_state.get(Keys.CALIBRATION_MODELS) or [] if n in labels]
    st.session_state[Keys.CALIBRATION_MODELS] = picked or usual
    kept(
        st.multiselect,
        "Models to check",
        Keys.CALIBRATION_MODELS,
        options=names,
        format_func=named,
        max_selections=4,
        help="Up to four models on one chart: the decision's and the one looked at above "
        "unless you choose others.",
    )
    looked = list(st.session_state[Keys.CALIBRATION_MODELS]) or usual
    checks = {n: calibrated(n) for n in looked}
    shown = {labels[n]: c for n, c in checks.items() if c is not None}
    if not shown:
        st.info("No model here has held-out probabilities to check.")
    else:
        st.plotly_chart(
            reliability_figure(shown),
            width="stretch",
            key="reliability",
            config=chart_config("calibration"),
        )
        for name, check in checks.items():
            if check is None:
                continue
            st.markdown(f"**{md(labels[name])}.** {md(calibration_sentence(check))}")
            st.caption(
                f"Brier score {check.brier:.3f} (95% interval {check.brier_low:.3f} to "
                f"{check.brier_high:.3f}); expected calibration error {check.ece * 100:.1f} "
                f"points, where probabilities that mean what they say would show about "
                f"{check.ece_if_calibrated * 100:.1f} on these {check.rows:,} rows by chance."
            )
            shown_above = entered and name == st.session_state.get(Keys.BUSINESS_MODEL)
            if check.poorly_calibrated and not shown_above:
                st.warning(md(calibration_warning(study, name, check) or ""), icon=Icons.WARNING)
                offer_calibrated_variant(name)
        st.caption(
            "Each dot is a group of held-out rows given about the same probability: across, "
            "what the model said; up, how often it happened (bars: 95% intervals; bigger dots, "
            "more rows). On the dashed line the probabilities mean what they say. Thresholds, "
            "expected costs and net values above all read the probabilities."
        )

st.subheader("The price of the last point")
info = metric_info(study.primary_metric)
kept(
    st.selectbox,
    "Climb the accuracy frontier of",
    Keys.PRICE_AXIS,
    options=[a for a in COST_AXES if a != "throughput_rows_per_s"],
    format_func=lambda a: COST_AXES[a].title,
    help="The models that are the most accurate for their cost on this axis, cheapest first.",
)
st.info(md(case.price_sentence), icon=":material/stairs:")
if not case.price_table.empty:
    reading_table(price_frame(case, study.primary_metric))
    st.caption(
        f"Each row is one step up from a cheaper to a more accurate model: how much "
        f"{info.words} it buys (with its paired 95% interval) and what each "
        f"{'point' if info.percent else 'unit'} of it costs. A gain whose interval includes "
        "zero may cost without buying anything."
    )

st.subheader("Is the neural network justified?")
verdict = case.verdict
if verdict is None:
    st.info(
        "No neural network finished in this study with held-out predictions. Tick one on the "
        "Train page to see whether deep learning pays here.",
        icon=Icons.TRAIN,
    )
    st.page_link(TRAIN_PAGE, label="Go to Train", icon=Icons.TRAIN)
else:
    (st.success if verdict.justified else st.warning)(md(verdict.sentence), icon=Icons.PICK)
    unit = " points" if info.percent else ""
    a, b, c = st.columns(3)

    def signed(value: float) -> str:
        return (
            f"{value:+.1f}".replace("-", "−") if info.percent else format_number(value, signed=True)
        )

    a.metric(f"{info.label}: neural − best other", f"{signed(verdict.difference)}{unit}")
    a.caption(f"95% paired interval: {signed(verdict.ci_low)} to {signed(verdict.ci_high)}{unit}")
    for column, title, ratio in (
        (b, "p50 latency, neural ÷ other", verdict.latency_ratio),
        (c, "Model size, neural ÷ other", verdict.size_ratio),
    ):
        shown = (
            "not measured" if ratio is None else f"{ratio:.1f}×" if ratio < 10 else f"{ratio:.0f}×"
        )
        column.metric(title, shown)
st.page_link(
    FAIRNESS_PAGE, label="Does each model treat groups of people alike?", icon=Icons.FAIRNESS
)

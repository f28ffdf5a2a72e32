"""One self-contained HTML report of a study, for the people who decide.

The file opens offline on any machine: plotly's JavaScript is inlined once, nothing is fetched
(a Content-Security-Policy forbids any request), and every text a user supplied (the file name,
column names, values, class labels) is HTML-escaped, so a column named
``<script>alert(1)</script>`` reads as that text. Figures are the app's own figures
(:mod:`core.figures` and friends), whose texts are escaped for plotly already.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from core import candidates as cand
from core.calibration import calibration_sentence, calibration_warning, model_calibration
from core.calibration_figures import reliability_figure
from core.curves import Curves, forecast_table
from core.curves_figures import learning_curve_figure, training_cost_figure
from core.data import REASON_WORDS
from core.decision import (
    Decision,
    axis_pick_words,
    chart_models,
    decide_for_axis,
    other_runtime_models,
    rule_words,
    served,
)
from core.economics import SOURCES, BusinessCase, BusinessInputs, business_case, usd_interval
from core.economics_figures import net_value_figure
from core.errors import TradeoffError
from core.explain import Explanation, explain
from core.explain_figures import importance_figure
from core.fairness import FairnessReport, column_choices, fairness_report, gap_sentence
from core.fairness_figures import accuracy_gap_figure
from core.figures import chart_config, pareto_figure
from core.glossary import report_terms
from core.pareto import AXES, COST_AXES, Budgets
from core.results import compute_sentence, environment, rows_sentence
from core.stats import metric_info
from core.study import ModelResult, StudyResult
from core.tables import (
    Formats,
    business_frame,
    focus_words,
    gaps_summary,
    leaderboard_focus,
    leaderboard_notes,
    leaderboard_summary,
    privacy_frame,
    table_cells,
)
from core.units import format_count, format_usd

#: The app's version, written into every report.
APP_VERSION = "0.1.0"
CSP = (
    "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
    "img-src data: blob:; font-src data:"
)
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222;
       margin: 0; background: #fafafa; line-height: 1.5; }
main { max-width: 1100px; margin: 0 auto; padding: 32px 40px 64px; background: #fff; }
h1 { font-size: 2rem; margin-bottom: 0.2rem; }
h2 { margin-top: 2.4rem; border-bottom: 1px solid #ddd; padding-bottom: 0.2rem; }
.sub { color: #666; margin-top: 0; }
.box { border-radius: 8px; padding: 12px 16px; margin: 12px 0; background: #eef5fc; }
.pick { background: #eaf7ee; }
.warn { background: #fff6e0; }
.caption { color: #666; font-size: 0.9rem; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 8px 0 4px; width: 100%; }
th, td { border-bottom: 1px solid #e6e6e6; padding: 4px 8px; text-align: left;
         vertical-align: top; }
th { background: #f4f4f4; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; }
.figure { margin: 8px 0; }
dl { display: grid; grid-template-columns: max-content auto; gap: 2px 16px; }
dt { color: #666; }
dd { margin: 0; }
dl.glossary { grid-template-columns: minmax(9rem, max-content) auto; gap: 6px 16px; }
dl.glossary dt { color: #222; font-weight: 600; }
th { white-space: normal; min-width: 4.5rem; }
/* On paper nothing scrolls: wide tables shrink and wrap; a chart or a heading is not split. */
@media print {
  body { background: #fff; }
  main { max-width: none; padding: 0; }
  .scroll { overflow: visible; }
  table { font-size: 0.68rem; width: 100%; table-layout: auto; }
  td.n { white-space: normal; }
  th, td { padding: 2px 4px; }
  h2, h3 { break-after: avoid; }
  .figure, tr, .box { break-inside: avoid; }
}
"""


def esc(text: object) -> str:
    """User text as HTML text: ``<``, ``>``, ``&`` and quotes escaped."""
    return html.escape(str(text), quote=True)


def table_html(frame: pd.DataFrame, formats: Formats | None = None) -> str:
    """``frame`` as an HTML table; every header and cell escaped. ``formats`` maps a column to
    a format spec for its numbers (``"{:.1f}"``) or a function writing one; columns in $ are
    written as money, other numbers by :func:`core.units.format_number`."""
    head = "".join(f"<th>{esc(c)}</th>" for c in frame.columns)
    rows = [
        "<tr>"
        + "".join(
            f'<td class="n">{esc(text)}</td>' if number else f"<td>{esc(text)}</td>"
            for text, number in row
        )
        + "</tr>"
        for row in table_cells(frame, formats)
    ]
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></div>"
    )


def figure_html(fig: go.Figure, name: str = "chart") -> str:
    """A figure as a ``<div>`` and its script (plotly.js is inlined once, in the head); its
    camera button saves a PNG for slides (the policy allows exactly the ``data:`` and
    ``blob:`` images that needs)."""
    div = fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        config=chart_config(name) | {"responsive": True},
    )
    return f'<div class="figure">{div}</div>'


def _p(text: str, cls: str = "") -> str:
    klass = f' class="{cls}"' if cls else ""
    return f"<p{klass}>{esc(text)}</p>"


# --- sections ------------------------------------------------------------------------------------


def _summary(study: StudyResult, decision: Decision) -> str:
    label = {m.name: m.label for m in study.models}
    industry = label.get(decision.industry or "", "none: don't ship a model yet")
    academic = label.get(decision.academic or "", "none")
    return (
        f'<div class="box pick"><b>Industry pick: {esc(industry)}.</b> '
        f"{esc(decision.sentence)}</div>"
        f'<div class="box"><b>Academic pick: {esc(academic)}.</b> '
        f"{esc(decision.academic_sentence)}</div>"
        + _p(rule_words(study.primary_metric, decision), "caption")
    )


def _data(study: StudyResult) -> str:
    ds = study.dataset
    facts = {
        "Table": ds.name,
        "Predicting": f"{ds.target} ({ds.task})",
        "Rows used": f"{ds.n_rows:,}",
        "Columns used": ", ".join(ds.used_columns) or "none",
    }
    if ds.classes:
        positive = f"; positive class {ds.positive_class}" if ds.positive_class else ""
        facts["Classes"] = ", ".join(ds.classes) + positive
    if ds.excluded:
        facts["Columns left out"] = "; ".join(
            f"{c} ({REASON_WORDS.get(r, r)})" for c, r in ds.excluded.items()
        )
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts.items())
    warnings = "".join(f"<li>{esc(w.message)}</li>" for w in ds.warnings)
    checks = (
        f"<h3>Data warnings</h3><ul>{warnings}</ul>"
        if warnings
        else _p("No data warning: no identifier, personal data, leak or imbalance was found.")
    )
    return f"<dl>{items}</dl>{checks}"


def _methods(study: StudyResult) -> str:
    cfg = study.config
    held = {
        "holdout": f"{len(study.eval_index):,} rows held out ({cfg.test_size:.0%}) and never "
        "seen in training",
        "time": f"the latest {len(study.eval_index):,} rows ({cfg.test_size:.0%}) held out, "
        "the models trained on the earlier ones (a time-ordered split)",
    }.get(
        cfg.validation,
        f"{cfg.cv_folds}-fold cross-validation: every row was predicted by a model that had "
        "not seen it",
    )
    metric = metric_info(study.primary_metric)
    how = {
        "accuracy": "Wilson's score interval, which keeps its coverage near 100% and on few rows",
        "balanced_accuracy": "Wilson's score interval for each class, combined",
        "roc_auc": "DeLong's interval, and DeLong's covariance between models for the comparisons",
        **dict.fromkeys(
            ("r2", "mae", "rmse"),
            "a studentized bootstrap of small resamples, which holds when a few errors are "
            "very large",
        ),
    }.get(
        study.primary_metric,
        f"the BCa bootstrap of {cfg.n_resamples:,} seeded resamples of the held-out rows",
    )
    first = (
        f"Every model was trained on the same rows and judged on {held}. The primary metric is "
        f"{metric.words}; its 95% interval is {how}. A model beats a baseline only if the "
        "interval of the difference, paired on the same resampled rows and holding for all "
        "models at once, excludes zero: with no signal in the data, at most 5 studies in 100 "
        "would name any model. The models tied with the best form a set that holds the truly "
        "best one 95 times in 100; the best score, the luckiest of those tied, is expected to "
        "overstate its model by the selection optimism the summary states."
    )
    second = (
        "Costs are measured on the whole fitted pipeline (preprocessing and model), as it would "
        "serve. Training cost is the CPU-seconds of the fit on one CPU thread, which compare "
        "fairly although models trained side by side. After all training, with nothing else "
        "running, the models were measured in interleaved rounds, in a shuffled order each "
        "round, so that background load hit them alike: single rows (p50 and p95 latency) and "
        "batches (throughput), each with its 95% interval over rounds. A model is called "
        "faster than another only when the ratio, paired by round, is clear of 1. Its size is "
        "the length of its saved file. Money uses "
        f"${cfg.usd_per_vcpu_hour:g} per vCPU-hour, for batches and for one request at a time."
    )
    swept = {s.name for s in cand.SWEEP}
    rows = [
        {
            "model": m.label,
            "family": m.family,
            "what it is": m.description,
            "outcome": "finished" if m.ok else f"{m.status}: {m.reason}",
        }
        for m in study.models
        if m.name not in swept
    ]
    families: dict[str, list[ModelResult]] = {}
    for m in study.models:
        if m.name in swept:
            families.setdefault(m.family, []).append(m)
    for family, sizes in families.items():  # a sweep's sizes: one row a family
        sizes.sort(key=lambda m: m.rung)
        failed = [m for m in sizes if not m.ok]
        rows.append(
            {
                "model": f"{family}: {len(sizes)} more sizes (the sweep)",
                "family": family,
                "what it is": f"A grid of sizes, from {sizes[0].label} to {sizes[-1].label}.",
                "outcome": "all finished"
                if not failed
                else f"{len(sizes) - len(failed)} finished; "
                + "; ".join(f"{m.label}: {m.status}: {m.reason}" for m in failed),
            }
        )
    return _p(first) + _p(second) + table_html(pd.DataFrame(rows))


def _leaderboard(study: StudyResult, budgets: Budgets, decision: Decision) -> str:
    caption = _p(
        "Best first. A difference with the simple baseline is real only when its 95% interval "
        "excludes zero; otherwise it could be luck of the held-out rows. Every figure measured "
        "(the dummy baseline, p95 latency, throughput, wall-clock training, online serving), with "
        "notes, is in the leaderboard CSV.",
        "caption",
    )
    focus = leaderboard_focus(study, (decision.academic, decision.industry), decision.cost)
    notes = "".join(_p(note, "caption") for note in leaderboard_notes(study, focus))
    table = table_html(leaderboard_summary(study, budgets, focus)) + notes
    if focus is not None:  # every model still in the file, one click away
        table += _p(str(focus_words(study, focus)).replace("sortable table below", "table below"))
        table += (
            f"<details><summary>Every model ({len(study.models)})</summary>"
            + table_html(leaderboard_summary(study, budgets))
            + "</details>"
        )
    return table + caption


def _pareto(study: StudyResult, decision: Decision) -> str:
    """Accuracy against the decision's own cost first (with its star), then every other cost,
    each with the pick the same rule makes for that cost."""
    words = metric_info(study.primary_metric).words
    parts = []
    axes = [a for a in AXES if a == decision.cost] + [a for a in COST_AXES if a != decision.cost]
    for key in axes:
        axis = AXES[key]
        on_axis = decision if key == decision.cost else decide_for_axis(study, decision, key)
        fig = pareto_figure(
            chart_models(study, on_axis, key),
            study.primary_metric,
            key,
            other_runtime=other_runtime_models(study, on_axis, key),
            budgets=decision.budgets,
            academic=on_axis.academic,
            industry=on_axis.industry,
        )
        parts.append(f"<h3>{esc(axis.label.capitalize())} ({esc(axis.unit)})</h3>")
        if key != decision.cost:
            parts.append(_p(axis_pick_words(study, decision, on_axis), "caption"))
        parts.append(figure_html(fig, f"accuracy-against-{key}"))
    parts.append(
        _p(
            f"Each dot is a model: up means better {words} (bars show its 95% interval), further "
            "left means cheaper. Models on the solid line are the best for their cost; faded "
            "ones are beaten on both; dotted lines join sizes of one family.",
            "caption",
        )
    )
    return "".join(parts)


def _explanation(study: StudyResult, expl: Explanation) -> str:
    label = study.model(expl.model).label
    return (
        _p(
            f"Which columns drive the predictions of {label}, measured with SHAP on "
            f"{expl.n_rows:,} rows ({expl.explainer_text}). Contributions are in {expl.output}."
        )
        + figure_html(importance_figure(expl), "what-drives-the-predictions")
        + _p(
            "How much each column moves the prediction on average, whichever the direction.",
            "caption",
        )
    )


def _business(study: StudyResult, case: BusinessCase, decision: Decision) -> str:
    inputs = case.inputs
    used = {
        "Predictions per month": format_count(inputs.predictions_per_month),
        "Serving": inputs.serving,
        "Price per vCPU-hour": f"${inputs.usd_per_vcpu_hour:g} per vCPU-hour",
        "Retraining runs per month": f"{inputs.retrains_per_month:g}",
    }
    if study.dataset.task == "binary":
        used |= {
            "Value of a caught positive": format_usd(inputs.value_true_positive_usd),
            "Cost of a false alarm": format_usd(inputs.cost_false_positive_usd),
            "Cost of a missed positive": format_usd(inputs.cost_false_negative_usd),
            "Decision thresholds": "each model's best" if case.tuned else "0.5",
        }
    elif study.dataset.task == "regression":
        used["Cost per unit of error"] = format_usd(inputs.usd_per_unit_error)
    else:
        used["Cost matrix"] = "as set" if inputs.cost_matrix else SOURCES["cost_matrix"]
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in used.items())
    parts = [
        f'<div class="box">{esc(_business_words(study, case, decision))}</div>',
        figure_html(net_value_figure(study, case, decision.industry), "net-value-per-month"),
        table_html(business_frame(case, study.dataset.task)),
        f"<h3>The numbers used</h3><dl>{items}</dl>",
        "<h3>The price of the last point</h3>",
        _p(case.price_sentence),
        "<h3>Is the neural network justified?</h3>",
        _p(case.verdict.sentence if case.verdict else "No neural network finished."),
        "<h3>Break-even volume</h3>",
        _p(case.break_even.sentence if case.break_even else case.break_even_problem),
    ]
    return "".join(parts)


def _business_words(study: StudyResult, case: BusinessCase, decision: Decision) -> str:
    """The decision when it is based on these numbers; else what the pick nets with them."""
    if decision.based_on_business:
        return decision.sentence
    row = next((r for r in case.rows if r.name == decision.industry), None)
    if row is None or row.net_usd_per_month is None:
        return "The pick's net value is unknown with these numbers."
    return (
        f"With the numbers below, at {format_count(case.inputs.predictions_per_month)} "
        f"predictions a month, {row.label} (the pick, judged on {decision.cost_label}) nets "
        f"{format_usd(row.net_usd_per_month)} a month"
        + usd_interval(row.net_ci_low_usd_per_month, row.net_ci_high_usd_per_month)
        + "."
    )


def _calibration(study: StudyResult, decision: Decision) -> str:
    """Whether the probabilities of the pick (and of the most accurate model) mean what they
    say; empty for regression."""
    names = [n for n in dict.fromkeys((decision.industry, decision.academic)) if n is not None]
    checks = {n: model_calibration(study, n) for n in names}
    shown = {study.model(n).label: c for n, c in checks.items() if c is not None}
    if not shown:
        return ""
    parts = [figure_html(reliability_figure(shown), "calibration")]
    for name, check in checks.items():
        if check is None:
            continue
        parts.append(f"<h3>{esc(study.model(name).label)}</h3>")
        parts.append(_p(calibration_sentence(check)))
        parts.append(
            _p(
                f"Brier score {check.brier:.3f} (95% interval {check.brier_low:.3f} to "
                f"{check.brier_high:.3f}); expected calibration error {check.ece * 100:.1f} "
                f"points, where probabilities that mean what they say would show about "
                f"{check.ece_if_calibrated * 100:.1f} on these {check.rows:,} held-out rows by "
                "chance.",
                "note",
            )
        )
        warning = calibration_warning(study, name, check)
        if warning:
            parts.append(f'<div class="box">{esc(warning)}</div>')
    return "".join(parts)


def _curves(curves: Curves) -> str:
    """The learning curves, their forecast and the sentence about the decision."""
    parts = [
        f'<div class="box">{esc(curves.sentence)}</div>',
        figure_html(learning_curve_figure(curves), "learning-curves"),
        _p(
            " ".join(curves.notes)
            + f" Every point was scored on the same {curves.held_out_rows:,} held-out rows; "
            "bars and bands are 95% intervals.",
            "note",
        ),
    ]
    for c in curves.curves:
        if c.forecasts and not c.trustworthy:
            parts.append(_p(f"{c.label}: its forecast is not to be trusted. {c.why_not}"))
    table = forecast_table(curves)
    if not table.empty:
        parts += [
            "<h3>What more data would cost</h3>",
            figure_html(training_cost_figure(curves), "training-time-curves"),
            table_html(table),
        ]
    return "".join(parts)


def _fairness(study: StudyResult, reports: Sequence[FairnessReport], decision: Decision) -> str:
    pick = decision.industry or decision.academic
    parts = []
    for report in reports:
        parts.append(f"<h3>By {esc(report.name)}</h3>")
        parts.append(_p(report.training_sentence, "caption"))
        if pick is not None and any(g.model == pick for g in report.gaps):
            sentence = gap_sentence(
                report.gap(pick), column=report.name, positive=study.dataset.positive_class
            )
            parts.append(f'<div class="box warn">{esc(sentence)}</div>')
        parts.append(
            figure_html(
                accuracy_gap_figure(study, report, decision.industry), f"fairness-{report.name}"
            )
        )
        parts.append(table_html(gaps_summary(report, study.dataset.task)))
        if report.small_groups:
            parts.append(
                _p(
                    "Too few held-out rows to judge (left out of the gaps): "
                    + ", ".join(report.small_groups)
                    + ".",
                    "caption",
                )
            )
    return "".join(parts)


def _privacy(study: StudyResult) -> str:
    frame = privacy_frame(study.dataset)
    if frame.empty:
        return _p("No column looks like personal data, an identifier or a description of people.")
    return table_html(frame) + _p(
        "Columns left out as personal data or identifiers are in no file made from this study, "
        "this report included.",
        "caption",
    )


def _reproducibility(study: StudyResult, generated_at: str) -> str:
    env = environment()
    cfg = study.config
    facts = {
        "Data (SHA-256 of the file)": study.dataset.sha256,
        "Seed": str(cfg.seed),
        "Validation": {"time": "time-ordered holdout"}.get(cfg.validation, cfg.validation)
        + (f", {cfg.cv_folds} folds" if cfg.validation == "cv" else f", {cfg.test_size:.0%}"),
        "Bootstrap resamples": f"{cfg.n_resamples:,}",
        "Study run": study.created_at,
        "Report made": generated_at,
        "Python": env["python"],
        "Machine": f"{env['platform']}, {env['cpu_count']} CPUs",
        "Where it ran": compute_sentence(study.compute),
        "Rows": rows_sentence(study),
        "Packages": ", ".join(f"{k} {v}" for k, v in env["packages"].items() if v),
        "Tradeoff Explorer": APP_VERSION,
    }
    items = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts.items())
    return f"<dl>{items}</dl>" + _p(
        "The same data, candidates and seed give the same metrics; timings vary between "
        "machines and runs.",
        "caption",
    )


def _glossary(metric: str, **sections: bool) -> str:
    entries = report_terms(metric, **sections)
    items = "".join(f"<dt>{esc(t.term)}</dt><dd>{esc(t.meaning)}</dd>" for t in entries)
    return f'<dl class="glossary">{items}</dl>'


def build_report(
    study: StudyResult,
    *,
    decision: Decision | None = None,
    explanation: Explanation | None = None,
    business: BusinessCase | None = None,
    fairness: Sequence[FairnessReport] = (),
    curves: Curves | None = None,
    generated_at: str | None = None,
) -> str:
    """The report as one HTML document (about 5 MB: plotly.js is inside).

    ``decision`` is the one on screen (default: the study's own); ``explanation`` (the SHAP
    explanation of a model, usually the recommended one), ``business``, ``fairness`` and
    ``curves`` (the learning curves) add their sections when given; a classification study has
    a section on whether its pick's probabilities can be trusted.
    """
    decision = decision or study.decision
    budgets = decision.budgets
    generated_at = generated_at or datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    ds = study.dataset
    title = f"{ds.name} → {ds.target}: is the extra accuracy worth its cost?"
    sections = [
        ("Summary", _summary(study, decision)),
        ("The data", _data(study)),
        ("How the models were measured", _methods(study)),
        ("Leaderboard", _leaderboard(served(study, decision.choices), budgets, decision)),
        ("Accuracy against each cost", _pareto(study, decision)),
    ]
    if explanation is not None:
        sections.append(("Why the model decides what it decides", _explanation(study, explanation)))
    if business is not None:
        sections.append(("Business case", _business(study, business, decision)))
    calibration = _calibration(study, decision)
    if calibration:
        sections.append(("Can you trust the probabilities?", calibration))
    if curves is not None:
        sections.append(("Would more data help?", _curves(curves)))
    if fairness:
        sections.append(("Fairness", _fairness(study, fairness, decision)))
    sections += [
        ("Privacy", _privacy(study)),
        ("Reproducibility", _reproducibility(study, generated_at)),
        (
            "Words used in this report",
            _glossary(
                study.primary_metric,
                explanation=explanation is not None,
                business=business is not None,
                fairness=bool(fairness),
                calibration=bool(calibration),
                curves=curves is not None,
            ),
        ),
    ]
    body = "".join(
        f"<section><h2>{esc(name)}</h2>{content}</section>" for name, content in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{_CSS}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script>'
        "</head><body><main>"
        f"<h1>Tradeoff Explorer report</h1>"
        f'<p class="sub">{esc(title)}<br>{ds.n_rows:,} rows, {len(study.models)} models; '
        f"made {esc(generated_at)}.</p>"
        f"{body}</main></body></html>"
    )


def full_report(
    study: StudyResult,
    table: pd.DataFrame | None = None,
    *,
    inputs: BusinessInputs | None = None,
    sensitive: Sequence[str] | None = None,
    decision: Decision | None = None,
    curves: Curves | None = None,
) -> str:
    """The report with every section the study allows: SHAP of the recommended model, the
    business case at ``inputs`` (only when given: no money on placeholder numbers) and fairness
    for each of ``sensitive`` (default: the columns whose names describe people), all for
    ``decision`` (default: the study's own). ``table`` is the study's own table, for columns
    left out of training. A section that cannot be made is left out, not an error."""
    explanation = None
    decision = decision or study.decision
    pick = decision.industry or decision.academic
    if pick is not None:
        try:
            explanation = explain(study, pick)
        except TradeoffError:
            explanation = None
    business = (
        business_case(served(study, decision.choices), inputs, model=pick)
        if inputs is not None and study.ok_models
        else None
    )
    choices = {c.column: c for c in column_choices(study, table) if c.available}
    columns = [c for c in choices if choices[c].sensitive] if sensitive is None else sensitive
    fairness = []
    for column in columns:
        try:
            fairness.append(fairness_report(study, [column], table))
        except TradeoffError:
            continue
    return build_report(
        study,
        decision=decision,
        explanation=explanation,
        business=business,
        fairness=fairness,
        curves=curves,
    )

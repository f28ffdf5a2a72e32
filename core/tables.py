"""Tables for people: the column profile and the leaderboard as the app and the report show them.

Numbers stay numbers (so a table can be sorted by any column) and every column name carries its
unit; text columns say in words what a flag or an interval means.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd

from core import candidates as cand
from core.data import HIDDEN_EXAMPLES, REASON_WORDS
from core.dataset import ColumnProfile, Dataset
from core.economics import BusinessCase
from core.fairness import FairnessReport, suggest_sensitive
from core.pareto import AXES, Budgets, format_metric, frontier, tied_with_best
from core.runtimes import RUNTIME_LABELS, runtime_of
from core.stats import MetricInfo, metric_info
from core.store import StudySummary
from core.study import ProgressEvent, StudyResult
from core.units import format_mb, format_ms, format_number, format_range, format_usd

_KIND_WORDS = {
    "numeric": "number",
    "categorical": "category",
    "boolean": "yes/no",
    "datetime": "date/time",
    "text": "free text",
    "id": "identifier",
    "constant": "one value only",
}


def profile_frame(
    profiles: Sequence[ColumnProfile], dataset: Dataset | None = None
) -> pd.DataFrame:
    """One row per original column: its type, missing share, distinct values, examples and, when
    a ``dataset`` was built, whether it feeds the models (and if not, why)."""
    used = set(dataset.used_columns) if dataset is not None else set()
    rows = []
    for p in profiles:
        if dataset is None:
            role = ""
        elif p.name == dataset.target:
            role = "target (what to predict)"
        elif p.name in used:
            role = "feature"
        else:
            reason = dataset.excluded.get(p.name, "")
            role = f"left out: {REASON_WORDS.get(reason, reason)}" if reason else "left out"
        rows.append(
            {
                "column": p.name,
                "type": _KIND_WORDS.get(p.kind, p.kind),
                "missing (%)": 100.0 * p.missing_fraction,
                "distinct values": p.n_unique,
                "examples": ", ".join(p.examples),
                "use": role,
            }
        )
    return pd.DataFrame(rows)


def cell_text(value: Any) -> tuple[str, bool]:
    """A table cell as people read it, and whether it is a number (aligned right): a dash for
    a missing figure, "yes"/"no", digit groups, never scientific notation."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "—", False
    if isinstance(value, bool):
        return ("yes" if value else "no"), False
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        if value == 0:
            return "0", True
        return format_number(value), True
    return str(value), False


#: How a column's numbers are written: a format spec (``"{:.1f}"``) or a function.
Formats = Mapping[str, "str | Callable[[float], str]"]


def table_cells(
    frame: pd.DataFrame, formats: Formats | None = None
) -> list[list[tuple[str, bool]]]:
    """The rows of ``frame`` as text cells, each with whether it is a number (:func:`cell_text`):
    the numbers of a column in ``formats`` by its spec, of a column in $ as money
    (:func:`core.units.format_usd`), others by :func:`core.units.format_number`."""
    formats = formats or {}
    rows = []
    for record in frame.itertuples(index=False):
        cells = []
        for column, raw in zip(frame.columns, record, strict=True):
            value = raw.item() if hasattr(raw, "item") else raw
            text, number = cell_text(value)
            if number and "($" in str(column):
                text = format_usd(value)
            elif number and column in formats:
                spec = formats[column]
                text = spec.format(value) if isinstance(spec, str) else spec(value)
            cells.append((text, number))
        rows.append(cells)
    return rows


def text_frame(frame: pd.DataFrame, formats: Formats | None = None) -> pd.DataFrame:
    """``frame`` with every cell written as text (:func:`table_cells`), for a table people read
    rather than sort."""
    rows = [[text for text, _ in row] for row in table_cells(frame, formats)]
    return pd.DataFrame(rows, columns=frame.columns)


def _interval(metric: str, low: float | None, high: float | None, *, delta: bool) -> str:
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    info = metric_info(metric)
    if delta and info.percent:
        return f"{low * 100:+.1f} to {high * 100:+.1f}"
    if delta:
        return format_range(low, high, signed=True)
    return f"{format_metric(metric, low)} to {format_metric(metric, high)}"


def verdict_words(metric: str, low: float | None, high: float | None, clear: bool) -> str:
    """Whether a model is clearly ahead of a baseline, in words its paired 95% interval supports:
    ahead when the interval of the difference is on the better side of zero (``clear``), behind
    when it is on the worse side, else neither (it holds zero)."""
    if clear:
        return "yes: CI excludes zero"
    better = metric_info(metric).higher_is_better
    behind = low is not None and high is not None and (high < 0 if better else low > 0)
    return "no: clearly behind" if behind else "no: within the uncertainty"


def _verdict(
    metric: str, low: float | None, high: float | None, beats: bool | None, status: str
) -> str:
    if status != "ok" or beats is None:
        return ""
    return verdict_words(metric, low, high, beats)


def leaderboard_view(study: StudyResult, budgets: Budgets | None = None) -> pd.DataFrame:
    """The leaderboard as a person reads it, best first: the metric (in % for percentages), its
    95% interval, the difference with the dummy and the simple baseline (in points for
    percentages) with its paired interval and whether it is real, every cost with its unit,
    whether the model fits ``budgets`` and is tied with the best, and any note or reason."""
    metric = study.primary_metric
    info = metric_info(metric)
    scale = 100.0 if info.percent else 1.0
    unit = " (%)" if info.percent else ""
    delta_unit = " (points)" if info.percent else ""
    budgets = budgets or study.config.budgets
    rows = []
    for m in study.models:
        ok = m.status == "ok"
        value = m.metrics.get(metric) if ok else None
        rows.append(
            {
                "model": m.label,
                "served from": RUNTIME_LABELS[runtime_of(m)] if ok else "",
                "family": m.family,
                "status": m.status,
                f"{info.label}{unit}": None if value is None else value * scale,
                "95% CI": _interval(metric, m.metric_ci_low, m.metric_ci_high, delta=False),
                f"vs dummy baseline{delta_unit}": _scaled(m.delta_vs_baseline, scale),
                "vs dummy 95% CI": _interval(metric, m.delta_ci_low, m.delta_ci_high, delta=True),
                "beats dummy?": _verdict(
                    metric, m.delta_ci_low, m.delta_ci_high, m.beats_baseline, m.status
                ),
                f"vs simple baseline{delta_unit}": _scaled(m.delta_vs_simple, scale),
                "beats simple?": _verdict(
                    metric,
                    m.delta_vs_simple_ci_low,
                    m.delta_vs_simple_ci_high,
                    m.beats_simple_baseline,
                    m.status,
                ),
                "tied with best?": ("yes" if tied_with_best(m) else "no") if ok else "",
                "p50 latency (ms)": m.latency_ms_p50,
                "p95 latency (ms)": m.latency_ms_p95,
                "throughput (rows/s)": m.throughput_rows_per_s,
                "size (MB)": None if m.size_bytes is None else m.size_bytes / 1e6,
                "train CPU (s)": m.train_cpu_s,
                "train wall (s)": m.train_s,
                "batch serving ($ per million)": m.usd_per_million_predictions,
                "online serving ($ per million)": m.usd_per_million_online_predictions,
                "within budgets?": ("yes" if budgets.fits(m) else "; ".join(budgets.violations(m)))
                if ok
                else "",
                "note": m.reason or " ".join(m.notes),
            }
        )
    frame = pd.DataFrame(rows)
    key = frame[f"{info.label}{unit}"].astype(float)
    order = key if info.higher_is_better else -key
    return (
        frame.assign(_k=order)
        .sort_values("_k", ascending=False, na_position="last", kind="stable")
        .drop(columns="_k")
        .reset_index(drop=True)
    )


def _scaled(value: float | None, scale: float) -> float | None:
    return None if value is None else value * scale


#: The summary's short answers to "clearly ahead of the simple baseline?" (the interval is in
#: the cell before).
_SHORT_VERDICT = {
    "": "",
    "yes: CI excludes zero": "yes",
    "no: within the uncertainty": "no",
    "no: clearly behind": "no: behind",
}


#: The reading leaderboard lists every model of a study up to this many; a larger study (a
#: sweep) lists those a person compares (:func:`leaderboard_focus`), every model staying one
#: click away in the sortable table.
READING_ROWS = 25


def leaderboard_focus(
    study: StudyResult, picks: Sequence[str | None], axis: str
) -> tuple[str, ...] | None:
    """The models the reading leaderboard lists for a study of more than :data:`READING_ROWS`
    models: the picks, the two baselines, those on the Pareto frontier of the primary metric
    against ``axis`` (latency when ``axis`` is not a measured cost) and each family's best, in
    the study's order; ``None`` (every model) for a smaller study or when every model is one of
    those."""
    if len(study.models) <= READING_ROWS:
        return None
    metric = study.primary_metric
    higher = metric_info(metric).higher_is_better
    kept = {p for p in picks if p} | {cand.DUMMY_BASELINE, cand.SIMPLE_BASELINE}
    ok = [m for m in study.models if m.status == "ok" and m.metrics.get(metric) is not None]
    kept |= set(frontier(ok, metric, axis if axis in AXES else "latency_ms_p50"))
    best: dict[str, tuple[float, str]] = {}
    for m in ok:
        value = m.metrics[metric] if higher else -m.metrics[metric]
        if m.family not in best or value > best[m.family][0]:
            best[m.family] = (value, m.name)
    kept |= {name for _, name in best.values()}
    focus = tuple(m.name for m in study.models if m.name in kept)
    return None if len(focus) == len(study.models) else focus


def focus_words(study: StudyResult, focus: Sequence[str] | None) -> str | None:
    """What a focused leaderboard leaves out, in a sentence; ``None`` when it lists every
    model."""
    if focus is None:
        return None
    return (
        f"Listing {len(focus)} of {len(study.models)} models: the picks, the baselines, the "
        "models on the chart's frontier and each family's best. Every model is in the sortable "
        "table below."
    )


def leaderboard_summary(
    study: StudyResult, budgets: Budgets | None = None, focus: Sequence[str] | None = None
) -> pd.DataFrame:
    """The leaderboard in the fewest columns a person needs to choose, best first, as text that
    fits a slide: the metric with its 95% interval in one cell, the difference with the simple
    baseline with its paired interval and whether it is real, whether the model is tied with the
    best, and each cost with its unit ("2.94 ms", "82 kB", "$0.0042"), as ``study``'s models are
    served (a model served from ONNX Runtime is named so, see :func:`core.decision.served`).
    Whether a model fits the budgets only when some budget is set; notes are sentences under the
    table (:func:`leaderboard_notes`). Every figure, sortable, is in :func:`leaderboard_view`."""
    metric = study.primary_metric
    info = metric_info(metric)
    budgets = budgets or study.config.budgets
    per = ", %" if info.percent else ""
    points = ", points" if info.percent else ""
    value_column = f"{info.label}{per} (95% CI)"
    versus_column = f"vs simple baseline{points} (95% CI)"

    def number(v: float, *, signed: bool = False) -> str:
        if info.percent:
            return f"{v * 100:+.1f}".replace("-", "−") if signed else f"{v * 100:.1f}"
        return format_number(v, signed=signed)

    def with_interval(v: float | None, low: float | None, high: float | None, signed: bool) -> str:
        if v is None or not math.isfinite(v):
            return ""
        ends = ""
        if low is not None and high is not None and math.isfinite(low) and math.isfinite(high):
            ends = f" ({number(low, signed=signed)} to {number(high, signed=signed)})"
        return number(v, signed=signed) + ends

    rows = []
    for m in study.models:
        if focus is not None and m.name not in focus:
            continue
        ok = m.status == "ok"
        value = m.metrics.get(metric) if ok else None
        versus = (
            ""
            if m.name == cand.SIMPLE_BASELINE or not ok
            else with_interval(
                m.delta_vs_simple, m.delta_vs_simple_ci_low, m.delta_vs_simple_ci_high, True
            )
        )
        rows.append(
            {
                "model": m.label + (" (ONNX Runtime)" if runtime_of(m) == "onnx" else ""),
                value_column: with_interval(value, m.metric_ci_low, m.metric_ci_high, False)
                if ok
                else m.status,
                versus_column: versus,
                "clearly ahead of the simple baseline?": ""
                if m.name == cand.SIMPLE_BASELINE
                else _SHORT_VERDICT[
                    _verdict(
                        metric,
                        m.delta_vs_simple_ci_low,
                        m.delta_vs_simple_ci_high,
                        m.beats_simple_baseline,
                        m.status,
                    )
                ],
                "tied with the best?": ("yes" if tied_with_best(m) else "no") if ok else "",
                "p50 latency per row": format_ms(m.latency_ms_p50) if ok else "",
                "model size": format_mb(None if m.size_bytes is None else m.size_bytes / 1e6)
                if ok
                else "",
                "training (CPU time)": format_ms(
                    None if m.train_cpu_s is None else m.train_cpu_s * 1e3
                )
                if ok
                else "",
                "serving ($ per million)": format_usd(m.usd_per_million_predictions) if ok else "",
                "within budgets?": ("yes" if budgets.fits(m) else "; ".join(budgets.violations(m)))
                if ok
                else "",
                "_key": -math.inf
                if value is None
                else (value if info.higher_is_better else -value),
            }
        )
    frame = pd.DataFrame(rows).sort_values("_key", ascending=False, kind="stable")
    frame = frame.drop(columns="_key").reset_index(drop=True)
    if not any(v is not None for v in budgets.to_dict().values()):
        frame = frame.drop(columns="within budgets?")
    return frame


def leaderboard_notes(study: StudyResult, focus: Sequence[str] | None = None) -> list[str]:
    """What the leaderboard's figures do not say, one sentence per model (of ``focus``, when
    given) that has a note or a reason it did not finish: "Neural network (small): Stopped at
    its iteration limit …"."""
    out = []
    for m in study.models:
        if focus is not None and m.name not in focus:
            continue
        note = (m.reason or " ".join(m.notes)).strip()
        if note:
            out.append(f"{m.label}: {note}")
    return out


_STAGE_WORDS = {
    "waiting": "waiting",
    "training": "training…",
    "measuring": "measuring latency…",
    "done": "done",
    "failed": "FAILED",
    "skipped": "skipped",
}


def progress_table(events: Sequence[ProgressEvent], metric: str) -> pd.DataFrame:
    """Live status of a running study from its progress events (the latest per model wins).

    Finished models show their metric and costs, best first, so the leaderboard fills in as
    they finish; models still running follow with their elapsed seconds, then waiting ones.
    """
    info = metric_info(metric)
    scale = 100.0 if info.percent else 1.0
    value_column = f"{info.label} (%)" if info.percent else info.label
    latest: dict[str, ProgressEvent] = {}
    for event in events:
        latest[event.model] = event
    rows = []
    for e in latest.values():
        r = e.result
        value = r.metrics.get(metric) if r is not None and r.status == "ok" else None
        rank = {"done": 0, "failed": 2, "skipped": 2, "measuring": 1, "training": 1}
        rows.append(
            {
                "model": e.label,
                "status": _STAGE_WORDS[e.stage],
                "elapsed (s)": e.elapsed_s,
                value_column: None if value is None else value * scale,
                "p50 latency (ms)": None if r is None else r.latency_ms_p50,
                "size (MB)": None if r is None or r.size_bytes is None else r.size_bytes / 1e6,
                "note": e.message if r is None else (r.reason or " ".join(r.notes)),
                "_rank": rank.get(e.stage, 3),
                "_value": -math.inf
                if value is None
                else (value if info.higher_is_better else -value),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame = frame.sort_values(["_rank", "_value"], ascending=[True, False], kind="stable")
    return frame.drop(columns=["_rank", "_value"]).reset_index(drop=True)


#: What a cell of the live progress table shows while its figure is not known yet.
NOT_YET = "—"


def progress_text(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    """:func:`progress_table` as people read it while models train: every number written with
    its precision, and a dash (never "None") where a figure is not known yet. Text, because
    nobody sorts a table that changes every second."""
    info = metric_info(metric)
    value_column = f"{info.label} (%)" if info.percent else info.label
    patterns = {
        "elapsed (s)": "{:.1f}",
        value_column: "{:.1f}" if info.percent else "{:.3g}",
        "p50 latency (ms)": "{:.2f}",
        "size (MB)": "{:.3f}",
    }
    out = frame.copy()
    for column, pattern in patterns.items():
        if column in out.columns:
            out[column] = [
                NOT_YET if v is None or pd.isna(v) else pattern.format(v) for v in out[column]
            ]
    if "note" in out.columns:
        out["note"] = [v or "" for v in out["note"]]
    return out


def format_time(iso: str) -> str:
    """An ISO timestamp as people read it, in UTC to the minute: ``2026-11-22 07:36 UTC``."""
    stamp = pd.Timestamp(iso)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def studies_frame(summaries: Sequence[StudySummary]) -> pd.DataFrame:
    """Saved studies, one row each as given (newest first): when, on what, and the two picks."""
    rows = []
    for s in summaries:
        info = metric_info(s.primary_metric)

        def shown(label: str | None, value: float | None, info: MetricInfo = info) -> str:
            if label is None:
                return "none"
            if value is None or not math.isfinite(value):
                return label
            return f"{label} ({format_metric(info.name, value)})"

        rows.append(
            {
                "trained": format_time(s.created_at),
                "dataset": s.dataset_name,
                "target": s.target,
                "task": s.task,
                "rows": s.n_rows,
                "models": s.n_models,
                "metric": info.label,
                "best model": shown(s.best_label, s.best_metric),
                "recommended": shown(s.recommended_label, s.recommended_metric),
                "duration (s)": s.duration_s,
            }
        )
    return pd.DataFrame(rows)


# --- business case, price of points, fairness, privacy -------------------------------------------


_VS_SIMPLE_WORDS = {
    "clearly more": "yes",
    "clearly less": "no: clearly less",
    "within the uncertainty": "no: within the uncertainty",
    "": "",
}


def business_frame(case: BusinessCase, task: str) -> pd.DataFrame:
    """One row per model, the most valuable first: net value per month with its 95% interval,
    the difference with the simple baseline with its interval and whether it is real, then what
    the net value is made of. Amounts are written as people write them ("−$640k";
    :func:`core.units.format_usd`), each with its interval in the same cell, so the table fits
    a slide and prints."""
    rows = []
    for r in sorted(
        case.rows,
        key=lambda r: -math.inf if r.net_usd_per_month is None else r.net_usd_per_month,
        reverse=True,
    ):
        simple = r.name == cand.SIMPLE_BASELINE
        row: dict[str, object] = {
            "model": r.label,
            NET_VALUE_COLUMN: _usd_with_range(
                r.net_usd_per_month, r.net_ci_low_usd_per_month, r.net_ci_high_usd_per_month
            ),
            "vs simple baseline ($ per month, 95% CI)": ""
            if simple or r.vs_simple_usd_per_month is None
            else _usd_with_range(
                r.vs_simple_usd_per_month,
                r.vs_simple_ci_low_usd_per_month,
                r.vs_simple_ci_high_usd_per_month,
                signed=True,
            ),
            "clearly more than the simple baseline?": _VS_SIMPLE_WORDS[r.vs_simple_verdict],
        }
        if task == "binary":
            row["value of caught positives ($ per month)"] = format_usd(r.value_usd_per_month)
        row["errors ($ per month)"] = format_usd(r.error_usd_per_month)
        row["serving ($ per month)"] = format_usd(r.serving_usd_per_month)
        row["training ($ per month)"] = format_usd(r.training_usd_per_month)
        if task == "binary":
            row["decision threshold"] = "" if r.threshold is None else f"{r.threshold:.2f}"
        row["note"] = r.note
        rows.append(row)
    frame = pd.DataFrame(rows)
    if "note" in frame.columns and not frame["note"].astype(bool).any():
        frame = frame.drop(columns="note")
    return frame


#: The business table's first figure: a model's net value per month and its 95% interval.
NET_VALUE_COLUMN = "net value ($ per month, 95% CI)"


def _usd_with_range(
    value: float | None, low: float | None, high: float | None, *, signed: bool = False
) -> str:
    """ "−$640k (−$855k to −$450k)": an amount with its interval in one cell."""
    text = format_usd(value, signed=signed)
    ends = _usd_range(low, high, signed=signed)
    return f"{text} ({ends})" if ends else text


def costs_frame(case: BusinessCase) -> pd.DataFrame:
    """What each model costs to run a month at the user's volume and price, cheapest first:
    serving, training and the two together (what is known before any value or error cost)."""
    rows = []
    for r in case.rows:
        total = None
        if r.serving_usd_per_month is not None and r.training_usd_per_month is not None:
            total = r.serving_usd_per_month + r.training_usd_per_month
        rows.append((total, r))
    rows.sort(key=lambda pair: math.inf if pair[0] is None else pair[0])
    return pd.DataFrame(
        [
            {
                "model": r.label,
                "serving ($ per month)": format_usd(r.serving_usd_per_month),
                "training ($ per month)": format_usd(r.training_usd_per_month),
                "serving and training ($ per month)": format_usd(total),
            }
            for total, r in rows
        ]
    )


def _usd_range(low: float | None, high: float | None, *, signed: bool = False) -> str:
    if low is None or high is None or not (math.isfinite(low) and math.isfinite(high)):
        return ""
    ends = format_usd(low, signed=signed), format_usd(high, signed=signed)
    return ends[0] if ends[0] == ends[1] else f"{ends[0]} to {ends[1]}"


def price_frame(case: BusinessCase, metric: str) -> pd.DataFrame:
    """The price of the last point for people: one row per step up the accuracy frontier, every
    figure written with its unit (:mod:`core.units`)."""
    info = metric_info(metric)
    point = "point" if info.percent else "unit"
    gain = f"{info.label} gain ({'points' if info.percent else info.unit or 'units'})"
    table = case.price_table

    def each(column: str, text: Callable[[float], str]) -> list[str]:
        return [
            "" if v is None or not math.isfinite(float(v)) else text(float(v))
            for v in table[column]
        ]

    def signed(v: float) -> str:
        return f"{v:+.1f}".replace("-", "−") if info.percent else format_number(v, signed=True)

    return pd.DataFrame(
        {
            "from": table["from_label"],
            "to": table["to_label"],
            f"{gain[:-1]}, 95% CI)": [
                f"{g} ({lo} to {hi})" if lo and hi else g
                for g, lo, hi in zip(
                    each("gain", signed),
                    each("gain_ci_low", signed),
                    each("gain_ci_high", signed),
                    strict=True,
                )
            ],
            f"latency per {point}": each("extra_latency_ms_per_point", format_ms),
            f"size per {point}": each("extra_size_mb_per_point", format_mb),
            f"serving and training per {point} ($ per month)": each(
                "extra_usd_per_month_per_point", format_usd
            ),
            "extra latency": each("extra_latency_ms", format_ms),
            "extra size": each("extra_size_mb", format_mb),
            "extra cost ($ per month)": each("extra_usd_per_month", format_usd),
        }
    )


def gaps_summary(report: FairnessReport, task: str) -> pd.DataFrame:
    """The gaps between groups for people, one row per model, in as few columns as fit a slide:
    the gap with its 95% interval in one cell and whether it is larger than chance, the worst
    and the best group, and for a binary task the gap in selection rates and their ratio (the
    four-fifths rule) with the groups selected least and most. Numbers in
    :attr:`core.fairness.FairnessReport.gap_table`."""
    rows = []
    for g in report.gaps:
        info = metric_info(g.metric)
        scale = 100.0 if info.percent else 1.0
        unit = ", points" if info.percent else (f", {info.unit}" if info.unit else "")

        def written(v: float | None, scale: float = scale) -> str:
            if v is None or not math.isfinite(v):
                return ""
            return (
                f"{v * scale:.1f}".replace("-", "−") if scale == 100.0 else format_number(v * scale)
            )

        gap = written(g.metric_gap)
        if gap and g.metric_gap_ci_low is not None and g.metric_gap_ci_high is not None:
            gap += f" ({written(g.metric_gap_ci_low)} to {written(g.metric_gap_ci_high)})"
        row: dict[str, object] = {
            "model": g.label,
            f"{info.label} gap{unit} (95% CI)": gap,
            "larger than chance?": "" if g.metric_gap is None else _yes(g.gap_is_clear),
            "worst / best group": _pair(g.worst_group, g.best_group),
        }
        if task == "binary":
            row["selection rate gap, points"] = written(g.selection_rate_gap, 100.0)
            row["selection rate ratio (lowest / highest)"] = (
                "" if g.selection_rate_ratio is None else f"{g.selection_rate_ratio:.2f}"
            )
            row["selected least / most"] = _pair(
                g.lowest_selection_group, g.highest_selection_group
            )
        row["groups compared"] = f"{g.n_groups_compared:,}"
        rows.append(row)
    return pd.DataFrame(rows)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _pair(first: str | None, second: str | None) -> str:
    return "" if first is None or second is None else f"{first} / {second}"


def privacy_frame(dataset: Dataset) -> pd.DataFrame:
    """The personal-data scan: every column flagged as personal data or an identifier, and every
    column describing people (sex, age...), with what was done about it."""
    used = set(dataset.used_columns)
    flagged = {w.column: w for w in dataset.warnings if w.code in HIDDEN_EXAMPLES and w.column}
    sensitive = suggest_sensitive(
        [p.name for p in dataset.profiles if p.name != dataset.target], dataset.profiles
    )
    rows = []
    for column in dict.fromkeys([*flagged, *sensitive]):
        warning = flagged.get(column)
        if warning is not None:
            kind = REASON_WORDS[warning.code]
            found = warning.message.split(". ")[0].removesuffix(".") + "."
        else:
            kind, found = "describes people", "Its name describes people: compare its groups."
        if column in used:
            what = "used by the models" + (": you included it" if warning is not None else "")
        else:
            what = "left out of the models"
        rows.append(
            {
                "column": column,
                "kind": kind,
                "what was found": found,
                "in training": what,
                PRIVACY_FILES_COLUMN: "yes, as a model feature" if column in used else "no",
            }
        )
    return pd.DataFrame(
        rows, columns=["column", "kind", "what was found", "in training", PRIVACY_FILES_COLUMN]
    )


#: Whether a column's values reach saved studies, results, predictions and model files.
PRIVACY_FILES_COLUMN = "its values in saved or exported files"


def unavailable_sentence(study: StudyResult) -> str | None:
    """What a reopened study lacks when some of its saved model files could not be used, or
    ``None`` when every model that finished has its fitted pipeline."""
    missing = [m for m in study.models if m.file_problem]
    if not missing:
        return None
    which = "; ".join(f"{m.label} ({m.file_problem})" for m in missing)
    return (
        f"{len(missing)} model{'s' if len(missing) > 1 else ''} of this saved study cannot "
        f"predict: {which}. Their measured figures (accuracy, costs, held-out predictions) are "
        "shown as saved, but they cannot be explained or downloaded. Run the study again to "
        "get them back."
    )


def error_in_target_units(study: StudyResult, model: str) -> str:
    """For a regression, what the model's R² means in the target's own unit: "R² 0.83: Random
    forest explains 83% of the ups and downs of price; its typical error (RMSE) is 4,210 and
    its mean absolute error 3,100, in price's own unit." Empty for classification, or when the
    figures are not known."""
    if study.dataset.is_classification:
        return ""
    m = study.model(model)
    r2, rmse, mae = (m.metrics.get(k) for k in ("r2", "rmse", "mae"))
    if r2 is None or rmse is None or mae is None:
        return ""
    target = study.dataset.target
    share = (
        f"explains {r2:.0%} of the ups and downs of {target}"
        if r2 > 0
        else f"does no better than always predicting the average {target}"
    )
    return (
        f"R² {format_number(r2)}: {m.label} {share}; its typical error (RMSE) is "
        f"{format_number(rmse)} and its mean absolute error {format_number(mae)}, in "
        f"{target}'s own unit."
    )

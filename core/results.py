"""A finished study as files: ``results.json``, ``leaderboard.csv``, ``predictions.csv`` and one
safe model file per model. The schema of ``results.json`` is documented in the README."""

from __future__ import annotations

import json
import math
import os
import platform
import re
from dataclasses import fields
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from core.decision import Decision
from core.pareto import COST_AXES, format_metric, frontier
from core.runtimes import runtimes_dict
from core.stats import metric_info
from core.study import ModelResult, StudyResult

SCHEMA_VERSION = 1
#: Packages whose versions are recorded for reproducibility.
_PACKAGES = ("scikit-learn", "xgboost-cpu", "numpy", "pandas", "scipy", "skops", "shap")
_IN_MEMORY_ONLY = {
    "pipeline",
    "model_bytes",
    "onnx_bytes",
    "predictions",
    "fold_metrics",
    "file_problem",
}
#: Written as ``runtimes`` instead (:func:`core.runtimes.runtimes_dict`).
_AS_RUNTIMES = {"onnx"}


def _clean(value: Any) -> Any:
    """JSON-safe: NaN/inf become null, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def environment() -> dict[str, Any]:
    versions: dict[str, str | None] = {}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "packages": versions,
    }


def rows_sentence(study: StudyResult) -> str:
    """Which models learned from every training row, which from the study's random sample (its
    ``max_train_rows``) and which from a smaller one of their own (too slow on more), and how
    many held-out rows tested them."""
    ok = [m for m in study.models if m.status == "ok" and m.train_rows is not None]
    if not ok:
        return ""
    available = max(m.train_rows_available or m.train_rows or 0 for m in ok)
    cap = study.config.max_train_rows
    every = [m for m in ok if (m.train_rows or 0) >= (m.train_rows_available or 0)]
    capped = [m for m in ok if m not in every and cap is not None and m.train_rows == cap]
    own = [m for m in ok if m not in every and m not in capped]
    parts: list[tuple[list[ModelResult], str]] = []
    if every:
        parts.append((every, f"from all {available:,} training rows"))
    if capped:
        parts.append(
            (
                capped,
                f"from the same random sample of {cap:,} of the {available:,} training rows, "
                "to keep the study within its time and memory",
            )
        )
    if own:
        listed = "; ".join(f"{m.label} ({m.train_rows:,} rows)" for m in own)
        parts.append((own, f"from a smaller sample, too slow on more: {listed}"))
    said = []
    for i, (models, where) in enumerate(parts):
        subject = "Both models" if len(models) == len(ok) == 2 else _models(len(models), len(ok))
        said.append(f"{subject} learned {where}" if i == 0 else f"{subject.lower()} {where}")
    return f"{'; '.join(said)}. All were tested on {len(study.eval_index):,} held-out rows."


def _models(n: int, total: int) -> str:
    if n == total:
        return f"All {n} models"
    return f"{n} model{'s' if n != 1 else ''}"


def compute_sentence(compute: dict[str, Any]) -> str:
    """Where a study's models trained and where serving was measured, in one sentence."""
    training, serving = compute.get("training") or {}, compute.get("serving") or {}
    workers = training.get("workers")
    cpus = training.get("cpus") or {}
    on = ", ".join(f"{n} on {cpu}" for cpu, n in sorted(cpus.items())) if cpus else ""
    match training.get("executor"):
        case "dask":
            where = training.get("scheduler") or "started on this machine"
            trained = (
                f"Trained on a Dask cluster ({where}) by {workers} worker processes, one "
                f"model each at a time" + (f" ({on})" if on else "")
            )
        case "local pool":
            trained = f"Trained on this machine by {workers} worker processes" + (
                f" ({on})" if on else ""
            )
        case "this process":
            trained = "Trained on this machine, one model after another"
        case _:
            return "Where it was trained was not recorded (a study saved by an older version)."
    served = (
        f"latency, throughput and serving cost measured on the machine that ran the study "
        f"({serving['cpu']}, {serving['cores']} cores)"
        if serving.get("cpu")
        else "latency measured on the machine that ran the study"
    )
    return f"{trained}; {served}."


def model_to_dict(model: ModelResult, *, compiling: bool = True) -> dict[str, Any]:
    """One model of ``results.json``: its fields (the serving figures are scikit-learn's) and
    ``runtimes``, the serving figures of each runtime (``compiling``: whether its study
    compiled models to ONNX)."""
    skip = _IN_MEMORY_ONLY | _AS_RUNTIMES
    document = {f.name: getattr(model, f.name) for f in fields(model) if f.name not in skip}
    return document | {"runtimes": runtimes_dict(model, compiling=compiling)}


def to_dict(study: StudyResult, decision: Decision | None = None) -> dict[str, Any]:
    """The ``results.json`` document; its ``recommendation`` is ``decision`` (default: the
    study's own, :attr:`StudyResult.decision`), the one every screen shows."""
    ds, cfg = study.dataset, study.config
    document: dict[str, Any] = _clean(
        {
            "schema_version": SCHEMA_VERSION,
            "created_at": study.created_at,
            "duration_s": study.duration_s,
            "dataset": {
                "name": ds.name,
                "rows": ds.n_rows,
                "columns": ds.n_columns,
                "sha256": ds.sha256,
                "target": ds.target,
                "task": ds.task,
                "classes": list(ds.classes),
                "positive_class": ds.positive_class,
                "used_columns": list(ds.used_columns),
                "excluded_columns": ds.excluded,
            },
            "config": {
                "seed": cfg.seed,
                "validation": cfg.validation,
                "test_size": cfg.test_size if cfg.validation != "cv" else None,
                "cv_folds": cfg.cv_folds if cfg.validation == "cv" else None,
                "primary_metric": study.primary_metric,
                "n_resamples": cfg.n_resamples,
                "confidence": 0.95,
                "time_limit_s": cfg.time_limit_s,
                "usd_per_vcpu_hour": cfg.usd_per_vcpu_hour,
                "held_out_rows": len(study.eval_index),
                "keep_copies_together": cfg.keep_copies_together,
                "sweep": cfg.sweep,
                "max_train_rows": cfg.max_train_rows,
                "compile_onnx": cfg.compile_onnx,
            },
            "environment": environment(),
            "compute": study.compute,
            "warnings": [w.to_dict() for w in ds.warnings],
            "models": [model_to_dict(m, compiling=cfg.compile_onnx) for m in study.models],
            "frontiers": {
                axis: frontier(study.models, study.primary_metric, axis) for axis in COST_AXES
            },
            "recommendation": (decision or study.decision).to_dict(),
        }
    )
    return document


def _end(interval: list[float] | None, i: int) -> float | None:
    return None if interval is None else interval[i]


def _fmt(value: float | None, pattern: str) -> str:
    return "" if value is None or not math.isfinite(value) else pattern.format(value)


def _onnx(model: ModelResult, name: str) -> Any:
    return None if model.onnx is None else getattr(model.onnx, name)


def _compiled_words(model: ModelResult) -> str:
    """ "yes" when the model is also served from ONNX Runtime, else why not."""
    if not model.ok:
        return ""
    if model.onnx is not None and model.onnx.measured:
        return "yes"
    return f"no: {model.onnx_problem or 'not tried in this study'}"


def leaderboard(study: StudyResult) -> pd.DataFrame:
    """One row per model, best first, with units in the column names."""
    metric = study.primary_metric
    info = metric_info(metric)
    label = info.label
    rows = []
    for m in study.models:
        value = m.metrics.get(metric)
        rows.append(
            {
                "model": m.label,
                "family": m.family,
                "status": m.status,
                label: None if value is None else value,
                f"{label} 95% CI low": m.metric_ci_low,
                f"{label} 95% CI high": m.metric_ci_high,
                "vs dummy baseline": m.delta_vs_baseline,
                "vs dummy 95% CI low": m.delta_ci_low,
                "vs dummy 95% CI high": m.delta_ci_high,
                "beats baseline": m.beats_baseline,
                "train CPU (s)": m.train_cpu_s,
                "train wall, others training alongside (s)": m.train_s,
                "p50 latency (ms)": m.latency_ms_p50,
                "p95 latency (ms)": m.latency_ms_p95,
                "throughput (rows/s)": m.throughput_rows_per_s,
                "size (MB)": None if m.size_bytes is None else m.size_bytes / 1e6,
                "p50 latency 95% CI low (ms)": _end(m.latency_ms_p50_ci, 0),
                "p50 latency 95% CI high (ms)": _end(m.latency_ms_p50_ci, 1),
                "batch serving cost ($ per million predictions)": m.usd_per_million_predictions,
                "online serving cost ($ per million predictions)": (
                    m.usd_per_million_online_predictions
                ),
                "compiled to ONNX": _compiled_words(m),
                "ONNX Runtime p50 latency (ms)": _onnx(m, "latency_ms_p50"),
                "ONNX Runtime p50 latency 95% CI low (ms)": _end(_onnx(m, "latency_ms_p50_ci"), 0),
                "ONNX Runtime p50 latency 95% CI high (ms)": _end(_onnx(m, "latency_ms_p50_ci"), 1),
                "ONNX Runtime p95 latency (ms)": _onnx(m, "latency_ms_p95"),
                "ONNX Runtime throughput (rows/s)": _onnx(m, "throughput_rows_per_s"),
                "ONNX file size (MB)": None
                if _onnx(m, "size_bytes") is None
                else _onnx(m, "size_bytes") / 1e6,
                "ONNX Runtime batch serving cost ($ per million predictions)": _onnx(
                    m, "usd_per_million_predictions"
                ),
                "ONNX Runtime online serving cost ($ per million predictions)": _onnx(
                    m, "usd_per_million_online_predictions"
                ),
                "note": m.reason or " ".join(m.notes),
            }
        )
    frame = pd.DataFrame(rows)
    ok = frame["status"] == "ok"
    order = frame[label].where(ok)
    frame = frame.assign(_k=order if info.higher_is_better else -order)
    return frame.sort_values("_k", ascending=False, na_position="last").drop(columns="_k")


def format_leaderboard(study: StudyResult) -> str:
    """The leaderboard as aligned text, for the terminal: the serving figures are
    scikit-learn's, with the p50 from ONNX Runtime beside them ("-" where the model did not
    compile)."""
    metric = study.primary_metric
    label = metric_info(metric).label
    header = [
        "model",
        label,
        "95% CI",
        "vs dummy (points)" if metric_info(metric).percent else "vs dummy",
        "beats",
        "train CPU s",
        "p50 ms",
        "p95 ms",
        "ONNX p50 ms",
        "rows/s",
        "size MB",
    ]
    lines = []
    ordered = leaderboard(study)["model"].tolist()
    by_label = {m.label: m for m in study.models}
    for name in ordered:
        m = by_label[name]
        if not m.ok:
            lines.append([m.label, m.status.upper(), m.reason[:60], *[""] * (len(header) - 3)])
            continue
        value = m.metrics.get(metric, float("nan"))
        low, high = m.metric_ci_low or 0.0, m.metric_ci_high or 0.0
        ci = f"{format_metric(metric, low)}–{format_metric(metric, high)}"
        delta = m.delta_vs_baseline
        lines.append(
            [
                m.label,
                format_metric(metric, value),
                ci,
                _fmt(
                    None if delta is None else delta * (100 if metric_info(metric).percent else 1),
                    "{:+.2f}",
                ),
                "yes" if m.beats_baseline else "no",
                _fmt(m.train_cpu_s, "{:.2f}"),
                _fmt(m.latency_ms_p50, "{:.2f}"),
                _fmt(m.latency_ms_p95, "{:.2f}"),
                _fmt(_onnx(m, "latency_ms_p50"), "{:.3g}") or "-",  # "-": not compiled
                _fmt(m.throughput_rows_per_s, "{:,.0f}"),
                _fmt(None if m.size_bytes is None else m.size_bytes / 1e6, "{:.2f}"),
            ]
        )
    widths = [max(len(str(r[i])) for r in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True))]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in lines]
    return "\n".join(line.rstrip() for line in out)


def predictions_frame(study: StudyResult) -> pd.DataFrame:
    """Held-out predictions: ``row_id``, ``fold``, ``true``, then per model ``pred:<name>`` (and for
    classification ``proba:<name>:<class>``), all labels as the user's original values."""
    ds = study.dataset
    idx = study.eval_index
    data: dict[str, Any] = {"row_id": ds.row_ids[idx], "fold": study.eval_fold}
    classes = np.asarray(ds.classes, dtype=object)
    data["true"] = classes[ds.y[idx]] if ds.is_classification else ds.y[idx]
    for m in study.ok_models:
        assert m.predictions is not None
        pred = m.predictions.y_pred
        data[f"pred:{m.name}"] = classes[pred.astype(int)] if ds.is_classification else pred
        if m.predictions.proba is not None:
            for k, cls in enumerate(ds.classes):
                data[f"proba:{m.name}:{cls}"] = m.predictions.proba[:, k]
    return pd.DataFrame(data).sort_values(["fold", "row_id"], kind="stable")


#: What a spreadsheet reads as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """``value`` as a spreadsheet must show it: text that starts like a formula gets a leading
    apostrophe (``=SUM(A1)`` becomes ``'=SUM(A1)``, as OWASP advises against CSV injection);
    anything else is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV bytes with every text cell and header :func:`neutralise`-d.
    Numbers stay numbers (a negative number is not text, so it is left as it is)."""
    out = frame.copy()
    out.columns = [str(neutralise(str(c))) for c in out.columns]
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out.to_csv(index=False).encode("utf-8")


def model_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".skops"


def onnx_filename(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".onnx"


def write_outputs(
    study: StudyResult, out_dir: str | Path, decision: Decision | None = None
) -> Path:
    """Write every output file into ``out_dir`` (created if missing); return the JSON's path."""
    out = Path(out_dir)
    (out / "models").mkdir(parents=True, exist_ok=True)
    for m in study.ok_models:
        if m.model_bytes is not None:
            rel = Path("models") / model_filename(m.name)
            (out / rel).write_bytes(m.model_bytes)
            m.model_file = rel.as_posix()
        if m.onnx_bytes is not None:
            rel = Path("models") / onnx_filename(m.name)
            (out / rel).write_bytes(m.onnx_bytes)
            m.onnx_file = rel.as_posix()
    (out / "leaderboard.csv").write_bytes(safe_csv(leaderboard(study)))
    (out / "predictions.csv").write_bytes(safe_csv(predictions_frame(study)))
    path = out / "results.json"
    path.write_text(
        json.dumps(to_dict(study, decision), indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return path

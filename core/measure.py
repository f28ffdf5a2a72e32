"""Measuring cost as DESIGN.md defines it: training time, latency, throughput and size.

Everything is measured on the **whole fitted pipeline** (preprocessing + model), the object that is
trained, shipped and served. Timings vary between runs; they belong to results and benchmarks,
never to pass/fail tests.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio

#: Latency: warm-up calls, then at least MIN_CALLS calls or LATENCY_BUDGET_S, whichever ends first
#: (but never fewer than FLOOR_CALLS calls, so percentiles mean something for slow models).
WARMUP_CALLS = 5
MIN_CALLS = 200
FLOOR_CALLS = 20
LATENCY_BUDGET_S = 1.0
#: Throughput: a batch of this many rows (fewer if there are fewer), timed THROUGHPUT_REPEATS times.
BATCH_ROWS = 1000
THROUGHPUT_REPEATS = 5


@dataclass(frozen=True)
class FitTiming:
    """``train_s`` is wall-clock seconds of ``fit``; ``train_cpu_s`` the CPU-seconds it used."""

    train_s: float
    train_cpu_s: float


@dataclass(frozen=True)
class ServingCost:
    """Online and batch serving figures of one fitted pipeline.

    ``latency_ms_p50`` / ``latency_ms_p95``: milliseconds per call of ``predict`` (classifiers:
    ``predict_proba``, what an online service returns) on a 1-row DataFrame, after warm-up.
    ``throughput_rows_per_s``: rows per second of ``predict`` on a batch, median over repeats.
    ``latency_calls``: how many single-row calls the percentiles are computed from.
    """

    latency_ms_p50: float
    latency_ms_p95: float
    throughput_rows_per_s: float
    latency_calls: int
    batch_rows: int


def timed_fit(pipeline: Any, X: pd.DataFrame, y: np.ndarray) -> FitTiming:
    """Fit ``pipeline`` in place and time it (wall and process CPU time)."""
    wall0, cpu0 = time.perf_counter(), time.process_time()
    pipeline.fit(X, y)
    return FitTiming(time.perf_counter() - wall0, time.process_time() - cpu0)


def serialize(pipeline: Any) -> bytes:
    """The safe (skops) bytes of a fitted pipeline: what a user downloads, and its size."""
    return bytes(sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED))


def predict_function(pipeline: Any, classification: bool) -> Callable[[pd.DataFrame], Any]:
    """What a serving system calls: class probabilities for classifiers, values for regressors."""
    if classification and hasattr(pipeline, "predict_proba"):
        return pipeline.predict_proba  # type: ignore[no-any-return]
    return pipeline.predict  # type: ignore[no-any-return]


def measure_serving(
    pipeline: Any,
    X: pd.DataFrame,
    *,
    classification: bool,
    budget_s: float = LATENCY_BUDGET_S,
    min_calls: int = MIN_CALLS,
) -> ServingCost:
    """Single-row latency percentiles and batch throughput of a fitted pipeline on rows of ``X``.

    Call this with nothing else running (the study runs it after all training, one model at a
    time): measuring while other work competes for the cores makes latency wrong.
    """
    predict = predict_function(pipeline, classification)
    rows = [X.iloc[[i]] for i in range(min(len(X), 256))]
    for i in range(WARMUP_CALLS):
        predict(rows[i % len(rows)])
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < min_calls:
        row = rows[len(times) % len(rows)]
        t0 = time.perf_counter()
        predict(row)
        times.append(time.perf_counter() - t0)
        if len(times) >= FLOOR_CALLS and time.perf_counter() - start >= budget_s:
            break
    per_call_ms = np.asarray(times) * 1000.0
    p50, p95 = np.percentile(per_call_ms, [50, 95])

    batch = X.iloc[: min(BATCH_ROWS, len(X))]
    pipeline.predict(batch)  # warm-up
    batch_times = []
    for _ in range(THROUGHPUT_REPEATS):
        t0 = time.perf_counter()
        pipeline.predict(batch)
        batch_times.append(time.perf_counter() - t0)
    throughput = len(batch) / max(float(np.median(batch_times)), 1e-9)
    return ServingCost(float(p50), float(p95), float(throughput), len(times), len(batch))

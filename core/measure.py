"""Measuring cost as DESIGN.md defines it: training time, latency, throughput and size.

Everything is measured on the **whole fitted pipeline** (preprocessing + model), the object that is
trained, shipped and served. Timings vary between runs; they belong to results and benchmarks,
never to pass/fail tests.
"""

from __future__ import annotations

import functools
import io
import math
import re
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import skops.io as sio
from scipy import stats as scipy_stats

#: Serving is measured in interleaved rounds (DESIGN.md): every round gives each model, in a
#: shuffled order, a block of single-row calls (BLOCK_CALLS, or as many as fit in BLOCK_S, never
#: fewer than FLOOR_CALLS) and one timed batch. At least MIN_ROUNDS rounds; a model then stops
#: once the 95% interval of its p50 latency is within TIGHT of its value, or at MAX_ROUNDS, or
#: when it has used LATENCY_BUDGET_S.
WARMUP_CALLS = 5
BLOCK_CALLS = 10
BLOCK_S = 0.05
FLOOR_CALLS = 3
MIN_ROUNDS = 5
MAX_ROUNDS = 15
TIGHT = 0.10
LATENCY_BUDGET_S = 1.0
#: Throughput: a batch of this many rows (fewer if there are fewer), timed once per round.
BATCH_ROWS = 1000
#: Single-row calls cycle through the first this many held-out rows, each parsed beforehand.
REQUEST_ROWS = 256
CONFIDENCE = 0.95


@dataclass(frozen=True)
class FitTiming:
    """``train_s`` is wall-clock seconds of ``fit``; ``train_cpu_s`` the CPU-seconds it used."""

    train_s: float
    train_cpu_s: float


@dataclass(frozen=True)
class ServingCost:
    """Online and batch serving figures of one fitted pipeline, from interleaved rounds.

    Per round: ``round_p50_ms`` / ``round_p95_ms``, the median and 95th percentile of a block of
    single-row calls (``predict_proba`` for classifiers, what an online service returns, else
    ``predict``) on 1-row DataFrames, and ``round_throughput``, rows per second of ``predict``
    on a batch. p50 latency and throughput are geometric means over rounds, with their 95%
    interval (Student t over rounds, on the log scale, so it stays positive). p95 latency is the
    95th percentile of every timed call pooled, with the order-statistic interval of
    :func:`quantile_interval` (a block of 10 calls is too few for a 95th percentile of its
    own). ``latency_calls`` counts the timed single-row calls.
    """

    latency_ms_p50: float
    latency_ms_p95: float
    throughput_rows_per_s: float
    latency_ms_p50_ci: tuple[float, float]
    latency_ms_p95_ci: tuple[float, float]
    throughput_rows_per_s_ci: tuple[float, float]
    latency_calls: int
    batch_rows: int
    #: Mean milliseconds per single-row call (geometric mean over rounds of each block's mean):
    #: what one-at-a-time serving costs in CPU time.
    latency_ms_mean: float
    #: Seconds this model's own calls took in the latency phase (warm-up excluded).
    measured_s: float
    round_p50_ms: tuple[float, ...]
    round_p95_ms: tuple[float, ...]
    round_throughput: tuple[float, ...]
    #: Per round, the mean milliseconds of the block's single-row calls: what online serving
    #: pays, paired by round for ratios of online cost.
    round_mean_ms: tuple[float, ...] = ()

    @property
    def rounds(self) -> int:
        return len(self.round_p50_ms)


def timed_fit(pipeline: Any, X: pd.DataFrame, y: np.ndarray) -> FitTiming:
    """Fit ``pipeline`` in place and time it: wall time, and the CPU time of the thread that
    fits. Under the one-thread limits every candidate fits on its calling thread (the same
    figure as the process's CPU time in a worker of its own), and other threads of the process
    (a Dask worker's event loop, the app's server when it trains inline) are not counted."""
    wall0, cpu0 = time.perf_counter(), time.thread_time()
    pipeline.fit(X, y)
    return FitTiming(time.perf_counter() - wall0, time.thread_time() - cpu0)


def serialize(pipeline: Any) -> bytes:
    """The safe (skops) bytes of a fitted pipeline: what a user downloads, and its size.

    Byte-stable: the same fitted pipeline gives the same bytes in any process. skops names
    objects by their memory address (``"__id__"`` in ``schema.json``, and the ``<id>.npy`` file
    of each array) and stamps every member with the time; both change from run to run and with
    them the compressed length. The addresses are renumbered in order of first appearance and
    the members written in order with a fixed time; the file loads exactly as skops wrote it."""
    raw = zipfile.ZipFile(io.BytesIO(sio.dumps(pipeline, compression=zipfile.ZIP_DEFLATED)))
    schema = raw.read("schema.json").decode("utf-8")
    ids: dict[str, str] = {}
    files: dict[str, str] = {}
    for match in _ID.finditer(schema):
        ids.setdefault(match.group(2), str(len(ids) + 1))
    for match in _FILE.finditer(schema):
        suffix = match.group(2)[match.group(2).rfind(".") :] if "." in match.group(2) else ""
        files.setdefault(match.group(2), f"{len(files) + 1}{suffix}")
    schema = _ID.sub(lambda m: m.group(1) + ids[m.group(2)], schema)
    schema = _FILE.sub(lambda m: m.group(1) + files[m.group(2)] + m.group(3), schema)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as stable:
        members = sorted((files.get(i.filename, i.filename), i.filename) for i in raw.infolist())
        for name, original in members:
            data = schema.encode("utf-8") if original == "schema.json" else raw.read(original)
            member = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            stable.writestr(member, data)
    return out.getvalue()


#: Where skops writes what changes from run to run: an object's memory address (``"__id__"``)
#: and the name of the file holding an array or a booster (``"file"``, an address or a uuid).
_ID = re.compile(r'("__id__": ?)(\d+)')
_FILE = re.compile(r'("file": ?")([^"\\]+)(")')


def predict_function(pipeline: Any, classification: bool) -> Callable[[pd.DataFrame], Any]:
    """What a serving system calls: class probabilities for classifiers, values for regressors."""
    if classification and hasattr(pipeline, "predict_proba"):
        return pipeline.predict_proba  # type: ignore[no-any-return]
    return pipeline.predict  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=512)
def t_quantile(level: float, df: int) -> float:
    """The two-sided ``level`` quantile of Student's t with ``df`` degrees of freedom (scipy's
    ppf takes a tenth of a millisecond a call; a chart of 300 models asks it thousands of
    times for a handful of values)."""
    return float(scipy_stats.t.ppf(0.5 + level / 2, df))


@functools.lru_cache(maxsize=64)
def normal_quantile(level: float) -> float:
    """The two-sided ``level`` quantile of the standard normal (cached as :func:`t_quantile`)."""
    return float(scipy_stats.norm.ppf(0.5 + level / 2))


def log_interval(values: Sequence[float], level: float = CONFIDENCE) -> tuple[float, float, float]:
    """Geometric mean of positive ``values`` and its Student-t interval on the log scale.

    Timings are positive and skewed (a slow call is far slower, a fast one only a little
    faster), so they are averaged as logarithms. Fewer than two values give no interval."""
    logs = np.log(np.maximum(np.asarray(values, dtype=float), 1e-12))
    centre = float(logs.mean())
    if logs.size < 2:
        return (math.exp(centre), math.nan, math.nan)
    half = t_quantile(level, logs.size - 1) * float(logs.std(ddof=1)) / math.sqrt(logs.size)
    return (math.exp(centre), math.exp(centre - half), math.exp(centre + half))


def quantile_interval(
    values: Sequence[float] | np.ndarray, q: float, level: float = CONFIDENCE
) -> tuple[float, float, float]:
    """The ``q`` quantile of ``values`` and its distribution-free interval: the order statistics
    whose ranks bound it with probability ``level`` (binomial), if the values are independent.
    With too few values for a bound on a side, that side is the extreme value."""
    x = np.sort(np.asarray(values, dtype=float))
    if x.size == 0:
        return (math.nan, math.nan, math.nan)
    n = x.size
    low_rank = int(scipy_stats.binom.ppf((1 - level) / 2, n, q))  # ranks from 1
    high_rank = int(scipy_stats.binom.ppf(1 - (1 - level) / 2, n, q)) + 1
    value = float(np.quantile(x, q))
    return (value, float(x[max(low_rank, 1) - 1]), float(x[min(high_rank, n) - 1]))


def paired_ratio(
    a: Sequence[float], b: Sequence[float], level: float = CONFIDENCE
) -> tuple[float, float, float]:
    """How many times ``a`` is ``b``, paired by round, with its 95% interval.

    Round ``r`` of both was measured at nearly the same moment, so background load and drift
    hit both alike and cancel in ``a[r] / b[r]``; the ratio is the geometric mean of those
    per-round ratios over the rounds both have. A difference counts only when the interval
    excludes 1."""
    n = min(len(a), len(b))
    ratios = np.asarray(a[:n], dtype=float) / np.maximum(np.asarray(b[:n], dtype=float), 1e-12)
    return log_interval(ratios, level)


class Server:
    """A way to serve a fitted model, as the latency phase calls it: ``inputs`` turns rows of
    the pipeline's input into what the runtime takes (done before the clock starts, as a
    service receives its request already parsed), ``online`` answers one request (class
    probabilities for classifiers, else values) and ``batch`` scores a batch."""

    def inputs(self, X: pd.DataFrame) -> Any:
        raise NotImplementedError

    def requests(self, X: pd.DataFrame, frames: Sequence[pd.DataFrame]) -> list[Any]:
        """One request per row of ``X``; ``frames`` are those rows as one-row DataFrames, made
        once for every server of a latency phase."""
        return [self.inputs(frame) for frame in frames]

    def online(self, inputs: Any) -> Any:
        raise NotImplementedError

    def batch(self, inputs: Any) -> Any:
        raise NotImplementedError


class PipelineServer(Server):
    """A fitted scikit-learn pipeline served as it is: a DataFrame in, ``predict_proba``
    (classifiers) or ``predict`` for one request, ``predict`` for a batch."""

    def __init__(self, pipeline: Any, classification: bool) -> None:
        self.pipeline = pipeline
        self._online = predict_function(pipeline, classification)

    def inputs(self, X: pd.DataFrame) -> pd.DataFrame:
        return X

    def requests(self, X: pd.DataFrame, frames: Sequence[pd.DataFrame]) -> list[Any]:
        return list(frames)  # a pipeline never changes its input, so every one shares them

    def online(self, inputs: Any) -> Any:
        return self._online(inputs)

    def batch(self, inputs: Any) -> Any:
        return self.pipeline.predict(inputs)


def as_server(served: Any, classification: bool) -> Server:
    """``served`` itself when it is a :class:`Server`, else a fitted pipeline's server."""
    if isinstance(served, Server):
        return served
    return PipelineServer(served, classification)


class _Served:
    """One model in the latency phase: its calls, rows and what its rounds measured."""

    def __init__(self, server: Server, requests: list[Any], batch: pd.DataFrame) -> None:
        self.server = server
        self.rows = requests
        self.batch_rows = len(batch)
        self.batch = server.inputs(batch)
        self.calls: list[float] = []
        self.p50: list[float] = []
        self.p95: list[float] = []
        self.mean: list[float] = []
        self.throughput: list[float] = []
        self.spent = 0.0

    def warm_up(self) -> None:
        for i in range(WARMUP_CALLS):
            self.server.online(self.rows[i % len(self.rows)])
        self.server.batch(self.batch)

    def round(self, clock: Callable[[], float], block_calls: int) -> None:
        started = clock()
        block: list[float] = []
        while len(block) < block_calls:
            row = self.rows[(len(self.calls) + len(block)) % len(self.rows)]
            t0 = clock()
            self.server.online(row)
            block.append(clock() - t0)
            if len(block) >= FLOOR_CALLS and clock() - started >= BLOCK_S:
                break
        t0 = clock()
        self.server.batch(self.batch)
        batch_s = max(clock() - t0, 1e-9)
        self.spent += clock() - started
        ms = np.asarray(block) * 1000.0
        self.calls.extend(block)
        self.p50.append(float(np.percentile(ms, 50)))
        self.p95.append(float(np.percentile(ms, 95)))
        self.mean.append(float(ms.mean()))
        self.throughput.append(self.batch_rows / batch_s)

    def tight(self) -> bool:
        value, low, high = log_interval(self.p50)
        return bool(math.isfinite(low) and high / value - 1 < TIGHT and 1 - low / value < TIGHT)

    def cost(self) -> ServingCost:
        p50, tput = log_interval(self.p50), log_interval(self.throughput)
        # The 95th percentile of a block of 10 calls is not the 95th percentile of the calls
        # (it sits near the 91st, near the 78th for a slow model's 3): pooled over every timed
        # call instead, with a distribution-free interval from its order statistics.
        p95 = quantile_interval(np.asarray(self.calls) * 1000.0, 0.95)
        return ServingCost(
            latency_ms_p50=p50[0],
            latency_ms_p95=p95[0],
            throughput_rows_per_s=tput[0],
            latency_ms_p50_ci=(p50[1], p50[2]),
            latency_ms_p95_ci=(p95[1], p95[2]),
            throughput_rows_per_s_ci=(tput[1], tput[2]),
            latency_calls=len(self.calls),
            batch_rows=self.batch_rows,
            latency_ms_mean=log_interval(self.mean)[0],
            measured_s=self.spent,
            round_p50_ms=tuple(self.p50),
            round_p95_ms=tuple(self.p95),
            round_throughput=tuple(self.throughput),
            round_mean_ms=tuple(self.mean),
        )


def measure_serving_rounds(
    pipelines: Mapping[str, Any],
    X: pd.DataFrame,
    *,
    classification: bool,
    seed: int = 0,
    block_calls: int = BLOCK_CALLS,
    budget_s: float = LATENCY_BUDGET_S,
    min_rounds: int = MIN_ROUNDS,
    max_rounds: int = MAX_ROUNDS,
    clock: Callable[[], float] = time.perf_counter,
    on_done: Callable[[str, ServingCost], None] | None = None,
) -> dict[str, ServingCost]:
    """Single-row latency and batch throughput of every pipeline (or :class:`Server`), in
    interleaved rounds.

    Call this with nothing else running (the study runs it after all training): measuring while
    other work competes for the cores makes latency wrong. Each round visits the models still
    being measured in an order shuffled with ``seed``, so drift and background load hit every
    model alike and ratios between two models can be paired by round. ``on_done(name, cost)``
    is told as soon as a model's measurement ends.
    """
    rng = np.random.default_rng(seed)
    sample, batch = X.iloc[:REQUEST_ROWS], X.iloc[:BATCH_ROWS]
    frames = [sample.iloc[[i]] for i in range(len(sample))]
    servers = {name: as_server(p, classification) for name, p in pipelines.items()}
    served = {
        name: _Served(server, server.requests(sample, frames), batch)
        for name, server in servers.items()
    }
    for s in served.values():
        s.warm_up()
    active = list(served)
    costs: dict[str, ServingCost] = {}

    def finish(names: Sequence[str]) -> None:
        for name in names:
            costs[name] = served[name].cost()
            if on_done is not None:
                on_done(name, costs[name])

    for r in range(max(min_rounds, max_rounds, 1)):
        if not active:
            break
        for i in rng.permutation(len(active)):
            served[active[i]].round(clock, block_calls)
        if r + 1 >= min_rounds:
            ended = [n for n in active if served[n].tight() or served[n].spent > budget_s]
            active = [n for n in active if n not in ended]
            finish(ended)
    finish(active)
    return {name: costs[name] for name in served}


def measure_serving(
    pipeline: Any,
    X: pd.DataFrame,
    *,
    classification: bool,
    **options: Any,
) -> ServingCost:
    """:func:`measure_serving_rounds` of one pipeline (its rounds follow one another)."""
    return measure_serving_rounds({"model": pipeline}, X, classification=classification, **options)[
        "model"
    ]

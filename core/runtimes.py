"""Two ways to serve the same fitted model, and which one a decision serves it with.

Every model is served from **scikit-learn** (its fitted pipeline, on a pandas DataFrame). A model
whose pipeline compiles to ONNX and is verified equal on every held-out row
(:mod:`core.compiled`) is also served from **ONNX Runtime**, measured in the same interleaved
rounds (:mod:`core.measure`), so each of its serving figures exists twice
(:class:`RuntimeFigures`: ``runtimes`` in ``results.json``). Training is the same fit either way.

A :class:`Served` model reads as the model for everything but its serving figures, which come
from the runtime it is served with; :func:`served_study` is the study as a chosen
:data:`RuntimeMode` serves it, so frontiers, budgets, charts and the decision take it unchanged:

- ``"sklearn"``: every model from scikit-learn (how it was trained);
- ``"onnx"``: every model that compiled from ONNX Runtime, the others from scikit-learn (the
  only way to serve them);
- ``"best"``: each model from the runtime that is clearly cheaper on the cost being judged (the
  paired ratio's 95% interval below 1 and a saving of at least the materiality), else from
  scikit-learn, which needs no compiled file: never the noise.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING, Any, Literal

from core.measure import ServingCost
from core.pareto import (
    NET_VALUE,
    usd_per_million_online_predictions,
    usd_per_million_predictions,
)
from core.units import format_times

if TYPE_CHECKING:
    from core.study import ModelResult, StudyResult

Runtime = Literal["sklearn", "onnx"]
RUNTIME_LABELS: dict[str, str] = {"sklearn": "scikit-learn", "onnx": "ONNX Runtime"}
RuntimeMode = Literal["sklearn", "onnx", "best"]
#: The runtime switch's options, in its order, with the words it shows.
RUNTIME_MODES: dict[str, str] = {
    "best": "the cheaper of the two",
    "sklearn": "scikit-learn",
    "onnx": "ONNX Runtime",
}
#: Models are served from the cheaper runtime unless the user says otherwise.
DEFAULT_RUNTIME_MODE: RuntimeMode = "best"
#: For net value, the runtime is the cheaper one on the serving cost the business numbers use.
_NET_VALUE_COST = {
    "online": "usd_per_million_online_predictions",
    "batch": "usd_per_million_predictions",
}


@dataclass
class RuntimeFigures:
    """What serving one fitted model from one runtime measured, with the units in the names
    (as :class:`core.study.ModelResult`'s own serving figures, which are scikit-learn's).
    ``size_bytes`` is the runtime's file (the skops pipeline, or the ``.onnx`` graph). For ONNX
    Runtime: ``convert_s``, seconds the conversion took; ``verified_rows``, the rows on which it
    predicted as the pipeline does; ``max_difference``, its largest difference there (a
    probability, or a regression value relative to its scale)."""

    latency_ms_p50: float | None = None
    latency_ms_p95: float | None = None
    latency_ms_p50_ci: list[float] | None = None
    latency_ms_p95_ci: list[float] | None = None
    latency_ms_mean: float | None = None
    throughput_rows_per_s: float | None = None
    throughput_rows_per_s_ci: list[float] | None = None
    latency_rounds: int | None = None
    round_p50_ms: list[float] | None = None
    round_p95_ms: list[float] | None = None
    round_throughput: list[float] | None = None
    round_mean_ms: list[float] | None = None
    size_bytes: int | None = None
    usd_per_million_predictions: float | None = None
    usd_per_million_online_predictions: float | None = None
    convert_s: float | None = None
    verified_rows: int | None = None
    max_difference: float | None = None

    @property
    def measured(self) -> bool:
        return self.latency_ms_p50 is not None


#: The figures that depend on the runtime; every other field of a model is the same for both.
SERVING_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in fields(RuntimeFigures)
    if f.name not in ("convert_s", "verified_rows", "max_difference")
)


def set_serving(target: Any, cost: ServingCost, usd_per_vcpu_hour: float) -> None:
    """Copy a measured :class:`core.measure.ServingCost` onto ``target`` (a model's own
    scikit-learn figures, or its :class:`RuntimeFigures`), with the money it implies."""
    target.latency_ms_p50, target.latency_ms_p95 = cost.latency_ms_p50, cost.latency_ms_p95
    target.latency_ms_p50_ci = list(cost.latency_ms_p50_ci)
    target.latency_ms_p95_ci = list(cost.latency_ms_p95_ci)
    target.latency_ms_mean = cost.latency_ms_mean
    target.throughput_rows_per_s = cost.throughput_rows_per_s
    target.throughput_rows_per_s_ci = list(cost.throughput_rows_per_s_ci)
    target.latency_rounds = cost.rounds
    target.round_p50_ms, target.round_p95_ms = list(cost.round_p50_ms), list(cost.round_p95_ms)
    target.round_throughput = list(cost.round_throughput)
    target.round_mean_ms = list(cost.round_mean_ms)
    target.usd_per_million_predictions = usd_per_million_predictions(
        cost.throughput_rows_per_s, usd_per_vcpu_hour
    )
    target.usd_per_million_online_predictions = usd_per_million_online_predictions(
        cost.latency_ms_mean, usd_per_vcpu_hour
    )


def sklearn_figures(model: ModelResult) -> RuntimeFigures:
    """A model's scikit-learn serving figures (its own fields) as :class:`RuntimeFigures`."""
    return RuntimeFigures(**{name: getattr(model, name) for name in SERVING_FIELDS})


def runtimes_dict(model: ModelResult, *, compiling: bool = True) -> dict[str, Any]:
    """The ``runtimes`` of a model in ``results.json``: per runtime, whether it serves the
    model, why not, and its serving figures. ``compiling``: whether its study compiled models
    (:attr:`core.study.StudyConfig.compile_onnx`)."""

    def entry(figures: RuntimeFigures | None, problem: str | None) -> dict[str, Any]:
        values = (
            {f.name: getattr(figures, f.name) for f in fields(RuntimeFigures)} if figures else {}
        )
        available = figures is not None and figures.measured
        return {"available": available, "problem": None if available else problem, **values}

    sklearn = sklearn_figures(model) if model.ok else None
    onnx_problem = model.onnx_problem
    if model.ok and model.onnx is None and onnx_problem is None:
        onnx_problem = (
            "Not compiled: the study was run before ONNX Runtime was measured."
            if compiling
            else "Not compiled: the study was run with compiling to ONNX turned off."
        )
    return {
        "sklearn": entry(sklearn, None if model.ok else model.reason),
        "onnx": entry(model.onnx if model.ok else None, onnx_problem if model.ok else model.reason),
    }


def compiled(model: Any) -> bool:
    """The model is served from ONNX Runtime when asked: compiled, verified and measured."""
    figures = getattr(model, "onnx", None)
    return isinstance(figures, RuntimeFigures) and figures.measured


class Served:
    """A model as one runtime serves it: its own fields (its label too: the decision's
    sentence names the runtime of its pick), but the serving figures of ``runtime``. A view of
    a finished model: each field is read from it once."""

    def __init__(self, model: Any, runtime: Runtime) -> None:
        if runtime == "onnx" and not compiled(model):
            raise ValueError(f"{model.name} has no compiled model to serve")
        self._model = model
        self.runtime: Runtime = runtime

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        if self.runtime == "onnx" and name in SERVING_FIELDS:
            value = getattr(self._model.onnx, name)
        else:
            value = getattr(self._model, name)
        # Looked up once, then an attribute of its own: a served model is a view of a finished
        # one, and a chart of 300 served models read them over a hundred thousand times.
        self.__dict__[name] = value
        return value

    @property
    def model(self) -> Any:
        """The model itself (with its scikit-learn figures)."""
        return self._model

    @property
    def runtime_label(self) -> str:
        return RUNTIME_LABELS[self.runtime]


def runtime_of(model: Any) -> Runtime:
    """The runtime a model (served or not) is served with."""
    return getattr(model, "runtime", "sklearn") if isinstance(model, Served) else "sklearn"


def unserved(model: Any) -> Any:
    """The model itself, whether or not it is :class:`Served`."""
    return model.model if isinstance(model, Served) else model


def choose_runtime(
    model: Any, mode: str, cost: str, materiality: float, serving: str = "online"
) -> Runtime:
    """The runtime ``mode`` serves ``model`` with when ``cost`` is judged (see the module)."""
    if mode == "sklearn" or not compiled(model):
        return "sklearn"
    if mode == "onnx":
        return "onnx"
    from core.decision import cost_ratio

    axis = _NET_VALUE_COST.get(serving, _NET_VALUE_COST["online"]) if cost == NET_VALUE else cost
    ratio = cost_ratio(Served(model, "onnx"), Served(model, "sklearn"), axis)
    if ratio.known and ratio.high < 1 and ratio.value <= 1 - materiality:
        return "onnx"
    return "sklearn"


def served_study(
    study: StudyResult,
    mode: str,
    cost: str,
    materiality: float,
    serving: str = "online",
) -> StudyResult:
    """The study with every model :class:`Served` as ``mode`` serves it on ``cost``. The study
    itself is unchanged; the copy shares its dataset, predictions and pipelines."""
    models: list[Any] = [
        Served(m, choose_runtime(m, mode, cost, materiality, serving))
        if getattr(m, "status", None) == "ok"
        else m
        for m in map(unserved, study.models)
    ]
    return replace(study, models=models)


def runtime_sentence(model: Any, cost: str) -> str:
    """What serving ``model`` from ONNX Runtime changes, for the decision's sentence, on the
    cost it was judged on (p50 latency when that is training, the same fit for both): " Served
    from ONNX Runtime (verified equal on every held-out row): 190× faster per
    prediction than from scikit-learn (0.021 ms vs 3.98 ms; 95% CI 170× to 210×)." Empty when
    it is served from scikit-learn."""
    if runtime_of(model) != "onnx":
        return ""
    from core.decision import cost_ratio, pair_text, ratio_phrase

    own = unserved(model)
    axis = {NET_VALUE: "usd_per_million_online_predictions", "train_cpu_s": "latency_ms_p50"}.get(
        cost, cost
    )
    onnx, sklearn = Served(own, "onnx"), Served(own, "sklearn")
    ratio = cost_ratio(onnx, sklearn, axis)
    lead = " Served from ONNX Runtime (verified equal on every held-out row)"
    phrase = ratio_phrase(ratio)
    if phrase is None:
        return lead + "."
    versus = "as from scikit-learn" if phrase.startswith("about") else "than from scikit-learn"
    interval = ""
    if ratio.clear and axis != "size_bytes":
        low, high = sorted((1 / ratio.high, 1 / ratio.low) if ratio.value < 1 else
                           (ratio.low, ratio.high))  # fmt: skip
        interval = f"; 95% CI {format_times(low)} to {format_times(high)}"
    return f"{lead}: {phrase} {versus} ({pair_text(onnx, sklearn, axis)}{interval})."


def runtime_summary(study: StudyResult) -> str:
    """What compiling did for the study, in words: how many models compiled and matched, how
    much faster they answer one row from ONNX Runtime (only ratios clear of the noise are
    stated), and why the others did not compile."""
    from core.decision import cost_ratio
    from core.units import format_times, join_words

    ok = [m for m in study.models if m.status == "ok"]
    done = [m for m in ok if compiled(m)]
    if not ok:
        return ""
    if not done and all(m.onnx_problem is None for m in ok):
        return "This study did not compile its models for ONNX Runtime."
    text = (
        f"{len(done)} of {len(ok)} models compiled to ONNX Runtime and predict as scikit-learn "
        "does on every held-out row"
    )
    level = 1 - 0.05 / max(len(done), 1)  # every ratio stated at once (Bonferroni)
    ratios = [
        cost_ratio(Served(m, "sklearn"), Served(m, "onnx"), "latency_ms_p50", level) for m in done
    ]
    clear = sorted(r.value for r in ratios if r.clear and r.value > 1)
    if clear:
        span = (
            format_times(clear[0])
            if format_times(clear[0]) == format_times(clear[-1])
            else f"{format_times(clear[0])} to {format_times(clear[-1])}"
        )
        many = "it answers" if len(clear) == 1 else "they answer"
        which = "" if len(clear) == len(done) else f" ({len(clear)} of them clearly)"
        text += f"; served compiled, {many} one row {span} faster (p50){which}"
    failed: dict[tuple[str, str], list[Any]] = {}  # (family, why) -> its models
    for m in ok:
        if not compiled(m) and m.onnx_problem:
            failed.setdefault((m.family, str(m.onnx_problem).rstrip(".")), []).append(m)
    if failed:  # the sizes of a sweep that fail alike are said once
        text += ". Not compiled: " + join_words(
            [
                f"{models[0].label} ({why})"
                if len(models) == 1
                else f"{len(models)} {family.lower()} models ({why})"
                for (family, why), models in failed.items()
            ]
        )
    return text + "."


__all__ = [
    "DEFAULT_RUNTIME_MODE",
    "RUNTIME_LABELS",
    "RUNTIME_MODES",
    "SERVING_FIELDS",
    "RuntimeFigures",
    "Served",
    "choose_runtime",
    "compiled",
    "runtime_of",
    "runtime_sentence",
    "runtime_summary",
    "runtimes_dict",
    "served_study",
    "set_serving",
    "sklearn_figures",
    "unserved",
]

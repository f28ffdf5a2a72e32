"""Command line: ``python -m core run DATA --target COL [options]``, ``python -m core store
list|rebuild``, ``python -m core models`` and ``python -m core samples``.

Prints a leaderboard with units and writes results.json, leaderboard.csv, predictions.csv and one
model file per model into ``--out`` (with ``--report``, report.html too). Anything a user can get
wrong ends with exit code 2 and one line on stderr starting with ``error:``; no traceback.
"""

from __future__ import annotations

import argparse
import math
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from core import candidates as cand
from core.cluster import SCHEDULER_ENV, scheduler_address
from core.curves import Curves, CurvesProgress, curve_models, curves_to_dict, run_curves
from core.data import CLI_MAX_BYTES, load_path, read_path
from core.dataset import TASKS
from core.decision import (
    DEFAULT_COST,
    DEFAULT_MATERIALITY,
    DEFAULT_TOLERANCE,
    Choices,
    Decision,
    decide,
)
from core.errors import TradeoffError
from core.pareto import COST_AXES, DEFAULT_USD_PER_VCPU_HOUR, Budgets
from core.report import full_report
from core.results import compute_sentence, format_leaderboard, rows_sentence, write_outputs
from core.runtimes import DEFAULT_RUNTIME_MODE, RUNTIME_MODES
from core.samples import SAMPLES, get_sample
from core.stats import METRICS
from core.store import STORE_ENV, StudyStore
from core.study import (
    DEFAULT_MAX_TRAIN_ROWS,
    ProgressEvent,
    StudyConfig,
    StudyResult,
    prepare_workers,
    run_study,
)
from core.study_files import dumps

EXIT_USAGE = 2
MB = 1024 * 1024  # as core.data counts the file size limit


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(
            EXIT_USAGE, f"error: {message} (see 'python -m core {self.prog.split()[-1]} --help')\n"
        )


def _csv_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _plain(x: float) -> str:
    return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"


#: The fewest training rows --max-train-rows accepts: fewer would say little about a model.
MIN_TRAIN_ROWS = 1_000


def _rows_or_all(text: str) -> int | None:
    """--max-train-rows: ``all`` (no limit) or a whole number of rows, at least
    :data:`MIN_TRAIN_ROWS`."""
    if text.strip() == "all":
        return None
    parsed: int = _number(
        "a number of rows (or 'all')", low=MIN_TRAIN_ROWS, low_ok=True, whole=True
    )(text)
    return parsed


def _number(
    what: str,
    *,
    low: float,
    high: float = math.inf,
    low_ok: bool = False,
    high_ok: bool = True,
    whole: bool = False,
) -> Callable[[str], Any]:
    """An option's parser: a finite number in a range, or one line saying what is allowed."""
    bounds = [f"at least {_plain(low)}" if low_ok else f"more than {_plain(low)}"]
    if math.isfinite(high):
        bounds.append(f"at most {_plain(high)}" if high_ok else f"less than {_plain(high)}")

    def parse(text: str) -> Any:
        try:
            value = int(text) if whole else float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a {'whole number' if whole else 'number'}; give {what}"
            ) from None
        above = value >= low if low_ok else value > low
        below = value <= high if high_ok else value < high
        if not (math.isfinite(value) and above and below):
            raise argparse.ArgumentTypeError(
                f"{text!r} cannot be {what}: it must be {' and '.join(bounds)}"
            )
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m core", description="Is the extra accuracy worth its cost?")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="train and measure the model ladder on a table")
    run.add_argument(
        "data",
        help="a .csv/.tsv/.txt, .xlsx or .parquet file, or sample:NAME for a bundled sample "
        f"({', '.join(s.key for s in SAMPLES)})",
    )
    run.add_argument("--target", help="the column to predict (a sample's own target if omitted)")
    run.add_argument("--task", choices=TASKS, help="override the inferred task")
    run.add_argument(
        "--models",
        type=_csv_list,
        help="comma-separated model names, or 'default' / 'all' (see 'python -m core models'); "
        "the dummy and simple baselines are always included",
    )
    run.add_argument(
        "--sweep",
        action="store_true",
        help="also train a grid of sizes of each ensemble and neural family chosen (20 to 30 "
        "each), so each family's frontier is a curve; a longer study",
    )
    run.add_argument(
        "--cv",
        type=_number("a number of folds", low=2, high=100, low_ok=True, whole=True),
        metavar="K",
        help="k-fold cross-validation instead of holdout (2 to 100 folds)",
    )
    run.add_argument(
        "--test-size",
        type=_number("the share of rows held out", low=0, high=1, high_ok=False),
        default=0.2,
        help="holdout share, between 0 and 1 (default 0.2)",
    )
    run.add_argument(
        "--time-split",
        action="store_true",
        help="hold out the latest rows (in the order of the table's dates, or of its rows) "
        "instead of a random share",
    )
    run.add_argument(
        "--seed",
        type=_number("a random seed", low=0, high=2**32 - 1, low_ok=True, whole=True),
        default=0,
        help="random seed, 0 to 4294967295 (default 0)",
    )
    run.add_argument("--metric", choices=list(METRICS), help="primary metric")
    run.add_argument("--out", type=Path, help="output folder (default results/<data name>)")
    run.add_argument(
        "--include",
        type=_csv_list,
        default=[],
        help="columns the checks left out, to use them anyway (comma-separated)",
    )
    run.add_argument(
        "--yes-no",
        action="store_true",
        help="read a target written as yes and no in several ways (N, No, YES, y...) as yes/no",
    )
    run.add_argument("--exclude", type=_csv_list, default=[], help="columns to leave out")
    budget = _number("a budget", low=0)
    run.add_argument("--max-latency-ms", type=budget, help="budget: p95 latency per row (ms)")
    run.add_argument("--max-size-mb", type=budget, help="budget: model size (MB)")
    run.add_argument("--max-train-s", type=budget, help="budget: training CPU time (CPU-s)")
    run.add_argument(
        "--cost",
        choices=list(COST_AXES),
        default=DEFAULT_COST,
        help=f"the cost the industry pick saves on (default {DEFAULT_COST})",
    )
    run.add_argument(
        "--runtime",
        choices=list(RUNTIME_MODES),
        default=DEFAULT_RUNTIME_MODE,
        help="how the decision serves each model: from scikit-learn, from ONNX Runtime where it "
        "compiled, or from whichever is clearly cheaper on the cost (best, the default)",
    )
    run.add_argument(
        "--no-compile",
        action="store_true",
        help="do not compile the models to ONNX (a shorter study; served from scikit-learn)",
    )
    run.add_argument(
        "--tolerance",
        type=_number("an accuracy tolerance", low=0, low_ok=True),
        default=DEFAULT_TOLERANCE,
        help="points of the metric (percent of the error for MAE, RMSE and log loss) the "
        f"industry pick may give up for a cheaper model (default {DEFAULT_TOLERANCE:g})",
    )
    run.add_argument(
        "--min-saving",
        type=_number("a saving in percent", low=0, high=99, low_ok=True),
        default=DEFAULT_MATERIALITY * 100,
        help=f"the least saving worth it, percent (default {DEFAULT_MATERIALITY:.0%})",
    )
    run.add_argument(
        "--workers",
        type=_number("a number of processes", low=0, high=1024, low_ok=True, whole=True),
        help="parallel training processes (default: cores; 0 trains in this process)",
    )
    run.add_argument(
        "--max-train-rows",
        type=_rows_or_all,
        default=DEFAULT_MAX_TRAIN_ROWS,
        help="the most training rows a model learns from: a seeded random sample beyond it, "
        f"stated in each model's notes (default {DEFAULT_MAX_TRAIN_ROWS:,}; 'all': every row)",
    )
    run.add_argument(
        "--cluster",
        metavar="ADDRESS",
        help="train on a Dask cluster: its scheduler's address (tcp://HOST:8786), or 'local' "
        f"for a cluster of processes on this machine (default: ${SCHEDULER_ENV}, else this "
        "machine); latency is always measured on this machine",
    )
    run.add_argument(
        "--time-limit",
        type=_number("a time limit in seconds", low=0),
        default=900.0,
        help="seconds per model (900)",
    )
    run.add_argument(
        "--price-per-vcpu-hour",
        type=_number("a price", low=0, low_ok=True),
        default=DEFAULT_USD_PER_VCPU_HOUR,
        help=f"USD per vCPU-hour for costs (default {DEFAULT_USD_PER_VCPU_HOUR})",
    )
    run.add_argument(
        "--max-mb",
        type=_number("a file size limit in MB", low=0, high=1024**2),
        default=CLI_MAX_BYTES / MB,
        help=f"largest file accepted (MB; default {CLI_MAX_BYTES / MB:,.0f}); text files over "
        "100 MB are streamed from disk",
    )
    run.add_argument(
        "--curves",
        action="store_true",
        help="also draw learning curves of the key models (10-70%% of the training rows) and "
        "forecast whether more data would change the choice: curves.json, and a section of "
        "the report",
    )
    run.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    run.add_argument(
        "--report",
        action="store_true",
        help="also write report.html: a self-contained report for stakeholders (opens offline)",
    )

    store = sub.add_parser("store", help="the saved studies: list them, or rebuild their index")
    store.add_argument("action", choices=("list", "rebuild"), help="what to do")
    store.add_argument(
        "--dir", type=Path, help=f"the store's folder (default ${STORE_ENV} or the user's data)"
    )

    sub.add_parser("models", help="list the candidate models")
    sub.add_parser("samples", help="list the bundled sample datasets")
    return parser


class _Progress:
    """Progress on the terminal: one line per model as it finishes and, on a terminal, one
    status line that updates in place (never hundreds of lines)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.active: dict[str, tuple[str, float]] = {}
        self.width = 0

    def __call__(self, event: ProgressEvent) -> None:
        if event.stage in ("done", "failed", "skipped"):
            self.active.pop(event.model, None)
            detail = f" ({event.message})" if event.message else ""
            timing = f" in {event.elapsed_s:.1f} s" if event.stage != "skipped" else ""
            self._line(
                f"[{event.done:>2}/{event.total}] {event.label}: {event.stage}{timing}{detail}"
            )
        elif event.stage == "waiting":
            self.active.pop(event.model, None)
        else:
            self.active[event.model] = (f"{event.stage} {event.label}", event.elapsed_s)
        if self.live:
            status = ", ".join(f"{what} {s:.0f} s" for what, s in self.active.values())
            self._status(f"[{event.done:>2}/{event.total}] {status}" if status else "")

    def _line(self, text: str) -> None:
        self._status("")
        print(text, file=self.stream, flush=True)

    def _status(self, text: str) -> None:
        if not self.live:
            return
        text = text[:120]
        self.stream.write("\r" + text.ljust(self.width) + ("\r" if not text else ""))
        self.stream.flush()
        self.width = len(text)


def _run(args: argparse.Namespace) -> int:
    cluster = scheduler_address(args.cluster)  # a mistyped address fails before the table
    if cluster is None and args.workers != 0:  # the workers' server starts while it is read
        threading.Thread(target=prepare_workers, name="workers-warm-up", daemon=True).start()
    if args.data.startswith("sample:"):
        sample = get_sample(args.data.removeprefix("sample:"))
        path, target = sample.path, args.target or sample.target
    else:
        path = Path(args.data)
        if not path.is_file():
            raise TradeoffError(f"File '{args.data}' does not exist. Check the path.")
        if not args.target:
            raise TradeoffError("Say which column to predict with --target COLUMN.")
        target = args.target
    dataset = load_path(
        path,
        target,
        task=args.task,
        include=args.include,
        exclude=args.exclude,
        seed=args.seed,
        max_bytes=int(args.max_mb * MB),
        yes_no=args.yes_no,
    )
    config = StudyConfig(
        models=tuple(args.models) if args.models else None,
        validation="cv" if args.cv else ("time" if args.time_split else "holdout"),
        cv_folds=args.cv or 5,
        test_size=args.test_size,
        seed=args.seed,
        primary_metric=args.metric,
        n_workers=args.workers,
        time_limit_s=args.time_limit,
        usd_per_vcpu_hour=args.price_per_vcpu_hour,
        budgets=Budgets(args.max_latency_ms, args.max_size_mb, args.max_train_s),
        compile_onnx=not args.no_compile,
        cluster=cluster or "",
        sweep=args.sweep,
        max_train_rows=args.max_train_rows,
    )
    for warning in dataset.warnings:
        keep = (
            f" (--include {warning.column!r} keeps it)"
            if warning.column is not None and warning.column in dataset.excluded
            else ""
        )
        print(f"warning: {warning.message}{keep}", file=sys.stderr)
    study = run_study(dataset, config, None if args.quiet else _Progress(sys.stderr))
    decision = decide(
        study,
        Choices(
            cost=args.cost,
            tolerance=args.tolerance,
            materiality=args.min_saving / 100,
            budgets=config.budgets,
            runtime=args.runtime,
        ),
    )
    out = args.out or Path("results") / Path(dataset.name).stem
    write_outputs(study, out, decision)
    curves = _curves(study, decision, out, quiet=args.quiet) if args.curves else None
    if args.report:
        table, _ = read_path(path, max_bytes=int(args.max_mb * MB))
        report = full_report(study, table, decision=decision, curves=curves)
        (out / "report.html").write_text(report, encoding="utf-8")
    print(format_leaderboard(study))
    print(f"\n{rows_sentence(study)}")
    for m in study.models:
        for note in m.notes:
            print(f"note: {m.label}: {note}")
    print()
    print(decision.academic_sentence)
    print(decision.sentence)
    print(f"\n{compute_sentence(study.compute)}")
    if curves is not None:
        print(f"\nWould more data help? {curves.sentence}")
        for c in curves.curves:
            if c.forecasts and not c.trustworthy:
                print(f"note: {c.label}: its forecast is not to be trusted. {c.why_not}")
    files = "results.json, leaderboard.csv, predictions.csv, models/"
    files += ", curves.json" if curves is not None else ""
    print(f"\nResults written to {out}/ ({files}{', report.html' if args.report else ''})")
    return 0


def _curves(study: StudyResult, decision: Decision, out: Path, *, quiet: bool) -> Curves:
    """The study's learning curves, written to ``out/curves.json``."""
    roles = curve_models(study, decision.industry, decision.academic)

    def progress(p: CurvesProgress) -> None:
        if not quiet and p.words.endswith("trained"):
            print(f"[curves {p.done:>2}/{p.total}] {p.words}", file=sys.stderr, flush=True)

    curves = run_curves(study, roles, decision=decision.industry, on_progress=progress)
    (out / "curves.json").write_text(dumps(curves_to_dict(curves)), encoding="utf-8")
    return curves


def _store(args: argparse.Namespace) -> int:
    store = StudyStore(args.dir)
    for notice in store.notices:
        print(f"note: {notice.message}", file=sys.stderr)
    if args.action == "rebuild":
        report = store.rebuild()
        print(f"Rebuilt the index of {store.root} from its study folders: {report.sentence}")
        return 0
    for s in store.list():
        pick = f"recommended {s.recommended_label}" if s.recommended_label else "no pick"
        print(f"{s.study_id}  {s.created_at[:16]}  {s.dataset_name} -> {s.target}  ", end="")
        print(f"{s.n_models} models, {pick}")
    return 0


def _list_models() -> int:
    for spec in cand.CANDIDATES:
        flag = "default" if spec.default else "opt-in "
        print(f"{spec.name:<22}{flag}  {spec.label}: {spec.description}")
    counts = ", ".join(f"{f} {sum(s.family == f for s in cand.SWEEP)}" for f in cand.SWEEP_FAMILIES)
    print(f"\n--sweep adds a grid of sizes to each of these families chosen: {counts}.")
    return 0


def _list_samples() -> int:
    for s in SAMPLES:
        print(f"sample:{s.key:<16}{s.task:<11}target={s.target:<20}{s.description}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "models":
            return _list_models()
        if args.command == "samples":
            return _list_samples()
        if args.command == "store":
            return _store(args)
        return _run(args)
    except TradeoffError as exc:
        print("error: " + " ".join(str(exc).split()), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

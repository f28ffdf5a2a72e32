"""A dense frontier sweep on the 100,000 x 30 set, on this machine and on a Dask cluster.

``--sweep`` adds each ensemble and neural family's grid of sizes to the default ladder (about
135 models in all). *Floor*: the bare ``fit`` + ``predict`` of the same configurations, serially
on one thread (as in ``bench_study``). *Local*: ``run_study`` on this machine's pool of worker
processes (the workers' server already up, as in the app). *Dask*: the same study on a standing
``distributed.LocalCluster`` of 2 worker processes, one thread each (as ``dask worker --nthreads
1 --nworkers 2`` starts them); its start-up is timed apart. Both studies measure latency on this
machine after training. The two must give the same metrics: the benchmark checks it.

Prints the wall times and their ratios to the floor, then each family's sizes, frontier and
training CPU time; writes ``benchmarks/results/sweep.json``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections import Counter
from pathlib import Path

from benchmarks.bench_study import SEED, floor_seconds, synthetic_frame
from core import candidates as cand
from core.cluster import local_cluster
from core.data import prepare_dataset
from core.pareto import frontier
from core.study import StudyConfig, StudyResult, prepare_workers, run_study

RESULTS = Path(__file__).resolve().parent / "results"
DASK_WORKERS = 2


def _timed(dataset, config: StudyConfig) -> tuple[StudyResult, float, float]:  # type: ignore[no-untyped-def]
    """The study, its wall time and its latency phase's."""
    marks: dict[str, float] = {}

    def on_progress(event) -> None:  # type: ignore[no-untyped-def]
        now = time.perf_counter()
        if event.stage == "measuring":
            marks.setdefault("measuring", now)
        if event.stage == "done":
            marks["done"] = now

    started = time.perf_counter()
    study = run_study(dataset, config, on_progress)
    return study, time.perf_counter() - started, marks["done"] - marks["measuring"]


def main() -> None:
    dataset = prepare_dataset(synthetic_frame(), "label", name="synthetic_100k.csv")
    names = cand.resolve_names(None, dataset.task, sweep=True)
    families = Counter(cand.get_candidate(n).family for n in names)
    print(
        f"{dataset.n_rows:,} x {dataset.X.shape[1]} classification, {len(names)} models "
        f"(the default ladder and its sweep), {os.cpu_count()} cores"
    )
    prepare_workers()  # as the app does when it opens; not part of any figure below
    floor_s, floor_models = floor_seconds(dataset, names)
    print(f"floor (serial fit+predict, 1 thread):   {floor_s:8.1f} s")

    config = StudyConfig(seed=SEED, sweep=True)
    local, local_s, local_latency_s = _timed(dataset, config)
    print(f"on this machine ({local.compute['training']['workers']} worker processes):"
          f"  {local_s:8.1f} s = {local_s / floor_s:.2f}x the floor"
          f" (latency phase {local_latency_s:.1f} s)")  # fmt: skip

    started = time.perf_counter()
    with local_cluster(DASK_WORKERS) as cluster:
        cluster_start_s = time.perf_counter() - started
        dask_config = StudyConfig(seed=SEED, sweep=True, cluster=cluster.scheduler_address)
        on_dask, dask_s, dask_latency_s = _timed(dataset, dask_config)
    print(f"on a Dask LocalCluster of {DASK_WORKERS} workers:     {dask_s:8.1f} s = "
          f"{dask_s / floor_s:.2f}x the floor (latency phase {dask_latency_s:.1f} s; "
          f"the cluster started in {cluster_start_s:.1f} s, not counted)")  # fmt: skip

    differ = [
        a.name
        for a, b in zip(local.models, on_dask.models, strict=True)
        if a.metrics != b.metrics or a.model_bytes != b.model_bytes
    ]
    print(f"same metrics and model files on both: {differ or 'yes'}")
    failed = [m.name for m in (*local.models, *on_dask.models) if not m.ok]
    if failed:
        print(f"not ok: {sorted(set(failed))}")

    axis = "latency_ms_p50"
    on_front = set(frontier(local.models, local.primary_metric, axis))
    print(f"\n{'family':<22}{'sizes':>6}{'on the frontier':>17}{'floor s':>10}{'train CPU s':>13}")
    per_family = {}
    for family, count in families.items():
        members = [m for m in local.models if m.family == family]
        floor_f = sum(floor_models[m.name] for m in members)
        cpu_f = sum(m.train_cpu_s or 0.0 for m in members)
        front = sum(m.name in on_front for m in members)
        per_family[family] = {"sizes": count, "on_frontier": front, "floor_s": floor_f,
                              "train_cpu_s": cpu_f}  # fmt: skip
        print(f"{family:<22}{count:>6}{front:>17}{floor_f:>10.1f}{cpu_f:>13.1f}")
    print(f"(frontier of {local.primary_metric} against p50 latency, {len(on_front)} models)")

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sweep.json").write_text(
        json.dumps(
            {
                "rows": dataset.n_rows,
                "columns": dataset.X.shape[1],
                "cores": os.cpu_count(),
                "python": platform.python_version(),
                "models": len(names),
                "floor_s": floor_s,
                "local_s": local_s,
                "local_ratio": local_s / floor_s,
                "local_latency_phase_s": local_latency_s,
                "dask_workers": DASK_WORKERS,
                "dask_s": dask_s,
                "dask_ratio": dask_s / floor_s,
                "dask_latency_phase_s": dask_latency_s,
                "dask_cluster_start_s": cluster_start_s,
                "same_answers": not differ,
                "families": per_family,
                "floor_per_model_s": floor_models,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

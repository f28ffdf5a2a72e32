"""A table of ten million rows through the command line: wall time, peak memory, what was sampled.

A seeded 10,000,000 x 20 mixed CSV (``benchmarks.big_table``: numbers, counts, categories,
yes/no, dates, money written as text, a customer number, empty cells; about 1.3 GB) is written
to a temporary folder, then ``python -m core run big.csv --target churned`` runs on it as a user
would run it, in its own process. Memory is the sum of the proportional set size (PSS: shared
pages counted once) of that process and all its children (the training workers), sampled every
half second; its peak is reported. Target (issue 16), on 2 cores: the whole study under 15
minutes, peak memory under 8 GB. Not a pass/fail test: the figures are printed, with what the
study read on a sample and which models learned from a sample (from results.json).

Prints a table and writes ``benchmarks/results/big.json``. ``BIG_ROWS`` changes the rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks.big_table import write_big_table

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ROWS = int(os.environ.get("BIG_ROWS", "10000000"))
TARGET_S = 15 * 60
TARGET_BYTES = 8 * 1024**3


class PeakMemory:
    """The largest total PSS of a process and its children, sampled every ``every_s``."""

    def __init__(self, pid: int, every_s: float = 0.5) -> None:
        self.root = psutil.Process(pid)
        self.every_s = every_s
        self.peak_bytes = 0
        self.peak_processes = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._done.is_set():
            total, count = 0, 0
            try:
                processes = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                break
            for process in processes:
                try:
                    total += process.memory_full_info().pss
                    count += 1
                except psutil.Error:
                    continue  # it ended between the listing and the reading
            if total > self.peak_bytes:
                self.peak_bytes, self.peak_processes = total, count
            self._done.wait(self.every_s)

    def stop(self) -> None:
        self._done.set()
        self._thread.join()


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        started = time.perf_counter()
        write_big_table(path, ROWS)
        print(
            f"{ROWS:,} x 20 mixed CSV written ({path.stat().st_size / 1024**3:.2f} GB) in "
            f"{time.perf_counter() - started:.0f} s"
        )
        out = Path(folder) / "results"
        command = [sys.executable, "-m", "core", "run", str(path), "--target", "churned",
                   "--out", str(out), "--quiet"]  # fmt: skip
        started = time.perf_counter()
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        memory = PeakMemory(process.pid)
        stdout, stderr = process.communicate()
        wall_s = time.perf_counter() - started
        memory.stop()
        if process.returncode != 0:
            print(stderr[-3000:], file=sys.stderr)
            raise SystemExit(f"the study failed (exit code {process.returncode})")
        document = json.loads((out / "results.json").read_text(encoding="utf-8"))

    config = document["config"]
    sampled_checks = [w["message"] for w in document["warnings"]
                      if w["code"] == "checked_on_sample"]  # fmt: skip
    models = [
        {
            "name": m["name"],
            "status": m["status"],
            "train_rows": m.get("train_rows"),
            "train_rows_available": m.get("train_rows_available"),
            "train_cpu_s": m.get("train_cpu_s"),
        }
        for m in document["models"]
    ]
    print(f"\n{'':<34}{'figure':>14}{'target':>12}")
    print(f"{'whole study (CLI, wall)':<34}{wall_s / 60:>12.1f} min{TARGET_S / 60:>8.0f} min")
    print(f"{'peak memory (PSS, all processes)':<34}{memory.peak_bytes / 1024**3:>13.2f} GB"
          f"{TARGET_BYTES / 1024**3:>9.0f} GB")  # fmt: skip
    print(f"{'  processes at the peak':<34}{memory.peak_processes:>14}")
    print(f"{'held-out rows':<34}{config['held_out_rows']:>14,}")
    print(f"{'study duration (results.json)':<34}{document['duration_s'] / 60:>12.1f} min")
    print()
    for message in sampled_checks:
        print(message)
    print(f"\n{'model':<24}{'status':<8}{'rows learned from':>20}{'of':>14}{'train CPU s':>13}")
    for m in models:
        print(f"{m['name']:<24}{m['status']:<8}{m['train_rows'] or 0:>20,}"
              f"{m['train_rows_available'] or 0:>14,}{m['train_cpu_s'] or 0:>13.1f}")  # fmt: skip
    print("\n" + "\n".join(line for line in stdout.splitlines() if line.startswith("note:")))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "big.json").write_text(
        json.dumps(
            {
                "rows": ROWS,
                "cores": os.cpu_count(),
                "wall_s": wall_s,
                "peak_pss_bytes": memory.peak_bytes,
                "held_out_rows": config["held_out_rows"],
                "duration_s": document["duration_s"],
                "checked_on_sample": sampled_checks,
                "models": models,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

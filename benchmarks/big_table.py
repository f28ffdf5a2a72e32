"""A large mixed table written as CSV, seeded: numbers, counts, categories, yes/no, dates, money
written as text ("$1,234"), a customer number (an identifier the checks must leave out), a few
empty cells, and a yes/no target that depends on several columns.

``python -m benchmarks.big_table ROWS PATH`` writes one; ``bench_big`` makes its own.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv

CHUNK_ROWS = 1_000_000
PLANS = np.array(["basic", "standard", "plus", "premium", "family"])
REGIONS = np.array([f"region {c}" for c in "ABCDEFGHIJKL"])
DEVICES = np.array(["android", "ios", "web", "tv"])
CHANNELS = np.array(["search", "social", "referral", "store", "partner", "email", "tv ad"])


def _chunk(rng: np.random.Generator, start: int, rows: int) -> pa.Table:
    x = rng.normal(size=(rows, 8))
    age = rng.integers(18, 90, rows)
    tenure = rng.integers(0, 120, rows)
    tickets = rng.poisson(1.5, rows)
    plan = rng.integers(0, len(PLANS), rows)
    region = rng.integers(0, len(REGIONS), rows)
    device = rng.integers(0, len(DEVICES), rows)
    channel = rng.integers(0, len(CHANNELS), rows)
    autopay = rng.random(rows) < 0.6
    days = rng.integers(0, 5 * 365, rows)
    spend = rng.gamma(2.0, 300.0, rows).round()
    score = (
        0.8 * x[:, 0] - 0.6 * x[:, 1] + 0.4 * x[:, 2] * x[:, 3]
        - 0.02 * tenure + 0.35 * tickets + 0.3 * (plan == 0) - 0.5 * autopay
        + 0.2 * (device == 3) - 0.0008 * spend + 0.5
    )  # fmt: skip
    churned = rng.random(rows) < 1 / (1 + np.exp(-score))
    columns: dict[str, pa.Array] = {
        "customer_id": pa.array(np.arange(start, start + rows) + 1_000_000),
    }
    for i in range(8):
        values = x[:, i].round(3)
        missing = rng.random(rows) < (0.02 if i % 3 == 0 else 0.0)
        columns[f"signal_{i}"] = pa.array(values, mask=missing)
    columns |= {
        "age": pa.array(age),
        "tenure_months": pa.array(tenure),
        "support_tickets": pa.array(tickets),
        "plan": pa.array(PLANS[plan]),
        "region": pa.array(REGIONS[region]),
        "device": pa.array(DEVICES[device]),
        "channel": pa.array(CHANNELS[channel], mask=rng.random(rows) < 0.01),
        "autopay": pa.array(np.where(autopay, "Yes", "No")),
        "signup_date": pa.array(
            (np.datetime64("2020-01-01") + days.astype("timedelta64[D]")).astype(str)
        ),
        "monthly_spend": pa.array([f"${v:,.0f}" for v in spend]),
        "churned": pa.array(np.where(churned, "yes", "no")),
    }
    return pa.table(columns)


def write_big_table(path: Path, rows: int, seed: int = 0) -> Path:
    """Write ``rows`` rows (21 columns: 20 and the target) to ``path`` as UTF-8 CSV."""
    schema = _chunk(np.random.default_rng(seed), 0, 1).schema
    rng = np.random.default_rng(seed)
    with pa_csv.CSVWriter(str(path), schema) as writer:
        for start in range(0, rows, CHUNK_ROWS):
            writer.write_table(_chunk(rng, start, min(CHUNK_ROWS, rows - start)))
    return path


if __name__ == "__main__":
    write_big_table(Path(sys.argv[2]), int(sys.argv[1]))

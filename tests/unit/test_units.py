"""Numbers as people write them (core.units): no scientific notation, no SI prefixes on money."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from core.units import (
    count_ticks,
    format_count,
    format_mb,
    format_ms,
    format_number,
    format_range,
    format_times,
    format_usd,
    money_ticks,
)


@pytest.mark.parametrize(
    ("value", "signed", "text"),
    [
        (640_000.0, False, "$640k"),
        (15_500_000_000.0, False, "$15.5B"),
        (1_234_567.0, False, "$1.23M"),
        (-855_125.0, False, "−$855k"),
        (999_950.0, False, "$1M"),
        (1234.0, True, "+$1.23k"),
        (123.4, False, "$123"),
        (12.345, False, "$12.35"),
        (0.42, False, "$0.42"),
        (0.004, False, "$0.004"),
        (0.00312, False, "$0.0031"),
        (0.00093, True, "+$0.00093"),
        (1e-9, False, "under $0.0001"),
        (1e-9, True, "about $0"),  # a gain too small to write, never "+under $0.0001"
        (-1e-9, False, "about $0"),
        (0.0, True, "$0"),
        (None, False, "unknown"),
        (math.nan, False, "unknown"),
    ],
)
def test_format_usd(value: float | None, signed: bool, text: str) -> None:
    assert format_usd(value, signed=signed) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(950, "950"), (33_000, "33k"), (1_200_000, "1.2M"), (1e6, "1M"), (15.5e9, "15.5B")],
)
def test_format_count(value: float, text: str) -> None:
    assert format_count(value) == text


def test_small_figures_read_as_people_write_them() -> None:
    assert format_ms(0.0042) == "4.2 µs"
    assert format_ms(2.944) == "2.94 ms"
    assert format_mb(0.018) == "18 kB"
    assert format_mb(235.4) == "235 MB"
    assert format_times(1.27) == "1.3×"
    # Differences can be negative (a more accurate model that is also faster or smaller).
    assert format_ms(-0.0042) == "−4.2 µs"
    assert format_ms(-2.5) == "−2.5 ms"
    assert format_mb(-0.018) == "−18 kB"
    assert format_times(12.4) == "12×"


#: What must never appear in a money or count label: scientific notation, SI prefixes on money.
_UNREADABLE = re.compile(r"e[+-]?\d|µ|\$\d+(\.\d+)?[GPmnu]\b|\$\S*G")


@pytest.mark.parametrize(
    ("low", "high"),
    [(-650_000.0, 20_000.0), (-1.55e10, -1.2e10), (0.0001, 0.0009), (0.0, 70e9), (3.0, 3.0)],
)
def test_money_ticks_are_round_and_readable(low: float, high: float) -> None:
    ticks, labels = money_ticks(low, high)
    assert ticks
    assert len(ticks) == len(labels)
    assert all(low - 1e-12 <= t <= high + 1e-12 for t in ticks) or low == high
    for label in labels:
        assert not _UNREADABLE.search(label), label


def test_count_ticks_are_powers_of_ten_in_words() -> None:
    ticks, labels = count_ticks(30_000, 3e8)
    assert ticks == [1e5, 1e6, 1e7, 1e8]
    assert labels == ["100k", "1M", "10M", "100M"]


@pytest.mark.parametrize(
    ("value", "plain", "signed"),
    [
        (180_000, "180,000", "+180,000"),
        (4213.7, "4,210", "+4,210"),
        (15_500_000, "15,500,000", "+15,500,000"),
        (999.96, "1,000", "+1,000"),
        (12.345, "12.3", "+12.3"),
        (0.7341, "0.734", "+0.734"),
        (1.0, "1", "+1"),
        (0.000597, "0.000597", "+0.000597"),
        (-5.97e-06, "−0.000006", "−0.000006"),
        (3e-8, "0", "0"),
        (0.0, "0", "0"),
        (-0.5, "−0.5", "−0.5"),
        (None, "unknown", "unknown"),
        (float("nan"), "unknown", "unknown"),
    ],
)
def test_format_number_reads_as_people_write_numbers(value, plain, signed):
    assert format_number(value) == plain
    assert format_number(value, signed=True) == signed


def test_format_number_never_writes_scientific_notation():
    rng = np.random.default_rng(0)
    for value in rng.choice([-1, 1], 2000) * 10 ** rng.uniform(-12, 12, 2000):
        text = format_number(float(value))
        assert "e" not in text, (value, text)
        decimals = text.split(".")[1] if "." in text else ""
        assert len(decimals) <= 6, (value, text)
    assert format_range(-0.01234, 2345.6, signed=True) == "−0.0123 to +2,350"

"""Numbers as a person writes them: money, counts, milliseconds, megabytes and ratios.

Every figure on screen, in the report and in the CLI's sentences goes through these, so the same
amount reads the same everywhere: "$640k", "$15.5M", "$0.0031", "1.2M predictions", "0.42 ms",
"18 kB", "3.2×". Never scientific notation, never an SI prefix on money ("µ$", "$70G"), never
cents on thousands.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

#: Thousands, millions, billions and trillions, as people write them after an amount.
_SCALES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))
#: Below this an amount of money is written as "under $0.0001".
SMALLEST_USD = 1e-4


def _significant(value: float, digits: int = 3) -> str:
    """``value`` (>= 0) with ``digits`` significant digits, written out, trailing zeros trimmed:
    640 → "640", 15.5 → "15.5", 1.0 → "1", 0.00312 → "0.00312"."""
    if value == 0:
        return "0"
    if value < 0:
        return "−" + _significant(-value, digits)
    decimals = max(0, digits - 1 - math.floor(math.log10(value)))
    text = f"{round(value, decimals):.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _scaled(size: float) -> str:
    """A count of 1,000 or more with k / M / B / T and three significant digits."""
    for factor, suffix in _SCALES:
        if size >= factor * 0.9995:  # 999,950 reads "1M", not "1000k"
            return _significant(size / factor) + suffix
    return _significant(size)


def format_usd(value: float | None, *, signed: bool = False) -> str:
    """An amount of USD as people read it: "$640k", "$15.5M", "$640", "$12.35", "$0.42",
    "$0.0031", "under $0.0001", "−$80"; "+" in front of gains when ``signed``, and "about $0"
    for a gain or a loss under $0.0001 (never "+under $0.0001"); "unknown" for ``None`` or NaN.
    Three significant digits from $1,000 up: the inputs are estimates."""
    if value is None or not math.isfinite(value):
        return "unknown"
    sign = "−" if value < 0 else ("+" if signed and value > 0 else "")
    size = abs(value)
    if size == 0:
        return "$0"
    if size < SMALLEST_USD:
        return "about $0" if signed or value < 0 else f"under ${SMALLEST_USD:.4f}"
    if size >= 1000:
        body = _scaled(size)
    elif size >= 100:
        body = f"{size:.0f}"
    elif size >= 0.01:
        body = f"{size:.2f}"
    else:  # two significant digits: $0.0042
        body = _significant(size, 2)
    return f"{sign}${body}"


def format_count(value: float | None) -> str:
    """A count as people say it: "950", "33k", "1.2M", "15.5B"; "unknown" for ``None``."""
    if value is None or not math.isfinite(value):
        return "unknown"
    sign = "−" if value < 0 else ""
    size = abs(value)
    if size < 1000:
        return sign + _significant(size) if size < 1 else sign + f"{size:.0f}"
    return sign + _scaled(size)


def format_ms(ms: float | None) -> str:
    """Milliseconds with three significant digits; microseconds below 0.01 ms."""
    if ms is None or not math.isfinite(ms):
        return "unknown"
    if ms < 0:  # a difference: the faster of two
        return "−" + format_ms(-ms)
    if ms >= 1000:
        return f"{_significant(ms / 1000)} s"
    return f"{_significant(ms)} ms" if ms >= 0.01 else f"{_significant(ms * 1000)} µs"


def format_mb(mb: float | None) -> str:
    """Megabytes with three significant digits; kB and bytes for small files."""
    if mb is None or not math.isfinite(mb):
        return "unknown"
    if mb < 0:  # a difference: the smaller of two
        return "−" + format_mb(-mb)
    if mb >= 1000:
        return f"{_significant(mb / 1000)} GB"
    if mb >= 1:
        return f"{_significant(mb)} MB"
    return f"{_significant(mb * 1000)} kB" if mb >= 0.001 else f"{mb * 1e6:.0f} bytes"


def format_cpu_s(seconds: float | None) -> str:
    """CPU-seconds with three significant digits: "0.0123 CPU-s", "12.3 CPU-s"."""
    if seconds is None or not math.isfinite(seconds):
        return "unknown"
    return f"{_significant(seconds)} CPU-s"


#: Decimals a plain number may show: a smaller magnitude reads "0".
MAX_DECIMALS = 6


def format_number(value: float | None, *, signed: bool = False) -> str:
    """A measured figure without a unit of its own (an error in the target's unit, R², a
    difference) as people write it: three significant digits, digit groups from 1,000 up, at
    most six decimals, never scientific notation: "180,000", "4,210", "12.3", "0.734",
    "0.000597", "−0.000006", "0"; "+" in front of a positive value when ``signed``; "unknown"
    for ``None`` or NaN."""
    if value is None or not math.isfinite(value):
        return "unknown"
    size = abs(value)
    if size < 0.5 * 10**-MAX_DECIMALS:
        return "0"
    sign = "−" if value < 0 else ("+" if signed else "")
    decimals = 3 - 1 - math.floor(math.log10(size))
    rounded = round(size, min(decimals, MAX_DECIMALS))
    if rounded >= 1000:
        return f"{sign}{round(rounded, min(decimals, 0)):,.0f}"
    text = f"{rounded:.{max(0, min(decimals, MAX_DECIMALS))}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text == "0" else sign + text


def format_range(low: float | None, high: float | None, *, signed: bool = False) -> str:
    """An interval as "3,100 to 4,400" (each end by :func:`format_number`)."""
    return f"{format_number(low, signed=signed)} to {format_number(high, signed=signed)}"


def format_times(ratio: float) -> str:
    """A ratio of 1 or more as "1.3×", "12×" (two significant digits, whole from 10 up)."""
    return f"{ratio:.0f}×" if round(ratio, 1) >= 10 else f"{ratio:.1f}×"


def join_words(parts: Sequence[str]) -> str:
    """Phrases joined as a sentence lists them: "a", "a and b", "a, b and c"."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def money_ticks(low: float, high: float, count: int = 6) -> tuple[list[float], list[str]]:
    """Tick positions between ``low`` and ``high`` at a round step, labelled with
    :func:`format_usd` (plotly's own "$~s" writes "$70G" and "$300µ")."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        centre = low if math.isfinite(low) else 0.0
        return [centre], [format_usd(centre)]
    raw = (high - low) / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(0.0 if abs(value) < step * 1e-9 else value)
        value += step
    return ticks, [format_usd(t) for t in ticks]


def count_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Powers of ten between ``low`` and ``high`` (a log axis of counts), labelled "1k", "10M"."""
    if not (low > 0 and high > low):
        return [], []
    ticks = [10.0**e for e in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]
    ticks = [t for t in ticks if low / 1.0001 <= t <= high * 1.0001] or [low, high]
    return ticks, [format_count(t) for t in ticks]


def seconds_ticks(low: float, high: float) -> tuple[list[float], list[str]]:
    """Ticks of a log axis of seconds, labelled as people write durations ("10 ms", "1 s"):
    powers of ten, or 1-2-5 steps when the axis spans less than two of them."""
    if not (low > 0 and high > low):
        return [], []
    decades = range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
    powers = [10.0**e for e in decades if low / 1.0001 <= 10.0**e <= high * 1.0001]
    if len(powers) < 2:
        steps = [m * 10.0**e for e in decades for m in (1, 2, 5)]
        powers = [t for t in steps if low / 1.0001 <= t <= high * 1.0001] or [low, high]
    return powers, [format_ms(t * 1000) for t in powers]

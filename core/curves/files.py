"""Curves to and from ``curves.json``, every field checked: the file may come from anywhere."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from core.curves.model import (
    Curve,
    CurveForecast,
    CurvePoint,
    Curves,
)
from core.errors import ConfigError
from core.stats import (
    metric_info,
)

# --- to and from curves.json ---------------------------------------------------------------------

CURVES_FORMAT = "tradeoff-explorer curves"
CURVES_VERSION = 1


def curves_to_dict(curves: Curves) -> dict[str, Any]:
    return {"format": CURVES_FORMAT, "version": CURVES_VERSION, **asdict(curves)}


class CurvesFileError(ValueError):
    """A curves.json that is not one this app writes."""


def curves_from_dict(document: Any) -> Curves:
    """The curves of a ``curves.json``, every field checked (the file may come from anywhere)."""
    try:
        if not isinstance(document, dict) or document.get("format") != CURVES_FORMAT:
            raise CurvesFileError("it is not a curves file of this app")
        if document.get("version") != CURVES_VERSION:
            raise CurvesFileError(f"its version {document.get('version')!r} is not known")
        metric = _text(document["metric"])
        metric_info(metric)
        return Curves(
            metric,
            _int(document["train_rows"]),
            _int(document["held_out_rows"]),
            tuple(_curve(c) for c in _list(document["curves"])),
            _text(document["sentence"]),
            _text_or_none(document["decision"]),
            _float(document["seconds"]),
            _int(document["resamples"]),
            tuple(_text(n) for n in _list(document["notes"])),
        )
    except CurvesFileError:
        raise
    except (KeyError, TypeError, ValueError, ConfigError) as exc:
        raise CurvesFileError(f"it is damaged ({exc})") from exc


def _curve(d: Any) -> Curve:
    if not isinstance(d, dict):
        raise TypeError("a curve is not an object")
    return Curve(
        _text(d["name"]),
        _text(d["label"]),
        _text(d["family"]),
        tuple(_text(r) for r in _list(d["roles"])),
        tuple(_point(p) for p in _list(d["points"])),
        tuple(_curve_forecast(f) for f in _list(d["forecasts"])),
        _bool(d["trustworthy"]),
        _text(d["why_not"]),
        _float_or_none(d["time_exponent"]),
        _float_or_none(d["size_exponent"]),
        tuple(_text(p) for p in _list(d["problems"])),
    )


def _point(d: Any) -> CurvePoint:
    if not isinstance(d, dict):
        raise TypeError("a point is not an object")
    size = d["size_bytes"]
    return CurvePoint(
        _float(d["share"]),
        _int(d["rows"]),
        _float(d["metric"]),
        _float(d["low"]),
        _float(d["high"]),
        _float_or_none(d["train_s"]),
        None if size is None else _int(size),
        _bool(d["from_study"]),
    )


def _curve_forecast(d: Any) -> CurveForecast:
    if not isinstance(d, dict):
        raise TypeError("a forecast is not an object")
    return CurveForecast(
        _float(d["multiple"]),
        _int(d["rows"]),
        _float(d["metric"]),
        _float(d["low"]),
        _float(d["high"]),
        _float_or_none(d["train_s"]),
        _float_or_none(d["size_bytes"]),
    )


_MAX_TEXT = 2000


def _text(v: Any) -> str:
    if not isinstance(v, str) or len(v) > _MAX_TEXT:
        raise TypeError("a text field is not a short string")
    return v


def _text_or_none(v: Any) -> str | None:
    return None if v is None else _text(v)


def _int(v: Any) -> int:
    if type(v) is not int:
        raise TypeError("a count is not a whole number")
    return v


def _float(v: Any) -> float:
    if type(v) not in (int, float):
        raise TypeError("a figure is not a number")
    return float(v)


def _float_or_none(v: Any) -> float | None:
    return None if v is None else _float(v)


def _bool(v: Any) -> bool:
    if type(v) is not bool:
        raise TypeError("a flag is not true or false")
    return bool(v)


def _list(v: Any) -> list[Any]:
    if not isinstance(v, list) or len(v) > 1000:
        raise TypeError("a list is not a list")
    return v

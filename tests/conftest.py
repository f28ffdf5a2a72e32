"""Settings for every test."""

from __future__ import annotations

import core.figures

# Plotly checks every property of the charts the tests build (the app skips it for speed;
# tests/unit/test_runtimes.py checks that both give plotly.js the same chart).
core.figures.CHECK_PROPERTIES = True

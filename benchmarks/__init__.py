"""Benchmarks: `make bench` (``python -m benchmarks``). Timings live here, never in tests."""

"""Kindly's benchmarks: each module prints a table; `python -m benchmarks` runs them all."""

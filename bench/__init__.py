"""Benchmarks: speed, cost and scale of steadybot against the bare frameworks (docs/benchmarks.md)."""

"""Helpers for the test suite and the benchmarks, not used by the model: run invariants and a
one-machine Ray cluster."""

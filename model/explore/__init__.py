"""Exploration: calibration, global sensitivity (SALib) and scenario discovery (PRIM)."""

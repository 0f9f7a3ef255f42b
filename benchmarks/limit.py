"""How far a week of the engine is from the physical limit: one compiled pass over its firm state.

Every week the engine must at least read and write each firm's state once: the firm x
material arrays of the firms, the trade and the licence authority, the licence slots, the
goods in transit and the arrival slots a week touches. This measures those bytes on a built
model, times a plain compiled loop that reads and writes them once (x = a * x + b), and
compares it with the engine's time per week at the same size:

    python benchmarks/limit.py [firms]     # prints JSON; `make bench` runs it at 10,000 firms
"""

from __future__ import annotations

import json
import statistics
import sys
import time

import numpy as np
from numba import njit

from model.config import build_spec
from model.config.compose import compose_config
from model.sim.greyzone import GreyzoneModel

ARRIVAL_SLOTS_TOUCHED = 4  # this week's arrivals, and the slots China, non-China and spot ship into


def firm_state(model: GreyzoneModel) -> list[np.ndarray]:
    """The arrays of per-firm state a week works on (each once, views of others excluded)."""
    n_firms = model.firms.n_firms
    found: dict[int, np.ndarray] = {}

    def visit(value: object, depth: int) -> None:
        if isinstance(value, np.ndarray):
            if value.ndim >= 2 and value.shape[0] == n_firms and value.base is None:
                found.setdefault(id(value), value)
            return
        if depth == 0:
            return
        if isinstance(value, tuple):
            for item in value:
                visit(item, depth - 1)
        elif hasattr(value, "__dict__") and not isinstance(value, type):
            for item in vars(value).values():
                visit(item, depth - 1)

    for part in (model.firms, model.trade, model.authority, model.embedded):
        visit(part, 3)
    pipeline = model.pipeline
    visit(pipeline.in_transit, 0)
    arrays = list(found.values())
    arrays.append(pipeline.arrivals[:ARRIVAL_SLOTS_TOUCHED].copy())  # the slots a week touches
    return arrays


@njit(cache=True)
def _one_pass(state, scale, shift):  # pragma: no cover - compiled
    """Read and write every byte of `state` once: x = scale * x + shift."""
    for i in range(state.size):
        state[i] = scale * state[i] + shift


def measure(n_firms: int, weeks: int = 60, repeats: int = 30) -> dict:
    overrides = ["scenario=ambiguous_curbs", f"run.firms={n_firms}", f"run.horizon_weeks={weeks}"]
    spec = build_spec(compose_config(overrides))
    GreyzoneModel(spec, 99).run()  # compile and warm up
    model = GreyzoneModel(spec, 0)
    tick = time.perf_counter()
    model.run()
    engine_week_s = (time.perf_counter() - tick) / weeks
    arrays = firm_state(model)
    state_bytes = int(sum(a.nbytes for a in arrays))
    flat = np.concatenate([a.astype(np.float64, copy=False).ravel() for a in arrays])
    flat = np.resize(flat, state_bytes // 8)  # the same number of bytes, as float64
    _one_pass(flat, 1.0, 0.0)
    times = []
    for _ in range(repeats):
        tick = time.perf_counter()
        _one_pass(flat, 1.0, 0.0)
        times.append(time.perf_counter() - tick)
    pass_s = statistics.median(times)
    return {
        "firms": n_firms,
        "state_arrays": len(arrays),
        "state_mib": state_bytes / 2**20,
        "engine_week_s": engine_week_s,
        "one_pass_s": pass_s,
        "one_pass_gb_per_s": 2 * state_bytes / pass_s / 1e9,  # read and write
        "engine_in_passes": engine_week_s / pass_s,
        "limit_firm_steps_per_s": n_firms / pass_s,
        "engine_firm_steps_per_s": n_firms / engine_week_s,
    }


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)))

"""Median wall time of one default replication (engine, recorder, outcomes) over 7 runs after a warm-up.

    python benchmarks/replication_time.py [overrides...]

Run from another checkout with PYTHONPATH=<checkout> to compare versions on one machine.
"""

import statistics
import sys
import time

from hydra import compose, initialize_config_dir

import model
from model.config.paths import CONFIG_DIR
from model.config.spec import build_spec
from model.sim.greyzone import GreyzoneModel
from model.sim.outcomes import compute_outcomes

with initialize_config_dir(str(CONFIG_DIR), version_base="1.3"):
    cfg = compose("config", overrides=sys.argv[1:])
spec = build_spec(cfg)


def one(r):
    t = time.perf_counter()
    m = GreyzoneModel(spec, r)
    m.run()
    compute_outcomes(m.recorder.result(), spec, m.china.events)
    return time.perf_counter() - t


one(0)
times = [one(r) for r in range(1, 8)]
print(
    model.__file__,
    sys.argv[1:],
    f"median {statistics.median(times):.3f} s, min {min(times):.3f}, max {max(times):.3f}",
)

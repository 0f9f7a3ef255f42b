"""Resource guard: refuse, before anything runs, a job whose memory would exceed the machine's.

The estimate follows the engine's arrays: per firm and material, the state arrays, the
shipment pipeline (one slot per week of the longest lead time) and the licence slots; per
recorded week, the weekly rows of one replication; per replication, its fan paths. The
coefficients below were measured with `python benchmarks/memory.py` (benchmarks/memory.md
compares the estimate with measured peaks).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from model.config.errors import ConfigError
from model.config.spec import ModelSpec
from model.results.fans import MATERIAL_SERIES, SCALAR_SERIES
from model.sim.logistics import pipeline_weeks
from model.sim.recorder import MATERIAL_METRICS, SCALAR_METRICS, SECTOR_METRICS

MIB = 2**20
GIB = 2**30
BASE_BYTES = 420 * MIB  # interpreter, libraries, compiled kernels, one replication's fixed state
FIRM_MATERIAL_ARRAYS = 70  # float64 arrays of firms x materials alive during a week (state, temporaries)
LICENCE_SLOT_BYTES = 18  # quantity 8, due 4, submitted 4, approved 1, lapsed 1 per open application
WEEKLY_ROW_BYTES = 120  # one tidy weekly row while it is built and converted to Arrow
OUTCOME_ROWS_PER_REPLICATION, OUTCOME_ROW_BYTES = 800, 200


@dataclass(frozen=True)
class MemoryEstimate:
    """Bytes a job needs, by what drives them."""

    fixed: float
    firms: float  # firms x materials
    weeks: float  # recorded weeks (one replication's weekly rows)
    replications: float  # kept per replication (fan paths, outcomes)

    @property
    def total(self) -> float:
        return self.fixed + self.firms + self.weeks + self.replications

    def knob(self) -> str:
        """The setting that drives most of the estimate."""
        drivers = {
            "run.firms": self.firms,
            "run.horizon_weeks": self.weeks,
            "run.replications": self.replications,
        }
        return max(drivers, key=drivers.__getitem__)


def estimate_memory(spec: ModelSpec) -> MemoryEstimate:
    """Peak memory of one job (one process) for `spec`."""
    run, seeds = spec.run, spec.seeds
    materials = len(seeds.materials.names)
    licensed_share = float(seeds.materials.controlled.mean())
    lic, log = seeds.licensing, seeds.logistics
    slots = pipeline_weeks(lic, log)
    per_cell = (
        8 * (FIRM_MATERIAL_ARRAYS + slots) + LICENCE_SLOT_BYTES * lic.max_open_applications * licensed_share
    )
    weeks = run.horizon_weeks + 1
    rows_per_week = (
        len(MATERIAL_METRICS) * materials
        + len(SECTOR_METRICS) * len(seeds.sectors.names)
        + len(SCALAR_METRICS)
    )
    fan_bytes = 8 * weeks * (len(MATERIAL_SERIES) * len(run.fan_materials) + len(SCALAR_SERIES))
    per_replication = fan_bytes + OUTCOME_ROWS_PER_REPLICATION * OUTCOME_ROW_BYTES
    return MemoryEstimate(
        fixed=BASE_BYTES,
        firms=run.firms * materials * per_cell,
        weeks=weeks * rows_per_week * WEEKLY_ROW_BYTES,
        replications=run.replications * per_replication,
    )


def available_memory() -> float:
    """Memory this process may still use: the smaller of the machine's available memory and
    the container's (cgroup) limit."""
    limits = []
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                limits.append(float(line.split()[1]) * 1024)
    cgroup = Path("/sys/fs/cgroup")
    with contextlib.suppress(OSError, ValueError):  # no cgroup v2 limit here: the machine's memory counts
        limit = (cgroup / "memory.max").read_text().strip()
        if limit != "max":
            used = float((cgroup / "memory.current").read_text().strip())
            limits.append(float(limit) - used)
    if not limits:
        limits.append(float(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")))
    return max(min(limits), 0.0)


def check_memory(
    spec: ModelSpec,
    workers: int = 1,
    available: float | None = None,
    workers_key: str = "hydra.launcher.n_jobs",
) -> MemoryEstimate:
    """Refuse (one-line `ConfigError`) a job that would not fit in memory; return the estimate.

    workers: jobs (or a job's replication processes) that run at the same time, set by
    `workers_key`.
    """
    estimate = estimate_memory(spec)
    have = available_memory() if available is None else available
    need = estimate.total * workers
    if need > have:
        run = spec.run
        knob = estimate.knob()
        lower = f"lower {knob} (now {_current(spec, knob)})"
        if workers > 1:
            lower += f" or {workers_key} (now {workers} at once)"
        raise ConfigError(
            knob,
            f"estimated memory {need / GIB:.1f} GiB ({run.firms:,} firms x "
            f"{len(spec.seeds.materials.names)} materials x {run.horizon_weeks} weeks x "
            f"{run.replications} replications{f' x {workers} workers' if workers > 1 else ''}) "
            f"exceeds the {have / GIB:.1f} GiB this machine has available; {lower}",
        )
    return estimate


def _current(spec: ModelSpec, knob: str) -> str:
    value = getattr(spec.run, knob.split(".")[1])
    return f"{value:,}"

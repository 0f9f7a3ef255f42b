"""The same sweep through different Hydra launchers gives byte-identical aggregates."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

GREYZONE = Path(sys.executable).parent / "greyzone"
SWEEP = [
    "-m",
    "scenario=ambiguous_curbs,blanket_ban,end_use_ban",
    "run.replications=2",
    "run.firms=60",
    "run.horizon_weeks=60",
    "run.spinup_weeks=8",
    "run.progress=false",
]
AGGREGATE = ("outcomes.parquet", "summary.csv", "fan_quantiles.parquet", "jobs.csv", "sweep_plan.json")


def _sweep(root: Path, *launcher: str) -> Path:
    done = subprocess.run(
        [str(GREYZONE), *SWEEP, *launcher, f"hydra.sweep.dir={root}"],
        cwd=root.parent,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return root


@pytest.fixture(scope="module")
def joblib_sweep(tmp_path_factory) -> Path:
    return _sweep(tmp_path_factory.mktemp("joblib") / "sweep", "hydra.launcher.n_jobs=2")


def test_submitit_local_gives_the_joblib_aggregate(joblib_sweep: Path, tmp_path: Path) -> None:
    submitit = _sweep(tmp_path / "sweep", "hydra/launcher=submitit_local")
    assert (submitit / ".submitit").is_dir()  # the jobs really went through submitit
    for name in AGGREGATE:
        assert (submitit / name).read_bytes() == (joblib_sweep / name).read_bytes(), name

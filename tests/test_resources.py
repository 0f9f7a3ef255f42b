"""The resource guard: a job that would not fit in memory is refused before it starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.config import ConfigError
from model.config.compose import compose_config
from model.runs.cli import parallel_jobs
from model.runs.job import run_job
from model.runs.resources import GIB, available_memory, check_memory, estimate_memory
from tests.conftest import small_spec


def test_the_estimate_grows_with_firms_weeks_and_replications() -> None:
    base = estimate_memory(small_spec())
    more_firms = estimate_memory(small_spec("run.firms=8000"))
    more_weeks = estimate_memory(small_spec("run.horizon_weeks=1000"))
    more_reps = estimate_memory(small_spec("run.replications=5000"))
    assert more_firms.firms == pytest.approx(base.firms * 100)
    assert more_weeks.weeks > base.weeks * 6
    assert more_reps.replications == pytest.approx(base.replications * 2500)
    assert (more_firms.knob(), more_weeks.knob(), more_reps.knob()) == (
        "run.firms",
        "run.horizon_weeks",
        "run.replications",
    )


def test_a_job_above_the_memory_available_is_refused_naming_the_knob() -> None:
    spec = small_spec("run.firms=400000")
    need = estimate_memory(spec).total
    check_memory(spec, available=need * 1.01)  # fits
    with pytest.raises(ConfigError) as caught:
        check_memory(spec, available=need * 0.99)
    message = str(caught.value)
    assert message.startswith("run.firms: estimated memory")
    assert "400,000 firms x 9 materials" in message and "lower run.firms (now 400,000)" in message


def test_parallel_workers_multiply_the_need_and_are_named() -> None:
    spec = small_spec()
    need = estimate_memory(spec).total
    check_memory(spec, workers=1, available=need * 1.5)
    with pytest.raises(ConfigError, match=r"x 2 workers.*or hydra\.launcher\.n_jobs \(now 2 at once\)"):
        check_memory(spec, workers=2, available=need * 1.5)


def test_the_machine_reports_some_memory() -> None:
    assert 0.1 * GIB < available_memory() < 2**50


def test_run_job_refuses_before_creating_anything(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"run\.firms: estimated memory"):
        run_job(compose_config(["run.firms=300000000"]), tmp_path / "run", show_table=False)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(
    ("launcher", "at_once"),
    [
        (["hydra.launcher.n_jobs=2"], 2),  # joblib: n_jobs
        (["hydra/launcher=submitit_local"], 5),  # every job at once on this machine
        (["hydra/launcher=slurm"], 1),  # one job per cluster node slot
        (["hydra/launcher=ray"], 1),
    ],
)
def test_the_guard_counts_the_jobs_each_launcher_runs_here_at_once(launcher: list[str], at_once: int) -> None:
    cfg = compose_config(launcher, with_hydra=True)
    assert parallel_jobs(cfg, 5) == at_once

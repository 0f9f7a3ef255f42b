"""Crash safety and resume: a real sweep killed with SIGKILL, then resumed with the same
command plus run.resume=true, ends with the aggregate of an uninterrupted run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from model.results.files import PLAN
from tests.conftest import kill_when

GREYZONE = Path(sys.executable).parent / "greyzone"
REPORT = Path(sys.executable).parent / "greyzone-report"
COMMAND = [
    str(GREYZONE),
    "-m",
    "scenario=ambiguous_curbs,blanket_ban,targeted_heavy,end_use_ban",
    "run.replications=6",
    "run.firms=60",
    "run.horizon_weeks=120",
    "run.spinup_weeks=13",
    "hydra.launcher.n_jobs=2",
]
AGGREGATE = ("outcomes.parquet", "summary.csv", "fan_quantiles.parquet", "jobs.csv", PLAN)


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def _sweep_dir(cwd: Path) -> Path:
    found = [p.parent for p in cwd.glob(f"outputs/sweeps/*/*/{PLAN}")]
    assert len(found) == 1, found
    return found[0]


def _state(cwd: Path) -> tuple[int, int]:
    """(finished jobs, unfinished jobs with at least one saved replication)."""
    finished = len(list(cwd.glob("outputs/sweeps/*/*/*/run.json")))
    partial = sum(
        1
        for job in cwd.glob("outputs/sweeps/*/*/*/.replications")
        if not (job.parent / "run.json").exists()
        and any(p.is_dir() and not p.name.endswith(".partial") for p in job.glob("r*"))
    )
    return finished, partial


def _kill_part_way(cwd: Path) -> None:
    """Start the sweep and SIGKILL it (and its workers) once one job has finished and another
    has saved some but not all of its replications."""

    def part_way() -> bool:
        finished, partial = _state(cwd)
        return finished >= 1 and partial >= 1

    kill_when(COMMAND, cwd, part_way, "one job finished and another part-way", env=_env())


@pytest.mark.slow  # make test-all
def test_a_sweep_killed_with_sigkill_resumes_to_the_aggregate_of_an_uninterrupted_run(tmp_path: Path) -> None:
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    whole.mkdir(), killed.mkdir()
    done = subprocess.run(COMMAND, cwd=whole, env=_env(), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr

    _kill_part_way(killed)
    sweep = _sweep_dir(killed)
    assert not (sweep / "outcomes.parquet").exists()  # the killed sweep never aggregated
    finished = {p.parent.name: p.read_bytes() for p in sweep.glob("*/run.json")}
    assert 1 <= len(finished) < 4
    part_way = [
        p.parent.name
        for p in sweep.glob("*/.replications")
        if p.parent.name not in finished and any(p.glob("r*"))
    ]
    assert part_way

    # a report on the killed sweep names the unfinished jobs and aggregates only the finished ones
    report = subprocess.run([str(REPORT), str(sweep)], capture_output=True, text=True, timeout=300)
    assert report.returncode == 1
    assert "incomplete: started but never finished" in report.stderr
    jobs = (sweep / "jobs.csv").read_text()
    assert "incomplete" in jobs or "missing" in jobs

    resumed = subprocess.run(
        [*COMMAND, "run.resume=true"], cwd=killed, env=_env(), capture_output=True, text=True, timeout=600
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming {sweep.relative_to(killed)}" in resumed.stderr
    for name, before in finished.items():  # finished jobs were skipped, not rerun
        assert (sweep / name / "run.json").read_bytes() == before
        assert "already complete" in (sweep / name / "greyzone.log").read_text()
    for name in part_way:  # part-way jobs kept their saved replications
        assert "already done; to run:" in (sweep / name / "greyzone.log").read_text()
    whole_sweep = _sweep_dir(whole)
    for name in AGGREGATE:
        assert (sweep / name).read_bytes() == (whole_sweep / name).read_bytes(), name
    assert not list(sweep.glob("*/.replications"))  # checkpoints are gone once jobs finish


def test_resume_without_an_earlier_sweep_says_so(tmp_path: Path) -> None:
    done = subprocess.run(
        [*COMMAND, "run.resume=true"], cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("greyzone: error: run.resume: no earlier sweep of this command"), line
    assert not (tmp_path / "outputs").exists()


def test_a_sweep_directory_holding_a_sweep_is_never_reused_without_resume(tmp_path: Path) -> None:
    sweep = tmp_path / "s"
    sweep.mkdir()
    (sweep / PLAN).write_text(json.dumps({"jobs": []}))
    command = [
        *COMMAND[:2],
        "scenario=ambiguous_curbs,blanket_ban",
        "run.replications=1",
        f"hydra.sweep.dir={sweep}",
    ]
    done = subprocess.run(command, cwd=tmp_path, env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "already holds a sweep; add run.resume=true" in done.stderr
    assert sorted(p.name for p in sweep.iterdir()) == [PLAN]

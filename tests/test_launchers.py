"""The same sweep, and the same study, through different Hydra launchers give byte-identical
results: joblib (the default), submitit_local, and Ray on a real local cluster."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from model.testing.faults import kill_a_job_part_way
from model.testing.raycluster import LOOPBACK, local_ray_cluster
from tests.conftest import kill_when

# Slow (make test-all); one xdist worker runs the module, so its sweeps and studies run once.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("launchers")]
BIN = Path(sys.executable).parent
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
STUDY = [
    "explore=morris",
    "explore.trajectories=2",
    "explore.include=[licensing.*]",
    "explore.chunk_size=4",
    "run.firms=40",
    "run.horizon_weeks=52",
    "run.spinup_weeks=8",
]
STUDY_FILES = ("design.parquet", "morris.parquet", "space.parquet", "top_parameters.yaml")


def _run(command: str, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a greyzone command to success; its log (stdout and stderr)."""
    done = subprocess.run(
        [str(BIN / command), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout + done.stderr


def _sweep(root: Path, *launcher: str, env: dict[str, str] | None = None) -> Path:
    _run("greyzone", [*SWEEP, *launcher, f"hydra.sweep.dir={root}"], root.parent, env)
    return root


def _study(root: Path, *launcher: str, env: dict[str, str] | None = None) -> Path:
    multirun = ["-m", f"hydra.sweep.dir={root}"] if launcher else [f"hydra.run.dir={root}"]
    _run("greyzone-explore", [*multirun, *STUDY, *launcher], root.parent, env)
    return root


def _killed_study(cwd: Path, chunks: int) -> tuple[Path, int]:
    """Start the study as joblib jobs (one at a time) in its default directory under `cwd`, and
    SIGKILL it, with every process it started, once `chunks` chunks are saved; the study's
    directory and the number of chunks saved."""
    pattern = "outputs/explore/*/*_morris/.chunks/morris/chunk_*.json"
    command = [str(BIN / "greyzone-explore"), "-m", *STUDY, "hydra.launcher.n_jobs=1"]
    kill_when(command, cwd, lambda: len(list(cwd.glob(pattern))) >= chunks, f"{chunks} chunks were saved")
    saved = list(cwd.glob(pattern))
    root = saved[0].parents[2]
    assert not (root / "study.json").exists()
    return root, len(saved)


def _same(left: Path, right: Path, names: tuple[str, ...]) -> None:
    for name in names:
        assert (left / name).read_bytes() == (right / name).read_bytes(), name


@pytest.fixture(scope="session")  # module scope reruns it when xdist interleaves modules
def joblib_sweep(tmp_path_factory) -> Path:
    return _sweep(tmp_path_factory.mktemp("joblib") / "sweep", "hydra.launcher.n_jobs=2")


@pytest.fixture(scope="session")  # module scope reruns it when xdist interleaves modules
def local_study(tmp_path_factory) -> Path:
    """The study run in one process (no launcher): the reference."""
    return _study(tmp_path_factory.mktemp("local") / "study")


def test_submitit_local_gives_the_joblib_aggregate(joblib_sweep: Path, tmp_path: Path) -> None:
    submitit = _sweep(tmp_path / "sweep", "hydra/launcher=submitit_local")
    assert (submitit / ".submitit").is_dir()  # the jobs really went through submitit
    _same(submitit, joblib_sweep, AGGREGATE)


def test_study_chunks_as_joblib_jobs_give_the_local_study(local_study: Path, tmp_path: Path) -> None:
    study = _study(tmp_path / "study", "hydra.launcher.n_jobs=2")
    assert sorted(p.name for p in (study / "jobs" / "morris").iterdir()) == [str(i) for i in range(9)]
    _same(study, local_study, STUDY_FILES)
    assert "as JoblibLauncher jobs" in (study / "report.md").read_text()


def test_study_chunks_as_submitit_jobs_give_the_local_study(local_study: Path, tmp_path: Path) -> None:
    study = _study(tmp_path / "study", "hydra/launcher=submitit_local")
    assert (study / ".submitit").is_dir()
    _same(study, local_study, STUDY_FILES)


# Ray: a real one-machine cluster on the loopback interface ------------------------------------
@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[str]:
    """`ray start --head` bound to 127.0.0.1 (2 CPUs), stopped after the module's tests."""
    with local_ray_cluster(cpus=2) as address:
        yield address


@pytest.mark.cluster
def test_ray_cluster_gives_the_joblib_aggregate(ray_cluster: str, joblib_sweep: Path, tmp_path: Path) -> None:
    ray = _sweep(
        tmp_path / "sweep", "hydra/launcher=ray", f"hydra.launcher.address={ray_cluster}", env=LOOPBACK
    )
    assert (ray / "0_ambiguous_curbs" / "run.json").exists()
    _same(ray, joblib_sweep, AGGREGATE)


@pytest.mark.cluster
def test_study_chunks_on_ray_give_the_local_study(
    ray_cluster: str, local_study: Path, tmp_path: Path
) -> None:
    study = _study(
        tmp_path / "study", "hydra/launcher=ray", f"hydra.launcher.address={ray_cluster}", env=LOOPBACK
    )
    assert "as RayLauncher jobs" in (study / "report.md").read_text()
    _same(study, local_study, STUDY_FILES)


@pytest.mark.cluster
def test_killed_study_resumes_on_ray(ray_cluster: str, local_study: Path, tmp_path: Path) -> None:
    """Stopped under joblib with some chunks saved, resumed on Ray: only the rest run."""
    root, saved = _killed_study(tmp_path, chunks=2)
    log = _run(
        "greyzone-explore",
        ["-m", *STUDY, "run.resume=true", "hydra/launcher=ray", f"hydra.launcher.address={ray_cluster}"],
        tmp_path,
        env=LOOPBACK,
    )
    assert f"resuming {root.relative_to(tmp_path)}" in log, log[-2000:]  # found by itself
    assert f"{saved} of 9 chunks already saved" in log, log[-2000:]
    assert f"launching {9 - saved} chunk jobs" in log, log[-2000:]
    _same(root, local_study, STUDY_FILES)


@pytest.mark.cluster
def test_unfinished_sweep_job_resumes_on_ray(ray_cluster: str, joblib_sweep: Path, tmp_path: Path) -> None:
    """A sweep whose job 1 did not finish: resumed on Ray, only that job runs again."""
    root = _sweep(tmp_path / "sweep", "hydra.launcher.n_jobs=2")
    finished = (root / "0_ambiguous_curbs" / "run.json").read_bytes()
    (root / "1_blanket_ban" / "run.json").unlink()
    args = ["run.resume=true", "hydra/launcher=ray", f"hydra.launcher.address={ray_cluster}"]
    _sweep(root, *args, env=LOOPBACK)
    assert (root / "0_ambiguous_curbs" / "run.json").read_bytes() == finished  # skipped, not rerun
    assert (root / "1_blanket_ban" / "run.json").exists()
    _same(root, joblib_sweep, AGGREGATE)


@pytest.mark.cluster
def test_a_ray_worker_killed_mid_job_is_retried_to_the_same_aggregate(
    ray_cluster: str, tmp_path: Path
) -> None:
    """SIGKILL the Ray worker running a job once it has saved a replication: Ray reruns the task,
    the rerun takes over the dead worker's lock and continues its checkpoints, and the sweep's
    aggregate equals an uninterrupted sweep's."""
    longer = [a if not a.startswith("run.replications=") else "run.replications=12" for a in SWEEP]
    killed = tmp_path / "killed" / "sweep"
    killed.parent.mkdir()
    command = [
        str(BIN / "greyzone"),
        *longer,
        "hydra/launcher=ray",
        f"hydra.launcher.address={ray_cluster}",
        f"hydra.sweep.dir={killed}",
    ]
    sweep = subprocess.Popen(
        command,
        cwd=killed.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **LOOPBACK},
    )
    victim = kill_a_job_part_way(killed, sweep)
    log, _ = sweep.communicate(timeout=600)
    assert victim is not None, f"no job was caught part-way: {log[-2000:]}"
    assert sweep.returncode == 0, log[-3000:]
    job_log = "".join(p.read_text() for p in victim[0].glob("*.log")) + log
    assert f"taking over the lock left by pid {victim[1]}" in job_log, job_log[-3000:]
    reference = tmp_path / "whole" / "sweep"
    reference.parent.mkdir()
    _run("greyzone", [*longer, "hydra.launcher.n_jobs=2", f"hydra.sweep.dir={reference}"], reference.parent)
    _same(killed, reference, AGGREGATE)

"""`greyzone-explore -m` in process: a study's chunks sent to a (stand-in) Hydra launcher, a
failed chunk job stops the study with the saved chunks kept, and a resume runs the rest."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pytest
from hydra.core.utils import JobReturn, JobStatus
from hydra.plugins.launcher import Launcher
from omegaconf import OmegaConf

from model.config.compose import compose_config
from model.explore.evaluate import TASK
from model.explore.jobs import LauncherDispatch, StudyJobsError, chunk_ranges, is_chunk_job, run_chunk_job
from model.explore.studies import run_study

SETTINGS = (
    "explore=morris",
    "explore.trajectories=2",
    "explore.include=[licensing.*]",
    "explore.chunk_size=4",
    "explore.workers=1",
    "run.firms=40",
    "run.horizon_weeks=60",
    "run.spinup_weeks=8",
    "run.progress=false",
)


class InProcessLauncher(Launcher):
    """Runs each job's chunk here, as a launcher's job would; jobs in `fail` fail."""

    def __init__(self, sweep_dir: Path, fail: Sequence[int] = ()) -> None:
        self.sweep_dir, self.fail, self.chunks = sweep_dir, set(fail), []

    def setup(self, **kwargs) -> None:  # the Launcher interface; nothing to set up here
        return None

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        results = []
        for overrides in job_overrides:
            cfg = compose_config([*SETTINGS, *overrides], config_name="explore")
            assert is_chunk_job(cfg)
            chunk = int(cfg.explore.job.chunk)
            self.chunks.append(chunk)
            result = JobReturn()
            if chunk in self.fail:
                result.status, result.return_value = JobStatus.FAILED, RuntimeError(f"node lost ({chunk})")
            else:
                result.status, result.return_value = (
                    JobStatus.COMPLETED,
                    str(run_chunk_job(cfg, self.sweep_dir)),
                )
            results.append(result)
        return results


def _study(out: Path, launcher: Launcher | None, *extra: str, batch: int | None = None) -> Path:
    cfg = compose_config([*SETTINGS, *extra], config_name="explore")
    dispatch = LauncherDispatch(launcher, batch) if launcher is not None else None
    return run_study(cfg, out, ["explore=morris"], dispatch=dispatch, launcher="InProcessLauncher")


@pytest.mark.slow  # make test-all
def test_chunk_jobs_give_the_local_study_and_a_failed_job_is_resumable(tmp_path: Path) -> None:
    local = _study(tmp_path / "local", None).parent
    out = tmp_path / "jobs"
    failing = InProcessLauncher(out, fail=[2, 3, 7])
    with pytest.raises(
        StudyJobsError, match=r"3 of 9 chunk jobs did not save .*chunks 2-3, 7.*node lost \(2\)"
    ):
        _study(out, failing, batch=4)
    assert failing.chunks == list(range(9))  # every batch ran; the failures are named at the end
    saved = sorted(p.name for p in (out / ".chunks" / "morris").glob("chunk_*.parquet"))
    assert len(saved) == 6 and (out / ".chunks" / "morris" / TASK).exists()
    assert not (out / "study.json").exists()

    again = InProcessLauncher(out)
    _study(out, again, "run.resume=true")
    assert again.chunks == [2, 3, 7]  # only the chunks not saved
    for name in ("design.parquet", "morris.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(local / name))
    assert "as InProcessLauncher jobs" in (out / "report.md").read_text()
    assert not (out / ".chunks").exists()


def test_a_chunk_job_needs_the_saved_task(tmp_path: Path) -> None:
    cfg = compose_config(
        [*SETTINGS, "explore.job.design=morris", "explore.job.chunk=0"], config_name="explore"
    )
    with pytest.raises(FileNotFoundError):
        run_chunk_job(cfg, tmp_path)
    assert not is_chunk_job(compose_config(list(SETTINGS), config_name="explore"))
    assert OmegaConf.select(cfg, "explore.job.chunk") == 0


def test_ranges_name_chunks_compactly() -> None:
    assert chunk_ranges([7, 1, 2, 3, 9]) == "1-3, 7, 9"
    assert chunk_ranges([]) == ""

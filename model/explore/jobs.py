"""`greyzone-explore -m`: a study's design chunks as Hydra launcher jobs.

The study itself (design, analysis, report) runs in the sweeper's process; each job runs one
chunk of `explore.chunk_size` points from the task file the study saved, and saves its rows
beside it. The files are the same as a local study's, and a resumed study launches only the
chunks not yet saved, under any launcher.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.utils import JobReturn, JobStatus
from hydra.experimental.callback import Callback
from hydra.plugins.launcher import Launcher
from omegaconf import DictConfig

from model.explore.evaluate import chunk_file, run_saved_chunk
from model.results.files import STUDY_CHECKPOINTS

log = logging.getLogger(__name__)


class StudyJobsError(RuntimeError):
    """Some chunk jobs of a study failed; the saved chunks are kept for a resume."""


def job_overrides(checkpoint: Path, todo: Sequence[int]) -> list[list[str]]:
    """The overrides of one launcher job per chunk of the design saved in `checkpoint`."""
    return [[f"explore.job.design={checkpoint.name}", f"explore.job.chunk={index}"] for index in todo]


def is_chunk_job(cfg: DictConfig) -> bool:
    """Whether this Hydra job runs one chunk of a study (set by the study's sweeper)."""
    return cfg.explore.get("job") is not None and cfg.explore.job.get("design") is not None


def run_chunk_job(cfg: DictConfig, sweep_dir: Path) -> Path:
    """Run the chunk this job names; return the saved chunk file."""
    job = cfg.explore.job
    tick = time.perf_counter()
    path = run_saved_chunk(Path(sweep_dir) / STUDY_CHECKPOINTS / str(job.design), int(job.chunk))
    log.info("%s chunk %d: saved in %.1f s -> %s", job.design, job.chunk, time.perf_counter() - tick, path)
    return path


class LauncherDispatch:
    """Sends a design's unsaved chunks to a Hydra launcher, `batch_size` jobs at a time."""

    def __init__(self, launcher: Launcher, batch_size: int | None = None) -> None:
        self.launcher = launcher
        self.batch_size = batch_size
        self.launched = 0

    def __call__(self, checkpoint: Path, todo: list[int]) -> None:
        jobs = job_overrides(checkpoint, todo)
        size = self.batch_size or len(jobs)
        results: list[JobReturn] = []
        log.info("%s: launching %d chunk jobs (%s)", checkpoint.name, len(jobs), type(self.launcher).__name__)
        for start in range(0, len(jobs), size):
            batch = jobs[start : start + size]
            results.extend(self.launcher.launch(batch, initial_job_idx=self.launched))
            self.launched += len(batch)
            failed = sum(r.status == JobStatus.FAILED for r in results)
            log.info(
                "%s: chunk jobs finished: %d/%d (%d failed)", checkpoint.name, len(results), len(jobs), failed
            )
        failed = [index for index, r in zip(todo, results, strict=True) if r.status == JobStatus.FAILED]
        missing = [
            index
            for index in todo
            if index not in failed and not chunk_file(checkpoint, index).with_suffix(".json").exists()
        ]
        if failed or missing:
            first = next((r for r in results if r.status == JobStatus.FAILED), None)
            error = first._return_value if first is not None else None  # the exception, not re-raised
            cause = f"; first error: {type(error).__name__}: {error}" if error is not None else ""
            raise StudyJobsError(
                f"{checkpoint.name}: {len(failed) + len(missing)} of {len(todo)} chunk jobs did not save "
                f"their points (chunks {chunk_ranges(failed + missing)}){cause}; the saved chunks are kept: "
                "rerun the same command with run.resume=true"
            )


def chunk_ranges(numbers: Sequence[int]) -> str:
    """1,2,3,7 -> '1-3, 7'."""
    spans: list[list[int]] = []
    for n in sorted(numbers):
        if spans and n == spans[-1][1] + 1:
            spans[-1][1] = n
        else:
            spans.append([n, n])
    return ", ".join(f"{a}-{b}" if a != b else str(a) for a, b in spans)


class StudyEndCallback(Callback):
    """At the end of `greyzone-explore -m`: name the study's report (the study writes it)."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        report = Path(config.hydra.sweep.dir) / "report.md"
        if report.exists():
            log.info("study report: %s", report)

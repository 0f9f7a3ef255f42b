"""One job: a scenario's replications, written to a run directory.

`run_job` is the plain function behind the Hydra app; tests and notebooks call it with a
composed config. Each replication is checkpointed as it finishes (model/runs/checkpoint.py); the
job's files are assembled from the checkpoints under temporary names and renamed into place;
`run.json` (status "complete") is written last and marks a finished run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
import shutil
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from model import __version__
from model.config import posterior
from model.config.paths import REPO_ROOT
from model.config.spec import ModelSpec, build_spec, to_container
from model.results.fans import FanPaths
from model.results.files import (
    FAILED,
    MARKER,
    read_marker,
    verify_run,
    write_atomic_parquet,
    write_atomic_text,
)
from model.results.integrity import DamagedFileError, listing
from model.results.lock import DirectoryLock
from model.results.plots import fan_chart
from model.results.report import write_report
from model.results.summary import format_table, percentile_table
from model.runs.checkpoint import Checkpoints, fingerprint
from model.runs.directory import ParquetStream, RunDirectoryError, prepare_run_dir
from model.runs.replicate import replicate
from model.runs.resources import check_memory
from model.sim.agents.china import PolicyEvent
from model.sim.recorder import WeeklySeries

log = logging.getLogger(__name__)

PACKAGES = ("mesa", "numpy", "pandas", "pyarrow", "hydra-core", "omegaconf", "matplotlib")
FILES = {
    "weekly.parquet": "weekly series, tidy: replication, week, date, metric, material, sector, value",
    "outcomes.parquet": "outcomes per replication, tidy: replication, outcome, material, sector, value",
    "policy_events.parquet": (
        "China's policy changes: replication, week, date, instrument, intensity, formal, cause, kind"
    ),
    "summary.csv": "headline outcomes, percentiles 5/50/95 across replications",
    "fan_chart.png": "fan chart: shortfall, prices, China's share, value added lost (single runs)",
    MARKER: (
        "run metadata (seed, versions, git commit) and every file's size and SHA-256; written last, "
        "marks a finished run"
    ),
    "report.md": "the run's report (tables and figures/); `greyzone-report DIR` regenerates it",
}


@dataclass
class JobResult:
    """What a finished job produced (also on disk in `output_dir`)."""

    output_dir: Path
    spec: ModelSpec
    outcomes: pd.DataFrame
    fan: pd.DataFrame
    events: pd.DataFrame
    summary: pd.DataFrame
    metadata: dict[str, Any]


def run_job(
    cfg: DictConfig | Mapping[str, Any],
    output_dir: Path,
    overrides: Sequence[str] = (),
    show_table: bool = True,
    job: Mapping[str, Any] | None = None,
    report: bool = True,
    workers: int = 1,
    on_replication: Callable[[int, int], None] | None = None,
) -> JobResult:
    """Run `run.replications` replications of the configured scenario into `output_dir`.

    `job` describes the job within a sweep (num, total); `report` writes report.md for the run
    (a sweep writes one report at its root instead); `workers` runs the replications on that
    many processes (the same files for any number); `on_replication(done, total)` is called
    as each replication is saved (a progress bar's hook). Every finished replication is
    checkpointed; with `run.resume=true` a killed job continues from its checkpoints and a
    finished one is skipped.
    """
    spec = build_spec(cfg)
    run = spec.run
    config_print = fingerprint(
        {
            **to_container(cfg),
            **({"posterior_sha256": posterior.load(run.posterior).sha256} if run.posterior else {}),
        }
    )
    job = {"num": 0, "total": 1, **(job or {}), "overrides": list(overrides)}
    name = spec.scenario.name
    if job["total"] > 1:
        name = f"job {job['num'] + 1}/{job['total']} ({spec.study.case or spec.scenario.name})"
    check_memory(spec, workers, workers_key="workers")  # before the directory exists
    with DirectoryLock(Path(output_dir), "run"):
        if run.resume:
            finished = _finished(Path(output_dir), spec, config_print, name)
            if finished is not None:
                return finished
        return _run(
            cfg,
            spec,
            Path(output_dir),
            config_print=config_print,
            name=name,
            overrides=overrides,
            job=job,
            show_table=show_table,
            report=report,
            workers=workers,
            on_replication=on_replication,
        )


def _run(
    cfg: DictConfig | Mapping[str, Any],
    spec: ModelSpec,
    output_dir: Path,
    *,
    config_print: str,
    name: str,
    overrides: Sequence[str],
    job: Mapping[str, Any],
    show_table: bool,
    report: bool,
    workers: int,
    on_replication: Callable[[int, int], None] | None,
) -> JobResult:
    """The job, in its locked directory: the replications not yet saved, then its files."""
    run = spec.run
    out = prepare_run_dir(output_dir, resume=run.resume)
    store = Checkpoints(out, config_print)
    saved = set(store.open(resume=run.resume))
    (out / FAILED).unlink(missing_ok=True)
    indices = [run.replication_offset + i for i in range(run.replications)]
    started = dt.datetime.now(dt.UTC)
    clock = time.perf_counter()
    todo = [r for r in indices if r not in saved]
    log.info(
        "%s: %d replications x %d weeks, %d firms -> %s%s",
        name,
        run.replications,
        run.horizon_weeks,
        run.firms,
        out,
        _resumed(run.replications - len(todo), todo) if run.resume else "",
    )
    weekly = ParquetStream(out / "weekly.parquet")
    outcomes = ParquetStream(out / "outcomes.parquet")
    fan_layout = FanPaths(run.fan_materials)  # which series a replication's fan paths hold
    paired_seconds = 0.0
    try:
        finished = replicate(cfg, spec, todo, workers)
        for done, result in enumerate(finished, start=run.replications - len(todo) + 1):
            series = result.series
            store.save(
                result.index,
                series.to_frame(),
                result.outcomes,
                _events(spec, result.index, result.events),
                fan_paths(series, fan_layout),
                series.dates,
            )
            paired_seconds += result.counterfactual_seconds
            if on_replication is not None:
                on_replication(done, run.replications)
            if run.progress:
                log.info(
                    "%s: replication %d/%d (index %d) done in %.2f s (counterfactual %.2f s)",
                    name,
                    done,
                    run.replications,
                    result.index,
                    result.seconds + result.counterfactual_seconds,
                    result.counterfactual_seconds,
                )
        fans, events = FanPaths(run.fan_materials), []
        for saved_replication in store.replications(indices):
            weekly.write(saved_replication.weekly)
            outcomes.write(saved_replication.outcomes)
            fans.add_paths(saved_replication.fan_paths, saved_replication.dates)
            events.append(saved_replication.events)
        outcomes.commit()
        outcome_table = pd.read_parquet(out / "outcomes.parquet")
        event_table = pd.concat(events, ignore_index=True)
        fan = fans.quantiles()
        summary = percentile_table(outcome_table)
        write_atomic_parquet(out / "policy_events.parquet", event_table)
        write_atomic_text(out / "summary.csv", summary.to_csv(index=False))
        if report:
            fan_chart(
                fan,
                run.fan_materials,
                out / "fan_chart.png",
                f"{spec.scenario.name}: {spec.scenario.description}",
            )
        weekly.commit()
        wall = time.perf_counter() - clock
        meta = _metadata(spec, started, wall, overrides, job, config_print)
        meta["counterfactual"] = run.counterfactual
        meta["workers"] = workers  # processes that ran the replications (the files do not depend on it)
        meta["counterfactual_seconds"] = round(paired_seconds, 3)  # the cost of the pairing, this session
        meta["checksums"] = listing(out, [file for file in FILES if file not in (MARKER, "report.md")])
        write_atomic_text(out / MARKER, json.dumps(meta, indent=2, default=str) + "\n")
    except BaseException as exc:
        weekly.abort()
        outcomes.abort()
        _discard_outputs(out)
        _record_failure(out, exc, spec, job, len(store.saved()))
        raise
    store.remove()
    log.info("%s: finished in %.1f s (%.2f s per replication)", name, wall, wall / run.replications)
    if report:
        write_report(out)
    if show_table:
        print(f"\n{spec.scenario.name}: {format_table(summary)}\n", flush=True)
    return JobResult(out, spec, outcome_table, fan, event_table, summary, meta)


def fan_paths(series: WeeklySeries, layout: FanPaths) -> np.ndarray:
    """One replication's fan-chart series in the order of `layout.keys`: series x weeks."""
    column = {name: i for i, name in enumerate(series.materials)}
    return np.array(
        [
            series.material[metric][:, column[material]]
            if metric in series.material
            else series.scalar[metric]
            for metric, material in layout.keys
        ]
    )


def _resumed(done: int, todo: Sequence[int]) -> str:
    """' (resumed: 18 already done; to run: 3, 7)'."""
    listed = ", ".join(str(r) for r in todo[:10]) + (", ..." if len(todo) > 10 else "")
    return f" (resumed: {done} already done; to run: {listed or 'none'})"


def _discard_outputs(out: Path) -> None:
    """Remove a run's files (not its checkpoints), so that nothing passes for a result."""
    for file in FILES:
        path = out / file
        if path.is_dir() and not path.is_symlink():  # something in the way of the file
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _record_failure(
    out: Path, exc: BaseException, spec: ModelSpec, job: Mapping[str, Any], saved: int
) -> None:
    """Write failed.json, if the disk lets us (a full disk may be why the job failed)."""
    failure = {
        "status": "failed",
        "error_type": type(exc).__name__,
        "error": str(exc).splitlines()[0] if str(exc) else "",
        "scenario": spec.scenario.name,
        "job": job,
        "replications_saved": saved,
    }
    try:
        write_atomic_text(out / FAILED, json.dumps(failure, indent=2, default=str) + "\n")
    except OSError as error:
        log.error("%s: could not record the failure in %s: %s", out, FAILED, error)


def _finished(out: Path, spec: ModelSpec, config_print: str, name: str) -> JobResult | None:
    """A job that a resume finds complete: checked against the config and its checksums, then
    read back. A finished run with a damaged file is named in one line and its files are
    removed, to be recomputed (None); so is a run with no finished files (None)."""
    try:
        meta = read_marker(out)
        if meta is None:
            return None
        if meta.get("status") != "complete":
            raise DamagedFileError(out / MARKER, "does not record a finished run", "")
        if meta.get("fingerprint") != config_print:
            raise RunDirectoryError(
                f"{out}: run.resume=true, but the finished run there has a different config; "
                "resume with the same command, or choose another output directory"
            )
        verify_run(out, meta)
    except DamagedFileError as exc:
        log.warning("%s: %s %s; recomputing the run with the same seeds", out, exc.path.name, exc.problem)
        _discard_outputs(out)
        return None
    log.info("%s: already complete in %s (resumed: skipped)", name, out)
    Checkpoints(out, config_print).remove()  # left behind if the job was killed while tidying up
    outcome_table = pd.read_parquet(out / "outcomes.parquet")
    fan = FanPaths.from_weekly(out / "weekly.parquet", spec.run.fan_materials).quantiles()
    events = pd.read_parquet(out / "policy_events.parquet")
    return JobResult(out, spec, outcome_table, fan, events, percentile_table(outcome_table), meta)


def _events(spec: ModelSpec, replication: int, events: Sequence[PolicyEvent]) -> pd.DataFrame:
    start = spec.run.start_date
    rows = [
        {
            "replication": replication,
            "week": e.week,
            "date": start + dt.timedelta(weeks=e.week),
            "instrument": e.instrument,
            "intensity": e.intensity,
            "formal": e.formal,
            "cause": e.cause,
            "kind": e.kind,
        }
        for e in events
    ]
    columns = ["replication", "week", "date", "instrument", "intensity", "formal", "cause", "kind"]
    return pd.DataFrame(rows, columns=columns)


def _metadata(
    spec: ModelSpec,
    started: dt.datetime,
    wall: float,
    overrides: Sequence[str],
    job: Mapping[str, Any],
    config_print: str,
) -> dict[str, Any]:
    run = spec.run
    return {
        "status": "complete",
        "fingerprint": config_print,
        "job": dict(job),
        "study": {
            "name": spec.study.name,
            "version": spec.study.version,
            "description": spec.study.description,
            "case": spec.study.case,
        },
        "scenario": spec.scenario.name,
        "description": spec.scenario.description,
        "replications": run.replications,
        "replication_offset": run.replication_offset,
        "root_seed": run.seed,
        "replication_seed": "numpy.random.SeedSequence(entropy=root_seed, spawn_key=(replication,))",
        "parameters": run.parameters,
        **({"posterior": _posterior(run.posterior)} if run.posterior is not None else {}),
        "horizon_weeks": run.horizon_weeks,
        "spinup_weeks": run.spinup_weeks,
        "firms": run.firms,
        "fan_materials": list(run.fan_materials),
        "start_date": run.start_date.isoformat(),
        "overrides": list(overrides),
        "started_at": started.isoformat(timespec="microseconds"),
        "wall_seconds": round(wall, 3),
        "seconds_per_replication": round(wall / run.replications, 4),
        "greyzone_version": __version__,
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PACKAGES},
        "git": _git(),
        "files": FILES,
    }


def _posterior(path: Path) -> dict[str, Any]:
    """The posterior sample a run drew its parameters from."""
    sample = posterior.load(path)
    return {
        "file": str(path),
        "sha256": sample.sha256,
        "particles": len(sample.weights),
        "seeds": list(sample.names),
    }


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git() -> dict[str, Any]:
    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(REPO_ROOT), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {"commit": None}
    return {"commit": commit, "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}

"""Gather the jobs of a sweep (or one run) into tidy tables at its root.

Everything is read from the job directories, so aggregating again later gives the same
tables. Every planned job is accounted for: complete, failed (with its error), incomplete
(started, never finished) or missing (never started); nothing is silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import yaml

from model.results.fans import FanPaths
from model.results.files import CHECKPOINTS, FAILED, MARKER, PLAN, is_complete, read_marker, verify_run
from model.results.integrity import DamagedFileError, read_json


@dataclass
class Job:
    """One job of a sweep and what became of it."""

    number: int
    overrides: list[str]
    path: Path | None
    status: str  # complete | failed | incomplete | missing
    error: str | None = None
    meta: dict = field(default_factory=dict)

    @property
    def case(self) -> str | None:
        return self.meta.get("study", {}).get("case") or _override(self.overrides, "study.case")


@dataclass
class Aggregate:
    """The tables of a sweep: jobs, outcomes (parameters + outcomes + replication), fan quantiles."""

    root: Path
    jobs: list[Job]
    outcomes: pd.DataFrame
    fan: pd.DataFrame
    parameters: list[str]
    study: dict

    @property
    def failed(self) -> list[Job]:
        return [j for j in self.jobs if j.status != "complete"]


def discover(root: Path) -> list[Job]:
    """Every job of the sweep (or the single run) at `root`, with its status."""
    root = Path(root)
    if any((root / name).exists() for name in (MARKER, FAILED, ".hydra", CHECKPOINTS)):
        return [_job_from_dir(root, 0, [])]
    dirs = sorted(p for p in root.iterdir() if p.is_dir() and (p / ".hydra").is_dir())
    numbers = [_job_number(p) for p in dirs]
    if None in numbers or len(set(numbers)) < len(numbers):  # a folder of separate runs
        numbers = list(range(len(dirs)))
    found: dict[int, Path] = dict(zip(numbers, dirs, strict=True))
    plan_file = root / PLAN
    if plan_file.exists():
        planned = {j["job"]: j["overrides"] for j in read_plan(plan_file)}
    else:
        planned = {n: _hydra_overrides(p) for n, p in found.items()}
    jobs = []
    for number in sorted(set(planned) | set(found)):
        path = found.get(number)
        overrides = planned.get(number) or (_hydra_overrides(path) if path else [])
        if path is None:
            jobs.append(Job(number, overrides, None, "missing", "the job never started"))
        else:
            jobs.append(_job_from_dir(path, number, overrides))
    return jobs


def aggregate(root: Path) -> Aggregate:
    """Read every finished job into one tidy outcome table and one table of fan quantiles."""
    root = Path(root)
    jobs = discover(root)
    if not jobs:
        raise FileNotFoundError(f"{root}: no runs or sweep jobs found")
    complete = [j for j in jobs if j.status == "complete"]
    params = _varying_parameters(complete)
    grid = _grid_parameters(complete, params)
    outcome_parts, fan_parts = [], []
    labels = _distinct([job_label(job, grid) for job in complete], [job.number for job in complete])
    for job, label in zip(complete, labels, strict=True):
        values = _parameter_values(job)
        verify_run(job.path, job.meta)  # every file it holds, before any is read
        frame = pd.read_parquet(job.path / "outcomes.parquet")
        frame.insert(0, "label", label)
        frame.insert(0, "scenario", job.meta.get("scenario"))
        frame.insert(0, "case", job.case)
        frame.insert(0, "job", job.number)
        position = 4
        for key in params:
            if key not in frame.columns:
                frame.insert(position, key, values.get(key))
                position += 1
        outcome_parts.append(frame)
        fan_parts.append(_fan_quantiles(job, label))
    outcomes = pd.concat(outcome_parts, ignore_index=True) if outcome_parts else pd.DataFrame()
    for key in params:
        if key in outcomes:
            outcomes[key] = _typed(outcomes[key])
    fan = pd.concat(fan_parts, ignore_index=True) if fan_parts else pd.DataFrame()
    study = next((j.meta.get("study", {}) for j in complete if j.meta.get("study")), {})
    return Aggregate(root, jobs, outcomes, fan, params, study)


def job_label(job: Job, params: list[str]) -> str:
    """A short, readable name of a job: its case, else its swept values, else its scenario."""
    values = _parameter_values(job)
    shown = [k for k in params if k not in ("study.case",)]
    parts = [f"{_short(k)}={values.get(k)}" for k in shown if k != "scenario"]
    if "scenario" in shown:
        parts.insert(0, str(values.get("scenario")))
    if job.case:
        return " ".join([job.case, *parts])
    return " ".join(parts) if parts else str(job.meta.get("scenario", f"job {job.number}"))


def _distinct(labels: list[str], numbers: list[int]) -> list[str]:
    """Labels made distinct: one shared by several jobs gets each job's number."""
    shared = {label for label in labels if labels.count(label) > 1}
    return [
        f"{label} (job {n})" if label in shared else label for label, n in zip(labels, numbers, strict=True)
    ]


def jobs_table(jobs: list[Job]) -> pd.DataFrame:
    rows = [
        {
            "job": j.number,
            "status": j.status,
            "case": j.case,
            "scenario": j.meta.get("scenario"),
            "overrides": " ".join(j.overrides),
            "directory": j.path.name if j.path else None,
            "error": j.error,
        }
        for j in jobs
    ]
    return pd.DataFrame(
        rows, columns=["job", "status", "case", "scenario", "overrides", "directory", "error"]
    )


def _job_from_dir(path: Path, number: int, overrides: list[str]) -> Job:
    if is_complete(path):
        meta = read_marker(path) or {}
        job = meta.get("job", {})
        return Job(number, job.get("overrides", overrides), path, "complete", meta=meta)
    failed = path / FAILED
    if failed.exists():
        info = read_json(failed, "repair: rerun the sweep's command with run.resume=true")
        return Job(
            number,
            overrides or info.get("job", {}).get("overrides", []),
            path,
            "failed",
            f"{info.get('error_type')}: {info.get('error')}",
            meta=info,
        )
    saved = sum(1 for p in (path / CHECKPOINTS).glob("r*") if p.is_dir() and p.name[1:].isdigit())
    return Job(
        number,
        overrides,
        path,
        "incomplete",
        f"started but never finished (no run.json; {saved} replication(s) saved; "
        "run.resume=true continues it)",
    )


def read_plan(plan_file: Path) -> list[dict]:
    """A sweep's planned jobs (sweep_plan.json), or `DamagedFileError`."""
    repair = "repair: start the sweep again in a new directory (the plan is written before any job runs)"
    jobs = read_json(plan_file, repair).get("jobs")
    if not isinstance(jobs, list) or not all(
        isinstance(j, dict) and {"job", "overrides"} <= set(j) for j in jobs
    ):
        raise DamagedFileError(plan_file, "does not hold a list of jobs", repair)
    return jobs


def read_yaml(path: Path) -> Any:
    """One of Hydra's records of a job (.hydra/*.yaml), or `DamagedFileError`."""
    repair = "repair: rerun the job's command with run.resume=true"
    try:
        return yaml.safe_load(path.read_text())
    except OSError as exc:
        raise DamagedFileError(path, f"cannot be read ({exc.strerror or exc})", repair) from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise DamagedFileError(path, f"is not valid YAML ({str(exc).splitlines()[0]})", repair) from None


def _job_number(path: Path) -> int | None:
    hydra_file = path / ".hydra" / "hydra.yaml"
    if hydra_file.exists():
        data = read_yaml(hydra_file)
        if not isinstance(data, dict):
            raise DamagedFileError(
                hydra_file,
                "is not Hydra's record of a job",
                "repair: rerun the job's command with run.resume=true",
            )
        num = str(data.get("hydra", {}).get("job", {}).get("num"))
        if num.isdigit():  # a single run records "???"
            return int(num)
    head = path.name.split("_", 1)[0]
    return int(head) if head.isdigit() else None


def _hydra_overrides(path: Path) -> list[str]:
    file = path / ".hydra" / "overrides.yaml"
    return list(read_yaml(file) or []) if file.exists() else []


def _override(overrides: list[str], key: str) -> str | None:
    for item in overrides:
        name, _, value = item.partition("=")
        if name.lstrip("+~") == key:
            return value
    return None


def _parameter_values(job: Job) -> dict[str, str]:
    values = {}
    for item in job.overrides:
        name, _, value = item.partition("=")
        name = name.lstrip("+~")
        if not name.startswith("hydra"):
            values[name] = value.strip("'\"")
    return values


def _varying_parameters(jobs: list[Job]) -> list[str]:
    """Override keys whose value differs between jobs (in order of first appearance)."""
    keys: list[str] = []
    for job in jobs:
        for key in _parameter_values(job):
            if key not in keys:
                keys.append(key)
    varying = [k for k in keys if len({_parameter_values(j).get(k) for j in jobs}) > 1]
    return [k for k in varying if k != "study.case"]


def _grid_parameters(jobs: list[Job], params: list[str]) -> list[str]:
    """Swept parameters that vary within a paired case (all of them when there are no cases)."""
    cases: dict[str | None, list[Job]] = {}
    for job in jobs:
        cases.setdefault(job.case, []).append(job)
    if set(cases) == {None}:
        return params
    return [
        p
        for p in params
        if any(len({_parameter_values(j).get(p) for j in group}) > 1 for group in cases.values())
    ]


def _typed(column: pd.Series) -> pd.Series:
    numeric = pd.to_numeric(column, errors="coerce")
    return numeric if numeric.notna().all() else column.astype(str)


def _short(key: str) -> str:
    parts = [p for p in key.split(".") if p != "value"]
    return parts[-1] if parts else key


def fan_materials(job: Job) -> list[str]:
    """The materials a finished run's fan charts show: its `run.fan_materials`, as run.json
    records it (runs written before it did: their Hydra record, else every material)."""
    if "fan_materials" in job.meta:
        return list(job.meta["fan_materials"])
    hydra_config = job.path / ".hydra" / "config.yaml"
    if hydra_config.exists():
        return list(read_yaml(hydra_config)["run"]["fan_materials"])
    first = pq.ParquetFile(job.path / "weekly.parquet").read_row_group(0, columns=["material"])
    return [str(m) for m in first.column("material").unique().to_pylist() if m is not None]


def _fan_quantiles(job: Job, label: str) -> pd.DataFrame:
    """Fan quantiles of one job, reading its weekly results one replication (row group) at a time."""
    fans = FanPaths.from_weekly(job.path / "weekly.parquet", fan_materials(job))
    result = fans.quantiles()
    result.insert(0, "label", label)
    result.insert(0, "job", job.number)
    return result

"""`Results` and `load`: what a run, a sweep or a study wrote, read back from its files.

Every file is checked against the checksums its directory records before it is read (a
damaged one raises `DamagedFileError`, one line naming it and the repair). Nothing reruns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from model.api.compose import Config, recorded
from model.api.studies import study_outcomes
from model.config.errors import suggest
from model.results.aggregate import Job, aggregate, discover, jobs_table
from model.results.files import MARKER, PLAN, REPAIR_RUN, STUDY_MARKER, read_study_marker
from model.results.integrity import (
    MANIFEST,
    DamagedFileError,
    read_json,
    read_parquet,
    read_table,
    read_verified,
)
from model.results.summary import format_table, percentile_table

CASE = ["job", "label"]  # one case per job of a run or sweep, shown by its label
KEYS = ["job", "case", "scenario", "label"]  # the columns that name a case in every table
SWEEP_RECORD = "multirun.yaml"  # Hydra writes it at a sweep's root
REPAIR_SWEEP = "repair: rerun greyzone-report on the folder, which rebuilds its tables from the jobs"


@dataclass(eq=False)
class Results:
    """The results of a run, a sweep or a study, read from its directory.

    `outcomes` is tidy: job, case, scenario, label (the case as shown), the swept
    parameters, replication, outcome, material, sector, value; `events` (China's policy
    changes), `weekly` (every weekly series) and `fan` (their quantiles) are read on first use.
    """

    path: Path
    kind: str  # run | sweep | study
    outcomes: pd.DataFrame = field(repr=False)
    jobs: pd.DataFrame = field(repr=False)
    parameters: list[str]
    metadata: dict[str, Any] = field(repr=False)
    _finished: list[Job] = field(repr=False, default_factory=list)
    _labels: dict[int, str] = field(repr=False, default_factory=dict)
    _fan: pd.DataFrame | None = field(repr=False, default=None)

    @property
    def labels(self) -> list[str]:
        """The cases, in order."""
        return list(dict.fromkeys(self.outcomes["label"])) if len(self.outcomes) else []

    @property
    def complete(self) -> bool:
        """Every planned job finished."""
        return bool((self.jobs["status"] == "complete").all()) if len(self.jobs) else False

    def summary(self, by: Sequence[str] = CASE) -> pd.DataFrame:
        """Percentiles 5/50/95 (and rates) of the headline outcomes per case, as reports print."""
        return percentile_table(self.outcomes, by=list(by))

    def __str__(self) -> str:
        return f"{self!r}\n{format_table(self.summary(), by=CASE, header='label')}"

    @cached_property
    def events(self) -> pd.DataFrame:
        """China's policy changes in every finished job: job, label, then policy_events.parquet."""
        return self._per_job("policy_events.parquet")

    @cached_property
    def weekly(self) -> pd.DataFrame:
        """Every weekly series of every finished job: job, label, then weekly.parquet's columns."""
        return self._per_job("weekly.parquet")

    def series(self, metric: str, material: str | None = None, sector: str | None = None) -> pd.DataFrame:
        """One weekly metric (at a material or sector), every replication of every case."""
        parts = []
        for job in self._finished:
            table = self._read(job, "weekly.parquet", table=True)
            mask = pc.equal(table["metric"].cast(pa.string()), metric)
            for column, value in (("material", material), ("sector", sector)):
                values = table[column].cast(pa.string())
                mask = pc.and_(mask, pc.is_null(values) if value is None else pc.equal(values, value))
            parts.append(self._keyed(job, table.filter(mask).to_pandas()))
        if not parts or all(p.empty for p in parts):
            known = sorted(set(self._read(self._finished[0], "weekly.parquet")["metric"].astype(str)))
            if metric not in known:
                raise KeyError(f"metric {metric!r}: not among the weekly series; known: {', '.join(known)}")
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    @property
    def fan(self) -> pd.DataFrame:
        """Quantiles (5, 25, 50, 75, 95%) of the fan-chart series per case and week."""
        if self._fan is None:
            self._fan = aggregate(self.path).fan if self._finished else pd.DataFrame()
        return self._fan

    def config(self, case: str | int | None = None) -> Config:
        """The validated config of one case (its label, or job number; the only one when
        omitted), composed again from the overrides its run recorded: the start of a what-if
        (`results.config("blanket_ban").with_overrides("japan.stockpile_days=180")`)."""
        if self.kind == "study":
            raise ValueError(
                f"{self.path}: a greyzone-explore study's cases are design points, not runs; "
                "start a what-if from a run or a sweep"
            )
        jobs = {job.number: job for job in self._finished}
        if case is None:
            if len(jobs) != 1:
                raise KeyError(f"{self.path} holds {len(jobs)} cases; name one of: {', '.join(self.labels)}")
            number = next(iter(jobs))
        elif isinstance(case, int) and not isinstance(case, bool):
            number = case
        else:
            by_label = {label: number for number, label in self._labels.items()}
            if case not in by_label:
                raise KeyError(f"case {case!r}: not in {self.path}; {suggest(str(case), self.labels)}")
            number = by_label[case]
        if number not in jobs:
            raise KeyError(f"job {number}: no finished job of that number in {self.path}")
        job = jobs[number]
        return recorded(job.meta.get("overrides", job.overrides))

    @property
    def tables(self) -> list[str]:
        """The files a study wrote (for `table`)."""
        return sorted(self.metadata.get("checksums", {})) if self.kind == "study" else []

    def table(self, name: str) -> pd.DataFrame:
        """One of a study's tables (`tables`), e.g. "scorecard.parquet", checked before it is read."""
        listed = self.metadata.get("checksums", {})
        if name not in listed:
            raise KeyError(f"{name!r}: not a table of {self.path}; {suggest(name, self.tables)}")
        path = self.path / name
        if name.endswith(".csv"):
            return pd.read_csv(pa.BufferReader(read_verified(path, listed[name], REPAIR_SWEEP)))
        return read_parquet(path, listed[name], REPAIR_SWEEP)

    def _per_job(self, name: str) -> pd.DataFrame:
        parts = [self._keyed(job, self._read(job, name)) for job in self._finished]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def _keyed(self, job: Job, frame: pd.DataFrame) -> pd.DataFrame:
        frame.insert(0, "label", self._labels.get(job.number))
        frame.insert(0, "job", job.number)
        return frame

    def _read(self, job: Job, name: str, table: bool = False):
        expected = job.meta.get("checksums", {}).get(name)
        if expected is None:
            raise DamagedFileError(job.path / MARKER, f"does not list {name}", REPAIR_RUN)
        reader = read_table if table else read_parquet
        return reader(job.path / name, expected, REPAIR_RUN)

    def __repr__(self) -> str:
        done = int((self.jobs["status"] == "complete").sum()) if len(self.jobs) else 0
        cases = ", ".join(self.labels[:6]) + (", ..." if len(self.labels) > 6 else "")
        jobs = f"{done} of {len(self.jobs)} jobs complete" if self.kind == "sweep" else ""
        return f"Results({self.kind} at {self.path}: {cases or 'no cases'}{'; ' + jobs if jobs else ''})"


def load(path: str | Path) -> Results:
    """The results in `path`: a run's directory, a sweep's (or named study's) root, or a
    `greyzone-explore` study. Files are verified against their checksums before they are read."""
    root = Path(path).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: no such directory")
    if (root / STUDY_MARKER).exists():
        return _study(root)
    jobs = discover(root)
    if not jobs:
        raise FileNotFoundError(
            f"{root}: no run, sweep or study here (a run holds {MARKER}, a sweep one folder per job, "
            f"a study {STUDY_MARKER})"
        )
    single = len(jobs) == 1 and jobs[0].path == root
    finished = [job for job in jobs if job.status == "complete"]  # each file verified as it is read
    root_tables = _root_tables(root) if not single else None
    if root_tables is not None:
        outcomes, fan = root_tables
        parameters = _parameters(outcomes)
    else:
        agg = aggregate(root)
        outcomes, fan, parameters = agg.outcomes, agg.fan, agg.parameters
    labels = dict(zip(outcomes["job"], outcomes["label"], strict=False)) if len(outcomes) else {}
    return Results(
        root,
        "run" if single else "sweep",
        outcomes,
        jobs_table(jobs),
        parameters,
        finished[0].meta if single and finished else {},
        finished,
        labels,
        fan,
    )


@dataclass(frozen=True)
class Found:
    """A folder of results under a search root: its path, kind (run, sweep, study) and
    when it last changed (seconds since the epoch)."""

    path: Path
    kind: str
    modified: float


def find(root: str | Path = "outputs") -> list[Found]:
    """Every run, sweep and study folder under `root` (a run inside a sweep is part of the
    sweep; a folder of loose runs lists each run), newest first; each can be opened with
    `load`. A missing root holds none."""
    top = Path(root).expanduser()
    found: list[Found] = []
    if not top.is_dir():
        return found
    pending = [top]
    while pending:
        folder = pending.pop()
        kind = _kind(folder)
        if kind is not None:
            found.append(Found(folder, kind, folder.stat().st_mtime))
            continue
        try:
            children = [
                p
                for p in folder.iterdir()
                if p.is_dir() and not p.is_symlink() and not p.name.startswith(".")
            ]
        except OSError:
            continue
        pending.extend(sorted(children, reverse=True))
    return sorted(found, key=lambda f: (-f.modified, str(f.path)))


def _kind(folder: Path) -> str | None:
    if (folder / STUDY_MARKER).exists():
        return "study"
    if (folder / MARKER).exists() or (folder / ".hydra").is_dir():
        return "run"
    if (folder / PLAN).exists() or (folder / SWEEP_RECORD).exists():
        return "sweep"
    return None


def _root_tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """A finished sweep's root tables, verified against its manifest; None if it has none yet."""
    manifest = root / MANIFEST
    if not manifest.exists():
        return None
    files = read_json(manifest, REPAIR_SWEEP).get("files", {})
    if not isinstance(files, dict) or "outcomes.parquet" not in files:
        return None
    outcomes = read_parquet(root / "outcomes.parquet", files["outcomes.parquet"], REPAIR_SWEEP)
    listed = files.get("fan_quantiles.parquet")
    fan = read_parquet(root / "fan_quantiles.parquet", listed, REPAIR_SWEEP) if listed else None
    return outcomes, fan


def _parameters(outcomes: pd.DataFrame) -> list[str]:
    """The swept parameters: the columns between a case's keys and the replication."""
    columns = list(outcomes.columns)
    return columns[len(KEYS) : columns.index("replication")] if "replication" in columns else []


def _study(root: Path) -> Results:
    record = read_study_marker(root) or {}
    if record.get("status") != "complete":
        raise DamagedFileError(root / STUDY_MARKER, "does not record a finished study", "")
    outcomes, parameters = study_outcomes(root, record)
    cases = list(dict.fromkeys(outcomes["label"])) if len(outcomes) else []
    jobs = pd.DataFrame({"job": range(len(cases)), "status": "complete", "case": cases})
    return Results(root, "study", outcomes, jobs, parameters, json.loads(json.dumps(record)))

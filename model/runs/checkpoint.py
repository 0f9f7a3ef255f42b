"""Per-replication checkpoints of a job, so that a killed job resumes where it stopped.

Each finished replication is saved under `<run>/.replications/r<index>/` (weekly rows,
outcomes, policy events, fan paths, and `manifest.json` listing each file's size and SHA-256).
The folder is written as `r<index>.partial` and renamed when complete, so a replication is
either wholly there or absent; one whose files no longer match its manifest is damaged, and a
resume recomputes it (same seed, same numbers). The job's files are always
assembled from these checkpoints, whether the job ran in one go or was resumed, so both give
the same bytes. `config.json` holds the fingerprint of the job's config; a resume with a
different config is refused.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from model.results.files import (
    CHECKPOINTS,
    PARTIAL,
    parquet_bytes,
    write_atomic_text,
    write_synced,
)
from model.results.integrity import (
    MANIFEST,
    DamagedFileError,
    digest,
    read_json,
    read_npz,
    read_table,
    verify,
)
from model.runs.directory import RunDirectoryError

log = logging.getLogger(__name__)
TABLES = ("weekly", "outcomes", "events")
FAN = "fan.npz"
REPAIR_CONFIG = (
    "repair: without it the saved replications cannot be matched to a config; start the run "
    "again in another directory"
)
REPAIR_CHECKPOINT = "rerun the same command with run.resume=true: it recomputes this replication"

CONFIG = "config.json"
# Keys that change how a job runs, not what it computes: a resume may differ in them.
NOT_FINGERPRINTED = (("run", "resume"), ("run", "progress"), ("explore", "workers"))


def fingerprint(config: Mapping[str, Any]) -> str:
    """A hash of everything in a job's config that decides its numbers."""
    plain = json.loads(json.dumps(dict(config), default=str))
    plain.pop("hydra", None)
    for section, key in NOT_FINGERPRINTED:
        if isinstance(plain.get(section), dict):
            plain[section].pop(key, None)
    text = json.dumps(plain, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass
class Replication:
    """One replication's results, as saved."""

    index: int
    weekly: pa.Table
    outcomes: pa.Table
    events: pd.DataFrame
    fan_paths: np.ndarray
    dates: np.ndarray


class Checkpoints:
    """The checkpoint folder of one run directory."""

    def __init__(self, run_dir: Path, config_fingerprint: str) -> None:
        self.root = Path(run_dir) / CHECKPOINTS
        self.fingerprint = config_fingerprint

    def open(self, resume: bool) -> list[int]:
        """Prepare the folder; with `resume`, return the replications already saved."""
        record = self.root / CONFIG
        if record.exists():
            if not resume:
                raise RunDirectoryError(
                    f"{self.root.parent}: holds an unfinished run; add run.resume=true to continue it, "
                    "or choose another output directory"
                )
            saved = read_json(record, REPAIR_CONFIG).get("fingerprint")
            if saved != self.fingerprint:
                raise RunDirectoryError(
                    f"{self.root.parent}: run.resume=true, but the unfinished run there has a different "
                    "config; resume with the same command, or choose another output directory"
                )
        self.root.mkdir(parents=True, exist_ok=True)
        for stale in self.root.glob("*" + PARTIAL):  # a replication that was being written
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
        write_atomic_text(record, json.dumps({"fingerprint": self.fingerprint}) + "\n")
        return self._intact(self.saved())

    def saved(self) -> list[int]:
        return sorted(int(p.name[1:]) for p in self.root.glob("r*") if p.is_dir() and p.name[1:].isdigit())

    def _intact(self, indices: list[int]) -> list[int]:
        """The saved replications whose files match their manifests; damaged ones are removed
        (to be recomputed), each named in one line."""
        intact = []
        for index in indices:
            where = self._dir(index)
            try:
                files = read_json(where / MANIFEST, REPAIR_CHECKPOINT).get("files")
                if not isinstance(files, dict) or set(files) != {*(f"{t}.parquet" for t in TABLES), FAN}:
                    raise DamagedFileError(where / MANIFEST, "does not list the checkpoint's files", "")
                verify(where, files, REPAIR_CHECKPOINT)
            except DamagedFileError as exc:
                log.warning(
                    "%s: replication %d's checkpoint is damaged (%s %s); recomputing it with the same seed",
                    self.root.parent,
                    index,
                    exc.path.name,
                    exc.problem,
                )
                shutil.rmtree(where)
                continue
            intact.append(index)
        return intact

    def save(
        self,
        index: int,
        weekly: pd.DataFrame,
        outcomes: pd.DataFrame,
        events: pd.DataFrame,
        fan_paths: np.ndarray,
        dates: np.ndarray,
    ) -> None:
        """Save one finished replication; it counts as saved only once wholly written."""
        final = self._dir(index)
        tmp = final.with_name(final.name + PARTIAL)
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        files = {
            f"{name}.parquet": parquet_bytes(frame)
            for name, frame in zip(TABLES, (weekly, outcomes, events), strict=True)
        }
        fan = io.BytesIO()
        np.savez(fan, paths=fan_paths, dates=dates)
        files[FAN] = fan.getvalue()
        for name, data in files.items():
            write_synced(tmp / name, data)
        manifest = {"replication": index, "files": {name: digest(data) for name, data in files.items()}}
        write_synced(tmp / MANIFEST, (json.dumps(manifest, indent=1) + "\n").encode())
        os.replace(tmp, final)

    def load(self, index: int) -> Replication:
        """A saved replication, every file checked against its manifest (`DamagedFileError`)."""
        where = self._dir(index)
        files = read_json(where / MANIFEST, REPAIR_CHECKPOINT).get("files")
        if not isinstance(files, dict):
            raise DamagedFileError(
                where / MANIFEST, "does not list the checkpoint's files", REPAIR_CHECKPOINT
            )
        weekly, outcomes, events = (
            read_table(where / f"{name}.parquet", files.get(f"{name}.parquet"), REPAIR_CHECKPOINT)
            for name in TABLES
        )
        fan = read_npz(where / FAN, files.get(FAN), REPAIR_CHECKPOINT)
        return Replication(index, weekly, outcomes, events.to_pandas(), fan["paths"], fan["dates"])

    def replications(self, indices: list[int]) -> Iterator[Replication]:
        for index in indices:
            yield self.load(index)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def _dir(self, index: int) -> Path:
        return self.root / f"r{index:07d}"

"""Writing a run's files atomically, and reading finished runs back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

MARKER = "run.json"
STUDY_MARKER = "study.json"  # a finished greyzone-explore study
FAILED = "failed.json"
PARTIAL = ".partial"


class RunDirectoryError(RuntimeError):
    """A run directory that cannot be written or read as asked."""


def write_atomic_text(path: Path, text: str) -> None:
    """Write `text` under a temporary name, flush it to disk, then rename it into place."""
    tmp = path.with_name(path.name + PARTIAL)
    with open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def write_atomic_parquet(path: Path, frame: pd.DataFrame | pa.Table) -> None:
    """Write a table to Parquet under a temporary name, then rename it into place."""
    tmp = path.with_name(path.name + PARTIAL)
    table = frame if isinstance(frame, pa.Table) else to_arrow(frame)
    pq.write_table(table, tmp, compression="zstd")
    sync(tmp)
    os.replace(tmp, path)


def sync(path: Path) -> None:
    """Flush a written file to disk (a rename after it is then safe against a crash)."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def to_arrow(frame: pd.DataFrame) -> pa.Table:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if "date" in table.column_names:
        i = table.column_names.index("date")
        table = table.set_column(i, "date", table.column("date").cast(pa.date32()))
    return table


class ParquetStream:
    """Streams a tidy table to Parquet, one row group per replication, under a temporary name
    until `commit`."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tmp = path.with_name(path.name + PARTIAL)
        self._writer: pq.ParquetWriter | None = None

    def write(self, frame: pd.DataFrame | pa.Table) -> None:
        table = frame if isinstance(frame, pa.Table) else to_arrow(frame)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.tmp, table.schema, compression="zstd")
        self._writer.write_table(table)

    def commit(self) -> None:
        if self._writer is not None:
            self._writer.close()
            sync(self.tmp)
            os.replace(self.tmp, self.path)

    def abort(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self.tmp.unlink(missing_ok=True)


def prepare_run_dir(path: Path, resume: bool = False) -> Path:
    """Create the run directory; refuse one that already holds a finished run, or (unless
    resuming) a started one."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    names = (MARKER,) if resume else (MARKER, "outcomes.parquet", "weekly.parquet")
    for name in names:
        if (path / name).exists():
            raise RunDirectoryError(
                f"{path}: already holds a run ({name}); choose another output directory "
                "(hydra.run.dir=...) so that nothing is overwritten"
            )
    return path


def read_marker(path: Path) -> dict[str, Any] | None:
    marker = Path(path) / MARKER
    if not marker.exists():
        return None
    return json.loads(marker.read_text())


def is_complete(path: Path) -> bool:
    marker = read_marker(path)
    return marker is not None and marker.get("status") == "complete"


def find_runs(root: Path) -> tuple[list[Path], list[Path]]:
    """Complete and incomplete run directories at or under `root`."""
    root = Path(root)
    candidates = sorted(
        {p.parent for p in root.rglob(MARKER)}
        | {p.parent for p in root.rglob("*" + PARTIAL)}
        | ({root} if (root / ".hydra").exists() else set())
        | {p.parent for p in root.rglob(".hydra") if p.is_dir()}
    )
    complete = [p for p in candidates if is_complete(p)]
    incomplete = [p for p in candidates if not is_complete(p)]
    return complete, incomplete

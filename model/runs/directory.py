"""A run directory as the running layer writes it: created without overwriting, tables
streamed under temporary names until committed."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.results.files import MARKER, PARTIAL, sync, to_arrow


class RunDirectoryError(RuntimeError):
    """A run directory that cannot be written or read as asked."""


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

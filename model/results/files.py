"""The files of a run directory: their names, atomic writing, and reading finished runs back.

The running layer writes these files, with the atomic writers here; this layer (and
`greyzone-report`) reads them back.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

MARKER = "run.json"  # written last: a finished run
STUDY_MARKER = "study.json"  # a finished greyzone-explore study
FAILED = "failed.json"  # a run that failed, with its error
PARTIAL = ".partial"  # suffix of a file or folder still being written
PLAN = "sweep_plan.json"  # a sweep's planned jobs
CHECKPOINTS = ".replications"  # a job's finished replications
STUDY_CHECKPOINTS = ".chunks"  # a greyzone-explore study's finished chunks of points


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


def read_marker(path: Path) -> dict[str, Any] | None:
    marker = Path(path) / MARKER
    if not marker.exists():
        return None
    return json.loads(marker.read_text())


def is_complete(path: Path) -> bool:
    marker = read_marker(path)
    return marker is not None and marker.get("status") == "complete"

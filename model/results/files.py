"""The files of a run directory: their names, atomic writing, and reading finished runs back.

The running layer writes these files, with the atomic writers here; this layer (and
`greyzone-report`) reads them back.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from model.results.integrity import digest, digest_file, read_json, read_parquet, verify_listed

MARKER = "run.json"  # written last: a finished run
STUDY_MARKER = "study.json"  # a finished greyzone-explore study
FAILED = "failed.json"  # a run that failed, with its error
PARTIAL = ".partial"  # suffix of a file or folder still being written
PLAN = "sweep_plan.json"  # a sweep's planned jobs
CHECKPOINTS = ".replications"  # a job's finished replications
STUDY_CHECKPOINTS = ".chunks"  # a greyzone-explore study's finished chunks of points
LOCK = ".lock"  # held by the one process writing a run, sweep or study directory
REPAIR_STUDY = (
    "repair: rerun the study's command with run.resume=true, which recomputes it with the same seeds"
)
REPAIR_RUN = (
    "repair: rerun the run's command with run.resume=true, which recomputes what is damaged "
    "with the same seeds"
)


def write_atomic_bytes(path: Path, data: bytes) -> dict[str, Any]:
    """Write `data` under a temporary name, flush it to disk, then rename it into place; its
    listing entry (size and SHA-256)."""
    tmp = path.with_name(path.name + PARTIAL)
    try:
        write_synced(tmp, data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return digest(data)


def write_synced(path: Path, data: bytes) -> None:
    """Write `data` to `path` and flush it to disk."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def write_atomic_text(path: Path, text: str) -> dict[str, Any]:
    """Write `text` atomically (see `write_atomic_bytes`); its listing entry."""
    return write_atomic_bytes(path, text.encode())


def write_atomic_parquet(path: Path, frame: pd.DataFrame | pa.Table) -> dict[str, Any]:
    """Write a table to Parquet under a temporary name, flush it, hash it, then rename it into
    place (written straight to disk: large tables are not copied in memory); its listing entry."""
    tmp = path.with_name(path.name + PARTIAL)
    table = frame if isinstance(frame, pa.Table) else to_arrow(frame)
    try:
        pq.write_table(table, tmp, compression="zstd")
        sync(tmp)
        entry = digest_file(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return entry


def parquet_bytes(frame: pd.DataFrame | pa.Table) -> bytes:
    """A table as the bytes of a zstd-compressed Parquet file."""
    table = frame if isinstance(frame, pa.Table) else to_arrow(frame)
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


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
    """A finished run's run.json, or None if there is none; `DamagedFileError` if unreadable."""
    marker = Path(path) / MARKER
    if not marker.exists():
        return None
    return read_json(marker, REPAIR_RUN)


def is_complete(path: Path) -> bool:
    marker = read_marker(path)
    return marker is not None and marker.get("status") == "complete"


def verify_run(path: Path, marker: dict[str, Any]) -> None:
    """Check a finished run's files against the checksums its run.json records."""
    verify_listed(path, marker, Path(path) / MARKER, REPAIR_RUN)


def study_files(root: Path) -> list[str]:
    """The files a study wrote (relative names), apart from its marker, lock and checkpoints."""
    root = Path(root)
    skipped = {STUDY_MARKER, LOCK, "multirun.yaml"}
    names = []
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if (
            not path.is_file()
            or relative.parts[0] in (STUDY_CHECKPOINTS, ".hydra")
            or path.name.endswith(PARTIAL)
        ):
            continue
        if relative.as_posix() not in skipped and not path.name.endswith(".log"):
            names.append(relative.as_posix())
    return names


def read_study_marker(root: Path) -> dict[str, Any] | None:
    """A finished study's study.json, its files verified; None if there is none."""
    marker = Path(root) / STUDY_MARKER
    if not marker.exists():
        return None
    record = read_json(marker, REPAIR_STUDY)
    verify_listed(root, record, marker, REPAIR_STUDY)
    return record


def read_study_table(file: Path) -> pd.DataFrame:
    """A table a study saved: verified against its study.json when it sits in a finished
    study's directory (a table elsewhere is only checked to parse)."""
    file = Path(file)
    record = read_study_marker(file.parent)
    expected = (record or {}).get("checksums", {}).get(file.name)
    return read_parquet(file, expected, REPAIR_STUDY)

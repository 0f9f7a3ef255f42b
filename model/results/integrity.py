"""Checksums of the files a run, sweep or study writes, and reading them back verified.

Every file that holds a result is listed with its size and SHA-256 where it is committed:
a checkpoint's `manifest.json` inside its folder (renamed into place with it), a finished
run's `run.json`, a sweep's `manifest.json`, a study's `study.json`. A reader checks a file
against its listing before parsing it, and a file that is missing, unreadable, cut short,
altered or unparseable raises `DamagedFileError`: one line naming the file, what is wrong
and how to repair it.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

Listing = Mapping[str, Mapping[str, Any]]  # file name -> {"size": bytes, "sha256": hex}
MANIFEST = "manifest.json"
_BLOCK = 1 << 20


class DamagedFileError(RuntimeError):
    """A file of a run directory that is missing, unreadable or not what was written."""

    def __init__(self, path: Path, problem: str, repair: str) -> None:
        self.path, self.problem, self.repair = Path(path), problem, repair
        super().__init__(f"{path} {problem}; {repair}" if repair else f"{path} {problem}")

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.path, self.problem, self.repair))


def digest(data: bytes) -> dict[str, Any]:
    """The listing entry of some bytes: their size and SHA-256."""
    return {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def digest_file(path: Path) -> dict[str, Any]:
    """The listing entry of a file on disk, read in blocks."""
    sha, size = hashlib.sha256(), 0
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            sha.update(block)
            size += len(block)
    return {"size": size, "sha256": sha.hexdigest()}


def listing(root: Path, names: list[str]) -> dict[str, dict[str, Any]]:
    """The listing of the files `names` under `root` (those that exist)."""
    return {name: digest_file(Path(root) / name) for name in names if (Path(root) / name).is_file()}


def read_verified(path: Path, expected: Mapping[str, Any] | None, repair: str) -> bytes:
    """The bytes of `path`, checked against its listing entry (None: only read)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DamagedFileError(path, "is missing", repair) from None
    except OSError as exc:
        raise DamagedFileError(path, f"cannot be read ({exc.strerror or exc})", repair) from None
    if expected is not None:
        _check_entry(path, expected, repair)
        _compare(path, len(data), lambda: hashlib.sha256(data).hexdigest(), expected, repair)
    return data


def verify(root: Path, files: Listing, repair: str) -> None:
    """Check every listed file under `root` (streamed, without parsing it)."""
    for name, entry in files.items():
        check_file(Path(root) / name, entry, repair)


def check_file(path: Path, expected: Mapping[str, Any], repair: str) -> None:
    """Check one file against its listing entry, reading it in blocks (only if the size agrees)."""
    _check_entry(path, expected, repair)
    try:
        _compare(path, path.stat().st_size, lambda: digest_file(path)["sha256"], expected, repair)
    except FileNotFoundError:
        raise DamagedFileError(path, "is missing", repair) from None
    except OSError as exc:
        raise DamagedFileError(path, f"cannot be read ({exc.strerror or exc})", repair) from None


def _compare(
    path: Path, size: int, sha256: Callable[[], str], expected: Mapping[str, Any], repair: str
) -> None:
    """A file's size, then (if it agrees) its SHA-256, against its listing entry."""
    if size != expected["size"]:
        raise DamagedFileError(
            path, f"is damaged: {size:,} bytes where {expected['size']:,} were written", repair
        )
    if sha256() != expected["sha256"]:
        raise DamagedFileError(path, "is damaged: its SHA-256 differs from the one recorded", repair)


def verify_listed(root: Path, record: Mapping[str, Any], marker: Path, repair: str) -> None:
    """Check the files a marker (run.json, study.json) lists under `checksums`; a marker that
    lists none (written before greyzone recorded them) cannot vouch for its files."""
    checksums = record.get("checksums")
    if not isinstance(checksums, dict) or not checksums:
        problem = "lists no checksums of its files (written before greyzone recorded them)"
        raise DamagedFileError(marker, problem, repair)
    verify(root, checksums, repair)


def _check_entry(path: Path, expected: Any, repair: str) -> None:
    """A listing entry must hold an integer size and a hex SHA-256, else the listing is damaged."""
    if (
        not isinstance(expected, Mapping)
        or not isinstance(expected.get("size"), int)
        or not isinstance(expected.get("sha256"), str)
    ):
        raise DamagedFileError(path, "has a damaged entry in its listing (size and SHA-256)", repair)


def read_table(path: Path, expected: Mapping[str, Any] | None, repair: str) -> pa.Table:
    """A Parquet file as an Arrow table, verified."""
    data = read_verified(path, expected, repair)
    try:
        return pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise DamagedFileError(path, f"is not a readable Parquet file ({_first_line(exc)})", repair) from None


def read_parquet(path: Path, expected: Mapping[str, Any] | None, repair: str) -> pd.DataFrame:
    """A Parquet file as a DataFrame, verified."""
    table = read_table(path, expected, repair)
    return table.to_pandas()


def read_npz(path: Path, expected: Mapping[str, Any] | None, repair: str) -> dict[str, np.ndarray]:
    """The arrays of an .npz file, verified."""
    data = read_verified(path, expected, repair)
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            return {name: arrays[name] for name in arrays.files}
    except Exception as exc:  # zipfile.BadZipFile, ValueError, EOFError, OSError: whatever the bytes hold
        raise DamagedFileError(path, f"is not a readable .npz file ({_first_line(exc)})", repair) from None


def read_json(path: Path, repair: str, expected: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A JSON object, verified if listed; a file that does not parse to an object is damaged."""
    data = read_verified(path, expected, repair)
    try:
        value = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DamagedFileError(path, f"is not valid JSON ({_first_line(exc)})", repair) from None
    if not isinstance(value, dict):
        raise DamagedFileError(path, "is not a JSON object", repair)
    return value


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

"""Faults to inject into run directories, for the fault tests and benchmarks/faults.py."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import numpy as np

from model.results.files import CHECKPOINTS, LOCK


def truncate(path: Path, size: int = 100) -> None:
    """Cut the file to `size` bytes, as a write that stopped part-way."""
    with open(path, "r+b") as handle:
        handle.truncate(size)


def garbage(path: Path) -> None:
    """Other bytes of the same size."""
    path.write_bytes(np.random.default_rng(7).bytes(path.stat().st_size))


def flip_one_byte(path: Path) -> None:
    """One byte changed in the middle, the size kept."""
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def remove(path: Path) -> None:
    path.unlink()


def unreadable(path: Path) -> None:
    """A directory where the file was: unreadable as a file, even by root."""
    path.unlink()
    path.mkdir()


def garbage_json(path: Path) -> None:
    path.write_text("{garbage")


def saved_replications(run_dir: Path) -> int:
    """How many replications a running job has checkpointed."""
    return len(list((Path(run_dir) / CHECKPOINTS).glob("r???????")))


def kill_a_job_part_way(
    sweep_dir: Path, sweep: subprocess.Popen, timeout: float = 300
) -> tuple[Path, int] | None:
    """SIGKILL the process running one of the sweep's jobs (the pid its lock names) once that
    job has checkpointed a replication; the job's directory and the pid, or None if no job
    was caught part-way before the sweep ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and sweep.poll() is None:
        for job in Path(sweep_dir).glob("*_*"):
            lock = job / LOCK
            if lock.exists() and saved_replications(job) >= 1:
                try:
                    pid = int(json.loads(lock.read_text() or "{}").get("pid", 0))
                except (OSError, ValueError):
                    continue
                if pid:
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:  # the job finished meanwhile
                        continue
                    return job, pid
        time.sleep(0.01)
    return None

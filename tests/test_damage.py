"""Damaged and contended run directories: checksums, repair on resume, one writer per directory.

Each fault is injected into the files the real code wrote (or into the writer itself), then the
real readers and `run_job` are asked to use them: a reader names the damaged file in one line
with a non-zero exit and never reads it as a result; a resume recomputes what is damaged and
gives the same bytes as an uninterrupted run.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from model.config.compose import compose_config
from model.explore.evaluate import read_chunk, save_chunk, saved_chunks
from model.results.cli import main as report_main
from model.results.files import (
    CHECKPOINTS,
    LOCK,
    MARKER,
    STUDY_MARKER,
    read_study_table,
    study_files,
    write_atomic_parquet,
    write_atomic_text,
)
from model.results.integrity import MANIFEST, DamagedFileError, digest_file, listing, read_json
from model.results.lock import DirectoryLock, DirectoryLockedError, holder
from model.runs.job import run_job
from model.sim.greyzone import GreyzoneModel
from model.testing.faults import (
    flip_one_byte,
    garbage,
    garbage_json,
    remove,
    saved_replications,
    truncate,
    unreadable,
)
from tests.conftest import kill_when

TINY = [
    "run.replications=3",
    "run.firms=40",
    "run.horizon_weeks=30",
    "run.spinup_weeks=4",
    "run.progress=false",
]
DATA = ("weekly.parquet", "outcomes.parquet", "policy_events.parquet", "summary.csv")
BIN = Path(sys.executable).parent


def _run(out: Path, *extra: str):
    return run_job(compose_config([*TINY, *extra]), out, show_table=False, report=False)


@pytest.fixture(scope="module")
def whole(tmp_path_factory) -> Path:
    """The uninterrupted run every repaired one is compared with."""
    return _run(tmp_path_factory.mktemp("whole") / "run").output_dir


def _same_as(out: Path, whole: Path) -> bool:
    return all((out / name).read_bytes() == (whole / name).read_bytes() for name in DATA)


def _copy(whole: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(whole, out)
    return out


# faults, each applied to one file (model/testing/faults.py) ---------------------------------------
FAULTS: dict[str, tuple[str, Callable[[Path], None]]] = {
    "truncated Parquet": ("outcomes.parquet", truncate),
    "garbage Parquet": ("weekly.parquet", garbage),
    "one byte changed": ("policy_events.parquet", flip_one_byte),
    "missing file": ("summary.csv", remove),
    "unreadable file": ("outcomes.parquet", unreadable),
    "garbage JSON": (MARKER, garbage_json),
    "truncated JSON": (MARKER, truncate),
}


def test_a_finished_run_lists_every_file_with_its_size_and_sha256(whole: Path) -> None:
    checksums = read_json(whole / MARKER, "")["checksums"]
    assert set(checksums) == set(DATA)  # and fan_chart.png, when the job draws it
    for name, entry in checksums.items():
        assert digest_file(whole / name) == entry, name
    assert not (whole / LOCK).exists() and not (whole / CHECKPOINTS).exists()


@pytest.mark.parametrize("fault", FAULTS)
def test_greyzone_report_names_a_damaged_file_in_one_line(fault: str, whole: Path, tmp_path: Path, capsys):
    name, damage = FAULTS[fault]
    out = _copy(whole, tmp_path)
    damage(out / name)
    with pytest.raises(SystemExit) as caught:
        report_main([str(out)])
    assert caught.value.code == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"greyzone-report: error: {out / name} ") and "repair: rerun" in err, err
    assert "Traceback" not in err and not (out / "report.md").exists()


@pytest.mark.parametrize("fault", [f for f in FAULTS if f != "unreadable file"])
def test_a_resume_recomputes_a_damaged_finished_run_to_the_same_bytes(
    fault: str, whole: Path, tmp_path: Path, caplog
):
    name, damage = FAULTS[fault]
    out = _copy(whole, tmp_path)
    damage(out / name)
    _run(out, "run.resume=true")
    assert f"{name} " in caplog.text and "recomputing the run with the same seeds" in caplog.text
    assert _same_as(out, whole)


def _unfinished(out: Path, monkeypatch, stop_at: int = 2) -> None:
    """A run stopped in replication `stop_at`, its earlier replications checkpointed."""
    original = GreyzoneModel.run

    def stopped(self, weeks=None):
        if self.replication == stop_at:
            raise KeyboardInterrupt
        return original(self, weeks)

    with monkeypatch.context() as patch:
        patch.setattr(GreyzoneModel, "run", stopped)
        with pytest.raises(KeyboardInterrupt):
            _run(out)


CHECKPOINT_FAULTS = {
    "truncated Parquet": ("events.parquet", truncate),
    "garbage Parquet": ("weekly.parquet", garbage),
    "garbage npz": ("fan.npz", garbage),
    "truncated npz": ("fan.npz", truncate),
    "missing file": ("outcomes.parquet", remove),
    "missing manifest": (MANIFEST, remove),
    "garbage manifest": (MANIFEST, garbage_json),
}


@pytest.mark.parametrize("fault", CHECKPOINT_FAULTS)
def test_a_resume_recomputes_a_damaged_checkpoint_with_the_same_seed(
    fault: str, whole: Path, tmp_path: Path, monkeypatch, caplog
):
    out = tmp_path / "run"
    _unfinished(out, monkeypatch)
    name, damage = CHECKPOINT_FAULTS[fault]
    damage(out / CHECKPOINTS / "r0000000" / name)
    runs: list[int] = []
    original = GreyzoneModel.run

    def counted(self, weeks=None):
        runs.append(self.replication)
        return original(self, weeks)

    monkeypatch.setattr(GreyzoneModel, "run", counted)
    _run(out, "run.resume=true")
    assert "replication 0's checkpoint is damaged" in caplog.text and "recomputing it" in caplog.text
    assert sorted(set(runs)) == [0, 2]  # replication 1's checkpoint was intact: not rerun
    assert _same_as(out, whole)


def test_a_checkpoint_damaged_during_the_run_is_never_assembled(tmp_path: Path, monkeypatch) -> None:
    from model.runs.checkpoint import Checkpoints

    original = Checkpoints.save

    def save_then_damage(self, index, *args):
        original(self, index, *args)
        if index == 0:
            truncate(self.root / "r0000000" / "weekly.parquet")

    monkeypatch.setattr(Checkpoints, "save", save_then_damage)
    out = tmp_path / "run"
    with pytest.raises(DamagedFileError, match=r"weekly\.parquet is damaged: 100 bytes"):
        _run(out)
    assert not (out / MARKER).exists() and not (out / "outcomes.parquet").exists()


# a write that fails part-way ---------------------------------------------------------------------
def _disk_full_from(monkeypatch, name: str) -> None:
    """os.fsync fails as on a full disk from the first file whose path holds `name` on."""
    real, full = os.fsync, [False]

    def fsync(fd: int) -> None:
        full[0] = full[0] or name in os.readlink(f"/proc/self/fd/{fd}")
        if full[0]:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.parametrize(
    ("name", "saved"),
    [("r0000001.partial", 1), ("outcomes.parquet.partial", 3), ("run.json.partial", 3)],
    ids=["in a checkpoint", "assembling the files", "run.json"],
)
def test_a_full_disk_leaves_nothing_that_passes_for_a_result_and_a_resume_completes(
    name: str, saved: int, whole: Path, tmp_path: Path, monkeypatch
):
    out = tmp_path / "run"
    with monkeypatch.context() as patch:
        _disk_full_from(patch, name)
        with pytest.raises(OSError, match="No space left on device"):
            _run(out)
    assert saved_replications(out) == saved  # it failed where it was meant to
    assert not (out / MARKER).exists()
    assert not any((out / file).exists() for file in DATA)
    assert not list(out.glob("*.partial"))
    assert holder(out) is None and not (out / LOCK).exists()  # the lock went with the process's hold
    _run(out, "run.resume=true")
    assert _same_as(out, whole)


def test_a_full_disk_while_taking_the_lock_leaves_it_free(tmp_path: Path, monkeypatch) -> None:
    with monkeypatch.context() as patch:
        _disk_full_from(patch, LOCK)
        with pytest.raises(OSError, match="No space left on device"):
            DirectoryLock(tmp_path, "run").acquire()
    with DirectoryLock(tmp_path, "run"):  # not kept by accident: this process can take it again
        assert holder(tmp_path)["pid"] == os.getpid()


def test_a_damaged_config_record_of_the_checkpoints_is_one_line(tmp_path: Path, monkeypatch) -> None:
    out = tmp_path / "run"
    _unfinished(out, monkeypatch)
    garbage_json(out / CHECKPOINTS / "config.json")
    with pytest.raises(DamagedFileError, match=r"config\.json is not valid JSON.*another directory"):
        _run(out, "run.resume=true")


def test_a_full_disk_is_one_line_from_the_command(tmp_path: Path) -> None:
    script = (
        "import errno, os, sys\n"
        "real, count = os.fsync, [0]\n"
        "def fsync(fd):\n"
        "    count[0] += 1\n"
        "    if count[0] > 5: raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n"
        "    real(fd)\n"
        "os.fsync = fsync\n"
        "from model.runs.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *TINY, f"hydra.run.dir={tmp_path / 'run'}"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("greyzone: error: ") and "No space left on device while writing" in last, last
    assert "rerun the same command with run.resume=true" in last and "Traceback" not in done.stderr
    assert not (tmp_path / "run" / MARKER).exists()


# one writer per directory -------------------------------------------------------------------------
def test_a_second_writer_is_refused_naming_the_holder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with DirectoryLock(out, "run"):
        with pytest.raises(DirectoryLockedError) as caught:
            _run(out, "run.resume=true")
        assert holder(out)["pid"] == os.getpid()
    message = str(caught.value)
    assert f"pid {os.getpid()} on host {socket.gethostname()}" in message and "\n" not in message
    assert not (out / "failed.json").exists() and not (out / MARKER).exists()
    assert holder(out) is None and not (out / LOCK).exists()


def test_a_lock_left_by_a_dead_process_is_taken_over_and_said(whole: Path, tmp_path: Path, caplog) -> None:
    out = tmp_path / "run"
    out.mkdir()
    dead = {"pid": 999999, "host": "node-7", "started_at": "2026-12-01T00:00:00+00:00", "command": "greyzone"}
    (out / LOCK).write_text(json.dumps(dead))  # the record a killed holder leaves; no one holds it
    assert holder(out) is None
    _run(out, "run.resume=true")
    assert "taking over the lock left by pid 999999 on host node-7" in caplog.text
    assert "which is no longer running" in caplog.text
    assert _same_as(out, whole) and not (out / LOCK).exists()


def test_greyzone_report_refuses_a_directory_being_written(whole: Path, tmp_path: Path, capsys) -> None:
    out = _copy(whole, tmp_path)
    with DirectoryLock(out, "run"), pytest.raises(SystemExit) as caught:
        report_main([str(out)])
    assert caught.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"pid {os.getpid()}" in err, err


@pytest.mark.slow  # two real greyzone processes (make test-all)
def test_two_processes_on_one_directory_one_refuses_and_the_first_finishes(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = [*TINY, "run.replications=40", f"hydra.run.dir={out}"]
    first = subprocess.Popen(
        [str(BIN / "greyzone"), *args],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(3000):
            if holder(out) and (out / CHECKPOINTS).exists():
                break
            assert first.poll() is None, first.stderr.read()
            subprocess.run(["sleep", "0.02"], check=True)
        second = subprocess.run(
            [str(BIN / "greyzone"), *args, "run.resume=true"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert first.wait(timeout=300) == 0, first.stderr.read()
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode == 2, second.stderr
    line = second.stderr.strip().splitlines()[-1]
    assert f"is being written by pid {first.pid} on host {socket.gethostname()}" in line, line
    assert "Traceback" not in second.stderr
    assert (out / MARKER).exists() and not (out / "failed.json").exists()
    assert json.loads((out / MARKER).read_text())["status"] == "complete"


@pytest.mark.slow  # a real greyzone process killed with SIGKILL (make test-all)
def test_a_run_killed_with_sigkill_leaves_its_lock_and_a_resume_takes_it_over(tmp_path: Path) -> None:
    out = tmp_path / "run"
    args = [*TINY, "run.replications=40", f"hydra.run.dir={out}"]
    kill_when(
        [str(BIN / "greyzone"), *args],
        tmp_path,
        lambda: saved_replications(out) >= 2,
        "two replications were saved",
    )
    left = json.loads((out / LOCK).read_text())
    assert holder(out) is None  # the kernel let go of it with the process
    resumed = subprocess.run(
        [str(BIN / "greyzone"), *args, "run.resume=true"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"taking over the lock left by pid {left['pid']} on host {left['host']}" in resumed.stderr
    whole = run_job(
        compose_config([*TINY, "run.replications=40"]), tmp_path / "whole", show_table=False
    ).output_dir
    assert _same_as(out, whole)


# studies: chunk checkpoints and finished studies ----------------------------------------------------
def test_a_damaged_study_chunk_is_named_and_run_again(tmp_path: Path, caplog) -> None:
    rows = [{"point": p, "replication": 0, "value": float(p)} for p in range(4)]
    for index in range(3):
        save_chunk(tmp_path, index, rows)
    truncate(tmp_path / "chunk_000000.parquet")
    (tmp_path / "chunk_000001.json").unlink()  # killed between the rows and their listing
    with pytest.raises(DamagedFileError, match=r"chunk_000000\.parquet is damaged"):
        read_chunk(tmp_path, 0)
    assert saved_chunks(tmp_path) == {2}
    assert "chunk 0 was not saved whole (chunk_000000.parquet is damaged" in caplog.text
    assert "chunk 1 was not saved whole (chunk_000001.json is missing)" in caplog.text
    assert not (tmp_path / "chunk_000000.parquet").exists()  # to be run again
    assert read_chunk(tmp_path, 2).equals(pd.DataFrame(rows))


def test_a_finished_studys_tables_are_verified_before_they_are_read(tmp_path: Path) -> None:
    table = pd.DataFrame({"episode": ["2010", "2025"], "value": [1.0, 2.0]})
    write_atomic_parquet(tmp_path / "runs.parquet", table)
    write_atomic_text(tmp_path / "report.md", "# a study\n")
    marker = {"status": "complete", "checksums": listing(tmp_path, study_files(tmp_path))}
    write_atomic_text(tmp_path / STUDY_MARKER, json.dumps(marker))
    assert set(marker["checksums"]) == {"runs.parquet", "report.md"}
    assert read_study_table(tmp_path / "runs.parquet").equals(table)
    flip_one_byte(tmp_path / "report.md")  # any of its files: the study is not what was written
    with pytest.raises(DamagedFileError, match=r"report\.md is damaged"):
        read_study_table(tmp_path / "runs.parquet")

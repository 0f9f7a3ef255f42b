"""One writer per directory: a lock held by the process that writes a run, sweep or study.

The lock is `fcntl.flock` on `<dir>/.lock`, which holds the holder's pid, host, start time and
command. The kernel (or, on NFS, the server) releases it when the holder dies, so a lock file
that can be locked again but still names a holder was left by a dead process: the next writer
takes it over and says so. A second live writer is refused in one line naming the holder.
The file is removed when the holder lets go, so a finished directory holds no lock.
"""

from __future__ import annotations

import atexit
import datetime as dt
import fcntl
import json
import logging
import os
import socket
import sys
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from model.results.files import LOCK

log = logging.getLogger(__name__)
# `holder()` peeks with a shared lock held for microseconds: a writer that finds the lock taken
# tries again for half a second before refusing.
BUSY_ATTEMPTS = 50
BUSY_WAIT_S = 0.01


class DirectoryLockedError(RuntimeError):
    """The directory is being written by another live process."""


class DirectoryLock:
    """An exclusive, non-blocking lock on one directory (a context manager)."""

    def __init__(self, directory: Path, what: str = "directory") -> None:
        self.directory = Path(directory)
        self.path = self.directory / LOCK
        self.what = what
        self._fd: int | None = None
        self.taken_over: dict[str, Any] | None = None  # the dead holder's record, if any

    def acquire(self) -> DirectoryLock:
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = self._locked_fd()
        try:
            previous = _record(fd)
            if previous:
                self.taken_over = previous
                log.warning(
                    "%s: taking over the lock left by %s, which is no longer running",
                    self.directory,
                    describe(previous),
                )
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(_me()) + "\n").encode(), 0)
            os.fsync(fd)
        except BaseException:  # e.g. a full disk: let go of the lock, never keep it by accident
            os.close(fd)
            raise
        self._fd = fd
        return self

    def _locked_fd(self) -> int:
        """An open descriptor of the lock file, locked exclusively."""
        attempts = 0
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _record(fd)
                os.close(fd)
                attempts += 1
                if attempts < BUSY_ATTEMPTS:  # perhaps only `holder()` peeking: look again
                    time.sleep(BUSY_WAIT_S)
                    continue
                raise DirectoryLockedError(busy_message(self.directory, self.what, holder)) from None
            except BaseException:
                os.close(fd)
                raise
            if _same_file(fd, self.path):  # not a file a releasing holder just removed
                return fd
            os.close(fd)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)  # still held: no one else can be using this file
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DirectoryLock:
        return self.acquire()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


_HELD: dict[Path, DirectoryLock] = {}


def hold(directory: Path, what: str) -> DirectoryLock:
    """Lock `directory` until `let_go(directory)` or the end of the process (for a sweep,
    whose end-of-sweep report is written by a Hydra callback after the sweeper returns)."""
    key = Path(directory).resolve()
    if key not in _HELD:
        _HELD[key] = DirectoryLock(directory, what).acquire()
        atexit.register(let_go, key)
    return _HELD[key]


def let_go(directory: Path) -> None:
    """Release a lock taken with `hold` (nothing if none is held)."""
    lock = _HELD.pop(Path(directory).resolve(), None)
    if lock is not None:
        lock.release()


def holder(directory: Path) -> dict[str, Any] | None:
    """The record of the live process writing `directory`, or None if no one is."""
    path = Path(directory) / LOCK
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return _record(fd) or {}
    finally:
        os.close(fd)  # also lets go of the shared lock, if it was taken
    return None


def check_not_busy(directory: Path, what: str = "directory") -> None:
    """Refuse (`DirectoryLockedError`) if a live process is writing `directory`."""
    found = holder(directory)
    if found is not None:
        raise DirectoryLockedError(busy_message(Path(directory), what, found))


def busy_message(directory: Path, what: str, record: dict[str, Any]) -> str:
    return (
        f"{directory}: this {what} is being written by {describe(record)}; wait for it to finish "
        "(or stop it), or choose another directory"
    )


def describe(record: dict[str, Any]) -> str:
    """'pid 123 on host h (since ...: command)'."""
    if not record:
        return "another process"
    since = f", since {record['started_at']}" if record.get("started_at") else ""
    text = str(record.get("command") or "")
    command = f": {text[:77]}..." if len(text) > 80 else (f": {text}" if text else "")
    return f"pid {record.get('pid')} on host {record.get('host')}{since}{command}"


def _me() -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:300],
    }


def _record(fd: int) -> dict[str, Any]:
    try:
        text = os.pread(fd, 4096, 0).decode(errors="replace").strip()
        value = json.loads(text) if text else {}
    except (OSError, ValueError):
        return {"pid": "?", "host": "?"}
    return value if isinstance(value, dict) else {}


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (mine.st_dev, mine.st_ino) == (on_disk.st_dev, on_disk.st_ino)

"""A one-machine Ray cluster on the loopback interface, for trying the Ray launcher, the
launcher tests and the launcher benchmark (a real cluster is started with `ray start`).

Ray replaces 127.0.0.1 by the machine's network address unless RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER
is 0; `LOOPBACK` holds that setting, which both `ray start` and the driver (greyzone) need.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOOPBACK = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0"}
READY = "Ray runtime started"


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def local_ray_cluster(cpus: int, port: int | None = None, timeout_s: float = 120) -> Iterator[str]:
    """`ray start --head --block` bound to 127.0.0.1 with `cpus` CPUs; yields its address and
    stops it (only it: not other Ray processes of the machine) on exit."""
    port = port or free_port()
    temp = Path(tempfile.mkdtemp(prefix="gz-ray-", dir="/tmp"))  # Ray's socket paths must stay short
    command = [
        str(Path(sys.executable).with_name("ray")),
        "start",
        "--head",
        "--block",
        "--node-ip-address=127.0.0.1",
        f"--port={port}",
        f"--num-cpus={cpus}",
        "--include-dashboard=false",
        "--disable-usage-stats",
        f"--temp-dir={temp}",
    ]
    head = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **LOOPBACK},
        start_new_session=True,
    )
    try:
        _wait_ready(head, time.monotonic() + timeout_s)
        yield f"127.0.0.1:{port}"
    finally:
        head.send_signal(signal.SIGTERM)  # with --block, ray start stops what it started
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()
        shutil.rmtree(temp, ignore_errors=True)


def _wait_ready(head: subprocess.Popen, deadline: float) -> None:
    assert head.stdout is not None
    seen: list[str] = []
    for line in head.stdout:
        seen.append(line)
        if READY in line:
            if not any("Local node IP: 127.0.0.1" in s for s in seen):
                raise RuntimeError("ray start did not bind to 127.0.0.1:\n" + "".join(seen[-20:]))
            return
        if time.monotonic() > deadline:
            raise TimeoutError("ray start did not become ready:\n" + "".join(seen[-20:]))
    raise RuntimeError("ray start exited:\n" + "".join(seen[-20:]))

"""The fault table: inject each fault into a real run directory, run the real commands, and
record what each printed, its exit code, and whether the result after repair or resume equals
the uninterrupted run's: `python benchmarks/faults.py [--ray]`.

Every command is the installed `greyzone` or `greyzone-report`, on a small run (20
replications, 40 firms, 30 weeks). Writes benchmarks/faults.json and benchmarks/faults.md.
`--ray` adds a Ray worker killed mid-job in a sweep (starts a local Ray cluster).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from model.testing.faults import (
    flip_one_byte,
    garbage,
    garbage_json,
    kill_a_job_part_way,
    remove,
    saved_replications,
    truncate,
    unreadable,
)

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
RUN = ["run.replications=20", "run.firms=40", "run.horizon_weeks=30", "run.spinup_weeks=4"]
DATA = ("weekly.parquet", "outcomes.parquet", "policy_events.parquet", "summary.csv")
FULL_DISK = (
    "import errno, os, sys\n"
    "real, count = os.fsync, [0]\n"
    "def fsync(fd):\n"
    "    count[0] += 1\n"
    "    if count[0] > int(os.environ['GZ_FSYNC_OK']): raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))\n"
    "    real(fd)\n"
    "os.fsync = fsync\n"
    "from model.runs.cli import main\n"
    "main(sys.argv[1:])\n"
)


def command(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    done = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, timeout=900, env={**os.environ, **(env or {})}
    )
    return done.returncode, done.stdout + done.stderr


def greyzone(out: Path, *extra: str) -> list[str]:
    return [str(BIN / "greyzone"), *RUN, "run.progress=false", f"hydra.run.dir={out}", *extra]


def line(log: str, *needles: str) -> str:
    """The line of `log` that says what happened (the first holding a needle, else the last)."""
    log = re.sub(r"\x1b\[[0-9;]*m", "", log)  # Ray's colours
    lines = [x.strip() for x in log.splitlines() if x.strip()]
    for needle in needles:
        for x in lines:
            if needle in x:
                return x
    return lines[-1] if lines else ""


def same(out: Path, whole: Path) -> bool:
    return (
        all((out / n).is_file() and (out / n).read_bytes() == (whole / n).read_bytes() for n in DATA)
        and json.loads((out / "run.json").read_text())["status"] == "complete"
    )


FINISHED = {  # fault in a finished run: file, injection
    "truncated Parquet (outcomes.parquet cut to 100 bytes)": ("outcomes.parquet", truncate),
    "garbage Parquet (weekly.parquet, same size)": ("weekly.parquet", garbage),
    "one byte changed (policy_events.parquet)": ("policy_events.parquet", flip_one_byte),
    "missing file (summary.csv)": ("summary.csv", remove),
    "unreadable file (a directory in place of outcomes.parquet)": ("outcomes.parquet", unreadable),
    "garbage JSON (run.json holds `{garbage`)": ("run.json", garbage_json),
    "truncated JSON (run.json cut to 100 bytes)": ("run.json", truncate),
}
CHECKPOINT = {  # fault in replication 0's checkpoint of a killed run
    "truncated Parquet (checkpoint events.parquet)": ("events.parquet", truncate),
    "garbage Parquet (checkpoint weekly.parquet)": ("weekly.parquet", garbage),
    "garbage npz (checkpoint fan.npz)": ("fan.npz", garbage),
    "missing file (checkpoint outcomes.parquet)": ("outcomes.parquet", remove),
    "garbage JSON (checkpoint manifest.json)": ("manifest.json", garbage_json),
}


def kill_after(args: list[str], cwd: Path, ready: Callable[[], bool]) -> int:
    proc = subprocess.Popen(args, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while not ready():
        if proc.poll() is not None:
            raise SystemExit(f"the command ended before it could be killed: {args}")
        time.sleep(0.01)
    proc.kill()
    proc.wait()
    return proc.pid


def saved(out: Path, n: int) -> Callable[[], bool]:
    return lambda: saved_replications(out) >= n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ray", action="store_true", help="also kill a Ray worker mid-job")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gz-faults-"))
    rows = []

    def row(fault: str, cmd: str, code: int, printed: str, equal: bool | None) -> None:
        rows.append({"fault": fault, "command": cmd, "exit": code, "printed": printed, "equal": equal})
        print(f"[faults] {fault}: exit {code}: {printed[:160]}", flush=True)

    whole = work / "whole"
    code, log = command(greyzone(whole), work)
    assert code == 0, log
    for i, (fault, (name, damage)) in enumerate(FINISHED.items()):
        out = work / f"finished_{i}"
        shutil.copytree(whole, out)
        damage(out / name)
        code, log = command([str(BIN / "greyzone-report"), str(out)], work)
        row(fault, "greyzone-report DIR", code, line(log, "error:"), None)
        rcode, rlog = command(greyzone(out, "run.resume=true"), work)
        row(fault, "greyzone ... run.resume=true", rcode, line(rlog, "recomputing"), same(out, whole))

    killed = work / "killed"
    kill_after(greyzone(killed), work, saved(killed, 3))
    for i, (fault, (name, damage)) in enumerate(CHECKPOINT.items()):
        out = work / f"checkpoint_{i}"
        shutil.copytree(killed, out)
        damage(out / ".replications" / "r0000000" / name)
        code, log = command(greyzone(out, "run.resume=true"), work)
        row(fault, "greyzone ... run.resume=true", code, line(log, "damaged"), same(out, whole))

    for fsyncs, where in ((3, "in the first checkpoint"), (102, "assembling the run's files")):
        out = work / f"full_{fsyncs}"
        args_ = [sys.executable, "-c", FULL_DISK, *greyzone(out)[1:]]
        code, log = command(args_, work, {"GZ_FSYNC_OK": str(fsyncs)})
        left = "run.json" if (out / "run.json").exists() else "no run.json, no output file"
        row(f"disk full {where} (ENOSPC from os.fsync)", "greyzone ...", code, line(log, "error:"), None)
        rcode, rlog = command(greyzone(out, "run.resume=true"), work)
        row(
            f"... then resumed ({left} before)",
            "greyzone ... run.resume=true",
            rcode,
            line(rlog, "resumed"),
            same(out, whole),
        )

    out, longer = work / "two", "run.replications=400"  # long enough to outlast the second's start
    first = subprocess.Popen(
        greyzone(out, longer), cwd=work, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    while not saved(out, 1)():
        time.sleep(0.01)
    code, log = command(greyzone(out, longer, "run.resume=true"), work)
    first.wait()
    whole = work / "whole_400"
    command(greyzone(whole, longer), work)
    row(
        "two processes on one directory (second with run.resume=true)",
        "greyzone ... (second)",
        code,
        line(log, "error:"),
        same(out, whole),
    )

    whole = work / "whole"
    out = work / "stale"
    pid = kill_after(greyzone(out), work, saved(out, 2))
    code, log = command(greyzone(out, "run.resume=true"), work)
    row(
        f"lock left by a process killed with SIGKILL (pid {pid})",
        "greyzone ... run.resume=true",
        code,
        line(log, "taking over"),
        same(out, whole),
    )

    if args.ray:
        rows.extend(ray_row(work))

    shutil.rmtree(work, ignore_errors=True)
    (HERE / "faults.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = [
        "# Faults injected into run directories",
        "",
        f"Made by `python benchmarks/faults.py{' --ray' if args.ray else ''}`: real `greyzone` and "
        "`greyzone-report` commands on a run of 20 replications (40 firms, 30 weeks). `equal`: the "
        "run's weekly.parquet, outcomes.parquet, policy_events.parquet and summary.csv are "
        "byte-identical to the uninterrupted run's, and run.json says complete (- where the "
        "command only reads). Temporary paths are shortened to DIR.",
        "",
        "| fault | command | exit | printed (the one line) | equal |",
        "|---|---|---|---|---|",
    ]
    for r in rows:
        printed = r["printed"].replace(str(work), "DIR").replace("|", "\\|")
        equal = "-" if r["equal"] is None else ("yes" if r["equal"] else "NO")
        lines.append(f"| {r['fault']} | `{r['command']}` | {r['exit']} | {printed} | {equal} |")
    (HERE / "faults.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def ray_row(work: Path) -> list[dict]:
    from model.testing.raycluster import LOOPBACK, local_ray_cluster

    sweep_args = ["-m", "scenario=ambiguous_curbs,blanket_ban", "run.replications=12", "run.firms=60"]
    sweep_args += ["run.horizon_weeks=60", "run.spinup_weeks=8", "run.progress=false"]
    reference = work / "ray_whole"
    code, log = command([str(BIN / "greyzone"), *sweep_args, f"hydra.sweep.dir={reference}"], work)
    assert code == 0, log
    killed = work / "ray_killed"
    with local_ray_cluster(cpus=2) as address:
        proc = subprocess.Popen(
            [
                str(BIN / "greyzone"),
                *sweep_args,
                "hydra/launcher=ray",
                f"hydra.launcher.address={address}",
                f"hydra.sweep.dir={killed}",
            ],
            cwd=work,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **LOOPBACK},
        )
        victim = kill_a_job_part_way(killed, proc)
        log, _ = proc.communicate()
    job_log = log + "".join(p.read_text() for p in victim[0].glob("*.log")) if victim else log
    equal = (
        all(
            (killed / n).read_bytes() == (reference / n).read_bytes()
            for n in ("outcomes.parquet", "summary.csv", "fan_quantiles.parquet", "jobs.csv")
        )
        if proc.returncode == 0
        else False
    )
    return [
        {
            "fault": f"Ray worker running job {victim[0].name if victim else '?'} killed with SIGKILL mid-job",
            "command": "greyzone -m ... hydra/launcher=ray",
            "exit": proc.returncode,
            "printed": line(job_log, "taking over"),
            "equal": equal,
        }
    ]


if __name__ == "__main__":
    main()

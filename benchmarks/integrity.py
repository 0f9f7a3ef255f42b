"""The cost of checksums and the directory lock on a default job (20 replications, 500 firms,
520 weeks): `python benchmarks/integrity.py`.

Runs the default job `--repeats` times at this code and at the commit before them (a git
worktree of `--before`, imported first on the path), alternating, and reports the median wall
time of `run_job` after import. It also times the integrity work itself at this code: hashing
every checkpoint and output file of the finished job, and taking and releasing the lock.
Writes benchmarks/integrity.json and benchmarks/integrity.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BEFORE_COMMIT = "e946d09"  # main before checksums and locks (issue 20)

JOB = """
import json, sys, time
from pathlib import Path
from model.config.compose import compose_config
from model.runs.job import run_job
cfg = compose_config(["run.progress=false"])
out = Path(sys.argv[1])
tick = time.perf_counter()
run_job(cfg, out, show_table=False, report=False)
import model
print(json.dumps({"wall_s": time.perf_counter() - tick, "code": model.__file__}))
"""

PARTS = """
import json, sys, time
from pathlib import Path
from model.results.integrity import digest_file
from model.results.lock import DirectoryLock
out = Path(sys.argv[1])
files = [p for p in out.rglob("*") if p.is_file() and p.suffix in (".parquet", ".npz", ".csv", ".png")]
tick = time.perf_counter()
for p in files:
    digest_file(p)
hash_s = time.perf_counter() - tick
tick = time.perf_counter()
for _ in range(100):
    DirectoryLock(out / "locktest").acquire().release()
lock_s = (time.perf_counter() - tick) / 100
size = sum(p.stat().st_size for p in files)
print(json.dumps({"hash_s": hash_s, "lock_s": lock_s, "bytes": size, "files": len(files)}))
"""


def run(code: str, path: str | None, *args: str) -> dict:
    """Run `code` with the package imported from `path` (a source tree). Python starts without
    site (-S), so the editable install of this checkout cannot take precedence; the installed
    dependencies come from site-packages on the path."""
    tree = path or str(ROOT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([tree, sysconfig.get_paths()["purelib"]])}
    done = subprocess.run(
        [sys.executable, "-S", "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=tempfile.gettempdir(),  # not this checkout: `-c` puts the working directory first
    )
    if done.returncode != 0:
        raise SystemExit(f"benchmark job failed: {done.stderr.strip().splitlines()[-1]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "code" in result and not result["code"].startswith(tree):
        raise SystemExit(f"benchmark job imported {result['code']}, not the tree {tree}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--before", default=BEFORE_COMMIT)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="gz-integrity-"))
    before = work / "before"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(before), args.before], check=True
    )
    walls: dict[str, list[float]] = {"before": [], "after": []}
    try:
        for repeat in range(args.repeats):
            for name, path in (("before", str(before)), ("after", None)):
                out = work / f"{name}_{repeat}"
                walls[name].append(run(JOB, path, str(out))["wall_s"])
                print(f"[integrity] {name} {repeat + 1}/{args.repeats}: {walls[name][-1]:.2f} s", flush=True)
                if name == "after" and repeat == args.repeats - 1:
                    parts = run(PARTS, None, str(out))
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(before)], check=False)
        shutil.rmtree(work, ignore_errors=True)
    median = {k: statistics.median(v) for k, v in walls.items()}
    result = {
        "machine": {"python": platform.python_version(), "cores": os.cpu_count()},
        "before_commit": args.before,
        "repeats": args.repeats,
        "wall_s": walls,
        "median_wall_s": median,
        "overhead_share": median["after"] / median["before"] - 1,
        **parts,
    }
    (HERE / "integrity.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [
        "# Cost of checksums and the directory lock",
        "",
        f"Made by `python benchmarks/integrity.py --repeats {args.repeats}`: the default job (20 "
        "replications, 500 firms, 520 weeks, report off), before (commit "
        f"{args.before}) and after, alternating, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores.",
        "",
        "| | median wall (s) | runs (s) |",
        "|---|---|---|",
        *(
            f"| {k} | {median[k]:.2f} | {', '.join(f'{w:.2f}' for w in walls[k])} |"
            for k in ("before", "after")
        ),
        "",
        f"Difference of the medians: {100 * result['overhead_share']:+.1f}%.",
        "",
        f"The integrity work itself, timed at this code on the finished job's {parts['files']} files "
        f"({parts['bytes'] / 1e6:.1f} MB): hashing every file once {parts['hash_s'] * 1000:.0f} ms; "
        f"taking and releasing the lock {parts['lock_s'] * 1e6:.0f} µs.",
        "",
    ]
    (HERE / "integrity.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()

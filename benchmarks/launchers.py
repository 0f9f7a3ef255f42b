"""Per-job overhead of each Hydra launcher on the same small sweep (`make bench-launchers`).

The sweep is N copies of one tiny job (`run.seed=range(1,N+1)`: 1 replication of 20 firms x
8 weeks), so that the launcher's cost shows. For each launcher it runs N = 4 and N = 16 jobs
on this 2-core machine: Hydra's basic launcher (one job after another in this process: the
reference), joblib with n_jobs=2, submitit_local (every job at once) and a 2-CPU Ray cluster
on 127.0.0.1. Per launcher:

  span(N)   = seconds from the command's start to the last job's run.json (the final
              aggregation, the same under every launcher, is timed apart);
  per job   = (span(16) - span(4)) / 12 x slots   core-seconds each extra job costs
              (slots: 1 for basic, 2 otherwise);
  overhead  = per job - basic's per job           the launcher's cost beyond the job itself.

Timing happens only here, never in tests. Writes benchmarks/launchers.json and .md.

    python benchmarks/launchers.py             # about 8 minutes on 2 cores
    python benchmarks/launchers.py --repeats 3
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from model.testing.raycluster import LOOPBACK, local_ray_cluster

HERE = Path(__file__).resolve().parent

GREYZONE = str(Path(sys.executable).with_name("greyzone"))
JOB = [
    "scenario=baseline",
    "run.replications=1",
    "run.firms=20",
    "run.horizon_weeks=8",
    "run.spinup_weeks=4",
    "run.progress=false",
]
SIZES = (4, 16)
SLOTS = 2


def sweep(jobs: int, launcher: list[str], work: Path, env: dict[str, str]) -> tuple[float, float]:
    """Seconds to the last job's end, and the final aggregation's seconds, of `jobs` tiny jobs."""
    out = work / f"sweep_{jobs}_{time.monotonic_ns()}"
    command = [GREYZONE, "-m", f"run.seed=range(1,{jobs + 1})", *JOB, *launcher, f"hydra.sweep.dir={out}"]
    start = time.time()
    done = subprocess.run(command, cwd=work, capture_output=True, text=True, env={**os.environ, **env})
    end = time.time()
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    finished = [p.stat().st_mtime for p in out.glob("*/run.json")]
    if len(finished) != jobs:
        raise SystemExit(f"{out}: {len(finished)} of {jobs} jobs finished")
    return max(finished) - start, end - max(finished)


def measure(
    name: str, launcher: list[str], slots: int, work: Path, repeats: int, env: dict[str, str]
) -> dict:
    spans: dict[int, float] = {}
    tails: list[float] = []
    for jobs in SIZES:
        runs = [sweep(jobs, launcher, work, env) for _ in range(repeats)]
        spans[jobs] = min(span for span, _ in runs)
        tails += [tail for _, tail in runs]
        print(
            f"[bench] {name}: {jobs} jobs, best of {repeats}: {spans[jobs]:.1f} s to the last job", flush=True
        )
    small, large = SIZES
    marginal = (spans[large] - spans[small]) / (large - small)
    return {
        "launcher": name,
        "command": " ".join(launcher),
        "slots": slots,
        "span_s": {str(k): round(v, 2) for k, v in spans.items()},
        "marginal_s_per_job": round(marginal, 3),
        "core_s_per_job": round(marginal * slots, 3),
        "fixed_s": round(spans[small] - small * marginal, 2),
        "aggregation_s_median": round(statistics.median(tails), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2, help="runs per size; the fastest counts")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="gz-bench-launchers-") as tmp:
        work = Path(tmp)
        results.append(measure("basic (in process)", ["hydra/launcher=basic"], 1, work, args.repeats, {}))
        results.append(measure("joblib", ["hydra.launcher.n_jobs=2"], SLOTS, work, args.repeats, {}))
        submitit = ["hydra/launcher=submitit_local"]
        results.append(measure("submitit_local", submitit, SLOTS, work, args.repeats, {}))
        with local_ray_cluster(cpus=SLOTS) as address:
            ray = ["hydra/launcher=ray", f"hydra.launcher.address={address}"]
            results.append(measure("ray (local cluster)", ray, SLOTS, work, args.repeats, LOOPBACK))
    reference = results[0]["core_s_per_job"]
    for r in results:
        r["overhead_s_per_job"] = round(r["core_s_per_job"] - reference, 3)
    record = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "job": JOB,
        "sizes": list(SIZES),
        "repeats": args.repeats,
        "results": results,
    }
    (HERE / "launchers.json").write_text(json.dumps(record, indent=2) + "\n")
    (HERE / "launchers.md").write_text(markdown(record))
    print(markdown(record))


def markdown(record: dict) -> str:
    small, large = record["sizes"]
    lines = [
        "# Per-job overhead of each launcher",
        "",
        f"Measured by `python benchmarks/launchers.py` on {record['date']} ({record['machine']}).",
        f"The same sweep of {small} and of {large} tiny jobs (`{' '.join(record['job'])}`, one per",
        f"seed), fastest of {record['repeats']} runs. Span: from the command's start to the last job's end.",
        f"Per job: (span({large}) - span({small})) / {large - small} x slots, in core-seconds. Overhead: per job",
        "minus the basic launcher's (jobs one after another in one process, no launcher cost).",
        "",
        f"| launcher | slots | span, {small} jobs | span, {large} jobs | per job | overhead per job "
        "| fixed cost | final aggregation |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in record["results"]:
        lines.append(
            f"| {r['launcher']} | {r['slots']} | {r['span_s'][str(small)]:.1f} s | {r['span_s'][str(large)]:.1f} s "
            f"| {r['core_s_per_job']:.2f} s | {r['overhead_s_per_job']:.2f} s | {r['fixed_s']:.1f} s "
            f"| {r['aggregation_s_median']:.1f} s |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

"""Memory estimate of the resource guard against measured peaks (python benchmarks/memory.py).

Each size runs one job (`run_job`) in a fresh child process and reads its peak resident
memory; the table compares it with `model.runs.resources.estimate_memory`, which the
guard uses to refuse jobs that would not fit. Writes benchmarks/memory.md and memory.json.
"""

from __future__ import annotations

import json
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SIZES = [  # firms, weeks, replications
    (500, 520, 2),
    (500, 520, 8),
    (20_000, 104, 1),
    (20_000, 520, 1),
    (80_000, 104, 1),
    (80_000, 520, 1),
]
CHILD = r"""
import json, resource, sys, tempfile
from pathlib import Path
from model.config import build_spec
from model.config.compose import compose_config
from model.runs.resources import estimate_memory
from model.runs.job import run_job
firms, weeks, reps = (int(a) for a in sys.argv[1:4])
cfg = compose_config([f"run.firms={firms}", f"run.horizon_weeks={weeks}", f"run.replications={reps}",
                      "run.progress=false"])
estimate = estimate_memory(build_spec(cfg))
with tempfile.TemporaryDirectory() as tmp:
    run_job(cfg, Path(tmp) / "run", show_table=False, report=False)
print(json.dumps({"peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "estimate_mib": estimate.total / 2**20}))
"""


def measure(firms: int, weeks: int, replications: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(firms), str(weeks), str(replications)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    row = json.loads(done.stdout.strip().splitlines()[-1])
    return {"firms": firms, "weeks": weeks, "replications": replications, **row}


def main() -> None:
    rows = []
    for size in SIZES:
        row = measure(*size)
        row["ratio"] = row["estimate_mib"] / row["peak_mib"]
        print(
            f"{row['firms']:>7,} firms x {row['weeks']} weeks x {row['replications']} reps: "
            f"peak {row['peak_mib']:.0f} MiB, estimate {row['estimate_mib']:.0f} MiB ({row['ratio']:.2f}x)",
            flush=True,
        )
        rows.append(row)
    machine = f"{platform.system()} {platform.machine()}, Python {platform.python_version()}"
    (ROOT / "benchmarks" / "memory.json").write_text(
        json.dumps({"machine": machine, "rows": rows}, indent=2) + "\n"
    )
    lines = [
        "# Memory: the resource guard's estimate against measured peaks",
        "",
        f"`python benchmarks/memory.py` on {machine}. One job per row, in a fresh process; peak",
        "resident memory (ru_maxrss) against `estimate_memory`, which the guard compares with the",
        "machine's available memory (times the parallel workers of a sweep).",
        "",
        "| firms | weeks | replications | measured peak (MiB) | estimate (MiB) | estimate / peak |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['firms']:,} | {r['weeks']} | {r['replications']} | {r['peak_mib']:.0f} | "
        f"{r['estimate_mib']:.0f} | {r['ratio']:.2f} |"
        for r in rows
    ]
    worst = min(r["ratio"] for r in rows)
    lines += ["", f"The estimate is at least {worst:.2f}x the measured peak in every row."]
    (ROOT / "benchmarks" / "memory.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()

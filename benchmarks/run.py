"""Benchmarks of greyzone (`make bench`): wall times measured here, written to results.md.

Timing happens only in this script, never in tests. Each figure is the median of
several runs after import and config composition, on this machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from model.config import build_spec
from model.config.compose import compose_config
from model.model import GreyzoneModel

HERE = Path(__file__).resolve().parent


def time_replication(overrides: list[str], repeats: int) -> dict:
    """Median wall time of one replication (construction, spin-up and all weeks)."""
    spec = build_spec(compose_config(overrides))
    times = []
    for r in range(repeats):
        tick = time.perf_counter()
        GreyzoneModel(spec, r).run()
        times.append(time.perf_counter() - tick)
    weeks = spec.run.horizon_weeks + spec.run.spinup_weeks
    median = statistics.median(times)
    return {
        "overrides": overrides,
        "firms": spec.run.firms,
        "weeks": spec.run.horizon_weeks,
        "spinup_weeks": spec.run.spinup_weeks,
        "repeats": repeats,
        "median_s": round(median, 4),
        "min_s": round(min(times), 4),
        "max_s": round(max(times), 4),
        "firm_steps_per_s": round(spec.run.firms * weeks / median),
    }


def machine() -> dict:
    return {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
    }


CASES = {
    "default": (["scenario=ambiguous_curbs"], 5),
    "firms_10k": (["scenario=ambiguous_curbs", "run.firms=10000"], 3),
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--out", type=Path, default=HERE / "results.json")
    args = parser.parse_args(argv)
    results = {"machine": machine(), "cases": {}}
    for name in args.cases:
        overrides, repeats = CASES[name]
        print(f"[bench] {name}: {' '.join(overrides)} x{repeats} ...", file=sys.stderr, flush=True)
        results["cases"][name] = time_replication(overrides, repeats)
        print(f"[bench] {name}: {json.dumps(results['cases'][name])}", file=sys.stderr, flush=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

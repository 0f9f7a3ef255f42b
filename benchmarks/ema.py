"""greyzone driven by EMA Workbench, at the model's default size (benchmarks/ema.md).

Builds `model.ema_model()` (all ranged seeds, every lever), samples scenarios and policies by
Latin hypercube, runs them with EMA's SequentialEvaluator and MultiprocessingEvaluator, checks
that both give the same outcomes, then runs EMA's PRIM and feature scoring on the result.
Writes benchmarks/ema.json and benchmarks/ema.md.

    python benchmarks/ema.py                      # 16 scenarios x 2 policies (about 3 minutes)
    python benchmarks/ema.py --scenarios 4 --policies 2 --overrides run.firms=60 run.horizon_weeks=104
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
EMA_COUNTERS = ["scenario", "policy"]  # EMA numbers samples per process: not an input


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenarios", type=int, default=16)
    parser.add_argument("--policies", type=int, default=2)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--overrides", nargs="*", default=[], help="the CLI's key=value overrides")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()

    from ema_workbench import MultiprocessingEvaluator, SequentialEvaluator
    from ema_workbench.analysis import feature_scoring, prim

    import model as gz

    started = time.perf_counter()
    ema = gz.ema_model(overrides=args.overrides)
    build_s = time.perf_counter() - started
    sampling = {"uncertainty_sampling_kwargs": {"rng": 1}, "lever_sampling_kwargs": {"rng": 2}}
    size = {"scenarios": args.scenarios, "policies": args.policies}

    print("[ema] warm-up: one experiment (compiles the kernels) ...", file=sys.stderr, flush=True)
    with SequentialEvaluator(ema) as warm:
        warm.perform_experiments(scenarios=1, policies=1, **sampling)

    timings, runs = {}, {}
    for name, evaluator in [
        ("sequential", SequentialEvaluator(ema)),
        ("multiprocessing", MultiprocessingEvaluator(ema, n_processes=args.processes)),
    ]:
        print(
            f"[ema] {name}: {args.scenarios} x {args.policies} experiments ...", file=sys.stderr, flush=True
        )
        started = time.perf_counter()
        with evaluator:
            runs[name] = evaluator.perform_experiments(**size, **sampling)
        timings[name] = time.perf_counter() - started

    (seq_x, seq_y), (mp_x, mp_y) = runs["sequential"], runs["multiprocessing"]
    inputs_equal = seq_x.drop(columns=EMA_COUNTERS).equals(mp_x.drop(columns=EMA_COUNTERS))
    outcomes_equal = seq_y.keys() == mp_y.keys() and all(
        np.array_equal(seq_y[key], mp_y[key], equal_nan=True) for key in seq_y
    )

    x = seq_x.drop(columns=[*EMA_COUNTERS, "model"])
    pressure = seq_y["pressure_52w_tn_yen"]
    lost = seq_y["leverage_lost_tonnes_y10"]
    interest = (pressure > np.median(pressure)) & (lost <= np.median(lost))
    box = prim.Prim(x, interest, peel_alpha=0.1, mass_min=0.1).find_box()
    last = box.peeling_trajectory.iloc[-1]
    scores = feature_scoring.get_feature_scores_all(x, {"pressure": pressure})["pressure"]
    top = scores.sort_values(ascending=False).head(5)

    record = {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "processes": args.processes,
        "overrides": args.overrides,
        "uncertainties": len(ema.uncertainties),
        "levers": [lever.name for lever in ema.levers],
        "outcomes": [outcome.name for outcome in ema.outcomes],
        "experiments": len(seq_x),
        "ema_model_build_s": round(build_s, 2),
        "sequential_s": round(timings["sequential"], 1),
        "multiprocessing_s": round(timings["multiprocessing"], 1),
        "inputs_identical": bool(inputs_equal),
        "outcomes_identical": bool(outcomes_equal),
        "cases_of_interest": int(interest.sum()),
        "prim_boxes": len(box.peeling_trajectory),
        "prim_last_box": {key: round(float(last[key]), 3) for key in ("coverage", "density", "mass")},
        "feature_scores_pressure_top5": {key: round(float(value), 3) for key, value in top.items()},
    }
    (args.out / "ema.json").write_text(json.dumps(record, indent=2) + "\n")
    (args.out / "ema.md").write_text(markdown(record))
    print(markdown(record))


def markdown(record: dict) -> str:
    size = " ".join(record["overrides"]) or "the default size (500 firms, 520 weeks)"
    lines = [
        "# greyzone in EMA Workbench",
        "",
        f"Measured {record['date']} on {record['platform']} ({record['cpus']} CPUs), Python "
        f"{record['python']}, by `python benchmarks/ema.py`, at {size}: `model.ema_model()` with "
        f"{record['uncertainties']} uncertainties (every ranged seed), levers "
        f"{', '.join(record['levers'])}; Latin hypercube samples (rng 1 and 2).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| experiments (scenarios x policies) | {record['experiments']} |",
        f"| building the EMA model (one compose per instrument and coalition option) | "
        f"{record['ema_model_build_s']} s |",
        f"| SequentialEvaluator | {record['sequential_s']} s |",
        f"| MultiprocessingEvaluator, {record['processes']} processes | {record['multiprocessing_s']} s |",
        f"| same inputs (EMA's per-process sample counters aside) | {record['inputs_identical']} |",
        f"| same outcomes, every scalar and series | {record['outcomes_identical']} |",
        f"| cases of interest (pressure above its median, leverage lost at or below its median) | {record['cases_of_interest']} |",
        f"| PRIM peeling trajectory, boxes | {record['prim_boxes']} |",
        f"| PRIM last box: coverage / density / mass | {record['prim_last_box']['coverage']} / "
        f"{record['prim_last_box']['density']} / {record['prim_last_box']['mass']} |",
        "| feature scores for pressure (extra trees), top five | "
        + ", ".join(f"{key} {value}" for key, value in record["feature_scores_pressure_top5"].items())
        + " |",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()

"""Before/after equivalence of the main comparison: two-sample KS tests per headline outcome.

A speed-up may change results bit-wise but not in distribution. This runs the main
comparison (grey-zone curbs and the blanket ban, each with its paired counterfactual) for
N replications and keeps the headline outcomes; run it on the code before a change
(PYTHONPATH=<that checkout>) and after, then compare:

    PYTHONPATH=/tmp/before python benchmarks/equivalence.py sample benchmarks/equivalence_before.parquet
    python benchmarks/equivalence.py sample benchmarks/equivalence_after.parquet
    python benchmarks/equivalence.py compare benchmarks/equivalence_before.parquet \
        benchmarks/equivalence_after.parquet          # writes benchmarks/equivalence.md

Options: --replications (200), --workers (2). Timing plays no part here.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

HERE = Path(__file__).resolve().parent
SCENARIOS = ("ambiguous_curbs", "blanket_ban")
LEVEL = 0.01


def _headline_rows(scenario: str, replication: int) -> pd.DataFrame:
    from model.catalogue.outcomes import HEADLINES
    from model.config import build_spec
    from model.config.compose import compose_config
    from model.sim.paired import simulate

    spec = build_spec(compose_config([f"scenario={scenario}", "run.progress=false"]))
    outcomes = simulate(spec, replication).outcomes
    rows = []
    for headline in HEADLINES:
        picked = outcomes[outcomes.outcome == headline.outcome]
        if headline.material is not None:
            picked = picked[picked.material == headline.material]
        if headline.sector is not None:
            picked = picked[picked.sector == headline.sector]
        if len(picked) == 1:
            rows.append((scenario, replication, headline.key, float(picked.value.iloc[0])))
    return pd.DataFrame(rows, columns=["scenario", "replication", "headline", "value"])


def _job(args: tuple[str, int]) -> pd.DataFrame:
    return _headline_rows(*args)


def sample(out: Path, replications: int, workers: int) -> None:
    jobs = [(s, r) for s in SCENARIOS for r in range(replications)]
    frames = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, frame in enumerate(pool.map(_job, jobs, chunksize=4), start=1):
            frames.append(frame)
            if done % 20 == 0 or done == len(jobs):
                print(f"equivalence: {done}/{len(jobs)} replications", file=sys.stderr, flush=True)
    table = pd.concat(frames, ignore_index=True)
    tmp = out.with_suffix(".partial")
    table.to_parquet(tmp, index=False)
    tmp.replace(out)
    print(f"equivalence: wrote {out}", file=sys.stderr)


def compare(before: Path, after: Path, out: Path) -> pd.DataFrame:
    a, b = pd.read_parquet(before), pd.read_parquet(after)
    rows = []
    for (scenario, headline), old in a.groupby(["scenario", "headline"], sort=False):
        new = b[(b.scenario == scenario) & (b.headline == headline)]
        x, y = old.value.dropna().to_numpy(), new.value.dropna().to_numpy()
        if len(x) == 0 or len(y) == 0:
            p = np.nan
        elif np.array_equal(np.sort(x), np.sort(y)):
            p = 1.0
        else:
            p = float(ks_2samp(x, y).pvalue)
        rows.append(
            {
                "scenario": scenario,
                "outcome": headline,
                "before median": float(np.median(x)) if len(x) else np.nan,
                "after median": float(np.median(y)) if len(y) else np.nan,
                "n": f"{len(x)}/{len(y)}",
                "KS p-value": p,
                "differs at 1%": bool(p < LEVEL) if p == p else False,
            }
        )
    table = pd.DataFrame(rows)
    pairs = a.merge(b, on=["scenario", "replication", "headline"], how="outer", suffixes=("_a", "_b"))
    same = (pairs.value_a == pairs.value_b) | (pairs.value_a.isna() & pairs.value_b.isna())
    lines = [
        "# Before/after equivalence of the main comparison",
        "",
        f"`python benchmarks/equivalence.py compare {before.name} {after.name}`: "
        f"{a.replication.nunique()} replications per scenario before, {b.replication.nunique()} after, "
        "each with its paired counterfactual, two-sample Kolmogorov-Smirnov test per headline outcome "
        f"(p = 1 where the samples are identical). Outcomes differing at the {LEVEL:.0%} level: "
        f"{int(table['differs at 1%'].sum())} of {len(table)}. Replication by replication, "
        f"{int(same.sum()):,} of {len(pairs):,} values are identical.",
        "",
        "| scenario | outcome | before median | after median | n | KS p-value | differs at 1% |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in table.itertuples(index=False):
        lines.append(
            f"| {row[0]} | `{row[1]}` | {row[2]:.4g} | {row[3]:.4g} | {row[4]} | {row[5]:.3f} | "
            f"{'yes' if row[6] else 'no'} |"
        )
    out.write_text("\n".join(lines) + "\n")
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sample")
    s.add_argument("out", type=Path)
    s.add_argument("--replications", type=int, default=200)
    s.add_argument("--workers", type=int, default=2)
    c = sub.add_parser("compare")
    c.add_argument("before", type=Path)
    c.add_argument("after", type=Path)
    c.add_argument("--out", type=Path, default=HERE / "equivalence.md")
    args = parser.parse_args()
    if args.command == "sample":
        sample(args.out, args.replications, args.workers)
    else:
        table = compare(args.before, args.after, args.out)
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()

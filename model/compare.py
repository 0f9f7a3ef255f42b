"""`greyzone-compare DIR`: compare the finished jobs of a multirun (e.g. `make demo`)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from model.analysis import format_table, percentile_table
from model.io import find_runs, read_marker, write_atomic_text
from model.plots import comparison_chart
from model.run import FAN_METRICS


def load_jobs(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, list[Path]]:
    """Outcomes and fan series of every finished job under `root`, labelled by scenario."""
    complete, incomplete = find_runs(root)
    if not complete:
        raise FileNotFoundError(f"{root}: no finished runs (no run.json with status complete)")
    labels = [read_marker(p)["scenario"] for p in complete]
    if len(set(labels)) < len(labels):
        labels = [p.name for p in complete]
    outcomes, fans = [], []
    for path, label in zip(complete, labels, strict=True):
        frame = pd.read_parquet(path / "outcomes.parquet")
        frame.insert(0, "scenario", label)
        outcomes.append(frame)
        table = pq.read_table(path / "weekly.parquet", filters=[("metric", "in", list(FAN_METRICS))])
        fan = table.to_pandas()
        fan["date"] = pd.to_datetime(fan["date"])
        fan.insert(0, "scenario", label)
        fans.append(fan)
    return pd.concat(outcomes, ignore_index=True), pd.concat(fans, ignore_index=True), incomplete


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="greyzone-compare", description=__doc__)
    parser.add_argument("directory", type=Path, help="a multirun directory (or any folder of runs)")
    parser.add_argument(
        "--material", default="Dy", help="material for shortfall and price panels (default Dy)"
    )
    args = parser.parse_args(argv)
    try:
        outcomes, fan, incomplete = load_jobs(args.directory)
    except FileNotFoundError as exc:
        print(f"greyzone-compare: error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    for path in incomplete:
        print(f"greyzone-compare: skipped unfinished run {path}", file=sys.stderr)
    if args.material not in set(fan["material"].dropna()):
        known = ", ".join(sorted(set(fan["material"].dropna())))
        print(
            f"greyzone-compare: error: --material {args.material}: unknown; known: {known}",
            file=sys.stderr,
        )
        raise SystemExit(2)
    table = percentile_table(outcomes, by=["scenario"])
    write_atomic_text(args.directory / "comparison.csv", table.to_csv(index=False))
    figure = comparison_chart(
        fan,
        args.material,
        args.directory / "comparison.png",
        "Ambiguous curbs and bans compared"
        if len(set(fan["scenario"])) > 1
        else str(fan["scenario"].iloc[0]),
    )
    print(format_table(table, by=["scenario"]))
    print(f"\nfigures: {figure}\ntable: {args.directory / 'comparison.csv'}")


if __name__ == "__main__":
    main()

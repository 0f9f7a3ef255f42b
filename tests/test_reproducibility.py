"""Same config and seed give the same numbers; seeds differ; replications split freely."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from model.config.compose import compose_config
from model.run import run_job
from tests.conftest import SMALL

TINY = [*SMALL, "run.horizon_weeks=60", "run.replications=3", "run.firms=60"]


def _run(tmp_path: Path, name: str, *overrides: str):
    return run_job(compose_config([*TINY, *overrides]), tmp_path / name, show_table=False)


def test_same_seed_gives_identical_parquet_and_other_seeds_differ(tmp_path: Path) -> None:
    a = _run(tmp_path, "a")
    b = _run(tmp_path, "b")
    c = _run(tmp_path, "c", "run.seed=7")
    wa, wb, wc = (pd.read_parquet(r.output_dir / "weekly.parquet") for r in (a, b, c))
    pd.testing.assert_frame_equal(wa, wb)
    pd.testing.assert_frame_equal(
        pd.read_parquet(a.output_dir / "outcomes.parquet"), pd.read_parquet(b.output_dir / "outcomes.parquet")
    )
    assert not wa["value"].equals(wc["value"])


def test_replications_do_not_depend_on_how_they_are_split(tmp_path: Path) -> None:
    whole = _run(tmp_path, "whole")
    tail = _run(tmp_path, "tail", "run.replication_offset=1", "run.replications=2")
    a = pd.read_parquet(whole.output_dir / "weekly.parquet")
    b = pd.read_parquet(tail.output_dir / "weekly.parquet")
    pd.testing.assert_frame_equal(a[a["replication"] >= 1].reset_index(drop=True), b.reset_index(drop=True))

"""Same config and seed give the same numbers; seeds differ; replications split freely."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from model.config.compose import compose_config
from model.runs.job import run_job
from tests.conftest import SMALL

GREYZONE = Path(sys.executable).parent / "greyzone"
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


@pytest.mark.slow  # make test-all
def test_a_sweep_gives_the_same_replications_however_they_are_split_across_jobs(tmp_path: Path) -> None:
    """One job of 4 replications = 2 jobs of 2 (2 workers) = 4 jobs of 1 (serial)."""
    whole = pd.read_parquet(_run(tmp_path, "whole", "run.replications=4").output_dir / "outcomes.parquet")
    columns = ["replication", "outcome", "material", "sector", "value"]
    expected = whole[columns].sort_values(columns[:4]).reset_index(drop=True)
    for offsets, size, workers in (("0,2", 2, 2), ("0,1,2,3", 1, 1)):
        root = tmp_path / f"split_{size}"
        done = subprocess.run(
            [
                str(GREYZONE),
                "-m",
                *TINY,
                f"run.replication_offset={offsets}",
                f"run.replications={size}",
                f"hydra.launcher.n_jobs={workers}",
                f"hydra.sweep.dir={root}",
            ],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        table = pd.read_parquet(root / "outcomes.parquet")
        assert table["job"].nunique() == len(offsets.split(","))
        got = table[columns].sort_values(columns[:4]).reset_index(drop=True)
        for column in ("outcome", "material", "sector"):
            got[column], expected[column] = got[column].astype(str), expected[column].astype(str)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)

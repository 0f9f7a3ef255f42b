"""Leverage efficiency as a case-level ratio of means with bootstrap bands (synthetic tables)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from model.catalogue.units import YEN_PER_TRILLION
from model.results import plots
from model.results.efficiency import efficiency_table, format_efficiency, paired_points
from model.results.integrity import listing
from model.results.report import efficiency_section, write_report

BY = ["job", "label"]


def _case(
    job: int,
    pressure_tn: np.ndarray,
    leverage: np.ndarray,
    paired: bool = True,
    case: str | None = None,
) -> pd.DataFrame:
    """A tidy outcome table of one job: pressure (trillion yen) and leverage lost (points, the
    same for every weighting and year 10) per replication."""
    rows = []
    for r, (p, lev) in enumerate(zip(pressure_tn, leverage, strict=True)):
        p, lev = (p, lev) if paired else (np.nan, np.nan)
        rows.append(("pressure_52w_yen", None, "all", p * YEN_PER_TRILLION, r))
        rows.append(("pressure_26w_yen", None, "all", p * YEN_PER_TRILLION / 2, r))
        for weighting in ("tonnes", "value", "world"):
            rows.append((f"leverage_lost_{weighting}_y10", "all", None, lev, r))
            rows.append((f"leverage_lost_{weighting}_y1", "all", None, lev / 3, r))
        rows.append(("paired", None, None, float(paired), r))
        rows.append(("va_lost_yen", None, "all", 1e12, r))
    frame = pd.DataFrame(rows, columns=["outcome", "material", "sector", "value", "replication"])
    frame.insert(0, "label", case or f"case {job}")
    frame.insert(0, "case", case)
    frame.insert(0, "job", job)
    return frame


def _normal(n: int, mean: float, sd: float, seed: int) -> np.ndarray:
    """`n` normal draws shifted to have exactly `mean`."""
    draws = np.random.default_rng(seed).normal(0.0, sd, n)
    return draws - draws.mean() + mean


def _row(table: pd.DataFrame, job: int, weighting: str = "tonnes") -> pd.Series:
    return table[(table["job"] == job) & (table["weighting"] == weighting)].iloc[0]


def test_bands_contain_the_estimate_and_shrink_with_more_replications() -> None:
    small = _case(0, _normal(20, 2.0, 0.5, 1), _normal(20, 5.0, 1.0, 2))
    large = _case(1, _normal(500, 2.0, 0.5, 3), _normal(500, 5.0, 1.0, 4))
    table = efficiency_table(pd.concat([small, large]), by=BY)
    assert len(table) == 6 and set(table["verdict"]) == {"ok"}
    for job in (0, 1):
        row = _row(table, job)
        for stat in ("pressure", "leverage", "efficiency"):
            assert row[f"{stat}_lo"] <= row[f"{stat}_mean"] <= row[f"{stat}_hi"]
    assert _row(table, 0)["efficiency_mean"] == pytest.approx(
        small.query("outcome == 'pressure_52w_yen'")["value"].mean()
        / YEN_PER_TRILLION
        / small.query("outcome == 'leverage_lost_tonnes_y10'")["value"].mean()
    )
    width = {j: _row(table, j)["efficiency_hi"] - _row(table, j)["efficiency_lo"] for j in (0, 1)}
    assert width[1] < width[0] / 2


def test_leverage_lost_centred_on_zero_is_within_noise_and_not_divided() -> None:
    leverage = _normal(60, 0.0, 1.0, 5)
    table = efficiency_table(_case(0, _normal(60, 1.0, 0.2, 6), leverage), by=BY)
    row = _row(table, 0)
    assert row["verdict"] == "within noise"
    assert row["leverage_lo"] < 0 < row["leverage_hi"]
    assert (
        np.isnan(row["efficiency_mean"]) and np.isnan(row["efficiency_lo"]) and np.isnan(row["efficiency_hi"])
    )
    assert not np.isnan(row["pressure_mean"])


def test_baseline_with_exact_zeros_is_within_noise() -> None:
    row = _row(efficiency_table(_case(0, np.zeros(10), np.zeros(10)), by=BY), 0)
    assert row["verdict"] == "within noise" and np.isnan(row["efficiency_mean"])


def test_negative_leverage_lost_gains_leverage() -> None:
    row = _row(efficiency_table(_case(0, _normal(40, 1.0, 0.2, 7), _normal(40, -4.0, 1.0, 8)), by=BY), 0)
    assert row["verdict"] == "gains leverage"
    assert row["leverage_hi"] < 0 and row["efficiency_mean"] < 0


def test_the_same_seed_gives_identical_tables() -> None:
    outcomes = pd.concat(
        [
            _case(0, _normal(30, 2.0, 0.5, 9), _normal(30, 3.0, 1.0, 10)),
            _case(1, np.ones(30), np.ones(30) * 2),
        ]
    )
    one = efficiency_table(outcomes, by=BY, seed=3)
    pd.testing.assert_frame_equal(one, efficiency_table(outcomes, by=BY, seed=3))
    other = efficiency_table(outcomes, by=BY, seed=4)
    assert not np.allclose(one["efficiency_lo"], other["efficiency_lo"], equal_nan=True)


def test_a_groups_row_does_not_depend_on_the_other_groups() -> None:
    first = _case(0, _normal(30, 2.0, 0.5, 11), _normal(30, 3.0, 1.0, 12))
    alone = efficiency_table(first, by=BY)
    both = efficiency_table(pd.concat([_case(1, np.ones(30), np.ones(30) * 2), first]), by=BY)
    pd.testing.assert_frame_equal(alone, both[both["job"] == 0].reset_index(drop=True))


def test_resampling_keeps_the_pairing() -> None:
    """Pressure proportional to leverage lost in each replication: a tight efficiency band;
    the same values shuffled independently: a much wider one."""
    leverage = _normal(80, 5.0, 1.5, 13)
    shuffled = np.random.default_rng(14).permutation(leverage)
    outcomes = pd.concat([_case(0, 0.4 * leverage, leverage), _case(1, 0.4 * shuffled, leverage)])
    table = efficiency_table(outcomes, by=BY)
    correlated, independent = _row(table, 0), _row(table, 1)
    assert correlated["efficiency_mean"] == pytest.approx(independent["efficiency_mean"])
    assert correlated["efficiency_hi"] - correlated["efficiency_lo"] < 1e-9
    assert independent["efficiency_hi"] - independent["efficiency_lo"] > 0.02


def test_unpaired_runs_are_unpaired_with_nan_numbers() -> None:
    table = efficiency_table(_case(0, np.ones(10), np.ones(10), paired=False), by=BY)
    assert set(table["verdict"]) == {"unpaired"}
    numbers = table.drop(columns=[*BY, "weighting", "replications", "verdict"])
    assert numbers.isna().all().all() and (table["replications"] == 0).all()


def test_one_replication_gives_no_band() -> None:
    row = _row(efficiency_table(_case(0, np.ones(1), np.ones(1) * 3), by=BY), 0)
    assert row["verdict"] == "too few replications" and np.isnan(row["efficiency_mean"])
    assert row["leverage_mean"] == 3


def test_the_markdown_table_and_the_report_section() -> None:
    outcomes = pd.concat(
        [
            _case(0, _normal(30, 2.0, 0.5, 15), _normal(30, 4.0, 1.0, 16), case="base"),
            _case(1, _normal(30, 0.0, 0.1, 17), _normal(30, 0.0, 1.0, 18), case="quiet"),
        ]
    )
    table = efficiency_table(outcomes, by=BY)
    lines = format_efficiency(table)
    assert len(lines) == 2 + 6 and "within noise" in lines[-1]
    section = "\n".join(efficiency_section(table))
    assert section.startswith("## Leverage efficiency")
    assert "ratio of means" in section and "90% percentile bootstrap" in section
    assert "paired counterfactual" in section and "not divided" in section
    assert "| base | tonnes | 30 |" in section and "| quiet | world | 30 |" in section


def test_the_frontier_is_drawn_from_the_tables(tmp_path: Path) -> None:
    outcomes = pd.concat(
        [
            _case(0, _normal(30, 2.0, 0.5, 19), _normal(30, 4.0, 1.0, 20)),
            _case(1, _normal(30, 0.0, 0.1, 21), _normal(30, 0.0, 1.0, 22)),
        ]
    )
    points = paired_points(outcomes, BY)
    assert len(points) == 2 * 30 * 3 and points["pressure"].between(-5, 5).all()
    path = plots.frontier(points, efficiency_table(outcomes, by=BY), tmp_path / "frontier.png", "test")
    assert path.stat().st_size > 10_000


def _sweep(root: Path, cases: dict[str, tuple[float, float]], replications: int = 12) -> Path:
    """A finished sweep on disk without running the model: one job per case, its outcomes
    (pressure and leverage lost drawn around the case's means) and a minimal weekly.parquet.

    A case named "a=1 b=2" is a grid point (those overrides), any other a study case."""
    for job, (name, (pressure, leverage)) in enumerate(cases.items()):
        out = root / f"{job}_{name.replace(' ', '_')}"
        (out / ".hydra").mkdir(parents=True)
        overrides = name.split() if "=" in name else [f"study.case={name}"]
        (out / ".hydra" / "overrides.yaml").write_text("".join(f"- {o}\n" for o in overrides))
        meta = {
            "status": "complete",
            "scenario": "ambiguous_curbs",
            "replications": replications,
            "fan_materials": ["Dy"],
            "study": {"name": "synthetic", "version": 1, **({} if "=" in name else {"case": name})},
            "job": {"overrides": overrides},
        }
        outcomes = _case(
            0, _normal(replications, pressure, 0.1, job), _normal(replications, leverage, 1.0, job)
        )
        outcomes.drop(columns=["job", "label", "case"]).to_parquet(out / "outcomes.parquet")
        weeks = np.arange(4)
        weekly = pd.DataFrame(
            {
                "week": weeks,
                "date": pd.date_range("2025-01-06", periods=4, freq="7D").date,
                "metric": "shortfall",
                "material": "Dy",
                "value": 0.1 * weeks,
            }
        )
        with pq.ParquetWriter(out / "weekly.parquet", pa.Table.from_pandas(weekly).schema) as writer:
            for _ in range(replications):
                writer.write_table(pa.Table.from_pandas(weekly))
        meta["checksums"] = listing(out, ["outcomes.parquet", "weekly.parquet"])  # as run_job records them
        (out / "run.json").write_text(json.dumps(meta))
    return root


def test_a_report_has_the_efficiency_section_the_frontier_and_an_efficiency_tornado(tmp_path: Path) -> None:
    cases = {
        "base": (2.0, 5.0),
        "a_low": (1.0, 5.0),
        "a_high": (3.0, 5.0),
        "b_low": (2.0, 0.0),  # leverage lost within noise: no bar
        "b_high": (2.0, 10.0),
        "c_low": (-0.5, -4.0),  # China gains leverage: no bar either
        "c_high": (2.5, 6.0),
    }
    report = write_report(_sweep(tmp_path / "sweep", cases))
    text = report.path.read_text()
    assert (
        text.index("## Outcomes per case") < text.index("## Leverage efficiency") < text.index("## Figures")
    )
    assert "| b_low | tonnes | 12 |" in text and "within noise" in text
    names = {p.name for p in report.figures}
    assert {"frontier.png", "tornado.png", "distributions.png"} <= names and "tradeoff.png" not in names
    assert (
        'No bar for cases whose efficiency is not "ok" (b_low: within noise; c_low: gains leverage)' in text
    )
    assert set(report.efficiency["weighting"]) == {"tonnes", "value", "world"}


def test_a_tornado_falls_back_to_pressure_when_the_base_is_within_noise(tmp_path: Path) -> None:
    cases = {"base": (2.0, 0.0), "a_low": (1.0, 5.0), "a_high": (3.0, 5.0)}
    report = write_report(_sweep(tmp_path / "sweep", cases))
    assert "tornado.png" in {p.name for p in report.figures}
    assert "so this tornado shows mean 52-week pressure, not efficiency" in report.path.read_text()


def test_a_grid_sweep_draws_heatmaps_of_pressure_and_leverage_lost(tmp_path: Path) -> None:
    cases = {f"x={x} y={y}": (x + y, 2.0 + x) for x in (1, 2, 3) for y in (1, 2)}
    report = write_report(_sweep(tmp_path / "grid", cases, replications=4))
    names = {p.name for p in report.figures}
    assert {"heatmap_pressure_52w_yen.png", "heatmap_leverage_lost_tonnes_y10.png", "tornado.png"} <= names
    assert not any("efficiency" in name or "decoupling" in name for name in names)

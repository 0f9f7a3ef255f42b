"""The run command's outputs: files, schemas, metadata; nothing partial passes for finished."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from model.config.compose import compose_config
from model.results.aggregate import discover
from model.results.cli import main as report_main
from model.runs.directory import RunDirectoryError
from model.runs.job import FILES, run_job
from model.sim.greyzone import GreyzoneModel
from tests.conftest import SMALL

TINY = [*SMALL, "run.horizon_weeks=60", "run.replications=2", "run.firms=60"]


def test_a_run_writes_every_documented_file(tmp_path: Path, capsys) -> None:
    result = run_job(compose_config(TINY), tmp_path / "run", overrides=["run.firms=60"])
    out = result.output_dir
    for name in FILES:
        assert (out / name).exists(), name
    assert not list(out.glob("*.partial*"))
    weekly = pd.read_parquet(out / "weekly.parquet")
    assert list(weekly.columns) == ["replication", "week", "date", "metric", "material", "sector", "value"]
    assert weekly["replication"].nunique() == 2 and weekly["week"].max() == 59
    assert pd.Timestamp(weekly["date"].min()) == pd.Timestamp("2026-01-05")
    assert weekly["value"].notna().all()
    assert {"shortfall", "price_multiple", "orders_t", "approvals", "pending", "fill_rate"} <= set(
        weekly["metric"]
    )
    outcomes = pd.read_parquet(out / "outcomes.parquet")
    assert list(outcomes.columns) == ["replication", "outcome", "material", "sector", "value"]
    needed = {
        "va_lost_yen",
        "va_lost_first_year_pct_gdp",
        "peak_shortfall",
        "mean_shortfall",
        "weeks_in_shortage",
        "price_peak_multiple",
        "china_share_end",
        "nonchina_capacity_added_t",
        "stockpile_drawdown_share",
        "excess_inventory_peak_weeks",
        "belief_spread_peak_weeks",
    }
    assert needed <= set(outcomes["outcome"])
    sectors = set(outcomes.loc[outcomes["outcome"] == "va_lost_yen", "sector"])
    assert {"automotive", "defence", "all"} <= sectors
    meta = json.loads((out / "run.json").read_text())
    assert meta["status"] == "complete" and meta["root_seed"] == 20260105
    assert meta["packages"]["mesa"].startswith("3.") and meta["packages"]["hydra-core"].startswith("1.3")
    assert "commit" in meta["git"]
    assert meta["overrides"] == ["run.firms=60"]
    printed = capsys.readouterr().out
    assert "percentiles 5 / 50 / 95 across 2 replications" in printed
    assert (out / "fan_chart.png").stat().st_size > 20_000


def test_an_existing_run_is_never_overwritten(tmp_path: Path) -> None:
    run_job(compose_config(TINY), tmp_path / "run", show_table=False)
    before = (tmp_path / "run" / "outcomes.parquet").read_bytes()
    with pytest.raises(RunDirectoryError, match="already holds a run"):
        run_job(compose_config(TINY), tmp_path / "run", show_table=False)
    assert (tmp_path / "run" / "outcomes.parquet").read_bytes() == before


def test_a_failed_run_leaves_nothing_that_looks_finished(tmp_path: Path, monkeypatch) -> None:
    original = GreyzoneModel.run

    def failing(self, weeks=None):  # replication 1 fails (0 and its counterfactual have run)
        if self.replication == 1:
            raise RuntimeError("boom")
        return original(self, weeks)

    monkeypatch.setattr(GreyzoneModel, "run", failing)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="boom"):
        run_job(compose_config(TINY), out, show_table=False)
    assert sorted(p.name for p in out.iterdir()) == [".replications", "failed.json"]
    failure = json.loads((out / "failed.json").read_text())
    assert (failure["status"], failure["error"], failure["replications_saved"]) == ("failed", "boom", 1)
    assert [job.status for job in discover(out)] == ["failed"]  # nothing there counts as finished


def test_a_failed_run_resumes_from_its_checkpoints_to_the_same_files(tmp_path: Path, monkeypatch) -> None:
    whole = run_job(compose_config(TINY), tmp_path / "whole", show_table=False, report=False)
    runs = []
    original = GreyzoneModel.run

    def failing(self, weeks=None):
        runs.append(self.replication)
        if runs.count(1) == 1 and self.replication == 1:  # the first run of replication 1 fails
            raise RuntimeError("boom")
        return original(self, weeks)

    monkeypatch.setattr(GreyzoneModel, "run", failing)
    out = tmp_path / "run"
    with pytest.raises(RuntimeError, match="boom"):
        run_job(compose_config(TINY), out, show_table=False, report=False)
    with pytest.raises(RunDirectoryError, match=r"unfinished run; add run\.resume=true"):
        run_job(compose_config(TINY), out, show_table=False, report=False)
    resumed = run_job(compose_config([*TINY, "run.resume=true"]), out, show_table=False, report=False)
    # each replication runs with its paired counterfactual; replication 0 was not run again
    assert runs == [0, 0, 1, 1, 1]
    for name in ("weekly.parquet", "outcomes.parquet", "policy_events.parquet", "summary.csv"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes(), name
    assert resumed.outcomes.equals(whole.outcomes)
    assert not (out / "failed.json").exists() and not (out / ".replications").exists()
    again = run_job(compose_config([*TINY, "run.resume=true"]), out, show_table=False, report=False)
    assert runs == [0, 0, 1, 1, 1] and again.outcomes.equals(whole.outcomes)  # finished: skipped
    with pytest.raises(RunDirectoryError, match="different config"):
        run_job(compose_config([*TINY, "run.resume=true", "run.seed=5"]), out, show_table=False)


def test_a_killed_run_is_reported_incomplete_and_never_read_as_finished(tmp_path: Path, monkeypatch, caplog):
    original = GreyzoneModel.run
    calls = []

    def killed_in_second(self, weeks=None):
        calls.append(self.replication)
        if self.replication == 1:
            raise KeyboardInterrupt  # the job stops part-way (in replication 1), as under a kill
        return original(self, weeks)

    monkeypatch.setattr(GreyzoneModel, "run", killed_in_second)
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        run_job(compose_config(TINY), out, show_table=False)
    (out / "failed.json").unlink()  # a SIGKILL leaves no failure record at all
    with pytest.raises(SystemExit) as caught:
        report_main([str(out)])
    assert caught.value.code == 1
    assert "incomplete: started but never finished (no run.json; 1 replication(s) saved" in caplog.text
    assert not (out / "outcomes.parquet").exists()

"""Studies, sweeps, aggregation and reports."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from model.config.compose import compose_config
from model.config.paths import EXPERIMENTS_DIR
from model.results.report import write_report
from model.runs.cli import check_overrides
from model.runs.job import run_job
from model.sim.greyzone import GreyzoneModel

GREYZONE = Path(sys.executable).with_name("greyzone")
REPORT = Path(sys.executable).with_name("greyzone-report")
TINY = [
    "run.replications=2",
    "run.firms=30",
    "run.horizon_weeks=40",
    "run.spinup_weeks=8",
    "run.progress=false",
]
QUICK_STUDY = "ambiguity_vs_ban"  # make test runs this one; make test-all runs them all
STUDIES = [
    pytest.param(p.stem, marks=() if p.stem == QUICK_STUDY else pytest.mark.slow)
    for p in sorted(EXPERIMENTS_DIR.glob("*.yaml"))
]


def _greyzone(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(GREYZONE), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ},
        check=False,
    )


def _digest(root: Path) -> dict[str, str]:
    files = [root / "report.md", *sorted((root / "figures").glob("*.png"))]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files}


def _sweep(base: Path, workers: int) -> Path:
    """The three instruments swept at a tiny size with `workers` joblib workers."""
    root = base / f"workers_{workers}"
    done = _greyzone(
        [
            "-m",
            "scenario=ambiguous_curbs,blanket_ban,end_use_ban",
            *TINY,
            f"hydra.launcher.n_jobs={workers}",
            f"hydra.sweep.dir={root}",
        ],
        cwd=base,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return root


# session scope: a module-scoped fixture is set up again each time a worker comes back to
# this module from another one, and xdist interleaves modules
@pytest.fixture(scope="session")
def sweep(tmp_path_factory) -> Path:
    """A sweep run with two joblib workers."""
    return _sweep(tmp_path_factory.mktemp("sweep_two_workers"), 2)


@pytest.fixture(scope="session")
def serial_sweep(tmp_path_factory) -> Path:
    """The same sweep run with one worker (only the slow comparison needs it)."""
    return _sweep(tmp_path_factory.mktemp("sweep_one_worker"), 1)


@pytest.mark.slow  # 20-50 s: in make test-all (CI runs both)
@pytest.mark.xdist_group("sweeps")  # one worker runs the sweeps once
def test_serial_and_two_worker_sweeps_aggregate_identically(serial_sweep, sweep) -> None:
    one = pd.read_parquet(serial_sweep / "outcomes.parquet")
    two = pd.read_parquet(sweep / "outcomes.parquet")
    assert len(one) > 0 and set(one["scenario"]) == {"ambiguous_curbs", "blanket_ban", "end_use_ban"}
    pd.testing.assert_frame_equal(one, two)
    assert (serial_sweep / "summary.csv").read_text() == (sweep / "summary.csv").read_text()


@pytest.mark.xdist_group("sweeps")  # one worker runs the sweeps once
def test_aggregate_holds_parameters_outcomes_and_replications(sweep) -> None:
    table = pd.read_parquet(sweep / "outcomes.parquet")
    assert list(table.columns[:5]) == ["job", "case", "scenario", "label", "replication"]
    assert {"outcome", "material", "sector", "value"} <= set(table.columns)
    assert table.groupby("scenario")["replication"].nunique().eq(2).all()
    jobs = pd.read_csv(sweep / "jobs.csv")
    assert list(jobs["status"]) == ["complete"] * 3


@pytest.mark.slow  # 20-50 s: in make test-all (CI runs both)
@pytest.mark.xdist_group("sweeps")  # one worker runs the sweeps once
def test_regenerated_report_is_identical(sweep, tmp_path: Path) -> None:
    copy = tmp_path / sweep.name  # the report names its directory
    shutil.copytree(sweep, copy)
    before = _digest(copy)
    for name in ("report.md", "outcomes.parquet", "summary.csv"):
        (copy / name).unlink()
    shutil.rmtree(copy / "figures")
    done = subprocess.run([str(REPORT), str(copy)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert _digest(copy) == before
    report = (copy / "report.md").read_text()
    assert report.index("## Outcomes per case") < report.index("## Figures")


def test_report_of_a_single_run_regenerates_identically(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = _greyzone([*TINY, f"hydra.run.dir={out}"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    before = _digest(out)
    write_report(out)
    assert _digest(out) == before


@pytest.mark.slow  # 20-50 s: in make test-all (CI runs both)
def test_a_folder_of_runs_keeps_runs_of_the_same_scenario_apart(tmp_path: Path) -> None:
    """The same command run twice into one folder: two cases in every table and figure, never
    one pooled case."""
    root = tmp_path / "runs"
    for attempt in (1, 2):
        done = _greyzone([*TINY, f"hydra.run.dir={root / f'attempt_{attempt}'}"], cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
    report = write_report(root)
    labels = {"ambiguous_curbs (job 0)", "ambiguous_curbs (job 1)"}
    assert set(report.aggregate.outcomes["label"]) == labels
    assert set(report.summary["label"]) == labels and set(report.aggregate.fan["label"]) == labels


def test_a_run_recorded_before_fan_materials_still_reports(tmp_path: Path) -> None:
    """A run whose run.json predates `fan_materials`, without a Hydra record: fans of every
    material."""
    out = tmp_path / "run"
    run_job(compose_config(TINY), out, show_table=False, report=False)
    marker = out / "run.json"
    meta = json.loads(marker.read_text())
    del meta["fan_materials"]
    marker.write_text(json.dumps(meta))
    report = write_report(out)
    materials = set(report.aggregate.fan["material"])
    assert materials == {*report.aggregate.outcomes["material"].dropna()}  # every material, and all


def test_a_failed_job_is_named_and_the_rest_aggregated(tmp_path: Path, monkeypatch) -> None:
    """In-process sweep (basic launcher) where the blanket-ban job crashes mid-run."""
    from model.runs import cli

    original = GreyzoneModel.run

    def crash_ban(self, weeks=None):
        if self.spec.scenario.name == "blanket_ban":
            raise RuntimeError("simulated crash")
        return original(self, weeks)

    monkeypatch.setattr(GreyzoneModel, "run", crash_ban)
    root = tmp_path / "sweep"
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        cli.main(
            [
                "-m",
                "scenario=ambiguous_curbs,blanket_ban,end_use_ban",
                *TINY,
                "hydra/launcher=basic",
                f"hydra.sweep.dir={root}",
            ]
        )
    assert exit_info.value.code == 1
    jobs = pd.read_csv(root / "jobs.csv")
    failed = jobs[jobs["status"] != "complete"]
    assert list(failed["job"]) == [1]
    assert "simulated crash" in failed["error"].iloc[0]
    table = pd.read_parquet(root / "outcomes.parquet")
    assert set(table["scenario"]) == {"ambiguous_curbs", "end_use_ban"}
    report = (root / "report.md").read_text()
    assert "Jobs that did not finish" in report and "simulated crash" in report
    assert "2 of 3 jobs complete" in report
    crashed = root / failed["directory"].iloc[0]
    assert json.loads((crashed / "failed.json").read_text())["error"] == "simulated crash"
    assert not (crashed / "run.json").exists() and not (crashed / "outcomes.parquet").exists()


@pytest.mark.xdist_group("sweeps")  # one worker runs the sweeps once
def test_a_job_that_never_started_is_reported_missing(sweep, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(sweep, copy)
    plan = json.loads((copy / "sweep_plan.json").read_text())
    plan["jobs"].append({"job": 3, "overrides": ["scenario=targeted_heavy"]})
    (copy / "sweep_plan.json").write_text(json.dumps(plan))
    report = write_report(copy)
    statuses = {j.number: j.status for j in report.aggregate.jobs}
    assert statuses == {0: "complete", 1: "complete", 2: "complete", 3: "missing"}
    assert "missing" in (copy / "report.md").read_text()


@pytest.mark.parametrize("study", STUDIES)
def test_each_study_runs_from_one_command_and_reports(study: str, tmp_path: Path) -> None:
    root = tmp_path / study
    tiny = [*TINY[:-1], "run.replications=1"] if study in ("intensity_grid", "oat_sensitivity") else TINY
    done = _greyzone([f"experiments={study}", *tiny, f"hydra.sweep.dir={root}"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    report = (root / "report.md").read_text()
    version = yaml.safe_load((EXPERIMENTS_DIR / f"{study}.yaml").read_text())["study"]["version"]
    assert report.startswith(f"# Report: {study} (version {version})")
    first_section = report.index("## ")
    assert report[first_section:].startswith("## Outcomes per case")
    assert " / " in report[first_section : report.index("## Figures")]
    jobs = pd.read_csv(root / "jobs.csv")
    assert (jobs["status"] == "complete").all()
    figures = {p.name for p in (root / "figures").glob("*.png")}
    assert {"frontier.png", "distributions.png"} <= figures
    if study == "intensity_grid":
        assert any(name.startswith("heatmap_") for name in figures)
    if study in ("oat_sensitivity", "intensity_grid", "coalition_threshold"):
        assert "tornado.png" in figures
    if study == "concession":
        assert set(jobs["case"]) == {"off", "low", "default", "high", "very_high"}


@pytest.mark.slow  # 7-28 s each (one compose per swept value and case): in make test-all
@pytest.mark.parametrize("study", [p.stem for p in sorted(EXPERIMENTS_DIR.glob("*.yaml"))])
def test_every_case_of_every_study_passes_the_up_front_check(study: str) -> None:
    """Each study's swept values and cases compose into valid specs (no job refused later)."""
    assert check_overrides([f"experiments={study}", "run.replications=1"]) == []

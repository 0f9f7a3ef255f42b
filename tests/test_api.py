"""The Python API (model/api/): compose, simulate, load, compare; Hydra's state left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.singleton import Singleton

import model as gz
from model.config.paths import CONFIG_DIR
from model.results.summary import format_table, percentile_table
from model.testing.faults import flip_one_byte
from tests.conftest import run_tiny_morris

GREYZONE = Path(sys.executable).with_name("greyzone")
TINY = [
    "run.firms=40",
    "run.horizon_weeks=60",
    "run.spinup_weeks=8",
    "run.replications=3",
    "run.progress=false",
]
DATA = ("weekly.parquet", "outcomes.parquet", "policy_events.parquet", "summary.csv")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    done = subprocess.run(
        [str(GREYZONE), *args], cwd=cwd, capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_api_results_equal_the_cli_for_the_same_config_and_seed(tmp_path: Path) -> None:
    cli_dir, api_dir = tmp_path / "cli", tmp_path / "api"
    _cli("scenario=blanket_ban", *TINY, "run.seed=7", f"hydra.run.dir={cli_dir}", cwd=tmp_path)
    config = gz.compose("blanket_ban", TINY)
    results = gz.simulate(config, seed=7, workers=2, directory=api_dir, progress=False)  # 2 processes
    for name in DATA:  # the same bytes on disk
        assert (api_dir / name).read_bytes() == (cli_dir / name).read_bytes(), name
    cli = gz.load(cli_dir)
    pd.testing.assert_frame_equal(results.outcomes, cli.outcomes)
    pd.testing.assert_frame_equal(results.weekly, cli.weekly)
    pd.testing.assert_frame_equal(results.events, cli.events)
    pd.testing.assert_frame_equal(results.summary(), cli.summary())
    meta = {d: json.loads((d / "run.json").read_text()) for d in (cli_dir, api_dir)}
    assert meta[api_dir]["fingerprint"] == meta[cli_dir]["fingerprint"]
    assert (
        meta[api_dir]["root_seed"] == 7
        and meta[api_dir]["workers"] == 2
        and results.kind == "run"
        and results.labels == ["blanket_ban"]
    )
    assert (api_dir / ".hydra" / "overrides.yaml").exists() and (api_dir / "report.md").exists()
    assert set(results.outcomes["replication"]) == {0, 1, 2}


def test_compose_refuses_bad_input_in_one_line_naming_the_key() -> None:
    cases = {
        ("ambiguous_curbs", ("japan.stockpile_dayz=10",)): "japan.stockpile_dayz: unknown key; did you mean",
        ("ambiguous_curbs", ("seeds.materials.Dy.china_share.value=1.3",)): "seeds.materials.Dy.china_share",
        ("no_such_scenario", ()): "scenario: unknown option 'no_such_scenario'; allowed:",
        ("ambiguous_curbs", ("experiments=ambiguity_vs_ban",)): "experiments: a named study is a sweep",
        ("ambiguous_curbs", ("hydra.run.dir=x",)): "hydra.run.dir: Hydra's own settings",
        ("ambiguous_curbs", ("run.replications",)): "overrides: got 'run.replications'",
    }
    for (scenario, overrides), message in cases.items():
        with pytest.raises(gz.ConfigError) as caught:
            gz.compose(scenario, list(overrides))
        assert message in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(gz.ConfigError, match="give a list"):
        gz.compose("blanket_ban", "run.replications=3")
    with pytest.raises(gz.ConfigError, match="workers: got 0"):
        gz.simulate(gz.compose("blanket_ban", TINY), workers=0)


def test_a_later_override_replaces_an_earlier_one_of_the_same_key() -> None:
    base = gz.compose("ambiguous_curbs", ["japan.stockpile_days=60", "run.replications=3"])
    variant = base.with_overrides("japan.stockpile_days=180", "scenario=blanket_ban")
    assert variant.get("japan.stockpile_days") == 180 and variant.scenario == "blanket_ban"
    assert variant.overrides == ("run.replications=3", "japan.stockpile_days=180", "scenario=blanket_ban")
    assert base.get("japan.stockpile_days") == 60  # the original is unchanged
    assert variant.command().startswith("greyzone run.replications=3")


def test_compose_leaves_hydra_as_it_found_it() -> None:
    Singleton._instances.pop(GlobalHydra, None)
    gz.compose("blanket_ban")
    assert GlobalHydra not in Singleton._instances  # nothing left behind
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3"):  # the caller's own Hydra
        mine = GlobalHydra.instance().hydra
        assert gz.compose("blanket_ban").scenario == "blanket_ban"
        assert GlobalHydra.instance().hydra is mine
        assert (
            hydra_compose(config_name="config", overrides=["scenario=end_use_ban"]).scenario.name
            == "end_use_ban"
        )
    assert GlobalHydra not in Singleton._instances


def test_compose_from_threads_gives_each_its_own_config() -> None:
    scenarios = ["ambiguous_curbs", "blanket_ban", "end_use_ban", "targeted_heavy"] * 2
    got: dict[int, str] = {}
    errors: list[BaseException] = []

    def work(i: int, name: str) -> None:
        try:
            got[i] = gz.compose(name, [f"run.replications={i + 1}"]).get("scenario.name")
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i, name)) for i, name in enumerate(scenarios)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and got == dict(enumerate(scenarios))


def test_simulate_from_two_threads_matches_one_at_a_time(tmp_path: Path) -> None:
    config = gz.compose("ambiguous_curbs", [*TINY, "run.replications=2"])
    variant = config.with_overrides("scenario.china.intensity=0.8")
    alone = [
        gz.simulate(c, directory=tmp_path / f"alone{i}", progress=False)
        for i, c in enumerate((config, variant))
    ]
    together: dict[int, gz.Results] = {}
    threads = [
        threading.Thread(
            target=lambda i=i, c=c: together.__setitem__(
                i, gz.simulate(c, directory=tmp_path / f"thread{i}", progress=False)
            )
        )
        for i, c in enumerate((config, variant))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for i in (0, 1):
        pd.testing.assert_frame_equal(together[i].outcomes, alone[i].outcomes)
    assert not alone[0].outcomes.equals(alone[1].outcomes)  # the intensity acted


@pytest.mark.slow  # runs a sweep (about 25 s): make test-all; tests/test_explorer.py loads a committed one
def test_load_reads_a_sweep_verifies_it_and_compare_prints_the_reports_table(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    _cli("-m", "scenario=ambiguous_curbs,blanket_ban", *TINY, f"hydra.sweep.dir={sweep}", cwd=tmp_path)
    results = gz.load(sweep)
    assert results.kind == "sweep" and results.complete
    assert results.labels == ["ambiguous_curbs", "blanket_ban"]
    pd.testing.assert_frame_equal(results.outcomes, pd.read_parquet(sweep / "outcomes.parquet"))
    assert set(results.events["label"]) <= set(results.labels) and len(results.events)
    assert set(results.series("shortfall", material="Dy")["label"]) == set(results.labels)
    summary = results.summary()
    assert summary.equals(percentile_table(results.outcomes, by=["job", "label"]))
    comparison = gz.compare(results)
    assert str(comparison) == format_table(summary, by=["job", "label"], header="label")
    assert list(comparison.table.columns) == ["ambiguous_curbs", "blanket_ban"]
    named = gz.compare(first=results, again=results)
    assert list(named.table.columns) == [
        "first: ambiguous_curbs",
        "first: blanket_ban",
        "again: ambiguous_curbs",
        "again: blanket_ban",
    ]
    assert list(gz.compare(results, results).table.columns)[2:] == ["ambiguous_curbs (2)", "blanket_ban (2)"]
    job = next(p for p in sweep.iterdir() if p.name.startswith("1_"))
    assert gz.load(job).labels == ["blanket_ban"]
    flip_one_byte(sweep / "outcomes.parquet")
    with pytest.raises(gz.DamagedFileError, match=r"outcomes\.parquet is damaged"):
        gz.load(sweep)
    with pytest.raises(KeyError, match="not among the weekly series"):
        gz.load(job).series("no_such_metric")


@pytest.mark.slow  # runs a small Morris study (about 20 s): make test-all
def test_load_reads_a_study_as_tidy_outcomes_and_its_tables(tmp_path: Path) -> None:
    run_tiny_morris(tmp_path)
    study = gz.load(tmp_path)
    assert study.kind == "study" and "morris.parquet" in study.tables
    design = study.table("design.parquet")
    pressure = study.outcomes[study.outcomes["outcome"] == "pressure_52w_yen"]
    assert len(pressure) == len(design)
    assert pressure["value"].to_numpy() == pytest.approx(design["pressure_52w_tn_yen"].to_numpy() * 1e12)
    assert "pressure_52w_yen[all]" in set(study.summary()["headline"])
    with pytest.raises(KeyError, match=r"did you mean .morris\.parquet."):
        study.table("moris.parquet")


def test_load_refuses_a_folder_with_nothing_in_it(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no run, sweep or study here"):
        gz.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such directory"):
        gz.load(tmp_path / "absent")


def test_the_package_exposes_the_api_lazily() -> None:
    assert gz.compose is gz.__getattr__("compose") and "simulate" in dir(gz)
    with pytest.raises(AttributeError, match="no attribute 'simulat'"):
        gz.simulat  # noqa: B018
    fresh = subprocess.run(
        [sys.executable, "-c", "import sys, model.sim.kernels; print('model.api' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert fresh.stdout.strip() == "False"  # a sub-package does not pull the API in

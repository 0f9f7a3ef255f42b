"""Validation on the episodes on record: targets files, replays of their schedules of measures,
and a scorecard that regenerates identically from saved runs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml

from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.explore import targets as tg
from model.explore.methods import validate
from model.explore.studies import run_study
from tests.conftest import run_model, small_spec, write_targets_file

SMALL = ("run.firms=40", "run.spinup_weeks=8", "run.progress=false")
EPISODES = ("replay_2010", "replay_2025")


def _validate(out: Path, docs: Path, *settings: str) -> Path:
    overrides = [
        "explore=validate",
        *SMALL,
        f"explore.episodes=[{','.join(EPISODES)}]",
        "explore.replications=2",
        "explore.workers=1",
        f"explore.docs={docs}",
        *settings,
    ]
    cfg = compose_config(overrides, config_name="explore")
    return run_study(cfg, out, overrides)


# the targets files ---------------------------------------------------------------------------------
@pytest.mark.parametrize("name", tg.episode_names())
def test_every_episode_file_loads_and_every_target_says_what_it_is(name: str) -> None:
    episode = tg.load_episode(name)
    cfg = compose_config([f"scenario={episode.scenario}", *episode.overrides])
    assert episode.targets and cfg.scenario.name == episode.scenario
    for t in episode.targets:
        assert t.record > 0 and t.tolerance > 0 and t.unit and t.window and t.source
        assert t.role in tg.ROLES


def test_what_the_record_of_2010_says_after_mid_2011_is_never_fitted() -> None:
    """Held out by rule: the price paths after mid-2011, Japan's imports and China's share of them
    after 2011 (a calibration must never see them)."""
    for t in tg.load_episode("replay_2010").targets:
        late = (t.end and t.end > "2011-06-30") or (t.year and t.year >= 2011) or t.kind == "outcome"
        if late:
            assert t.role == "held_out", t.name


def test_a_target_with_a_bad_setting_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(
        "episode: {scenario: replay_2010, description: x}\n"
        "targets:\n  t: {kind: monthly_imports, month: '2010-09', record: 1, unit: t, window: w,"
        " role: fitted, tolerance: 0.5, source: s}\n"
    )
    with pytest.raises(ConfigError) as err:
        tg.load_episode("bad", tmp_path)
    assert "targets.t.role" in str(err.value) and "in_sample, held_out" in str(err.value)
    with pytest.raises(ConfigError, match=r"explore\.episodes"):
        tg.load_episode("no_such_episode")


# the replays reproduce their schedules of measures ---------------------------------------------------
def _events(scenario: str, *overrides: str) -> list[tuple[int, str, str]]:
    model = run_model(small_spec(f"scenario={scenario}", *overrides))
    return [(e.week, e.kind, e.cause) for e in model.china.events]


def _week(spec, day: str) -> int:
    return (dt.date.fromisoformat(day) - spec.run.start_date).days // 7


def test_replay_2010_halts_from_20_sep_to_22_nov_with_quotas_to_jan_2015() -> None:
    spec = small_spec("scenario=replay_2010")
    events = _events("replay_2010", "run.horizon_weeks=240")
    assert (_week(spec, "2010-09-20"), "quota", "export quota change") in events
    assert (_week(spec, "2010-09-20"), "start", "scheduled start") in events
    assert (_week(spec, "2010-11-22"), "lift", "scheduled end") in events
    assert (_week(spec, "2015-01-05"), "quota", "export quota change") in events


def test_replay_2025_begins_licensing_on_7_apr_2025_and_aims_at_no_one() -> None:
    spec = small_spec("scenario=replay_2025")
    assert _events("replay_2025") == [(_week(spec, "2025-04-07"), "regime", "licence regime begins")]
    assert spec.scenario.china.instrument == "none"


def test_replay_2026_starts_the_dual_use_ban_in_the_week_of_6_jan_2026_and_keeps_it() -> None:
    spec = small_spec("scenario=replay_2026")
    assert _events("replay_2026") == [(_week(spec, "2026-01-05"), "start", "scheduled start")]
    china = spec.scenario.china
    assert (china.instrument, china.formal, china.entity_lists, china.customs_holds) == (
        "end_use_ban",
        True,
        True,
        True,
    )


# the scorecard -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def study(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("validate")
    docs = root / "VALIDATION.md"
    docs.write_text(
        "# Validation\n\nText before.\n\n## Scorecard\n\n"
        + validate.BEGIN
        + "\nold\n"
        + validate.END
        + "\n\nText after.\n"
    )
    _validate(root / "study", docs)
    return root / "study", docs


def test_the_scorecard_scores_every_target_of_every_episode(study) -> None:
    out, _ = study
    card = pd.read_parquet(out / validate.SCORECARD)
    expected = {(e, t.name) for e in EPISODES for t in tg.load_episode(e).targets}
    assert set(zip(card["episode"], card["target"], strict=True)) == expected
    assert (card["p5"] <= card["p50"]).all() and (card["p50"] <= card["p95"]).all()
    assert set(card["role"]) == {"in_sample", "held_out"}
    runs = pd.read_parquet(out / validate.RUNS)
    assert runs.groupby("episode")["replication"].nunique().eq(2).all()


def test_the_scorecard_goes_between_the_markers_of_the_docs_and_nothing_else_changes(study) -> None:
    _out, docs = study
    text = docs.read_text()
    assert text.startswith("# Validation\n\nText before.\n\n## Scorecard\n\n" + validate.BEGIN)
    assert text.endswith(validate.END + "\n\nText after.\n") and "\nold\n" not in text
    assert "### replay_2025" in text and "| dy_price_2025_05 | May 2025 | in-sample |" in text
    assert (docs.parent / "figures" / "validation_replay_2010.png").is_file()


def test_the_scorecard_regenerates_identically_from_the_saved_runs(study, tmp_path: Path) -> None:
    out, docs = study
    again_docs = tmp_path / "VALIDATION.md"
    again_docs.write_text(docs.read_text())
    _validate(tmp_path / "again", again_docs, f"explore.runs={out}")
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "again" / validate.SCORECARD), pd.read_parquet(out / validate.SCORECARD)
    )
    assert again_docs.read_text() == docs.read_text()
    for episode in EPISODES:
        name = f"validation_{episode}.png"
        assert (tmp_path / "again" / name).read_bytes() == (out / name).read_bytes()


@pytest.mark.slow
def test_the_episodes_side_by_side_on_two_workers_give_the_same_runs(study, tmp_path: Path) -> None:
    out, _ = study
    _validate(tmp_path / "two", tmp_path / "d.md", "explore.workers=2")
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "two" / validate.RUNS), pd.read_parquet(out / validate.RUNS)
    )


def test_rebuilding_from_runs_that_lack_an_episode_is_refused(study, tmp_path: Path) -> None:
    out, _ = study
    with pytest.raises(ConfigError, match=r"explore\.runs"):
        _validate(tmp_path / "x", tmp_path / "d.md", f"explore.runs={out}", "explore.episodes=[replay_2026]")


# the calibration recovers a planted parameter ---------------------------------------------------------
@pytest.mark.slow  # the grid fit's recovery; the posterior's is in tests/test_posterior.py (slow too)
def test_the_calibration_recovers_planted_parameters_from_synthetic_records(tmp_path: Path) -> None:
    """Records made by the model itself at planted values, on other random numbers (another root
    seed), written as a targets file of one's own: the calibration's grid fit must find the planted
    values among its grid (0.05 lies inside the price grid, so an edge bias would fail it)."""
    from model.explore.evaluate import run_point
    from model.explore.shared import model_config

    planted = {"market.price_response": 0.05, "licensing.customs_hold_slope": 2}
    settings = [*SMALL, "run.horizon_weeks=100", "explore.replications=3", "explore.workers=1"]
    synthetic = compose_config(
        ["explore=calibrate", *settings, "run.seed=777"]
        + [f"seeds.{k}.value={v}" for k, v in planted.items()],
        config_name="explore",
    )
    fitted = [t for t in tg.load_episode("replay_2010").targets if t.in_sample]
    rows = pd.DataFrame(run_point(model_config(synthetic), range(3), tg.TargetMeasure(fitted)))
    records = {t.name: float(rows[t.name].mean()) for t in fitted}
    write_targets_file(tmp_path / "planted.yaml", "replay_2010", fitted, records)
    grid = [  # the two planted seeds over three and two values, the calibration's other two at one
        "explore.grid.market.price_response=[0.02,0.05,0.08]",
        "explore.grid.licensing.customs_hold_slope=[2,6]",
        "explore.grid.logistics.china_transit_weeks=[4]",
        "explore.grid.behaviour.demand_elasticity=[0.1]",
    ]
    overrides = ["explore=calibrate", *settings, *grid, f"explore.episode={tmp_path / 'planted.yaml'}"]
    run_study(compose_config(overrides, config_name="explore"), tmp_path / "fit", overrides)
    found = yaml.safe_load((tmp_path / "fit" / "calibrated.yaml").read_text())["seeds"]
    assert found["market"]["price_response"]["value"] == planted["market.price_response"]
    assert found["licensing"]["customs_hold_slope"]["value"] == planted["licensing.customs_hold_slope"]


def test_the_nonchina_ramp_is_a_share_of_world_demand() -> None:
    """The record (Sprecher et al. 2017) gives non-China growth as a share of market volume: the
    outcome divides by the world's demand (Japan, the other blocks and China's own use), not by
    Japan's alone (which read 4-5 times too fast before the world market served every buyer)."""
    import numpy as np

    from model.sim.paired import simulate

    spec = small_spec("scenario=replay_2010", "run.horizon_weeks=120", "run.counterfactual=none")
    replication = simulate(spec, 0)
    outcomes = replication.outcomes
    value = float(outcomes.loc[outcomes["outcome"] == "nonchina_ramp_rate_peak", "value"].iloc[0])
    start = spec.scenario.china.start_week
    capacity = replication.series.material["nonchina_capacity_t_per_yr"].sum(axis=1)[start:]
    rise_t = float((capacity[52:] - capacity[:-52]).max())
    mats = spec.seeds.materials
    world = mats.japan_demand_t.sum() + spec.seeds.regions.demand_t.sum() + mats.china_domestic_demand_t.sum()
    assert rise_t > 0
    assert value == pytest.approx(rise_t / world)
    assert value < 0.5 * rise_t / mats.japan_demand_t.sum()
    assert np.isfinite(value)

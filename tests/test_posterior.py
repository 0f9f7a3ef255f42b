"""The posterior (explore=posterior, run.parameters=posterior): what the calibration relies on, the
draw of each replication's parameters, bad sample files, reproducibility and recovery."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.config.posterior import load
from model.config.spec import build_spec, replication_spec
from model.explore import abc_smc
from model.explore import targets as tg
from model.explore.evaluate import run_point
from model.explore.methods.posterior import _episode_run
from model.explore.shared import model_config
from model.explore.studies import run_study
from model.sim.paired import simulate
from tests.conftest import SMALL, write_targets_file


def _sample(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


# what the calibration relies on --------------------------------------------------------------------
@pytest.mark.parametrize("name", ["replay_2010", "replay_2025"])
def test_in_sample_targets_do_not_depend_on_the_horizon(name: str) -> None:
    """The calibration runs each replay only to the end of its in-sample windows: the in-sample
    targets must be the same as on the episode's whole horizon."""
    episode = tg.load_episode(name)
    smaller = ["run.firms=80"]  # fewer firms, the same question
    shortened = _episode_run(episode, smaller)
    whole = model_config(
        compose_config(
            [f"scenario={episode.scenario}", *episode.overrides, *smaller, "explore=posterior"], "explore"
        )
    )
    assert shortened.config["run"]["horizon_weeks"] < int(whole.run.horizon_weeks)
    measure = tg.TargetMeasure(shortened.targets)
    short_spec, whole_spec = build_spec(shortened.config), build_spec(whole)
    for replication in (3,):
        short = measure(simulate(short_spec, replication), short_spec)
        full = measure(simulate(whole_spec, replication), whole_spec)
        assert short == full


def test_the_fitted_horizon_ends_after_the_last_in_sample_window() -> None:
    episode = tg.load_episode("replay_2025")
    start = dt.date(2025, 3, 10)
    weeks = abc_smc.fitted_horizon(episode, start)
    assert start + dt.timedelta(weeks=weeks - 1) >= dt.date(2025, 7, 1)  # June's exports are in-sample
    assert start + dt.timedelta(weeks=weeks - 3) < dt.date(2025, 7, 1)


def test_the_distance_is_in_tolerance_units() -> None:
    targets = [t for t in tg.load_episode("replay_2025").targets if t.in_sample]
    distance = abc_smc.ToleranceDistance(targets)
    observed = {t.name: t.record for t in targets}
    assert distance(observed, observed) == 0.0
    at_tolerance = {t.name: t.record * np.exp(t.tolerance) for t in targets}
    assert distance(at_tolerance, observed) == pytest.approx(1.0)
    assert distance({**observed, targets[0].name: 0.0}, observed) == abc_smc.MISSING_DISTANCE


# each replication's parameters from the sample -----------------------------------------------------
def test_a_replication_draws_its_parameters_from_the_posterior(tmp_path: Path) -> None:
    path = _sample(
        tmp_path / "two.csv",
        [
            {"weight": 1.0, "market.price_response": 0.03, "licensing.customs_hold_slope": 3.0},
            {"weight": 3.0, "market.price_response": 0.3, "licensing.customs_hold_slope": 7.0},
        ],
    )
    cfg = compose_config([*SMALL, "run.parameters=posterior", f"run.posterior={path}"])
    spec = build_spec(cfg)
    drawn = [replication_spec(cfg, spec, r).seeds for r in range(40)]
    pairs = {(s.market.price_response, s.licensing.customs_hold_slope) for s in drawn}
    assert pairs == {(0.03, 3.0), (0.3, 7.0)}  # whole particles, never mixed
    share = np.mean([s.market.price_response == 0.3 for s in drawn])
    assert 0.6 < share < 0.9  # by weight (3 in 4)
    again = [replication_spec(cfg, spec, r).seeds.market.price_response for r in range(40)]
    assert again == [s.market.price_response for s in drawn]  # the draw belongs to the replication
    seeded = build_spec(compose_config(list(SMALL)))
    assert replication_spec(cfg, seeded, 0) is seeded


def test_a_run_at_the_posterior_equals_a_run_at_the_drawn_values(tmp_path: Path) -> None:
    """The draw acts on the whole replication (and its counterfactual): one particle gives the
    numbers of the same run with those values set as seeds."""
    path = _sample(tmp_path / "one.csv", [{"weight": 1.0, "market.price_response": 0.3}])
    short = [*SMALL, "scenario=ambiguous_curbs", "run.horizon_weeks=40"]
    at_posterior = run_point(
        compose_config([*short, "run.parameters=posterior", f"run.posterior={path}"]),
        [0],
        lambda replication, spec: {"pressure": float(replication.outcomes["value"].sum())},
    )
    as_seeds = run_point(
        compose_config([*short, "seeds.market.price_response.value=0.3"]),
        [0],
        lambda replication, spec: {"pressure": float(replication.outcomes["value"].sum())},
    )
    seeded = run_point(
        compose_config(short),
        [0],
        lambda replication, spec: {"pressure": float(replication.outcomes["value"].sum())},
    )
    assert at_posterior == as_seeds
    assert at_posterior != seeded


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([{"market.price_response": 0.1}], "needs a 'weight' column"),
        ([{"weight": 1, "market.nonsense": 0.1}], "names no ranged seed"),
        ([{"weight": 1, "market.price_response": 0.9}], "outside its seeded range"),
        ([{"weight": 0, "market.price_response": 0.1}], "positive sum"),
        ([{"weight": 1, "market.price_response": "fast"}], "not a number"),
    ],
)
def test_a_bad_posterior_sample_is_refused_in_one_line(
    tmp_path: Path, rows: list[dict], problem: str
) -> None:
    path = _sample(tmp_path / "bad.csv", rows)
    with pytest.raises(ConfigError, match=problem) as err:
        build_spec(compose_config([*SMALL, "run.parameters=posterior", f"run.posterior={path}"]))
    assert err.value.key == "run.posterior" and "\n" not in str(err.value)


def test_posterior_settings_that_would_not_act_are_refused(tmp_path: Path) -> None:
    sample = _sample(tmp_path / "one.csv", [{"weight": 1.0, "market.price_response": 0.3}])
    with pytest.raises(ConfigError, match=r"acts only with run\.parameters=posterior"):
        build_spec(compose_config([*SMALL, "run.posterior=other"]))
    with pytest.raises(ConfigError) as err:
        build_spec(
            compose_config([*SMALL, "run.parameters=posterior", f"run.posterior={tmp_path / 'no.csv'}"])
        )
    assert err.value.key == "run.posterior"
    with pytest.raises(ConfigError) as err:
        run_study(
            compose_config(
                ["explore=posterior", "run.parameters=posterior", f"run.posterior={sample}"], "explore"
            ),
            tmp_path / "p",
            ["explore=posterior"],
        )
    assert err.value.key == "run.parameters"


@pytest.mark.slow
def test_posterior_study_settings_that_would_not_act_are_refused(tmp_path: Path) -> None:
    for bad in ("explore.chunk_size=2", "explore.parameters=[market.nonsense]", "explore.save_as='a b'"):
        with pytest.raises(ConfigError):
            run_study(compose_config(["explore=posterior", bad], "explore"), tmp_path / bad, [bad])


# the calibration itself ----------------------------------------------------------------------------
def _planted_targets(tmp_path: Path, planted: dict[str, float]) -> Path:
    """Records made by the model at planted values on other random numbers (root seed 777)."""
    fitted = [t for t in tg.load_episode("replay_2010").targets if t.in_sample]
    synthetic = compose_config(
        ["scenario=replay_2010", "run.horizon_weeks=46", "run.counterfactual=none", "run.seed=777"]
        + [f"seeds.{k}.value={v}" for k, v in planted.items()]
    )
    rows = pd.DataFrame(run_point(synthetic, range(3), tg.TargetMeasure(fitted)))
    records = {t.name: float(rows[t.name].median()) for t in fitted}
    return write_targets_file(
        tmp_path / "planted.yaml", "replay_2010", fitted, records, 0.1, ["run.counterfactual=none"]
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("planted", "narrowed"),
    [
        ({"market.price_response": 0.08, "licensing.customs_hold_slope": 4.0}, ("market.price_response",)),
        # a fast price response: Q2 2011's Dy price then barely depends on it, so its band stays
        # open upward (0.13-0.39 when this was written; docs/VALIDATION.md): contained, not narrowed
        ({"market.price_response": 0.15, "licensing.customs_hold_slope": 5.0}, ()),
    ],
)
def test_the_posterior_recovers_planted_parameters_from_synthetic_records(
    tmp_path: Path, planted: dict[str, float], narrowed: tuple[str, ...]
) -> None:
    """ABC-SMC on records made at planted values (off the seeded ones) on other random numbers:
    the planted values lie in the posterior's 5-95% bands; the customs-hold slope's band (and the
    price response's where the price is informative) is under half its prior range."""
    episode = _planted_targets(tmp_path, planted)
    overrides = [
        "explore=posterior",
        f"explore.episodes=[{episode}]",
        "explore.parameters=[market.price_response,licensing.customs_hold_slope]",
        "explore.population=40",
        "explore.generations=5",
        "explore.min_epsilon=0.2",
        "explore.save_as=null",
        "explore.workers=2",
    ]
    run_study(compose_config(overrides, "explore"), tmp_path / "fit", overrides)
    quantiles = load(tmp_path / "fit" / "posterior.csv").quantiles()
    ranges = {"market.price_response": (0.02, 0.4), "licensing.customs_hold_slope": (1.0, 8.0)}
    for name, value in planted.items():
        low, high = quantiles.loc[name, "q05"], quantiles.loc[name, "q95"]
        assert low <= value <= high, (name, low, high)
        if name in (*narrowed, "licensing.customs_hold_slope"):
            assert high - low < 0.5 * (ranges[name][1] - ranges[name][0]), (name, low, high)
    assert len(pd.read_csv(tmp_path / "fit" / "posterior.csv")) == 40


@pytest.mark.slow
def test_the_posterior_is_the_same_on_one_and_two_workers(tmp_path: Path) -> None:
    common = [
        "explore=posterior",
        "explore.episodes=[replay_2025]",
        "explore.parameters=[licensing.review_median_weeks]",
        "explore.population=12",
        "explore.generations=2",
        "explore.save_as=null",
    ]
    tables = []
    for workers in (1, 2):
        overrides = [*common, f"explore.workers={workers}"]
        run_study(compose_config(overrides, "explore"), tmp_path / str(workers), overrides)
        tables.append((tmp_path / str(workers) / "posterior.csv").read_text())
    assert tables[0] == tables[1]

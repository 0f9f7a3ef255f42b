"""Exploration: parameter space, parallel evaluation, SALib, PRIM, the study command."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import model.explore.evaluate as evaluate_module
from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.config.spec import build_spec
from model.explore import discovery, gsa
from model.explore import targets as cal
from model.explore.evaluate import evaluate
from model.explore.shared import model_config
from model.explore.space import apply, extra_parameters, seed_parameters
from model.explore.studies import run_study

TINY = ("run.firms=40", "run.horizon_weeks=60", "run.spinup_weeks=8", "run.progress=false")


def study_cfg(*overrides: str):
    return compose_config([*TINY, "explore.workers=1", *overrides], config_name="explore")


def test_space_holds_every_ranged_numeric_seed_and_nothing_else():
    cfg = compose_config([])
    names = {p.name for p in seed_parameters(cfg)}
    assert "licensing.review_median_weeks" in names
    assert "materials.Dy.china_share" in names
    assert not any(n.endswith(".controlled") or n.endswith(".recycler") for n in names)  # booleans
    for p in seed_parameters(cfg):
        assert p.high > p.low
        assert p.low <= p.base <= p.high or np.isclose(p.base, p.low) or np.isclose(p.base, p.high)


@pytest.mark.parametrize("corner", [0.0, 1.0])
def test_every_corner_of_the_space_is_a_valid_model_config(corner):
    cfg = compose_config([])
    params = seed_parameters(cfg)
    values = {p.name: float(p.scale(np.array([corner]))[0]) for p in params}
    spec = build_spec(apply(cfg, values, params))  # raises on an invalid draw
    assert spec.seeds.licensing.review_median_weeks == values["licensing.review_median_weeks"]


@pytest.mark.parametrize("capacity", [0.0, 5e-324, 1e-300])
def test_a_drawn_capacity_too_small_for_the_non_china_share_is_raised_to_cover_it(capacity):
    """Found by hypothesis: a subnormal draw (5e-324) lost the deficit when scaled by need / have."""
    cfg = compose_config([])
    params = seed_parameters(cfg)
    values = {p.name: p.base for p in params}
    values.update({"materials.Lu.japan_demand_t": 13.07, "materials.Lu.china_share": 0.9})
    values["suppliers.nonchina.Others.capacity_t.Lu"] = capacity
    spec = build_spec(apply(cfg, values, params))  # raises if non-China capacity < need
    lu = spec.seeds.materials.names.index("Lu")
    assert spec.seeds.suppliers.capacity_t[:, lu].sum() >= 13.07 * 0.1


def test_extra_parameters_apply_only_to_their_cases():
    cfg = compose_config(["scenario=blanket_ban"])
    params = extra_parameters(
        cfg, {"scenario.china.intensity": {"range": [0.2, 0.9], "cases": ["ambiguous_curbs"]}}
    )
    assert (
        apply(cfg, {"scenario.china.intensity": 0.3}, params, "blanket_ban").scenario.china.intensity == 1.0
    )
    assert (
        apply(cfg, {"scenario.china.intensity": 0.3}, params, "ambiguous_curbs").scenario.china.intensity
        == 0.3
    )
    with pytest.raises(ConfigError, match=r"explore\.extra\.scenario\.china\.nope"):
        extra_parameters(cfg, {"scenario.china.nope": {"range": [0, 1]}})


def test_parameters_change_the_runs_and_workers_do_not():
    cfg = model_config(study_cfg())
    params = seed_parameters(cfg, ["licensing.routine_approval", "market.price_response"])
    points = pd.DataFrame(
        {"licensing.routine_approval": [0.85, 1.0, 0.9], "market.price_response": [0.05, 0.3, 0.1]}
    )
    serial = evaluate(cfg, params, points, replications=2, n_jobs=1, chunk_size=1)
    parallel = evaluate(cfg, params, points, replications=2, n_jobs=2, chunk_size=2)
    pd.testing.assert_frame_equal(serial, parallel)
    assert len(serial) == 6 and set(serial["replication"]) == {0, 1}
    assert serial.groupby("point")["pressure_52w_tn_yen"].mean().nunique() > 1


def test_morris_ranks_a_parameter_that_matters_above_one_that_does_not():
    """Morris wiring: an outcome that depends on one parameter only ranks it first."""
    cfg = compose_config([])
    params = seed_parameters(
        cfg, ["market.price_response", "licensing.review_sigma", "coalition_policy.salience_decay"]
    )
    unit, points = gsa.morris_design(params, trajectories=10, levels=4, seed=1)
    table = pd.DataFrame({"point": range(len(points)), "y": 3.0 * points["licensing.review_sigma"] + 0.0})
    indices = gsa.morris_indices(params, unit, table, ["y"], levels=4, seed=1)
    assert indices.iloc[0]["parameter"] == "licensing.review_sigma"
    assert indices.set_index("parameter").loc["market.price_response", "mu_star"] == 0.0


def test_sobol_attributes_variance_to_the_parameter_that_drives_it():
    cfg = compose_config([])
    params = seed_parameters(cfg, ["market.price_response", "licensing.review_sigma"])
    unit, points = gsa.sobol_design(params, base_samples=256, seed=2)
    column = [p.name for p in params].index("licensing.review_sigma")
    table = pd.DataFrame({"point": range(len(points)), "y": unit[:, column] ** 2})
    indices = gsa.sobol_indices(params, unit, table, ["y"], resamples=50, confidence=0.95, seed=2).set_index(
        "parameter"
    )
    assert indices.loc["licensing.review_sigma", "ST"] > 0.9
    assert abs(indices.loc["market.price_response", "ST"]) < 0.05


def test_prim_finds_the_box_that_generated_the_cases_of_interest():
    rng = np.random.default_rng(3)
    x = pd.DataFrame({"a": rng.random(600), "b": rng.random(600), "c": rng.random(600)})
    interest = (x["a"] > 0.6) & (x["b"] < 0.5)
    box = discovery.discover(x, interest.to_numpy(), "test", min_density=0.95, peel_alpha=0.05, mass_min=0.05)
    limits = box.limits.set_index("parameter")
    assert set(limits.index) >= {"a", "b"}
    assert limits.loc["a", "low"] == pytest.approx(0.6, abs=0.08)
    assert limits.loc["b", "high"] == pytest.approx(0.5, abs=0.08)
    assert box.density >= 0.95 and box.coverage > 0.7
    assert discovery.discover(x, np.zeros(600, bool), "none", 0.8, 0.05, 0.05) is None


def test_month_total_spreads_weeks_over_calendar_days():
    starts = [dt.date(2010, 9, 27), dt.date(2010, 10, 4)]  # 27-30 Sep, then 1-3 Oct
    assert cal.month_total(np.array([7.0, 7.0]), starts, "2010-10") == pytest.approx(3.0 + 7.0)
    assert cal.month_total(np.array([7.0, 7.0]), starts, "2010-09") == pytest.approx(4.0)


def test_calibrated_replay_stays_within_tolerance_of_its_fitted_targets():
    """The seeds hold the calibrated values: the 2010 replay must still match the record."""
    cfg = compose_config(["explore=calibrate", "run.progress=false"], config_name="explore")
    targets = cal.load_episode(str(cfg.explore.episode)).targets
    spec = build_spec(model_config(cfg))
    measure = cal.TargetMeasure(targets)
    from model.explore.evaluate import run_point

    rows = run_point(model_config(cfg), range(cfg.explore.replications), measure)
    table = pd.DataFrame(rows).assign(point=0)
    result = cal.calibrated_table(table, targets, 0).set_index("target")
    fitted = result[result["role"] == "fit"]
    assert spec.scenario.name == "replay_2010"
    assert fitted["within"].all(), fitted[["record", "model_mean", "log_ratio", "tolerance"]].to_string()


@pytest.mark.slow  # 20-50 s: in make test-all (CI runs both)
def test_a_study_killed_part_way_resumes_from_its_saved_chunks_to_the_same_design(tmp_path, monkeypatch):
    settings = (
        "explore=morris",
        "explore.trajectories=2",
        "explore.include=[licensing.*]",
        "explore.chunk_size=4",
    )
    run_study(study_cfg(*settings), tmp_path / "whole", ["explore=morris"])
    original, calls = evaluate_module._run_chunk, []

    def killed_at_third_chunk(*args, **kwargs):
        calls.append(args[2][0][0])  # first point of the chunk
        if len(calls) == 3:
            raise KeyboardInterrupt  # the study stops part-way, as under a kill
        return original(*args, **kwargs)

    monkeypatch.setattr(evaluate_module, "_run_chunk", killed_at_third_chunk)
    out = tmp_path / "killed"
    with pytest.raises(KeyboardInterrupt):
        run_study(study_cfg(*settings), out, ["explore=morris"])
    saved = list((out / ".chunks" / "morris").glob("chunk_*.json"))  # a chunk's listing is written last
    assert not (out / "study.json").exists() and len(saved) == 2
    with pytest.raises(ConfigError, match=r"unfinished study; add run\.resume=true"):
        run_study(study_cfg(*settings), out, ["explore=morris"])
    run_study(study_cfg(*settings, "run.resume=true"), out, ["explore=morris"])
    assert calls[:2] == [0, 4] and calls[3] == 8  # the two saved chunks were not run again
    for name in ("design.parquet", "morris.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(out / name), pd.read_parquet(tmp_path / "whole" / name))
    assert not (out / ".chunks").exists()


def test_morris_study_writes_a_complete_report(tmp_path):
    cfg = study_cfg(
        "explore=morris", "explore.trajectories=2", "explore.include=[licensing.*]", "explore.chunk_size=4"
    )
    report = run_study(cfg, tmp_path, ["explore=morris"])
    marker = json.loads((tmp_path / "study.json").read_text())
    assert marker["status"] == "complete" and marker["summary"]["parameters"] == 16
    text = report.read_text()
    assert "mu*" in text and (tmp_path / "morris.png").exists()
    indices = pd.read_parquet(tmp_path / "morris.parquet")
    assert set(indices["outcome"]) == set(cfg.explore.outcomes)


@pytest.mark.slow  # about 40 s: in make test-all (CI); PRIM itself is tested fast below
def test_prim_study_runs_each_case_at_the_same_points(tmp_path):
    cfg = study_cfg("explore=prim", "explore.points=12", "explore.chunk_size=6")
    run_study(cfg, tmp_path, ["explore=prim", *TINY])
    design = pd.read_parquet(tmp_path / "design.parquet")
    by_case = {case: frame.set_index("point") for case, frame in design.groupby("case")}
    assert set(by_case) == {"ambiguous_curbs", "blanket_ban"}
    pd.testing.assert_series_equal(
        by_case["ambiguous_curbs"]["japan.stockpile_days"], by_case["blanket_ban"]["japan.stockpile_days"]
    )
    report = (tmp_path / "report.md").read_text()
    assert "Cases of interest" in report and "Feature scores" in report
    # analysis is a separate step: re-analysing the design runs nothing and finds the same boxes
    again = tmp_path / "again"
    run_study(study_cfg("explore=prim", f"explore.design={tmp_path}"), again, ["explore=prim"])
    pd.testing.assert_frame_equal(pd.read_parquet(again / "design.parquet"), design)
    for box in tmp_path.glob("prim_*_box.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(again / box.name), pd.read_parquet(box))
    with pytest.raises(ConfigError, match=r"explore\.design"):
        run_study(study_cfg("explore=prim", f"explore.design={tmp_path / 'nope'}"), tmp_path / "x")


def test_a_finished_study_directory_is_not_overwritten(tmp_path):
    (tmp_path / "study.json").write_text("{}")
    with pytest.raises(ConfigError, match=r"hydra\.run\.dir"):
        run_study(study_cfg("explore=morris"), tmp_path)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("explore.method=bogus", "explore.method"),
        ("explore.outcomes=[nope]", "explore.outcomes"),
        ("explore.workers=0", "explore.workers"),
        ("explore.include=[no.such.seed]", "explore.include"),
    ],
)
def test_bad_study_settings_fail_with_one_line_naming_the_key(tmp_path, override, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        run_study(study_cfg("explore=morris", override), tmp_path)


def test_the_command_refuses_a_bad_override_before_running(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "model.explore.cli",
            "explore=morris",
            "explore.method=bogus",
            f"hydra.run.dir={tmp_path}/x",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "greyzone-explore: error: explore.method: got 'bogus';"
        " allowed: calibrate, morris, sobol, prim, validate, posterior"
    ]
    assert not (tmp_path / "x").exists()


def test_odd_parameter_section_matches_the_seeds():
    from model.explore import odd

    text = odd.ODD.read_text()
    assert text == odd.render(text), "docs/ODD.md is stale: run `python -m model.explore.odd`"


def test_the_model_command_points_studies_to_greyzone_explore():
    from model.runs.cli import check_overrides

    with pytest.raises(ConfigError, match="greyzone-explore"):
        check_overrides(["explore=morris"])


def test_sobol_default_space_names_existing_ranged_seeds():
    cfg = compose_config(["explore=sobol"], config_name="explore")
    names = list(cfg.explore.include)
    assert names, "fill explore.include from the Morris study's top_parameters.yaml"
    found = {p.name for p in seed_parameters(cfg, names)}
    assert found == set(names)

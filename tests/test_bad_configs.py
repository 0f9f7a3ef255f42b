"""A corpus of bad configs: each gives one line naming the key and what is allowed, exit 2,
and no output directory. The commands run in-process through their real entry points
(`greyzone`, `greyzone-explore`); the checks stop them before Hydra creates anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.explore.cli import main as greyzone_explore
from model.runs.cli import main as greyzone
from model.testing.raycluster import free_port

# (arguments, key the line starts with, text that says what is allowed)
CLOSED_PORT = "CLOSED_PORT"  # replaced, when the test runs, by a port nothing listens on
GREYZONE_CORPUS = [
    # types
    (["run.firms=abc"], "run.firms", "must be an integer"),
    (["run.replications=2.5"], "run.replications", "must be an integer"),
    (["run.firms="], "run.firms", "must be an integer"),
    (["coalition.enabled=maybe"], "coalition.enabled", "true or false"),
    (["scenario.china.adaptive=1"], "scenario.china.adaptive", "true or false"),
    (["run.resume=yes"], "run.resume", "true or false"),
    (["seeds.materials.Dy.controlled.value=2"], "seeds.materials.Dy.controlled.value", "true or false"),
    (["run.fan_materials=Dy"], "run.fan_materials", "non-empty list of material names"),
    (["hydra.launcher.n_jobs=abc"], "hydra.launcher.n_jobs", "could not be converted to Integer"),
    # ranges and shares
    (["seeds.materials.Dy.china_share.value=1.3"], "seeds.materials.Dy.china_share.value", "share in [0, 1]"),
    (["scenario.china.intensity=2"], "scenario.china.intensity", "share in [0, 1]"),
    (["japan.cofinance_share=1.5"], "japan.cofinance_share", "share in [0, 1]"),
    (["run.shortage_threshold=1.5"], "run.shortage_threshold", "share in [0, 1]"),
    (["scenario.export_quota.factor=1.5"], "scenario.export_quota.factor", "share in [0, 1]"),
    (["seeds.suppliers.nonchina.Lynas.capacity_t.NdPr.value=-5"], "seeds.suppliers.nonchina.Lynas", ">= 0"),
    (["seeds.materials.Dy.japan_demand_t.value=-1"], "seeds.materials.Dy.japan_demand_t.value", ">= 0"),
    (["seeds.materials.Dy.price_usd_per_kg.value=-3"], "seeds.materials.Dy.price_usd_per_kg.value", "> 0"),
    (["seeds.behaviour.firm_size_sigma.value=nan"], "seeds.behaviour.firm_size_sigma.value", ">= 0"),
    (["seeds.market.price_cap_multiple.value=0.1"], "seeds.market.price_cap_multiple.value", ">= 1"),
    (
        ["seeds.coalition_members.members.US.salience_threshold.value=0"],
        "seeds.coalition_members.members.US.salience_threshold.value",
        "> 0",
    ),
    (
        ["seeds.coalition_members.members.EU.willingness.value=2"],
        "seeds.coalition_members.members.EU.willingness",
        "share",
    ),
    (["seeds.visibility.weeks_to_visible.value=0"], "seeds.visibility.weeks_to_visible.value", "> 0"),
    (
        ["seeds.china_policy.tariff_tolerance.value=2"],
        "seeds.china_policy.tariff_tolerance.range",
        "low <= value",
    ),
    (["coalition=none", "coalition.draws=true"], "coalition.draws", "coalition.enabled=true"),
    (["run.horizon_weeks=0"], "run.horizon_weeks", ">= 1"),
    (["run.seed=-1"], "run.seed", ">= 0"),
    (["run.counterfactual=maybe"], "run.counterfactual", "allowed: paired, none"),
    (["japan.stockpile_days=-3"], "japan.stockpile_days", ">= 0"),
    # consistency across groups
    (["scenario.china.covered=[Dy,Xx]"], "scenario.china.covered", "unknown material 'Xx'"),
    (["scenario.china.covered=none_of_them"], "scenario.china.covered", "allowed: controlled, heavy, all"),
    (["run.fan_materials=[Dy,Zz]"], "run.fan_materials", "unknown material 'Zz'"),
    (["scenario.china.end_week=2"], "scenario.china.end_week", "> start_week"),
    (["scenario.china.start_week=9999"], "scenario.china.start_week", "< run.horizon_weeks"),
    (["run.firms=2"], "run.firms", ">= the number of sectors"),
    (["seeds.licensing.max_review_weeks.value=2"], "seeds.licensing.max_review_weeks.value", "review_median"),
    (
        ["seeds.materials.Dy.china_share.value=0.2"],
        "seeds.suppliers.nonchina.*.capacity_t.Dy",
        "raise capacity",
    ),
    (
        ["seeds.suppliers.nonchina.Japan_recycling.capacity_t.NdPr.value=5000"],
        "seeds.suppliers.nonchina.Japan_recycling.capacity_t.NdPr.value",
        "recycling_potential_share",
    ),
    (
        ["+seeds.suppliers.nonchina.Lynas.capacity_t.Xx={value:1}"],
        "seeds.suppliers.nonchina.Lynas.capacity_t.Xx",
        "known: CeLa, Dy",
    ),
    # dates
    (["run.start_date=2026-13-01"], "run.start_date", "YYYY-MM-DD"),
    (["run.start_date=yesterday"], "run.start_date", "YYYY-MM-DD"),
    # unknown keys, with the nearest known one
    (["run.replication=3"], "run.replication", "did you mean 'replications'"),
    (["+run.firmz=3"], "run.firmz", "did you mean 'firms'"),
    (["+scenario.china.intensty=0.3"], "scenario.china.intensty", "did you mean 'intensity'"),
    (["japan.stockpile_day=3"], "japan.stockpile_day", "did you mean 'stockpile_days'"),
    (["seeds.licensing.review_median_week.value=3"], "seeds.licensing.review_median_week", "did you mean"),
    (
        ["+seeds.market.price_responce={value:0.1}"],
        "seeds.market.price_responce",
        "did you mean 'price_response'",
    ),
    (
        ["+seeds.licensing.routine_approval.valu=1"],
        "seeds.licensing.routine_approval.valu",
        "did you mean 'value'",
    ),
    # group options
    (["scenario=nope"], "scenario", "allowed: ambiguous_curbs"),
    (["japan=nope"], "japan", "allowed: default, high_subsidy, no_concession"),
    (["coalition=nope"], "coalition", "allowed: default, none"),
    (["experiments=nope"], "experiments", "allowed: ambiguity_vs_ban"),
    (["-m", "experiments=nope,intensity_grid"], "experiments", "allowed: ambiguity_vs_ban"),
    # sweeps, syntax, commands
    (["-m", "run.firms=100,abc"], "run.firms", "must be an integer"),
    (["scenario=ambiguous_curbs,blanket_ban"], "scenario", "add --multirun"),
    (["scenario.china.covered=[Dy"], "overrides", "no viable alternative"),
    (["explore=morris"], "explore", "greyzone-explore"),
    # resources and resume
    (["run.firms=100000000"], "run.firms", "exceeds the"),
    (
        ["-m", "scenario=ambiguous_curbs,blanket_ban", "run.horizon_weeks=100000000"],
        "run.horizon_weeks",
        "lower",
    ),
    (["run.resume=true"], "run.resume", "no earlier run of this command"),
    (["-m", "hydra/launcher=slurm", "hydra.launcher.partitio=cpu"], "hydra.launcher.partitio", "'partition'"),
    (["-m", "hydra/launcher=ray", "hydra.launcher.cpus_per_job=abc"], "hydra.launcher.cpus_per_job", "Float"),
    (
        ["-m", "hydra/launcher=ray", f"hydra.launcher.address=127.0.0.1:{CLOSED_PORT}"],
        "hydra.launcher.address",
        "no Ray cluster answers",
    ),
    (["-m", "hydra/launcher=ray", "hydra.launcher.address=nohost"], "hydra.launcher.address", "HOST:PORT"),
]

EXPLORE_CORPUS = [
    (["explore=nope"], "explore", "allowed: calibrate, morris, posterior, prim, sobol"),
    (["explore=morris", "explore.replications=0"], "explore.replications", ">= 1"),
    (["explore=morris", "explore.trajectory=3"], "explore.trajectory", "did you mean 'trajectories'"),
    (["explore=morris", "explore.outcomes=[gdp]"], "explore.outcomes", "unknown outcome 'gdp'"),
    (["explore=morris", "explore.workers=0"], "explore.workers", "integer >= 1 or auto"),
    (["explore=sobol", "explore.base_samples=100"], "explore.base_samples", "power of 2"),
    (["explore=sobol", "explore.confidence=1.5"], "explore.confidence", "share in [0, 1]"),
    (["explore=sobol", "explore.include=[zzz*]"], "explore.include", "selects no ranged parameter"),
    (["explore=prim", "explore.cases=[ambiguous_curbs,nope]"], "explore.cases", "unknown scenario 'nope'"),
    (["explore=prim", "explore.questions.concede_26w_ban.case=baseline"], "explore.questions", "allowed"),
    (["explore=prim", "explore.design=/no/such/study"], "explore.design", "PRIM study's directory"),
    (["explore=calibrate", "explore.figure.materials=[Qq]"], "explore.figure.materials", "unknown material"),
    (["explore=calibrate", "explore.grid.market.price_response=[]"], "explore.grid", "non-empty list"),
    (["explore=calibrate", "explore.episode=/no/such/t.yaml"], "explore.episode", "no such targets file"),
    (["explore=calibrate", "explore.episode=replay_1999"], "explore.episode", "unknown episode"),
    (["explore=validate", "explore.episodes=[replay_2010,nope]"], "explore.episodes", "unknown episode"),
    (["explore=validate", "explore.chunk_size=4"], "explore.chunk_size", "one chunk per episode"),
    (["-m", "explore=morris", "explore.seed=1,2"], "explore.seed", "one study per command"),
    (["explore=morris", "explore.job.chunk=3"], "explore.job", "set by greyzone-explore -m"),
    (["-m", "explore=morris", "hydra/launcher=nope"], "hydra/launcher", "allowed: basic, joblib, ray, slurm"),
    (
        ["-m", "explore=morris", "hydra/launcher=ray", "hydra.launcher.adress=x"],
        "hydra.launcher.adress",
        "'address'",
    ),
    (["-m", "explore=morris", "run.resume=true"], "run.resume", "no earlier sweep of this command"),
]


def _refused(entry, args: list[str], key: str, allowed: str, capsys) -> None:
    name = "greyzone" if entry is greyzone else "greyzone-explore"
    args = [a.replace(CLOSED_PORT, str(free_port())) for a in args]  # bound and released
    with pytest.raises(SystemExit) as caught:
        entry(args)
    assert caught.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"{name}: error: {key}"), lines[0]
    assert allowed in lines[0], lines[0]


@pytest.mark.parametrize(
    ("args", "key", "allowed"), GREYZONE_CORPUS, ids=lambda v: " ".join(v) if isinstance(v, list) else None
)
def test_greyzone_refuses_a_bad_config_in_one_line(tmp_path: Path, monkeypatch, capsys, args, key, allowed):
    monkeypatch.chdir(tmp_path)
    _refused(greyzone, args, key, allowed, capsys)
    assert not any(tmp_path.iterdir())  # no output directory, nothing written


@pytest.mark.parametrize(
    ("args", "key", "allowed"), EXPLORE_CORPUS, ids=lambda v: " ".join(v) if isinstance(v, list) else None
)
def test_greyzone_explore_refuses_a_bad_config_in_one_line(
    tmp_path: Path, monkeypatch, capsys, args, key, allowed
):
    monkeypatch.chdir(tmp_path)
    _refused(greyzone_explore, args, key, allowed, capsys)
    assert not any(tmp_path.iterdir())


def test_the_corpus_is_large_and_each_entry_distinct() -> None:
    entries = [tuple(a) for a, _, _ in GREYZONE_CORPUS + EXPLORE_CORPUS]
    assert len(entries) >= 30 and len(set(entries)) == len(entries)

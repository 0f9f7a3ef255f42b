"""Run and scenario settings (configs/): what to simulate, for how long, how often."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from model.config import posterior
from model.config.errors import ConfigError, unknown_name
from model.config.reader import Reader

INSTRUMENTS = ("none", "ambiguous", "targeted_heavy", "end_use_ban", "blanket_ban")
COVERAGE = ("controlled", "heavy", "all")
COUNTERFACTUALS = ("paired", "none")
DEFAULT_POSTERIOR = "default"  # run.posterior: seeds/posterior/default.csv


@dataclass(frozen=True)
class RunSettings:
    """One job: R replications of one scenario.

    replications: replications run inside the job (default 20).
    seed: root seed; replication r uses SeedSequence(seed, spawn_key=(replication_offset + r,)).
    replication_offset: index of the first replication (to split replications across jobs).
    horizon_weeks: weeks simulated (default 520 = 10 years).
    spinup_weeks: unrecorded weeks before week 0 in which orders, licences, shipments and
        beliefs settle into their normal state (prices and adaptation frozen).
    warmup_weeks: calm weeks before the shock (default 4).
    start_date: calendar date of week 0 (default 2026-01-05).
    firms: number of Japanese firms.
    shortage_threshold: national shortfall share that counts as a week in shortage.
    counterfactual: "paired" (each replication also runs its counterfactual, the same replication
        without China's measures, on the same random numbers) or "none".
    fan_materials: materials drawn in the fan chart.
    parameters: "seeded" (the seeds' values) or "posterior" (each replication draws its values
        of the sampled seeds from the posterior sample `posterior`; model/config/posterior.py).
    posterior: the sample's file when parameters="posterior" (run.posterior: a name in
        seeds/posterior/ or a path to a CSV file), else None.
    progress: print progress per replication.
    resume: continue an interrupted run (or sweep) in its directory, skipping finished
        replications and jobs; the numbers do not depend on it.
    """

    replications: int
    seed: int
    replication_offset: int
    horizon_weeks: int
    spinup_weeks: int
    warmup_weeks: int
    start_date: dt.date
    firms: int
    shortage_threshold: float
    counterfactual: str
    fan_materials: tuple[str, ...]
    parameters: str
    posterior: Path | None
    progress: bool
    resume: bool


def parse_run(reader: Reader) -> RunSettings:
    fan = reader.raw("fan_materials")
    if not isinstance(fan, list | tuple) or not fan or not all(isinstance(m, str) for m in fan):
        raise ConfigError(reader.key("fan_materials"), "must be a non-empty list of material names")
    parameters = reader.text("parameters", posterior.PARAMETERS)
    sample = reader.text("posterior")
    if parameters == "seeded" and sample != DEFAULT_POSTERIOR:
        raise ConfigError(reader.key("posterior"), "acts only with run.parameters=posterior")
    settings = RunSettings(
        replications=reader.integer("replications", 1),
        seed=reader.integer("seed", 0),
        replication_offset=reader.integer("replication_offset", 0),
        horizon_weeks=reader.integer("horizon_weeks", 1),
        spinup_weeks=reader.integer("spinup_weeks", 0),
        warmup_weeks=reader.integer("warmup_weeks", 0),
        start_date=reader.date("start_date"),
        firms=reader.integer("firms", 1),
        shortage_threshold=reader.number("shortage_threshold", "share"),
        counterfactual=reader.text("counterfactual", COUNTERFACTUALS),
        fan_materials=tuple(fan),
        parameters=parameters,
        posterior=posterior.resolve(sample, reader.key("posterior")) if parameters == "posterior" else None,
        progress=reader.boolean("progress"),
        resume=reader.boolean("resume"),
    )
    reader.finish()
    return settings


@dataclass(frozen=True)
class ChinaPolicy:
    """China's instrument as the scenario sets it.

    instrument: none | ambiguous | targeted_heavy | end_use_ban | blanket_ban.
    intensity: I in [0, 1]; lengthens reviews, lowers approvals, raises customs holds.
    formal: announced (true) or grey-zone (false).
    covered: materials the instrument acts on (controlled | heavy | all | a list).
    adaptive: China fine-tunes (informal) or reverses (formal) it by its rules; false: it
        follows start_week / end_week only (e.g. the historical replay).
    start_week / end_week: when it applies (end_week null: to the horizon, or until China
        lifts it).
    customs_holds: whether intensity raises customs inspections of the covered materials'
        China-origin cargo (any covered material, licensed or not).
    entity_lists: whether entity- and watch-listed firms are singled out (end-use ban only).
    third_country_clause: end-use liability for third-country transfers (the 6 Jan 2026
        rule), which raises China's enforcement against circumvention.
    Circumvention through third countries is a market response under any instrument
    (seeds/logistics), not a switch.
    """

    instrument: str
    intensity: float
    formal: bool
    covered: str | tuple[str, ...]
    adaptive: bool
    start_week: int
    end_week: int | None
    customs_holds: bool
    entity_lists: bool
    third_country_clause: bool


@dataclass(frozen=True)
class GlobalRegime:
    """China's licence regime for every destination (the 4 Apr 2025 controls) and its tightening.

    licensing_start_week: week the controlled materials start to need a licence, for every
        destination (null: licensed before the run starts, the world since Apr 2025). Before it
        they ship like any other material: no filing dates, no review, no denial.
    intensity: extra intensity on all destinations' licensed orders (0: routine reviews).
    start_week / end_week: when the tightening applies (start null: never; end null: to the horizon).
    """

    licensing_start_week: int | None
    intensity: float
    start_week: int | None
    end_week: int | None

    def licensing(self, week: int) -> bool:
        """Whether the controlled materials need a licence in `week`."""
        return self.licensing_start_week is None or week >= self.licensing_start_week


@dataclass(frozen=True)
class ExportQuota:
    """A cap on China's shipments to Japan as a share of their normal volume."""

    factor: float
    start_week: int | None
    end_week: int | None


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    china: ChinaPolicy
    export_quota: ExportQuota
    global_regime: GlobalRegime


def parse_scenario(reader: Reader, materials: tuple[str, ...]) -> Scenario:
    china = reader.sub("china")
    covered_raw = china.raw("covered")
    if isinstance(covered_raw, str):
        if covered_raw not in COVERAGE:
            raise ConfigError(
                china.key("covered"),
                f"got '{covered_raw}'; allowed: {', '.join(COVERAGE)} or a list of materials",
            )
        covered: str | tuple[str, ...] = covered_raw
    elif isinstance(covered_raw, list | tuple) and covered_raw:
        for material in covered_raw:
            if material not in materials:
                raise unknown_name(china.key("covered"), str(material), "material", materials)
        covered = tuple(covered_raw)
    else:
        raise ConfigError(china.key("covered"), f"allowed: {', '.join(COVERAGE)} or a list of materials")
    policy = ChinaPolicy(
        instrument=china.text("instrument", INSTRUMENTS),
        intensity=china.number("intensity", "share"),
        formal=china.boolean("formal"),
        covered=covered,
        adaptive=china.boolean("adaptive"),
        start_week=china.integer("start_week", 0),
        end_week=china.optional_integer("end_week", 1),
        customs_holds=china.boolean("customs_holds"),
        entity_lists=china.boolean("entity_lists"),
        third_country_clause=china.boolean("third_country_clause"),
    )
    china.finish()
    if policy.end_week is not None and policy.end_week <= policy.start_week:
        raise ConfigError(
            china.key("end_week"),
            f"got {policy.end_week}; must be > start_week ({policy.start_week})",
        )
    quota_reader = reader.sub("export_quota")
    quota = ExportQuota(
        factor=quota_reader.number("factor", "share"),
        start_week=quota_reader.optional_integer("start_week", 0),
        end_week=quota_reader.optional_integer("end_week", 1),
    )
    quota_reader.finish()
    if quota.factor < 1.0 and quota.start_week is None:
        raise ConfigError(quota_reader.key("start_week"), "required when factor < 1")
    regime_reader = reader.sub("global_regime")
    regime = GlobalRegime(
        licensing_start_week=regime_reader.optional_integer("licensing_start_week", 0),
        intensity=regime_reader.number("intensity", "share"),
        start_week=regime_reader.optional_integer("start_week", 0),
        end_week=regime_reader.optional_integer("end_week", 1),
    )
    regime_reader.finish()
    if regime.intensity > 0 and regime.start_week is None:
        raise ConfigError(regime_reader.key("start_week"), "required when intensity > 0")
    if regime.end_week is not None and (regime.start_week is None or regime.end_week <= regime.start_week):
        raise ConfigError(
            regime_reader.key("end_week"),
            f"got {regime.end_week}; needs a start_week before it (start_week: {regime.start_week})",
        )
    begins = regime.licensing_start_week
    if begins is not None and regime.start_week is not None and regime.start_week < begins:
        raise ConfigError(
            regime_reader.key("start_week"),
            f"got {regime.start_week}; a tightening cannot start before licensing does "
            f"(licensing_start_week: {begins})",
        )
    if regime.intensity == 0 and regime.start_week is not None:
        raise ConfigError(
            regime_reader.key("intensity"), "got 0 with a start_week: the tightening would change nothing"
        )
    _refuse_inert(policy, china)
    scenario = Scenario(
        name=reader.text("name"),
        description=reader.text("description"),
        china=policy,
        export_quota=quota,
        global_regime=regime,
    )
    reader.finish()
    return scenario


def _refuse_inert(policy: ChinaPolicy, china: Reader) -> None:
    """Options that would change nothing under the chosen instrument are refused."""
    if policy.entity_lists and policy.instrument != "end_use_ban":
        raise ConfigError(
            china.key("entity_lists"),
            f"true acts only under instrument end_use_ban (got {policy.instrument}); set it to false",
        )
    if policy.instrument == "none" and (policy.customs_holds or policy.third_country_clause):
        key = "customs_holds" if policy.customs_holds else "third_country_clause"
        raise ConfigError(china.key(key), "true acts only with an instrument; instrument is none")
    if policy.instrument == "blanket_ban" and policy.customs_holds:
        raise ConfigError(
            china.key("customs_holds"),
            "true changes nothing under blanket_ban (nothing covered ships); set it to false",
        )


@dataclass(frozen=True)
class JapanLevers:
    """Japan's policy levers and what-if switches (configs/japan).

    concession: whether Japan can concede at all.
    diversification_subsidy: share of the non-China premium the state pays once coercion is perceived.
    cofinance_share: public share in non-China capacity projects once coercion is perceived.
    stockpile_days: None for each material's seeded days, or the same days for every material.
    """

    concession: bool
    diversification_subsidy: float
    cofinance_share: float
    stockpile_days: float | None


def parse_japan(reader: Reader) -> JapanLevers:
    days = reader.raw("stockpile_days", None)
    levers = JapanLevers(
        concession=reader.boolean("concession"),
        diversification_subsidy=reader.number("diversification_subsidy", "share"),
        cofinance_share=reader.number("cofinance_share", "share"),
        stockpile_days=None if days is None else reader.number("stockpile_days", "nonneg"),
    )
    reader.finish()
    return levers


@dataclass(frozen=True)
class CoalitionSwitch:
    """Whether the coalition's members can act, and whether their thresholds are drawn (configs/coalition)."""

    enabled: bool
    draws: bool


def parse_coalition(reader: Reader) -> CoalitionSwitch:
    switch = CoalitionSwitch(enabled=reader.boolean("enabled"), draws=reader.boolean("draws"))
    if switch.draws and not switch.enabled:
        raise ConfigError(reader.key("draws"), "acts only with coalition.enabled=true; set it to false")
    reader.finish()
    return switch


@dataclass(frozen=True)
class Study:
    """The named study a job belongs to (experiments/), and its paired case if any."""

    name: str | None
    version: int | None
    description: str | None
    case: str | None


def parse_study(reader: Reader) -> Study:
    def optional_text(key: str) -> str | None:
        value = reader.raw(key, None)
        return None if value is None else str(value)

    study = Study(
        name=optional_text("name"),
        version=reader.optional_integer("version", 1),
        description=optional_text("description"),
        case=optional_text("case"),
    )
    reader.finish()
    return study

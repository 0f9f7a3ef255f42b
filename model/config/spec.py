"""The validated specification of a job: run settings, scenario and seeds."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from model.config import posterior
from model.config.errors import ConfigError, unknown_key, unknown_name
from model.config.reader import Reader
from model.config.seeds import parameters, tables
from model.config.settings import (
    CoalitionSwitch,
    JapanLevers,
    RunSettings,
    Scenario,
    Study,
    parse_coalition,
    parse_japan,
    parse_run,
    parse_scenario,
    parse_study,
)

SEED_GROUPS = (
    "materials",
    "economy",
    "suppliers",
    "regions",
    "sectors",
    "behaviour",
    "licensing",
    "logistics",
    "market",
    "stockpile",
    "china_policy",
    "japan_policy",
    "coalition_policy",
    "coalition_members",
    "visibility",
)


# Seed groups of scalar parameters: the record each parses into and the kind of each value.
FLAT_GROUPS = {
    "behaviour": (parameters.Behaviour, parameters.BEHAVIOUR_KINDS),
    "licensing": (parameters.Licensing, parameters.LICENSING_KINDS),
    "logistics": (parameters.Logistics, parameters.LOGISTICS_KINDS),
    "market": (parameters.Market, parameters.MARKET_KINDS),
    "stockpile": (parameters.Stockpile, parameters.STOCKPILE_KINDS),
    "china_policy": (parameters.ChinaPolicy, parameters.CHINA_POLICY_KINDS),
    "japan_policy": (parameters.JapanPolicy, parameters.JAPAN_POLICY_KINDS),
    "coalition_policy": (parameters.CoalitionPolicy, parameters.COALITION_POLICY_KINDS),
    "visibility": (parameters.Visibility, parameters.VISIBILITY_KINDS),
}


@dataclass(frozen=True)
class Seeds:
    materials: tables.Materials
    economy: tables.Economy
    sectors: tables.Sectors
    suppliers: tables.Suppliers
    regions: tables.Regions
    behaviour: parameters.Behaviour
    licensing: parameters.Licensing
    logistics: parameters.Logistics
    market: parameters.Market
    stockpile: parameters.Stockpile
    china_policy: parameters.ChinaPolicy
    japan_policy: parameters.JapanPolicy
    coalition_policy: parameters.CoalitionPolicy
    visibility: parameters.Visibility
    coalition_members: tables.CoalitionMembers


@dataclass(frozen=True)
class ModelSpec:
    """Everything one replication needs, validated."""

    run: RunSettings
    scenario: Scenario
    seeds: Seeds
    japan: JapanLevers
    coalition: CoalitionSwitch
    study: Study


def to_container(cfg: DictConfig | Mapping[str, Any]) -> dict[str, Any]:
    """Resolve a Hydra config into plain Python, turning interpolation errors into ConfigError."""
    if isinstance(cfg, DictConfig):
        try:
            if "hydra" in cfg:
                cfg = OmegaConf.masked_copy(cfg, [k for k in cfg if k != "hydra"])
            return OmegaConf.to_container(cfg, resolve=True)  # type: ignore[return-value]
        except OmegaConfBaseException as exc:
            key = getattr(exc, "full_key", None) or "config"
            raise ConfigError(str(key), str(exc).splitlines()[0]) from None
    return dict(cfg)


def build_spec(cfg: DictConfig | Mapping[str, Any]) -> ModelSpec:
    """Validate a composed config and build the job's specification."""
    data = to_container(cfg)
    root = Reader({k: v for k, v in data.items() if k != "hydra"}, "")
    seeds_reader = root.sub("seeds")
    for group in seeds_reader.keys():
        if group not in SEED_GROUPS:
            raise unknown_key("seeds", group, SEED_GROUPS)
    materials = tables.parse_materials(seeds_reader.sub("materials"))
    economy_reader = seeds_reader.sub("economy")
    economy = tables.parse_economy(economy_reader)
    sectors = tables.parse_sectors(seeds_reader.sub("sectors"), economy_reader, materials)
    economy_reader.finish()
    regions = tables.parse_regions(seeds_reader.sub("regions"), materials)
    seeds = Seeds(
        materials=materials,
        economy=economy,
        sectors=sectors,
        suppliers=tables.parse_suppliers(seeds_reader.sub("suppliers"), materials),
        regions=regions,
        coalition_members=tables.parse_coalition_members(
            seeds_reader.sub("coalition_members"), regions.names
        ),
        **{name: tables.parse_flat(seeds_reader.sub(name), *FLAT_GROUPS[name]) for name in FLAT_GROUPS},
    )
    seeds_reader.finish()
    run = parse_run(root.sub("run"))
    scenario = parse_scenario(root.sub("scenario"), materials.names)
    japan = parse_japan(root.sub("japan"))
    coalition = parse_coalition(root.sub("coalition"))
    study = parse_study(root.sub("study"))
    root.finish()
    _check_consistency(run, scenario, seeds)
    if run.posterior is not None:
        posterior.check(posterior.load(run.posterior), data["seeds"])
    return ModelSpec(run=run, scenario=scenario, seeds=seeds, japan=japan, coalition=coalition, study=study)


def _check_consistency(run: RunSettings, scenario: Scenario, seeds: Seeds) -> None:
    names = seeds.materials.names
    for material in run.fan_materials:
        if material not in names:
            raise unknown_name("run.fan_materials", material, "material", names)
    if run.firms < len(seeds.sectors.names):
        raise ConfigError(
            "run.firms",
            f"got {run.firms}; must be >= the number of sectors ({len(seeds.sectors.names)})",
        )
    if scenario.china.start_week >= run.horizon_weeks and scenario.china.instrument != "none":
        raise ConfigError(
            "scenario.china.start_week",
            f"got {scenario.china.start_week}; must be < run.horizon_weeks ({run.horizon_weeks})",
        )
    lic = seeds.licensing
    if lic.max_customs_hold_weeks < lic.customs_hold_median_weeks:
        raise ConfigError(
            "seeds.licensing.max_customs_hold_weeks.value", "must be >= customs_hold_median_weeks"
        )
    if lic.max_review_weeks < lic.review_median_weeks:
        raise ConfigError("seeds.licensing.max_review_weeks.value", "must be >= review_median_weeks")
    mats = seeds.materials
    regions = seeds.regions
    nonchina_need = (1.0 - mats.china_share) * mats.japan_demand_t + (
        (1.0 - regions.china_share) * regions.demand_t
    ).sum(axis=0)
    capacity = seeds.suppliers.capacity_t.sum(axis=0)
    short = nonchina_need > capacity * (1.0 + 1e-9)
    if short.any():
        m = int(next(iter(short.nonzero()[0])))
        raise ConfigError(
            f"seeds.suppliers.nonchina.*.capacity_t.{names[m]}",
            f"non-China capacity {capacity[m]:g} t/yr is below the world's non-China supply "
            f"{nonchina_need[m]:g} t/yr implied by the china_share of Japan and the regions; "
            "raise capacity or china_share",
        )
    cap = price_bounds(seeds.market, mats)[1]
    over_cap = mats.price_usd_per_kg >= cap
    if over_cap.any():
        m = int(next(iter(over_cap.nonzero()[0])))
        raise ConfigError(
            f"seeds.materials.{names[m]}.price_usd_per_kg.value",
            f"starting price {mats.price_usd_per_kg[m]:g} is at or above the price cap "
            f"({cap[m]:g} = price_cap_multiple x reference_price_usd_per_kg); lower it or raise the cap",
        )
    _check_coverage(scenario, mats)
    recyclers = seeds.suppliers.recycler
    ceiling = mats.recycling_potential_share * mats.japan_demand_t
    over = recyclers[:, None] & (seeds.suppliers.capacity_t > ceiling[None, :] + 1e-9)
    if over.any():
        s, m = (int(i[0]) for i in over.nonzero())
        raise ConfigError(
            f"seeds.suppliers.nonchina.{seeds.suppliers.names[s]}.capacity_t.{names[m]}.value",
            f"a recycler's capacity must be <= recycling_potential_share x demand ({ceiling[m]:g} t/yr)",
        )


def price_bounds(market: parameters.Market, materials: tables.Materials) -> tuple[np.ndarray, np.ndarray]:
    """Floor and cap of the ex-China price per material: multiples of its reference (pre-crisis) price."""
    reference = materials.reference_price_usd_per_kg
    return market.price_floor_multiple * reference, market.price_cap_multiple * reference


def covered_mask(covered: str | tuple[str, ...], materials: tables.Materials) -> np.ndarray:
    """Boolean mask of the materials an instrument acts on."""
    if covered == "controlled":
        return materials.controlled.copy()
    if covered == "heavy":
        return materials.heavy.copy()
    if covered == "all":
        return np.ones(len(materials.names), dtype=bool)
    return np.isin(np.array(materials.names), np.array(covered))


def _check_coverage(scenario: Scenario, materials: tables.Materials) -> None:
    """Every covered material must be reachable by a channel of the instrument (no inert option).

    Licensing acts on licensed (controlled) materials; customs holds and a ban on any covered one.
    """
    if scenario.global_regime.intensity > 0 and not materials.controlled.any():
        raise ConfigError("scenario.global_regime.intensity", "no material is licensed in this seed set")
    if scenario.global_regime.licensing_start_week is not None and not materials.controlled.any():
        raise ConfigError(
            "scenario.global_regime.licensing_start_week", "no material is controlled in this seed set"
        )
    china = scenario.china
    if china.instrument in ("none", "blanket_ban"):
        return
    begins = scenario.global_regime.licensing_start_week
    if begins is not None and china.start_week < begins:
        raise ConfigError(
            "scenario.china.start_week",
            f"got {china.start_week}; {china.instrument} acts through licences, which begin at week "
            f"{begins} (scenario.global_regime.licensing_start_week)",
        )
    covered = covered_mask(china.covered, materials)
    if not covered.any():
        raise ConfigError("scenario.china.covered", "covers no material of this seed set")
    inert = covered & ~materials.controlled & (not china.customs_holds)
    if inert.any():
        names = ", ".join(np.array(materials.names)[inert])
        raise ConfigError(
            "scenario.china.covered",
            f"{names} not licensed and customs_holds is false: {china.instrument} cannot act on them; "
            "cover only licensed materials or set scenario.china.customs_holds=true",
        )


def replication_spec(cfg: DictConfig | Mapping[str, Any], spec: ModelSpec, replication: int) -> ModelSpec:
    """The specification replication `replication` runs: `spec` itself at the seeded parameters;
    with run.parameters=posterior, `cfg` at the particle drawn for it (model/config/posterior.py)."""
    if spec.run.posterior is None:
        return spec
    values = posterior.load(spec.run.posterior).draw(spec.run.seed, replication)
    return build_spec(posterior.with_values(to_container(cfg), values))

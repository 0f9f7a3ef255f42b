"""The sourced starting figures (seeds/), parsed into typed, validated tables."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from model.catalogue.units import YEN_PER_TRILLION
from model.config.drawn import Drawn
from model.config.errors import ConfigError, unknown_key, unknown_name
from model.config.reader import Reader
from model.config.seeds.parameters import REGION_BEHAVIOUR_KINDS, RegionBehaviour


@dataclass(frozen=True)
class Materials:
    """Per-material figures, arrays aligned with `names`."""

    names: tuple[str, ...]
    controlled: np.ndarray
    heavy: np.ndarray
    price_usd_per_kg: np.ndarray
    reference_price_usd_per_kg: np.ndarray
    china_domestic_price_usd_per_kg: np.ndarray
    japan_demand_t: np.ndarray
    china_share: np.ndarray
    china_domestic_demand_t: np.ndarray
    max_substitutable_share: np.ndarray
    substitution_lag_weeks: np.ndarray
    recycling_potential_share: np.ndarray
    stockpile_days: np.ndarray
    embedded_share: np.ndarray

    def index(self, name: str) -> int:
        return self.names.index(name)


_MATERIAL_KINDS = {
    "controlled": "bool",
    "heavy": "bool",
    "price_usd_per_kg": "positive",
    "reference_price_usd_per_kg": "positive",
    "china_domestic_price_usd_per_kg": "positive",
    "japan_demand_t": "nonneg",
    "china_share": "share",
    "china_domestic_demand_t": "positive",
    "max_substitutable_share": "share",
    "substitution_lag_weeks": "nonneg",
    "recycling_potential_share": "share",
    "stockpile_days": "nonneg",
    "embedded_share": "share",
}


def parse_materials(reader: Reader) -> Materials:
    names = tuple(reader.keys())
    if not names:
        raise ConfigError(reader.path, "at least one material is required")
    columns: dict[str, list] = {field: [] for field in _MATERIAL_KINDS}
    for name in names:
        row = reader.sub(name)
        for field, kind in _MATERIAL_KINDS.items():
            columns[field].append(row.seed(field, kind))
        row.finish()
    arrays = {
        field: np.array(values, dtype=bool if _MATERIAL_KINDS[field] == "bool" else float)
        for field, values in columns.items()
    }
    if arrays["japan_demand_t"].sum() <= 0:
        raise ConfigError(reader.key("*.japan_demand_t"), "Japan's total demand must be > 0")
    return Materials(names=names, **arrays)


@dataclass(frozen=True)
class Line:
    """A product line: a share of a sector's value added that needs all of `materials`."""

    sector: int
    name: str
    materials: tuple[int, ...]
    va_share: float


@dataclass(frozen=True)
class Sectors:
    """Sector structure; arrays aligned with `names`."""

    names: tuple[str, ...]
    firm_share: np.ndarray
    base_cover_weeks: np.ndarray
    max_cover_weeks: np.ndarray
    exposure_mean: np.ndarray
    exposure_concentration: np.ndarray
    entity_listed_share: np.ndarray
    watch_listed_share: np.ndarray
    demand_share: np.ndarray  # (sectors, materials), columns sum to 1 where demand > 0
    lines: tuple[Line, ...]
    value_added_yen: np.ndarray  # per year


_SECTOR_KINDS = {
    "firm_share": "positive",
    "base_cover_weeks": "positive",
    "max_cover_weeks": "positive",
    "exposure_mean": "share",
    "exposure_concentration": "positive",
    "entity_listed_share": "share",
    "watch_listed_share": "share",
}


def parse_sectors(reader: Reader, economy: Reader, materials: Materials) -> Sectors:
    names = tuple(reader.keys())
    if not names:
        raise ConfigError(reader.path, "at least one sector is required")
    n_mat = len(materials.names)
    columns: dict[str, list[float]] = {field: [] for field in _SECTOR_KINDS}
    weights = np.zeros((len(names), n_mat))
    lines: list[Line] = []
    for s, name in enumerate(names):
        row = reader.sub(name)
        for field, kind in _SECTOR_KINDS.items():
            columns[field].append(row.seed(field, kind))
        demand = row.sub("demand_weight")
        for material in demand.keys():
            if material not in materials.names:
                raise unknown_key(demand.path, material, materials.names)
            weights[s, materials.index(material)] = demand.seed(material, "nonneg")
        line_reader = row.sub("lines")
        total_share = 0.0
        for line_name in line_reader.keys():
            line = line_reader.sub(line_name)
            mats = line.raw("materials")
            if not isinstance(mats, list | tuple) or not mats:
                raise ConfigError(line.key("materials"), "must be a non-empty list of materials")
            for material in mats:
                if material not in materials.names:
                    raise unknown_name(line.key("materials"), str(material), "material", materials.names)
            share = line.seed("va_share", "share")
            total_share += share
            lines.append(Line(s, line_name, tuple(materials.index(m) for m in mats), share))
            line.finish()
        if total_share > 1.0 + 1e-9:
            raise ConfigError(
                line_reader.key("*.va_share"), f"shares add up to {total_share:g}; must be <= 1"
            )
        for m in np.flatnonzero(weights[s] > 0):
            if not any(m in line.materials for line in lines if line.sector == s):
                raise ConfigError(
                    demand.key(materials.names[m]),
                    f"sector '{name}' demands {materials.names[m]} but none of its lines needs it",
                )
        row.finish()
    reader.finish()
    arrays = {field: np.array(values) for field, values in columns.items()}
    if np.any(arrays["max_cover_weeks"] < arrays["base_cover_weeks"]):
        s = int(np.argmax(arrays["max_cover_weeks"] < arrays["base_cover_weeks"]))
        raise ConfigError(f"{reader.path}.{names[s]}.max_cover_weeks", "must be >= base_cover_weeks")
    totals = weights.sum(axis=0)
    for m in np.flatnonzero((totals <= 0) & (materials.japan_demand_t > 0)):
        raise ConfigError(
            f"{reader.path}.*.demand_weight.{materials.names[m]}",
            "Japan demands this material but no sector has a demand weight for it",
        )
    demand_share = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
    value_added = _parse_value_added(economy, names)
    return Sectors(
        names=names,
        demand_share=demand_share,
        lines=tuple(lines),
        value_added_yen=value_added,
        **arrays,
    )


def _parse_value_added(economy: Reader, sector_names: tuple[str, ...]) -> np.ndarray:
    va = economy.sub("sector_value_added_trillion_yen")
    for name in va.keys():
        if name not in sector_names:
            raise unknown_key(va.path, name, sector_names)
    values = np.array([va.seed(name, "positive") for name in sector_names]) * YEN_PER_TRILLION
    va.finish()
    return values


@dataclass(frozen=True)
class Economy:
    gdp_yen: float


def parse_economy(reader: Reader) -> Economy:
    return Economy(gdp_yen=reader.seed("gdp_trillion_yen", "positive") * YEN_PER_TRILLION)


@dataclass(frozen=True)
class Suppliers:
    """Non-China producers (arrays aligned with `names`) and China's exporters."""

    names: tuple[str, ...]
    recycler: np.ndarray
    build_lag_weeks: np.ndarray
    mine_lag_weeks: np.ndarray
    ramp_weeks: np.ndarray
    japan_priority_share: np.ndarray
    capacity_t: np.ndarray  # (suppliers, materials), t/yr
    expansion: Expansion
    exporter_names: tuple[str, ...]
    exporter_share: np.ndarray


@dataclass(frozen=True)
class Expansion:
    review_weeks: float
    hurdle_price_multiple: float
    invest_probability: float
    project_share_of_demand: float
    fast_limit_share_of_demand: float
    max_share_of_demand: float


_EXPANSION_KINDS = {
    "review_weeks": "at_least_one",
    "hurdle_price_multiple": "positive",
    "invest_probability": "share",
    "project_share_of_demand": "positive",
    "fast_limit_share_of_demand": "nonneg",
    "max_share_of_demand": "nonneg",
}


def parse_suppliers(reader: Reader, materials: Materials) -> Suppliers:
    producers = reader.sub("nonchina")
    names = tuple(producers.keys())
    if not names:
        raise ConfigError(producers.path, "at least one non-China supplier is required")
    capacity = np.zeros((len(names), len(materials.names)))
    cols: dict[str, list] = {
        "recycler": [],
        "build_lag_weeks": [],
        "mine_lag_weeks": [],
        "ramp_weeks": [],
        "japan_priority_share": [],
    }
    for i, name in enumerate(names):
        row = producers.sub(name)
        cols["recycler"].append(row.seed("recycler", "bool"))
        for field in ("build_lag_weeks", "mine_lag_weeks", "ramp_weeks"):
            cols[field].append(row.seed(field, "at_least_one"))
        cols["japan_priority_share"].append(row.seed("japan_priority_share", "share"))
        caps = row.sub("capacity_t")
        for material in caps.keys():
            if material not in materials.names:
                raise unknown_key(caps.path, material, materials.names)
            capacity[i, materials.index(material)] = caps.seed(material, "nonneg")
        row.finish()
    producers.finish()
    exp = reader.sub("expansion")
    expansion = Expansion(**{f: exp.seed(f, k) for f, k in _EXPANSION_KINDS.items()})
    exp.finish()
    exporters = reader.sub("exporters")
    exporter_names = tuple(exporters.keys())
    if not exporter_names:
        raise ConfigError(exporters.path, "at least one Chinese exporter is required")
    shares = []
    for name in exporter_names:
        row = exporters.sub(name)
        shares.append(row.seed("share", "positive"))
        row.finish()
    reader.finish()
    share = np.array(shares)
    return Suppliers(
        names=names,
        recycler=np.array(cols["recycler"], dtype=bool),
        build_lag_weeks=np.array(cols["build_lag_weeks"]),
        mine_lag_weeks=np.array(cols["mine_lag_weeks"]),
        ramp_weeks=np.array(cols["ramp_weeks"]),
        japan_priority_share=np.array(cols["japan_priority_share"]),
        capacity_t=capacity,
        expansion=expansion,
        exporter_names=exporter_names,
        exporter_share=share / share.sum(),
    )


@dataclass(frozen=True)
class Regions:
    """Rest-of-world buyer blocks (arrays regions x materials, aligned with `names`)."""

    names: tuple[str, ...]
    demand_t: np.ndarray  # t/yr
    china_share: np.ndarray  # share of each block's supply from China
    behaviour: RegionBehaviour


def parse_regions(reader: Reader, materials: Materials) -> Regions:
    blocks = reader.sub("blocks")
    names = tuple(blocks.keys())
    if not names:
        raise ConfigError(blocks.path, "at least one rest-of-world buyer block is required")
    tables = {"demand_t": np.zeros((len(names), len(materials.names))), "china_share": None}
    tables["china_share"] = np.zeros_like(tables["demand_t"])
    for i, name in enumerate(names):
        row = blocks.sub(name)
        for field, kind in (("demand_t", "nonneg"), ("china_share", "share")):
            cells = row.sub(field)
            for material in cells.keys():
                if material not in materials.names:
                    raise unknown_key(cells.path, material, materials.names)
            for m, material in enumerate(materials.names):
                tables[field][i, m] = cells.seed(material, kind)
            cells.finish()
        row.finish()
    blocks.finish()
    behaviour = parse_flat(reader.sub("behaviour"), RegionBehaviour, REGION_BEHAVIOUR_KINDS)
    reader.finish()
    return Regions(
        names=names, demand_t=tables["demand_t"], china_share=tables["china_share"], behaviour=behaviour
    )


@dataclass(frozen=True)
class CoalitionMember:
    """One coalition member (seeds/coalition_members); None: the member cannot do that."""

    name: str
    block: int | None  # index into seeds/regions blocks, or None
    ally_weight: float
    wto_threshold: Drawn
    salience_threshold: Drawn | None  # None: never joins (e.g. Japan)
    willingness: Drawn | None
    tariff_threat: float  # 0: never threatens
    threat_cost: float
    backing: float


@dataclass(frozen=True)
class CoalitionMembers:
    members: tuple[CoalitionMember, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.members)


def parse_coalition_members(reader: Reader, blocks: tuple[str, ...]) -> CoalitionMembers:
    table = reader.sub("members")
    names = tuple(table.keys())
    if not names:
        raise ConfigError(table.path, "at least one coalition member is required")
    members = []
    for name in names:
        row = table.sub(name)
        block = row.raw("block", None)
        if block is not None and block not in blocks:
            raise unknown_key(row.key("block"), str(block), blocks)
        threat = row.seed("tariff_threat", "nonneg") if row.has("tariff_threat") else 0.0
        if threat > 0 and not (row.has("willingness") and row.has("threat_cost")):
            raise ConfigError(
                row.key("tariff_threat"), "a member that threatens tariffs needs willingness and threat_cost"
            )
        if threat > 0 and not row.has("salience_threshold"):
            raise ConfigError(
                row.key("tariff_threat"), "a member that threatens tariffs needs salience_threshold"
            )
        members.append(
            CoalitionMember(
                name=name,
                block=None if block is None else blocks.index(block),
                ally_weight=row.seed("ally_weight", "nonneg"),
                wto_threshold=row.drawn("wto_threshold", "positive"),
                salience_threshold=row.drawn("salience_threshold", "positive")
                if row.has("salience_threshold")
                else None,
                willingness=row.drawn("willingness", "share") if row.has("willingness") else None,
                tariff_threat=threat,
                threat_cost=row.seed("threat_cost", "nonneg") if row.has("threat_cost") else 0.0,
                backing=row.seed("backing", "share") if row.has("backing") else 0.0,
            )
        )
        if threat == 0 and row.has("willingness"):
            raise ConfigError(
                row.key("willingness"), "acts only with tariff_threat > 0; remove it or set tariff_threat"
            )
        row.finish()
    table.finish()
    reader.finish()
    return CoalitionMembers(tuple(members))


DRAWN = "drawn:"  # a kind prefix: the seed is drawn per replication over its range (a Drawn)


def parse_flat[T](reader: Reader, cls: type[T], kinds: dict[str, str]) -> T:
    """A flat group of scalar seeds into dataclass `cls` (kinds "drawn:<kind>" give a Drawn)."""
    values = {}
    for f in fields(cls):
        kind = kinds.get(f.name, "nonneg")
        if kind.startswith(DRAWN):
            values[f.name] = reader.drawn(f.name, kind.removeprefix(DRAWN))
        else:
            values[f.name] = reader.seed(f.name, kind)
    reader.finish()
    return cls(**values)

"""Building Japan's firm population from the seeds: sectors, sizes, needs, lists."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.catalogue.units import WEEKS_PER_YEAR
from model.config.spec import ModelSpec

NO_LIST, WATCH_LIST, ENTITY_LIST = 0, 1, 2  # a firm's list status ...
LIST_NAMES = ("none", "watch", "entity")  # ... and its name


@dataclass(frozen=True)
class SectorLines:
    """One sector's product lines, in the form the production step uses."""

    sector: int
    rows: slice  # the sector's firms (firms are sorted by sector)
    names: tuple[str, ...]
    materials: tuple[np.ndarray, ...]  # per line: indices of the materials it needs
    va_share: np.ndarray  # (lines,)
    split: np.ndarray  # (lines, materials): share of the sector's need of m used by each line
    material_matrix: np.ndarray  # (lines, most materials in a line): the materials, padded
    material_counts: np.ndarray  # (lines,): how many materials each line needs


@dataclass
class Population:
    """Static attributes of the firms (arrays over firms, or firms x materials)."""

    sector: np.ndarray
    size_share: np.ndarray
    value_added_week: np.ndarray
    base_need: np.ndarray
    exposure: np.ndarray
    list_status: np.ndarray
    exporter: np.ndarray
    application_phase: np.ndarray
    sourcing_phase: np.ndarray
    base_cover: np.ndarray
    max_cover: np.ndarray
    lines: tuple[SectorLines, ...]


def allocate_counts(total: int, shares: np.ndarray) -> np.ndarray:
    """Split `total` into integer counts proportional to `shares`, each at least 1."""
    shares = np.asarray(shares, dtype=float) / np.sum(shares)
    n = len(shares)
    counts = np.ones(n, dtype=int)
    remaining = total - n
    raw = shares * remaining
    counts += np.floor(raw).astype(int)
    leftover = total - counts.sum()
    order = np.argsort(-(raw - np.floor(raw)), kind="stable")
    counts[order[:leftover]] += 1
    return counts


def build_population(spec: ModelSpec, rng: np.random.Generator) -> Population:
    """Draw a firm population whose sector totals of demand and value added match the seeds."""
    seeds = spec.seeds
    sectors, materials = seeds.sectors, seeds.materials
    n_firms = spec.run.firms
    counts = allocate_counts(n_firms, sectors.firm_share)
    sector = np.repeat(np.arange(len(sectors.names)), counts)
    starts = np.concatenate([[0], np.cumsum(counts)])

    sizes = rng.lognormal(0.0, seeds.behaviour.firm_size_sigma, n_firms)
    size_share = sizes / np.bincount(sector, weights=sizes)[sector]
    value_added_week = sectors.value_added_yen[sector] / WEEKS_PER_YEAR * size_share
    weekly_demand = materials.japan_demand_t / WEEKS_PER_YEAR
    base_need = sectors.demand_share[sector] * weekly_demand[None, :] * size_share[:, None]

    mean = sectors.exposure_mean[sector]
    conc = sectors.exposure_concentration[sector]
    exposure = rng.beta(np.maximum(mean * conc, 1e-6), np.maximum((1 - mean) * conc, 1e-6))
    list_status = _assign_lists(sector, starts, exposure, size_share, sectors)

    lic = seeds.licensing
    return Population(
        sector=sector,
        size_share=size_share,
        value_added_week=value_added_week,
        base_need=base_need,
        exposure=exposure,
        list_status=list_status,
        exporter=rng.choice(
            len(seeds.suppliers.exporter_share), size=n_firms, p=seeds.suppliers.exporter_share
        ),
        application_phase=rng.integers(0, int(lic.application_interval_weeks), n_firms),
        sourcing_phase=rng.integers(0, int(seeds.behaviour.sourcing_review_weeks), n_firms),
        base_cover=sectors.base_cover_weeks[sector],
        max_cover=sectors.max_cover_weeks[sector],
        lines=_sector_lines(spec, starts),
    )


def _assign_lists(sector, starts, exposure, size_share, sectors) -> np.ndarray:
    """Entity list: the most military-exposed firms; watch list: the largest of the rest."""
    status = np.full(len(sector), NO_LIST, dtype=np.int8)
    for s in range(len(sectors.names)):
        rows = np.arange(starts[s], starts[s + 1])
        n_entity = round(sectors.entity_listed_share[s] * len(rows))
        n_watch = round(sectors.watch_listed_share[s] * len(rows))
        by_exposure = rows[np.argsort(-exposure[rows], kind="stable")]
        status[by_exposure[:n_entity]] = ENTITY_LIST
        rest = rows[status[rows] == NO_LIST]
        by_size = rest[np.argsort(-size_share[rest], kind="stable")]
        status[by_size[:n_watch]] = WATCH_LIST
    return status


def _sector_lines(spec: ModelSpec, starts: np.ndarray) -> tuple[SectorLines, ...]:
    sectors = spec.seeds.sectors
    n_mat = len(spec.seeds.materials.names)
    result = []
    for s in range(len(sectors.names)):
        lines = [line for line in sectors.lines if line.sector == s]
        va = np.array([line.va_share for line in lines])
        uses = np.zeros((len(lines), n_mat))
        for k, line in enumerate(lines):
            uses[k, list(line.materials)] = 1.0
        weights = uses * np.where(va > 0, va, 1e-12)[:, None]
        totals = weights.sum(axis=0)
        split = np.divide(weights, totals, out=np.zeros_like(weights), where=totals > 0)
        width = max((len(line.materials) for line in lines), default=0)
        matrix = np.zeros((len(lines), width), dtype=np.intp)
        for k, line in enumerate(lines):
            matrix[k, : len(line.materials)] = line.materials
        result.append(
            SectorLines(
                sector=s,
                rows=slice(int(starts[s]), int(starts[s + 1])),
                names=tuple(line.name for line in lines),
                materials=tuple(np.array(line.materials, dtype=np.intp) for line in lines),
                va_share=va,
                split=split,
                material_matrix=matrix,
                material_counts=np.array([len(line.materials) for line in lines], dtype=np.intp),
            )
        )
    return tuple(result)

"""Per-replication outcomes (DESIGN §5), computed from one replication's weekly series."""

from __future__ import annotations

import numpy as np
import pandas as pd

from model.config.spec import ModelSpec
from model.recorder import WeeklySeries

WEEKS_PER_YEAR = 52
ALL = "all"

OUTCOMES = {
    "va_lost_yen": "value added lost over the horizon, yen (by sector and all)",
    "va_lost_first_year_pct_gdp": "value added lost in the 52 weeks from the shock start, % of GDP",
    "va_lost_pct_gdp_per_year": "value added lost over the horizon per year, % of annual GDP",
    "peak_shortfall": "highest weekly share of need unmet after the shock start",
    "mean_shortfall": "mean weekly share of need unmet from the shock start to the horizon",
    "weeks_in_shortage": "weeks with shortfall above run.shortage_threshold (all: any material)",
    "recovery_weeks": "weeks from the shock start to the last week in shortage (0: never short)",
    "price_peak_multiple": "highest ex-China spot price over its starting level",
    "china_share_start": "China's share of Japan's supply over the 13 weeks before the shock",
    "china_share_end": "China's share of Japan's supply over the final 52 weeks",
    "china_contract_share_end": "China's share of firms' sourcing at the horizon (structural)",
    "nonchina_capacity_added_t": "non-China capacity online above the start at the horizon, t/yr",
    "stockpile_drawdown_share": "largest drawdown of the national stockpile, share of its start",
    "excess_inventory_peak_weeks": "highest national inventory cover above its shock-start level, weeks",
    "belief_spread_peak_weeks": "highest perceived lead-time spread of China buyers, weeks",
    "belief_spread_mean_weeks": "mean perceived lead-time spread of China buyers after the shock, weeks",
    "approval_belief_dispersion_peak": "highest spread of expected approval across firms",
}


def compute_outcomes(series: WeeklySeries, spec: ModelSpec) -> pd.DataFrame:
    """Tidy outcomes of one replication: replication, outcome, material, sector, value."""
    start = min(spec.scenario.china.start_week, series.weeks - 1)
    mat, sec = series.material, series.sector
    names, sectors = series.materials, series.sectors
    demand_weights = spec.seeds.materials.japan_demand_t
    rows: list[tuple[str, str | None, str | None, float]] = []

    def per_material(outcome: str, values: np.ndarray, total: float | None) -> None:
        rows.extend((outcome, m, None, float(v)) for m, v in zip(names, values, strict=True))
        if total is not None:
            rows.append((outcome, ALL, None, float(total)))

    lost = sec["value_added_lost_yen"]
    gdp = spec.seeds.economy.gdp_yen
    rows.extend(("va_lost_yen", None, s, float(v)) for s, v in zip(sectors, lost.sum(axis=0), strict=True))
    rows.append(("va_lost_yen", None, ALL, float(lost.sum())))
    first_year = lost[start : start + WEEKS_PER_YEAR].sum()
    rows.append(("va_lost_first_year_pct_gdp", None, ALL, 100.0 * first_year / gdp))
    years = series.weeks / WEEKS_PER_YEAR
    rows.append(("va_lost_pct_gdp_per_year", None, ALL, 100.0 * lost.sum() / (gdp * years)))

    shortfall = mat["shortfall"][start:]
    unmet_all = (shortfall * mat["need_t"][start:]).sum(axis=1) / mat["need_t"][start:].sum(axis=1)
    per_material("peak_shortfall", shortfall.max(axis=0), unmet_all.max())
    per_material("mean_shortfall", shortfall.mean(axis=0), unmet_all.mean())
    short = shortfall > spec.run.shortage_threshold
    per_material("weeks_in_shortage", short.sum(axis=0), short.any(axis=1).sum())
    per_material("recovery_weeks", _recovery(short), _recovery(short.any(axis=1)[:, None])[0])

    per_material("price_peak_multiple", mat["price_multiple"].max(axis=0), None)

    china_start = _china_share(mat, max(0, start - 13), start)
    china_end = _china_share(mat, max(0, series.weeks - WEEKS_PER_YEAR), series.weeks)
    per_material("china_share_start", china_start[0], china_start[1])
    per_material("china_share_end", china_end[0], china_end[1])
    contract = mat["china_contract_share"][-1]
    need_end = mat["need_t"][-1]
    per_material("china_contract_share_end", contract, _weighted(contract, need_end))

    added = mat["nonchina_capacity_added_t_per_yr"][-1]
    per_material("nonchina_capacity_added_t", added, added.sum())

    stock = mat["stockpile_t"]
    initial = stock[0] + mat["delivered_stockpile_t"][0] - mat["stockpile_refill_t"][0]
    drawdown = np.maximum(initial - stock.min(axis=0), 0.0)
    per_material(
        "stockpile_drawdown_share",
        _share(drawdown, initial),
        drawdown.sum() / initial.sum() if initial.sum() > 0 else 0.0,
    )

    cover = mat["inventory_cover_weeks"]
    excess = (cover[start:] - cover[start]).max(axis=0)
    per_material("excess_inventory_peak_weeks", excess, _weighted(excess, demand_weights))

    spread = mat["belief_lead_time_sd_weeks"][start:]
    per_material("belief_spread_peak_weeks", spread.max(axis=0), None)
    per_material("belief_spread_mean_weeks", spread.mean(axis=0), None)
    per_material("approval_belief_dispersion_peak", mat["belief_approval_sd"][start:].max(axis=0), None)

    frame = pd.DataFrame(rows, columns=["outcome", "material", "sector", "value"])
    frame.insert(0, "replication", np.int32(series.replication))
    return frame


def _china_share(mat: dict[str, np.ndarray], lo: int, hi: int) -> tuple[np.ndarray, float]:
    hi = max(hi, lo + 1)
    china = mat["delivered_china_t"][lo:hi].sum(axis=0)
    other = (mat["delivered_nonchina_t"][lo:hi] + mat["delivered_leakage_t"][lo:hi]).sum(axis=0)
    total = china + other
    return _share(china, total), float(china.sum() / total.sum()) if total.sum() > 0 else 0.0


def _recovery(short: np.ndarray) -> np.ndarray:
    """Weeks from the start to just after the last week in shortage, per column."""
    weeks = short.shape[0]
    any_short = short.any(axis=0)
    last = weeks - 1 - np.argmax(short[::-1], axis=0)
    return np.where(any_short, last + 1, 0).astype(float)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return np.divide(part, whole, out=np.zeros_like(part, dtype=float), where=whole > 0)


def _weighted(values: np.ndarray, weights: np.ndarray) -> float:
    total = weights.sum()
    return float(values @ weights / total) if total > 0 else 0.0

"""Per-replication outcomes (docs/model.md, "Outcomes"), computed from one replication's weekly series."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.catalogue.outcomes import ALL
from model.catalogue.units import WEEKS_PER_YEAR, YEN_PER_TRILLION
from model.config.spec import ModelSpec, price_bounds
from model.sim.agents.china import PolicyEvent
from model.sim.recorder import TRAILING_WEEKS, WeeklySeries


def compute_outcomes(
    series: WeeklySeries, spec: ModelSpec, events: Sequence[PolicyEvent] = ()
) -> pd.DataFrame:
    """Tidy outcomes of one replication: replication, outcome, material, sector, value.

    `events` are China's policy changes (for lift timing and causes).
    """
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
    at_cap = mat["price_spot_usd_per_kg"] >= _price_cap(spec) * (1.0 - 1e-9)
    per_material("price_weeks_at_cap", at_cap.sum(axis=0), at_cap.any(axis=1).sum())
    row_short = mat["row_shortfall"][start:]
    row_need = mat["row_need_t"][start:]
    row_all = (row_short * row_need).sum(axis=1) / np.maximum(row_need.sum(axis=1), 1e-300)
    per_material("row_peak_shortfall", row_short.max(axis=0), row_all.max())

    china_start = _china_share(mat, max(0, start - TRAILING_WEEKS), start)
    world_start = _world_share(mat, max(0, start - TRAILING_WEEKS), start)
    per_material("china_world_share_start", world_start[0], world_start[1])
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

    rows.extend(_strategic(series, spec, events, start, china_start))

    frame = pd.DataFrame(rows, columns=["outcome", "material", "sector", "value"])
    frame.insert(0, "replication", np.int32(series.replication))
    return frame


def _china_share(mat: dict[str, np.ndarray], lo: int, hi: int) -> tuple[np.ndarray, float]:
    hi = max(hi, lo + 1)
    china = (mat["delivered_china_t"][lo:hi] + mat["delivered_embedded_t"][lo:hi]).sum(axis=0)
    other = (mat["delivered_nonchina_t"][lo:hi] + mat["delivered_leakage_t"][lo:hi]).sum(axis=0)
    total = china + other
    return _share(china, total), float(china.sum() / total.sum()) if total.sum() > 0 else 0.0


def _world_share(mat: dict[str, np.ndarray], lo: int, hi: int) -> tuple[np.ndarray, float]:
    """China's direct share of arrivals outside China (Japan and the rest-of-world blocks)."""
    hi = max(hi, lo + 1)
    china = (
        mat["delivered_china_t"][lo:hi]
        + mat["delivered_embedded_t"][lo:hi]
        + mat["row_delivered_china_t"][lo:hi]
    ).sum(axis=0)
    other = (
        mat["delivered_nonchina_t"][lo:hi]
        + mat["delivered_leakage_t"][lo:hi]
        + mat["row_delivered_nonchina_t"][lo:hi]
    ).sum(axis=0)
    total = china + other
    return _share(china, total), float(china.sum() / total.sum()) if total.sum() > 0 else 0.0


def _price_cap(spec: ModelSpec) -> np.ndarray:
    return price_bounds(spec.seeds.market, spec.seeds.materials)[1]


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


Row = tuple[str, str | None, str | None, float]
LIFT_CAUSES = {
    "Japan conceded": "lifted_after_concession",
    "WTO ruling": "lifted_by_wto",
    "coalition pressure": "lifted_by_coalition_pressure",
}


def _strategic(
    series: WeeklySeries,
    spec: ModelSpec,
    events: Sequence[PolicyEvent],
    start: int,
    china_start: tuple[np.ndarray, float],
) -> list[Row]:
    """Politics, leverage and resilience outcomes."""
    mat, sc, names = series.material, series.scalar, series.materials
    weeks = series.weeks
    rows: list[Row] = []

    def event(name: str, flag: np.ndarray) -> None:
        """Weeks from the shock start to the first week `flag` is set (NaN: never)."""
        hit = np.flatnonzero(flag[start:] > 0)
        rows.append((name, None, None, float(hit[0]) if len(hit) else float("nan")))

    formed = sc["coalition_formed"]
    rows.append(("coalition_formed", None, None, float(formed.max() > 0)))
    event("coalition_week", formed)
    conceded = sc["japan_conceded"]
    rows.append(("japan_conceded", None, None, float(conceded.max() > 0)))
    event("concession_week", conceded)
    lifts = [e for e in events if e.instrument == "none" and e.week >= start]
    lift = lifts[0] if lifts else None
    rows.append(("measure_lifted", None, None, float(lift is not None)))
    rows.append(("lift_week", None, None, float(lift.week - start) if lift else float("nan")))
    fine_tuned = lift is not None and lift.cause not in LIFT_CAUSES and lift.cause != "scheduled end"
    for cause, name in LIFT_CAUSES.items():
        rows.append((name, None, None, float(lift is not None and lift.cause == cause)))
    rows.append(("lifted_by_fine_tuning", None, None, float(fine_tuned)))
    rows.append(("intensity_peak", None, None, float(sc["policy_intensity"].max())))
    if lift is not None and lift.week < weeks:
        after = _china_share(mat, lift.week, min(lift.week + WEEKS_PER_YEAR, weeks))[1]
    else:
        after = float("nan")
    rows.append(("china_share_after_lift", ALL, None, after))
    rows.append(
        (
            "china_export_revenue_lost_usd",
            None,
            None,
            float(sc["china_export_revenue_lost_usd"][start:].sum()),
        )
    )
    rows.append(
        (
            "china_row_revenue_lost_usd",
            None,
            None,
            float(sc["china_export_revenue_row_lost_usd"][start:].sum()),
        )
    )

    for year in (1, 3, 5, 10):
        end = min(start + WEEKS_PER_YEAR * year, weeks)
        share, total = _china_share(mat, max(0, end - TRAILING_WEEKS), end)
        rows.extend((f"china_share_y{year}", m, None, float(v)) for m, v in zip(names, share, strict=True))
        rows.append((f"china_share_y{year}", ALL, None, total))
        world, world_total = _world_share(mat, max(0, end - TRAILING_WEEKS), end)
        rows.extend(
            (f"china_world_share_y{year}", m, None, float(v)) for m, v in zip(names, world, strict=True)
        )
        rows.append((f"china_world_share_y{year}", ALL, None, world_total))
    year10 = min(start + 10 * WEEKS_PER_YEAR, weeks)
    decoupling = 100.0 * (china_start[1] - _china_share(mat, max(0, year10 - TRAILING_WEEKS), year10)[1])
    rows.append(("decoupling_points", ALL, None, decoupling))

    lost = series.sector["value_added_lost_yen"].sum(axis=1)
    pressure_26 = float(lost[start : start + 26].sum())
    pressure_52 = float(lost[start : start + WEEKS_PER_YEAR].sum())
    rows.append(("pressure_26w_yen", None, ALL, pressure_26))
    rows.append(("pressure_52w_yen", None, ALL, pressure_52))
    denominator = max(decoupling, spec.run.leverage_floor_points)
    rows.append(("leverage_efficiency", None, ALL, pressure_52 / YEN_PER_TRILLION / denominator))

    responses = (
        mat["diversified_t"].sum(axis=1)
        + mat["substitution_programmes_started"].sum(axis=1)
        + mat["capacity_projects_started_t_per_yr"].sum(axis=1)
    )
    hit = np.flatnonzero(responses[start:] > 0)
    rows.append(("response_lag_weeks", None, None, float(hit[0]) if len(hit) else float("nan")))
    need_base = mat["need_t"] / np.maximum(1.0 - mat["substituted_share"], 1e-12)
    substituted_t = (mat["substituted_share"] * need_base).sum(axis=1) / need_base.sum(axis=1)
    rows.append(("substitution_rate_peak", ALL, None, _peak_yearly_rise(substituted_t[start:])))
    demand = spec.seeds.materials.japan_demand_t.sum()
    capacity = mat["nonchina_capacity_t_per_yr"].sum(axis=1) / demand
    rows.append(("nonchina_ramp_rate_peak", ALL, None, _peak_yearly_rise(capacity[start:])))
    value = spec.seeds.materials.price_usd_per_kg
    weighted = (mat["shortfall"][start:] * mat["need_t"][start:]) @ value / (mat["need_t"][start:] @ value)
    rows.append(("area_lost_share_weeks", ALL, None, float(weighted.sum())))
    return rows


def _peak_yearly_rise(values: np.ndarray) -> float:
    """Largest rise over any 52-week window (0 if the series is shorter or never rises)."""
    if len(values) <= WEEKS_PER_YEAR:
        return float(max(values[-1] - values[0], 0.0)) if len(values) else 0.0
    rise = values[WEEKS_PER_YEAR:] - values[:-WEEKS_PER_YEAR]
    return float(max(rise.max(), 0.0))

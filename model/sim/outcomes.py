"""Per-replication outcomes (docs/model.md, "Outcomes"), computed from one replication's weekly series."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.catalogue.outcomes import ALL, LEVERAGE_WEIGHTINGS, LEVERAGE_YEARS
from model.catalogue.units import WEEKS_PER_YEAR
from model.config.spec import ModelSpec, price_bounds
from model.sim.agents.china import PolicyEvent
from model.sim.recorder import TRAILING_WEEKS, WeeklySeries


def compute_outcomes(
    series: WeeklySeries,
    spec: ModelSpec,
    events: Sequence[PolicyEvent] = (),
    counterfactual: WeeklySeries | None = None,
) -> pd.DataFrame:
    """Tidy outcomes of one replication: replication, outcome, material, sector, value.

    `events` are China's policy changes (for lift timing and causes); `counterfactual` is the
    same replication without China's measures (model/sim/paired.py). Without one, the paired
    outcomes (pressure, leverage lost, China's revenue cost) are NaN and `paired` is 0.
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

    rows.extend(_strategic(series, spec, events, start))
    rows.extend(_paired(series, counterfactual, spec, start))

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
PERCENT = 100.0
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
    lifts = [e for e in events if e.kind == "lift" and e.week >= start]  # a quota change is no lift
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

    for year in LEVERAGE_YEARS:
        end = min(start + WEEKS_PER_YEAR * year, weeks)
        share, total = _china_share(mat, max(0, end - TRAILING_WEEKS), end)
        rows.extend((f"china_share_y{year}", m, None, float(v)) for m, v in zip(names, share, strict=True))
        rows.append((f"china_share_y{year}", ALL, None, total))
        world, world_total = _world_share(mat, max(0, end - TRAILING_WEEKS), end)
        rows.extend(
            (f"china_world_share_y{year}", m, None, float(v)) for m, v in zip(names, world, strict=True)
        )
        rows.append((f"china_world_share_y{year}", ALL, None, world_total))
    rows.extend(_politics(sc, events, start))

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
    # non-China capacity serves the whole market: its growth as a share of the world's demand
    # (Japan, the other blocks and China's own use), the "share of market volume" of the record
    world = (
        spec.seeds.materials.japan_demand_t.sum()
        + spec.seeds.regions.demand_t.sum()
        + spec.seeds.materials.china_domestic_demand_t.sum()
    )
    capacity = mat["nonchina_capacity_t_per_yr"].sum(axis=1) / world
    rows.append(("nonchina_ramp_rate_peak", ALL, None, _peak_yearly_rise(capacity[start:])))
    value = spec.seeds.materials.price_usd_per_kg
    weighted = (mat["shortfall"][start:] * mat["need_t"][start:]) @ value / (mat["need_t"][start:] @ value)
    rows.append(("area_lost_share_weeks", ALL, None, float(weighted.sum())))
    return rows


def _politics(sc: dict[str, np.ndarray], events: Sequence[PolicyEvent], start: int) -> list[Row]:
    """The strategic layer's responses: WTO case, tariff threats, Japan's industrial policy,
    China's review of a measure in force, visibility."""
    rows: list[Row] = []
    for flag_name, week_name, flag in (
        ("wto_filed", "wto_week", sc["wto_case_filed"]),
        ("tariff_threat", "tariff_threat_week", sc["tariff_pressure"]),
        ("industrial_policy", "industrial_policy_week", sc["japan_industrial_policy"]),
    ):
        hit = np.flatnonzero(flag[start:] > 0)
        rows.append((flag_name, None, None, float(len(hit) > 0)))
        rows.append((week_name, None, None, float(hit[0]) if len(hit) else float("nan")))
    tuned = [e for e in events if e.kind in ("start", "tune") and e.week >= start]
    trough = min((e.intensity for e in tuned), default=float("nan"))
    lowered = any(b.kind == "tune" and b.intensity < a.intensity for a, b in itertools.pairwise(tuned))
    rows.append(("intensity_trough", None, None, float(trough)))
    rows.append(("intensity_lowered", None, None, float(lowered)))
    rows.append(("visibility_peak", None, None, float(sc["visibility"][start:].max(initial=0.0))))
    return rows


def _paired(
    series: WeeklySeries, counterfactual: WeeklySeries | None, spec: ModelSpec, start: int
) -> list[Row]:
    """Pressure and leverage lost against the paired counterfactual (NaN without one).

    pressure: Japan's value added lost minus the counterfactual's, over 26 and 52 weeks from the
    shock start and to the horizon. Leverage lost at year Y: the counterfactual's share of China
    minus the run's, in points, over the 13 weeks to year Y: of Japan's supply by tonnes and by
    value at reference prices, and of the world's supply outside China by tonnes.
    """
    names = series.materials
    rows: list[Row] = [("paired", None, None, float(counterfactual is not None))]
    nan = float("nan")
    pressure = {"pressure_26w_yen": 26, "pressure_52w_yen": WEEKS_PER_YEAR, "pressure_yen": series.weeks}
    if counterfactual is None:
        rows.extend((name, None, ALL, nan) for name in pressure)
        rows.append(("china_revenue_cost_usd", None, None, nan))
        for year in LEVERAGE_YEARS:
            for weighting in LEVERAGE_WEIGHTINGS:
                rows.append((f"leverage_lost_{weighting}_y{year}", ALL, None, nan))
        return rows
    lost = series.sector["value_added_lost_yen"].sum(axis=1)
    lost_cf = counterfactual.sector["value_added_lost_yen"].sum(axis=1)
    for name, weeks in pressure.items():
        rows.append(
            (name, None, ALL, float(lost[start : start + weeks].sum() - lost_cf[start : start + weeks].sum()))
        )
    rows.append(
        ("china_revenue_cost_usd", None, None, _revenue(counterfactual, start) - _revenue(series, start))
    )
    price = spec.seeds.materials.price_usd_per_kg
    weeks = series.weeks
    for year in LEVERAGE_YEARS:
        end = min(start + WEEKS_PER_YEAR * year, weeks)
        lo = max(0, end - TRAILING_WEEKS)
        for weighting, share in (("tonnes", _china_share), ("world", _world_share)):
            run, cf = share(series.material, lo, end), share(counterfactual.material, lo, end)
            lost_points = PERCENT * (cf[0] - run[0])
            name = f"leverage_lost_{weighting}_y{year}"
            rows.extend((name, m, None, float(v)) for m, v in zip(names, lost_points, strict=True))
            rows.append((name, ALL, None, PERCENT * (cf[1] - run[1])))
        value = PERCENT * (
            _value_share(counterfactual.material, lo, end, price)
            - _value_share(series.material, lo, end, price)
        )
        rows.append((f"leverage_lost_value_y{year}", ALL, None, value))
    return rows


def _revenue(series: WeeklySeries, start: int) -> float:
    """China's export revenue from every destination, shock start to horizon (USD)."""
    sc = series.scalar
    return float(
        sc["china_export_revenue_usd"][start:].sum() + sc["china_export_revenue_row_usd"][start:].sum()
    )


def _value_share(mat: dict[str, np.ndarray], lo: int, hi: int, price: np.ndarray) -> float:
    """China's share of Japan's supply weighted by value at reference prices."""
    hi = max(hi, lo + 1)
    china = (mat["delivered_china_t"][lo:hi] + mat["delivered_embedded_t"][lo:hi]).sum(axis=0)
    other = (mat["delivered_nonchina_t"][lo:hi] + mat["delivered_leakage_t"][lo:hi]).sum(axis=0)
    total = float((china + other) @ price)
    return float(china @ price) / total if total > 0 else 0.0


def _peak_yearly_rise(values: np.ndarray) -> float:
    """Largest rise over any 52-week window (0 if the series is shorter or never rises)."""
    if len(values) <= WEEKS_PER_YEAR:
        return float(max(values[-1] - values[0], 0.0)) if len(values) else 0.0
    rise = values[WEEKS_PER_YEAR:] - values[:-WEEKS_PER_YEAR]
    return float(max(rise.max(), 0.0))

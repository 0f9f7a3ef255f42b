"""Weekly series of one replication, preallocated and filled in step 11 of each week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import pandas as pd
from numba import njit

from model.sim.kernels import col_sums, inner_sum, ratio
from model.sim.logistics import CHINA, EMBEDDED, LEAKAGE, NONCHINA

if TYPE_CHECKING:
    from model.sim.agents.firms import Production
    from model.sim.agents.regions import RegionFlows
    from model.sim.greyzone import GreyzoneModel
    from model.sim.trade import TradeWeek

MATERIAL_METRICS = {
    "need_t": "national need at full output, t/week",
    "orders_t": "orders placed, all channels, t/week",
    "shipped_china_t": "China shipments leaving for Japan, t/week",
    "shipped_nonchina_t": "non-China shipments leaving (contract and spot), t/week",
    "shipped_leakage_t": "circumvention through third countries leaving, t/week",
    "shipped_embedded_t": "rare earths inside Chinese magnets and components leaving for Japan, t/week",
    "delivered_china_t": "arrivals from China, t/week",
    "delivered_nonchina_t": "arrivals from non-China producers, t/week",
    "delivered_leakage_t": "arrivals of circumvention through third countries, t/week",
    "delivered_embedded_t": "arrivals inside Chinese magnets and components (China origin), t/week",
    "delivered_stockpile_t": "national stockpile releases to firms, t/week",
    "delivered_allied_stockpile_t": "allied (coalition) stockpile releases to firms, t/week",
    "consumption_t": "material used in production, t/week",
    "inventory_t": "firms' inventories at the end of the week, t",
    "in_transit_t": "goods in transit to firms, t",
    "fill_rate": "deliveries over orders, trailing 13 weeks",
    "applications": "licence applications filed",
    "approvals": "licence applications approved",
    "denials": "licence applications denied, lapsed or refused",
    "pending": "licence applications in review",
    "review_time_mean_weeks": "mean review time of this week's decisions (carried forward)",
    "review_time_sd_weeks": "spread of review times of this week's decisions (carried forward)",
    "price_spot_usd_per_kg": "ex-China spot price",
    "price_contract_usd_per_kg": "ex-China contract price",
    "price_china_domestic_usd_per_kg": "China's domestic price",
    "price_multiple": "ex-China spot price over its starting level",
    "excess_demand": "price pressure: unmet need plus inventory gap, share of normal demand",
    "inventory_cover_weeks": "firms' inventories over need",
    "target_cover_weeks": "firms' target cover (need-weighted)",
    "shortfall": "share of need unmet",
    "china_share_of_supply": "China's share of arrivals to firms (direct and embedded), trailing 13 weeks",
    "china_contract_share": "China's share of firms' sourcing (structural)",
    "nonchina_capacity_t_per_yr": "non-China capacity serving Japan and the rest of the world, t/yr",
    "nonchina_capacity_added_t_per_yr": "non-China capacity online above the start",
    "stockpile_t": "national stockpile",
    "allied_stockpile_t": "stockpile the coalition shares with Japan",
    "stockpile_refill_t": "stockpile purchases, t/week",
    "belief_approval_mean": "firms' expected approval probability (China buyers)",
    "belief_approval_sd": "spread of expected approval across firms (China buyers)",
    "belief_lead_time_sd_weeks": "firms' perceived lead-time spread (China buyers)",
    "perceived_excess_risk": "firms' perceived risk above normal (China buyers)",
    "substituted_share": "share of material intensity cut by substitution (need-weighted)",
    "substitution_programmes_started": "substitution programmes started",
    "diversified_t": "China volume moved to non-China contracts, t/week",
    "capacity_projects_started_t_per_yr": "non-China capacity projects started this week, t/yr",
    "reverted_t": "non-China volume moved back to China, t/week",
    "blocked_t": "China's exports to Japan blocked (denied, refused; magnet content included), t/week",
    "circumvention_reachable_t": "Chinese material able to reach Japan through third countries, t/week",
    "circumvention_t": "circumvention the world pool allotted to Japan's spot buyers, t/week",
    "price_china_export_usd_per_kg": "China's export price (every destination)",
    "row_need_t": "rest-of-world blocks' need, t/week",
    "row_orders_t": "rest-of-world blocks' orders, all channels, t/week",
    "row_shipped_china_t": "China's shipments to the rest-of-world blocks, t/week",
    "row_shipped_nonchina_t": "non-China shipments to the rest-of-world blocks, t/week",
    "row_delivered_china_t": "arrivals from China to the rest-of-world blocks, t/week",
    "row_delivered_nonchina_t": "arrivals from non-China producers to the blocks, t/week",
    "row_consumption_t": "rest-of-world blocks' use, t/week",
    "row_inventory_t": "rest-of-world blocks' inventories at the end of the week, t",
    "row_in_transit_t": "goods in transit to the rest-of-world blocks, t",
    "row_shortfall": "rest-of-world blocks' share of need unmet",
    "row_target_cover_weeks": "rest-of-world blocks' target cover (need-weighted)",
    "row_china_contract_share": "China's share of the rest-of-world blocks' sourcing (structural)",
    "row_diversified_t": "the blocks' China volume moved to non-China offtakes (net of reversion), t/week",
    "china_share_of_world_supply": "China's share of arrivals outside China (Japan, blocks), last 13 weeks",
    "china_production_t": "China's production, t/week",
    "china_domestic_use_t": "China's domestic use, t/week",
    "china_exports_t": "China's exports to every destination (re-exports included), t/week",
    "china_excess_stock_t": "China's stock above normal (blocked exports absorbed), t",
}
SECTOR_METRICS = {
    "value_added_lost_yen": "value added lost to shortages, yen/week",
    "value_added_potential_yen": "value added at full output, yen/week",
}
SCALAR_METRICS = {
    "policy_instrument": "China's instrument: 0 none, 1 ambiguous, 2 targeted_heavy, 3 end_use_ban, 4 ban",
    "policy_intensity": "intensity of China's instrument",
    "policy_formal": "1 if the instrument is announced",
    "export_quota_factor": "cap on China's shipments to Japan, share of normal",
    "china_export_revenue_usd": "China's export revenue from Japan, USD/week",
    "china_export_revenue_row_usd": "China's revenue from the rest of the world (re-exports incl.), USD/week",
    "china_export_revenue_row_lost_usd": "China's revenue from the rest of the world below normal, USD/week",
    "china_share_of_world_supply_all": "China's share of arrivals outside China, all materials, 13 weeks",
    "china_diverted_revenue_usd": "revenue of blocked volume sold in China, USD/week",
    "shortfall_all": "share of need unmet, all materials (tonnage-weighted)",
    "china_share_of_supply_all": "China's share of arrivals, all materials, trailing 13 weeks",
    "value_added_lost_yen_all": "value added lost to shortages, all sectors, yen/week",
    "china_export_revenue_lost_usd": "China's export revenue from Japan below normal, USD/week (<0: gain)",
    "china_revenue_loss_share": "China's export revenue below normal over its review window, share",
    "visibility": "how evident China's coercion is (1 formal; else lagged reports and trade statistics)",
    "wto_case_filed": "a WTO case against China's formal measures has been filed (1) or not (0)",
    "china_world_share_loss_points": "China's share (value) of arrivals outside China below normal, points",
    "china_global_revenue_loss_share": "China's export revenue from every destination below normal, share",
    "severity": "Japan's value-weighted shortfall, share of need",
    "coalition_salience": "the highest member's accumulated visibility x severity",
    "coalition_formed": "1 once the US/G7 coalition has formed",
    "tariff_pressure": "members' standing tariff threats felt by China (sum)",
    "japan_pain_pct_gdp": "value added lost over Japan's signal window, annualised % of GDP",
    "japan_coercion": "coercion perceived by Japan's government (visibility x pain)",
    "japan_industrial_policy": "1 once Japan subsidises diversification and co-finances capacity",
    "japan_concession_hazard": "weekly probability that Japan concedes",
    "japan_conceded": "1 once Japan has conceded",
    "japan_stance": "Japan's defiance as China sees it, 0-1",
    "cofinance_share": "public co-finance share of non-China projects (Japan and coalition)",
}
TRAILING_WEEKS = 13


@dataclass
class WeeklySeries:
    """The weekly series of one replication (arrays: weeks x materials / sectors)."""

    replication: int
    dates: np.ndarray
    materials: tuple[str, ...]
    sectors: tuple[str, ...]
    material: dict[str, np.ndarray]
    sector: dict[str, np.ndarray]
    scalar: dict[str, np.ndarray]

    @property
    def weeks(self) -> int:
        return len(self.dates)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: replication, week, date, metric, material, sector, value."""
        n_w, n_m, n_s = self.weeks, len(self.materials), len(self.sectors)
        blocks = [(self.material, n_m), (self.sector, n_s), (self.scalar, 1)]
        weeks = np.arange(n_w, dtype=np.int32)
        metric_names, sizes, week_parts, mat_parts, sec_parts, values = [], [], [], [], [], []
        for group, width in blocks:
            for name, data in group.items():
                metric_names.append(name)
                sizes.append(n_w * width)
                week_parts.append(np.repeat(weeks, width))
                codes = np.tile(np.arange(width, dtype=np.int32), n_w)
                none = np.full(n_w * width, -1, dtype=np.int32)
                mat_parts.append(codes if group is self.material else none)
                sec_parts.append(codes if group is self.sector else none)
                values.append(data[:n_w].ravel())
        week = np.concatenate(week_parts)
        metric = np.repeat(np.arange(len(metric_names), dtype=np.int32), sizes)
        return pd.DataFrame(
            {
                "replication": np.full(len(week), self.replication, dtype=np.int32),
                "week": week,
                "date": self.dates[week],
                "metric": pd.Categorical.from_codes(metric, categories=metric_names),
                "material": pd.Categorical.from_codes(
                    np.concatenate(mat_parts), categories=list(self.materials)
                ),
                "sector": pd.Categorical.from_codes(np.concatenate(sec_parts), categories=list(self.sectors)),
                "value": np.concatenate(values),
            }
        )


class Recorder:
    """Fills a `WeeklySeries` for a model, one week at a time."""

    def __init__(self, model: GreyzoneModel) -> None:
        self.model = model
        spec = model.spec
        weeks = spec.run.horizon_weeks
        n_mat = len(spec.seeds.materials.names)
        n_sec = len(spec.seeds.sectors.names)
        self.series = WeeklySeries(
            replication=model.replication,
            dates=week_dates(spec.run.start_date, weeks),
            materials=spec.seeds.materials.names,
            sectors=spec.seeds.sectors.names,
            material={name: np.zeros((weeks, n_mat)) for name in MATERIAL_METRICS},
            sector={name: np.zeros((weeks, n_sec)) for name in SECTOR_METRICS},
            scalar={name: np.zeros(weeks) for name in SCALAR_METRICS},
        )
        lic = spec.seeds.licensing
        first_review = lic.review_median_weeks * np.exp(lic.review_sigma**2 / 2.0)
        self._last_review = (np.full(n_mat, first_review), np.zeros(n_mat))
        self._totals = np.zeros((N_TOTALS, n_mat))
        self._base_need = col_sums(model.firms.pop.base_need)
        self.recorded = 0

    def record(
        self,
        week: int,
        flows: TradeWeek,
        by_origin: np.ndarray,
        releases: np.ndarray,
        allied: np.ndarray,
        production: Production,
        row: RegionFlows,
    ) -> None:
        if week >= len(self.series.dates):
            raise IndexError(f"week {week} is beyond the horizon of {len(self.series.dates)} weeks")
        m = self.model
        firms, market, policy = m.firms, m.market, m.china.policy
        mat = self.series.material
        row = {
            "need_t": production.need,
            "orders_t": flows.orders,
            "shipped_china_t": flows.china_shipped,
            "shipped_nonchina_t": flows.nonchina_shipped,
            "shipped_leakage_t": flows.leakage_shipped,
            "delivered_china_t": by_origin[CHINA],
            "delivered_nonchina_t": by_origin[NONCHINA],
            "delivered_leakage_t": by_origin[LEAKAGE],
            "delivered_embedded_t": by_origin[EMBEDDED],
            "shipped_embedded_t": m.embedded.shipped,
            "consumption_t": production.consumption,
            "applications": flows.applications,
            "approvals": flows.approvals,
            "denials": flows.denials,
            "pending": flows.pending,
            "price_spot_usd_per_kg": market.spot,
            "price_contract_usd_per_kg": market.contract,
            "price_china_domestic_usd_per_kg": market.domestic,
            "price_multiple": market.spot_multiple,
            "excess_demand": market.excess,
            "shortfall": m.shortfall,
            "nonchina_capacity_t_per_yr": col_sums(m.supply.capacity),
            "nonchina_capacity_added_t_per_yr": m.supply.added_capacity(),
            "stockpile_t": m.japan.stockpile.stock,
            "allied_stockpile_t": m.coalition.stockpile.stock,
            "stockpile_refill_t": flows.refill_bought,
            "substitution_programmes_started": firms.programmes_started,
            "diversified_t": firms.diversified_this_week,
            "capacity_projects_started_t_per_yr": m.supply.started_this_week,
            "reverted_t": firms.reverted_this_week,
            "blocked_t": flows.blocked + m.embedded.blocked,
            "circumvention_reachable_t": flows.circumvention_reachable,
            "circumvention_t": flows.pool.circumvention_t,
            "price_china_export_usd_per_kg": market.export,
            "row_shipped_china_t": row.china_shipped,
            "row_shipped_nonchina_t": row.nonchina_shipped,
            "row_delivered_china_t": row.delivered_china,
            "row_delivered_nonchina_t": row.delivered_nonchina,
            "china_production_t": m.china_industry.production,
            "china_domestic_use_t": m.china_industry.domestic_use,
            "china_exports_t": m.china_industry.exports,
            "china_excess_stock_t": m.china_industry.excess_stock,
        }
        for name, values in row.items():
            mat[name][week] = values
        t = self._totals
        stock = (firms.inventory, firms.need, firms.target_cover)
        risk = (firms.sourcing.china, firms.beliefs, firms.risk_state.excess)
        _firm_totals(*stock, *risk, releases, allied, m.pipeline.in_transit, t)
        mat["delivered_stockpile_t"][week] = t[T_RELEASES]
        mat["delivered_allied_stockpile_t"][week] = t[T_ALLIED]
        mat["inventory_t"][week] = t[T_INVENTORY]
        mat["in_transit_t"][week] = t[T_TRANSIT]
        _derived(
            t,
            self._base_need,
            week,
            mat["inventory_cover_weeks"],
            mat["target_cover_weeks"],
            mat["china_contract_share"],
            mat["substituted_share"],
            mat["belief_approval_mean"],
            mat["belief_approval_sd"],
            mat["belief_lead_time_sd_weeks"],
            mat["perceived_excess_risk"],
        )
        self._record_reviews(week, flows)
        self._record_regions(week)
        self._record_trailing(week)
        sec = self.series.sector
        sec["value_added_lost_yen"][week] = production.value_added_lost
        sec["value_added_potential_yen"][week] = production.value_added_potential
        sc = self.series.scalar
        sc["policy_instrument"][week] = policy.instrument_code
        sc["policy_intensity"][week] = policy.intensity if policy.active else 0.0
        sc["policy_formal"][week] = float(policy.formal and policy.active)
        sc["export_quota_factor"][week] = policy.quota_factor
        sc["china_export_revenue_usd"][week] = m.exporters.week_revenue_usd
        sc["china_diverted_revenue_usd"][week] = m.exporters.week_diverted_revenue_usd
        sc["china_export_revenue_row_usd"][week] = m.exporters.week_row_revenue_usd
        sc["china_export_revenue_row_lost_usd"][week] = (
            m.normal_row_revenue - m.exporters.week_row_revenue_usd
        )
        sc["shortfall_all"][week] = production.unmet.sum() / max(production.need.sum(), 1e-300)
        sc["value_added_lost_yen_all"][week] = production.value_added_lost.sum()
        signals, japan, coalition = m.signals, m.japan, m.coalition
        sc["china_export_revenue_lost_usd"][week] = signals.normal_revenue - m.exporters.week_revenue_usd
        sc["china_revenue_loss_share"][week] = signals.revenue_loss_share
        sc["visibility"][week] = m.evidence.visibility
        sc["wto_case_filed"][week] = float(coalition.wto_filed_week is not None)
        sc["china_world_share_loss_points"][week] = signals.world_share_loss_points
        sc["china_global_revenue_loss_share"][week] = signals.global_revenue_loss_share
        sc["severity"][week] = signals.severity
        sc["coalition_salience"][week] = coalition.salience
        sc["coalition_formed"][week] = float(coalition.formed)
        sc["tariff_pressure"][week] = coalition.pressure
        sc["japan_pain_pct_gdp"][week] = signals.pain_pct_gdp
        sc["japan_coercion"][week] = japan.coercion
        sc["japan_industrial_policy"][week] = float(japan.industrial_policy)
        sc["japan_concession_hazard"][week] = japan.concession_hazard
        sc["japan_conceded"][week] = float(japan.conceded)
        sc["japan_stance"][week] = japan.stance
        sc["cofinance_share"][week] = 1.0 - (1.0 - japan.cofinance_share) * (1.0 - coalition.cofinance_share)
        self.recorded = week + 1

    def _record_reviews(self, week: int, flows: TradeWeek) -> None:
        mean, sd = self._last_review
        seen = ~np.isnan(flows.review_mean)
        mean = np.where(seen, flows.review_mean, mean)
        sd = np.where(seen, flows.review_sd, sd)
        self._last_review = (mean, sd)
        self.series.material["review_time_mean_weeks"][week] = mean
        self.series.material["review_time_sd_weeks"][week] = sd

    def _record_regions(self, week: int) -> None:
        regions, mat = self.model.regions, self.series.material
        need = col_sums(regions.need)
        mat["row_need_t"][week] = need
        mat["row_orders_t"][week] = regions.ordered
        mat["row_consumption_t"][week] = col_sums(regions.consumption)
        mat["row_inventory_t"][week] = col_sums(regions.inventory)
        mat["row_in_transit_t"][week] = col_sums(regions.in_transit)
        mat["row_shortfall"][week] = ratio(col_sums(regions.unmet), need, 0.0)
        weighted = col_sums(regions.target_cover * regions.need)
        mat["row_target_cover_weeks"][week] = ratio(weighted, need, 0.0)
        china = col_sums(regions.china * regions.need)
        mat["row_china_contract_share"][week] = ratio(china, need, 0.0)
        mat["row_diversified_t"][week] = regions.diversified_this_week

    def _record_trailing(self, week: int) -> None:
        mat = self.series.material
        lo = max(0, week - TRAILING_WEEKS + 1)
        window = slice(lo, week + 1)
        china = col_sums(
            mat["delivered_china_t"][window]
            + mat["delivered_embedded_t"][window]
            + mat["row_delivered_china_t"][window]
        )
        other = col_sums(
            mat["delivered_nonchina_t"][window]
            + mat["delivered_leakage_t"][window]
            + mat["row_delivered_nonchina_t"][window]
        )
        total = china + other
        mat["china_share_of_world_supply"][week] = ratio(china, total, 0.0)
        all_total = total.sum()
        self.series.scalar["china_share_of_world_supply_all"][week] = (
            china.sum() / all_total if all_total > 0 else 0.0
        )
        arrivals = TrailingInputs(
            china=mat["delivered_china_t"],
            embedded=mat["delivered_embedded_t"],
            nonchina=mat["delivered_nonchina_t"],
            leakage=mat["delivered_leakage_t"],
            stockpile=mat["delivered_stockpile_t"],
            allied=mat["delivered_allied_stockpile_t"],
            orders=mat["orders_t"],
        )
        self.series.scalar["china_share_of_supply_all"][week] = _trailing(
            arrivals, lo, week, mat["china_share_of_supply"], mat["fill_rate"]
        )

    @property
    def japan_sourcing_t(self) -> tuple[np.ndarray, np.ndarray]:
        """This week's need of Japan's firms sourced from China by contract, and their need (t/week),
        from the totals `record` computed."""
        return self._totals[T_CHINA], self._totals[T_NEED]

    def result(self) -> WeeklySeries:
        if self.recorded < len(self.series.dates):
            raise RuntimeError(f"only {self.recorded} of {len(self.series.dates)} weeks were recorded")
        return self.series


T_RELEASES, T_ALLIED, T_INVENTORY, T_TRANSIT, T_NEED, T_TARGET, T_CHINA = range(7)
T_BUYERS, T_APPROVAL, T_APPROVAL_SQ, T_SPREAD, T_EXCESS_RISK = range(7, 12)
N_TOTALS = 12


@njit(cache=True)
def _firm_totals(
    inventory, need, target_cover, china, beliefs, excess_risk, releases, allied, in_transit, out
):  # pragma: no cover - compiled
    """National totals over firms, per material, in one pass (sums in firm order, as numpy's)."""
    p_hat, review_var, hold_var = beliefs.p_hat, beliefs.review_var, beliefs.hold_var
    out[:] = 0.0
    n_firms, n_mat = need.shape
    for f in range(n_firms):
        for m in range(n_mat):
            out[T_RELEASES, m] += releases[f, m]
            out[T_ALLIED, m] += allied[f, m]
            out[T_INVENTORY, m] += inventory[f, m]
            out[T_TRANSIT, m] += in_transit[f, m]
            out[T_NEED, m] += need[f, m]
            out[T_TARGET, m] += target_cover[f, m] * need[f, m]
            out[T_CHINA, m] += china[f, m] * need[f, m]
            if china[f, m] > 0:
                p = p_hat[f, m]
                out[T_BUYERS, m] += 1.0
                out[T_APPROVAL, m] += p
                out[T_APPROVAL_SQ, m] += p * p
                out[T_SPREAD, m] += np.sqrt(max(review_var[f, m] + hold_var[f, m], 0.0))
                out[T_EXCESS_RISK, m] += excess_risk[f, m]
            else:
                out[T_APPROVAL, m] += 0.0
                out[T_APPROVAL_SQ, m] += 0.0
                out[T_SPREAD, m] += 0.0
                out[T_EXCESS_RISK, m] += 0.0


@njit(cache=True, inline="always")
def _div(num, den, default):  # pragma: no cover - compiled
    """num / den where den > 0, else default (as np.divide with where=den > 0)."""
    return num / den if den > 0 else default


@njit(cache=True)
def _derived(
    t, base_need, week, cover, target, china_share, substituted, approval_mean, approval_sd, spread, excess
):  # pragma: no cover - compiled
    """Weekly ratios of the national totals (same arithmetic as the numpy it replaces)."""
    for m in range(t.shape[1]):
        need = t[T_NEED, m]
        cover[week, m] = _div(t[T_INVENTORY, m], need, 0.0)
        target[week, m] = _div(t[T_TARGET, m], need, 0.0)
        china_share[week, m] = _div(t[T_CHINA, m], need, 0.0)
        substituted[week, m] = 1.0 - _div(need, base_need[m], 1.0)
        count = t[T_BUYERS, m]
        mean = _div(t[T_APPROVAL, m], count, 1.0)
        sq = _div(t[T_APPROVAL_SQ, m], count, 1.0)
        approval_mean[week, m] = mean
        approval_sd[week, m] = np.sqrt(max(sq - mean * mean, 0.0))
        spread[week, m] = _div(t[T_SPREAD, m], count, 0.0)
        excess[week, m] = _div(t[T_EXCESS_RISK, m], count, 0.0)


class TrailingInputs(NamedTuple):
    """Weekly series (weeks x materials) the trailing share and fill rate read."""

    china: np.ndarray  # direct arrivals from China
    embedded: np.ndarray  # arrivals inside Chinese magnets and components (not ordered by firms)
    nonchina: np.ndarray
    leakage: np.ndarray
    stockpile: np.ndarray
    allied: np.ndarray
    orders: np.ndarray


@njit(cache=True)
def _trailing(arrivals, lo, week, share_out, fill_out):  # pragma: no cover - compiled
    """China's share of arrivals (direct and embedded) and the fill rate (what firms ordered
    against what arrived for those orders), trailing window; returns the all-materials share."""
    n_mat = arrivals.china.shape[1]
    china = np.zeros(n_mat)
    embedded = np.zeros(n_mat)
    other = np.zeros(n_mat)
    stock = np.zeros(n_mat)
    orders = np.zeros(n_mat)
    for w in range(lo, week + 1):
        for m in range(n_mat):
            china[m] += arrivals.china[w, m]
            embedded[m] += arrivals.embedded[w, m]
            other[m] += arrivals.nonchina[w, m] + arrivals.leakage[w, m]
            stock[m] += arrivals.stockpile[w, m] + arrivals.allied[w, m]
            orders[m] += arrivals.orders[w, m]
    for m in range(n_mat):
        from_china = china[m] + embedded[m]
        share_out[week, m] = _div(from_china, from_china + other[m], 0.0)
        fill_out[week, m] = _div(china[m] + other[m] + stock[m], orders[m], 1.0)
    china_total = inner_sum(china) + inner_sum(embedded)
    total = china_total + inner_sum(other)
    return china_total / total if total > 0 else 0.0


def week_dates(start: dt.date, weeks: int) -> np.ndarray:
    """Calendar dates of weeks 0..weeks-1."""
    return (np.datetime64(start.isoformat()) + np.arange(weeks) * np.timedelta64(7, "D")).astype(
        "datetime64[D]"
    )

"""GreyzoneModel: China's rare-earth leverage over Japan, one week per step."""

from __future__ import annotations

import numpy as np
from mesa import Model
from numba import njit

from model.catalogue.units import KG_PER_TONNE, WEEKS_PER_YEAR
from model.config.spec import ModelSpec
from model.sim.agents.china import ChinaGovernment, ChineseExporter, ExporterBook
from model.sim.agents.china_industry import ChinaIndustry
from model.sim.agents.coalition import Coalition
from model.sim.agents.firms import Firms, JapaneseFirm
from model.sim.agents.japan import JapanGovernment
from model.sim.agents.regions import RegionBuyer, Regions
from model.sim.agents.suppliers import NonChinaSupplier, SupplyBase
from model.sim.embedded import EmbeddedImports
from model.sim.evidence import Evidence
from model.sim.kernels import col_sums, ratio
from model.sim.licensing import LicenceAuthority, whole_week_moments
from model.sim.logistics import Pipeline, pipeline_weeks
from model.sim.market import Market
from model.sim.policy import PolicyState
from model.sim.population import build_population
from model.sim.recorder import TRAILING_WEEKS, Recorder
from model.sim.signals import Signals, WeekSignals
from model.sim.streams import Streams
from model.sim.trade import Trade, TradeWeek


def replication_seed(root_seed: int, replication: int) -> np.random.SeedSequence:
    """The seed of one replication: independent of how replications are split across jobs."""
    return np.random.SeedSequence(entropy=root_seed, spawn_key=(replication,))


class GreyzoneModel(Model):
    """Agent-based model of China's rare-earth export leverage over Japan.

    Agents: ChinaGovernment (instrument, licence authority), ChineseExporter, ChinaIndustry
    (China's domestic market), JapanGovernment (JOGMEC stockpile), NonChinaSupplier,
    RegionBuyer (rest-of-world blocks) and JapaneseFirm. The firms' numbers are
    struct-of-arrays in `self.firms`, the blocks' in `self.regions`; each agent reads its row.

    Args:
        spec: the validated job specification (see `model.config.build_spec`).
        replication: global replication index; with spec.run.seed it fixes every draw.
    """

    def __init__(self, spec: ModelSpec, replication: int = 0) -> None:
        super().__init__(rng=np.random.default_rng(replication_seed(spec.run.seed, replication)))
        self.spec = spec
        self.replication = replication
        self.week = 0
        seeds = spec.seeds
        materials = seeds.materials

        population = build_population(spec, self.rng)
        self.streams = Streams.spawn(self.rng)
        licensed = materials.controlled.copy()
        licensing = spec.scenario.global_regime.licensing(-spec.run.spinup_weeks)  # at the start
        self.firms = Firms(spec, population, licensed, licensing)
        JapaneseFirm.create_agents(self, population.sector.size, index=np.arange(population.sector.size))

        scheduled = PolicyState.from_scenario(spec.scenario.china, materials)
        # political draws in a fixed order whatever the scenario: China's tolerance, then members
        self.china = ChinaGovernment(self, spec, scheduled, self.streams.politics)
        self.coalition = Coalition(self, spec, self.streams.politics)
        exporter_names = seeds.suppliers.exporter_names
        self.exporters = ExporterBook(len(exporter_names), population.exporter)
        ChineseExporter.create_agents(
            self,
            len(exporter_names),
            index=np.arange(len(exporter_names)),
            name=list(exporter_names),
        )

        self.japan = JapanGovernment(self, spec)
        regions = seeds.regions
        self.regions = Regions(spec, licensed, start_week=-spec.run.spinup_weeks, licensing=licensing)
        RegionBuyer.create_agents(
            self, len(regions.names), index=np.arange(len(regions.names)), name=list(regions.names)
        )
        world_demand = materials.japan_demand_t + col_sums(regions.demand_t)
        self.world_weekly_demand = world_demand / WEEKS_PER_YEAR
        self.supply = SupplyBase(seeds.suppliers, materials, regions)
        NonChinaSupplier.create_agents(
            self,
            len(seeds.suppliers.names),
            index=np.arange(len(seeds.suppliers.names)),
            name=list(seeds.suppliers.names),
        )

        self.market = Market(seeds.market, materials)
        self.authority = LicenceAuthority(seeds.licensing, licensed, population.sector.size)
        weeks = pipeline_weeks(seeds.licensing, seeds.logistics)
        self.pipeline = Pipeline(population.sector.size, len(materials.names), weeks)
        self.trade = Trade(spec, self.firms, self.authority, self.pipeline, self.exporters)
        self.signals = Signals(spec, self.trade.china_normal_weekly, self.market.base_export)
        normal_exports = self.trade.china_normal_weekly + col_sums(self.regions.china * self.regions.need)
        self.china_industry = ChinaIndustry(self, seeds.market, materials, normal_exports)
        self._spinup_exports: list[tuple[np.ndarray, np.ndarray]] = []
        self.normal_row_exports = normal_exports - self.trade.china_normal_weekly  # settled in spin-up
        self.normal_row_revenue = float(self.normal_row_exports @ self.market.base_export) * KG_PER_TONNE
        self.week = -spec.run.spinup_weeks
        self.evidence = Evidence(
            seeds.visibility, _normal_denial(spec, self.trade.china_normal_weekly), self.week
        )
        self.embedded = EmbeddedImports(spec, licensed, start_week=self.week, licensing=licensing)
        self._fill_pipeline(self.week)
        self.embedded.prefill(self.pipeline, self.firms, self.week)
        self.authority.recount()
        self.normal_weekly_demand = col_sums(self.firms.need)
        self.delivered_smoothed = self.normal_weekly_demand.copy()
        self._smoothing = seeds.market.supply_smoothing_weeks
        self.shortfall = np.zeros(len(materials.names))
        self._last_review, self._last_hold = 0.0, 0.0
        self.recorder = Recorder(self)
        self._spin_up()
        self.evidence.set_normal(TRAILING_WEEKS)

    # schedule ----------------------------------------------------------------------------
    def step(self) -> None:
        """One week, in the order of the weekly schedule (docs/model.md, "The weekly schedule")."""
        self._week(adapt=True)

    def run(self, weeks: int | None = None) -> None:
        """Run `weeks` steps (default: to the horizon)."""
        for _ in range(self.spec.run.horizon_weeks - self.week if weeks is None else weeks):
            self.step()

    def release_state(self) -> None:
        """Drop the engine's arrays once the run's results have been taken (frees memory at once,
        instead of when the garbage collector breaks the model's reference cycles)."""
        for name in ("firms", "regions", "embedded", "authority", "pipeline", "trade", "signals", "recorder"):
            setattr(self, name, None)
        self.remove_all_agents()  # agents point back at the model: break the cycles now

    def _week(self, adapt: bool) -> None:
        """The weekly schedule; with adapt=False (spin-up) prices and adaptation stay frozen."""
        week = self.week
        firms, market, japan, coalition = self.firms, self.market, self.japan, self.coalition
        no_release = np.zeros_like(firms.unmet)
        if adapt:
            self.china.review(week, japan, coalition, self.signals)  # 1. China's policy
            policy = self.china.policy
            firms.follow_licensing(policy.licensing)
            visibility = self.evidence.update(week, policy)  # 2. what outsiders see; the coalition
            signals = self.signals
            coalition.act(week, visibility, signals.severity, signals.block_severity, policy)
            japan.act(week, visibility, signals, policy, coalition, self.streams.politics)  # 3. Japan
            releases = japan.stockpile.release(self.shortfall, firms.unmet)
            allied = coalition.stockpile.release(self.shortfall, firms.unmet, already=releases)
            refill = japan.stockpile.plan_refill()
        else:
            releases, allied, refill = no_release, no_release, np.zeros_like(self.shortfall)
        policy = self.china.policy
        regions, industry = self.regions, self.china_industry
        orders = firms.place_orders(self.pipeline.in_transit, self.trade.china_pipeline())  # 4. orders
        row_orders = regions.place_orders(policy, market.circumvention_gap)
        flows = self.trade.clear(  # 5. licences, shipping, the world pool
            week, orders, row_orders, policy, market, self.supply, refill, self.streams
        )
        self.embedded.order(week, policy, col_sums(firms.need) / self.normal_weekly_demand)
        embedded = self.embedded.ship(week, policy, firms, self.pipeline)
        self.exporters.book_embedded(embedded, market.export_contract)
        regions.ship(week, row_orders, policy, flows.pool.row_offtake, flows.pool.spot)
        row_exports = regions.china_shipped + flows.leakage_shipped  # re-exports leave China too
        self.exporters.book_world(row_exports, market.export_contract)
        japan_exports = flows.china_shipped + embedded
        industry.settle(japan_exports + row_exports, market.domestic / market.base_domestic)
        japan.stockpile.receive_refill(flows.refill_bought)
        arrived, by_origin = self.pipeline.deliver(week)  # 6. deliveries
        delivered = _receive(firms.inventory, arrived, releases, allied)
        self.delivered_smoothed += (delivered - self.delivered_smoothed) / self._smoothing
        row_arrived = regions.deliver(week, self._smoothing)
        self._observe(flows, japan_exports)
        if adapt:  # 7. prices
            market.update(self._world_excess_demand(), industry.excess_stock_weeks)
        production = firms.produce()  # 8. production
        regions.use()
        self.shortfall = ratio(production.unmet, production.need, 0.0)
        firms.learn(flows.observations)  # 9. beliefs, adaptation
        firms.assess_risk(adapt)
        if adapt:
            japan.stockpile.observe(self.shortfall)
            regions.adapt(market.spot_multiple, market.contract_multiple)
            firms.hoard(market.contract)
            row_request = regions.diversification_request(week)
            free = self.supply.weekly_capacity - firms.committed_nonchina() - col_sums(regions.committed)
            granted = firms.diversify(week, free, japan.diversification_subsidy, competing_t=row_request)
            regions.diversify(week, granted)
            firms.substitute(week, market.contract_multiple, self.streams.substitution)
            cofinance = 1.0 - (1.0 - japan.cofinance_share) * (1.0 - coalition.cofinance_share)
            self.supply.advance(  # 10. suppliers
                week,
                market.contract_multiple,
                self.streams.investment,
                cofinance,
                self.spec.seeds.japan_policy.cofinance_lag_cut,
            )
            self.recorder.record(
                week, flows, by_origin, releases, allied, production, row_arrived
            )  # 11. data
            japan_china, japan_need = self.recorder.japan_sourcing_t
            self.signals.update(
                WeekSignals(
                    va_lost_yen=float(production.value_added_lost.sum()),
                    japan_revenue_usd=self.exporters.week_revenue_usd,
                    row_revenue_usd=self.exporters.week_row_revenue_usd,
                    japan_unmet_t=production.unmet,
                    japan_need_t=production.need,
                    block_unmet_t=regions.unmet,
                    block_need_t=regions.need,
                    world_china_t=japan_china + col_sums(regions.china * regions.need),
                    world_total_t=japan_need + col_sums(regions.need),
                )
            )
        else:
            self._spinup_exports.append((japan_exports, row_exports))
        self.week += 1

    def _spin_up(self) -> None:
        """Run the unrecorded spin-up weeks (-spinup_weeks .. -1)."""
        while self.week < 0:
            self._week(adapt=False)
        self.shortfall[:] = 0.0
        self.firms.unmet[:] = 0.0
        self.regions.unmet[:] = 0.0
        if self._spinup_exports:  # China's normal production: its settled exports plus domestic use
            settled = np.mean(self._spinup_exports[-min(len(self._spinup_exports), TRAILING_WEEKS) :], axis=0)
            self.china_industry.reset_normal(col_sums(settled))
            self.normal_row_exports = settled[1]
            self.normal_row_revenue = float(settled[1] @ self.market.base_export) * KG_PER_TONNE
            firms, regions = self.firms, self.regions  # sourcing is frozen in the spin-up: its end is normal
            world_china = col_sums(firms.sourcing.china * firms.need) + col_sums(regions.china * regions.need)
            self.signals.set_normal(
                settled[0] @ self.market.base_export * KG_PER_TONNE,
                self.normal_row_revenue,
                world_china,
                col_sums(firms.need) + col_sums(regions.need),
            )
        self._spinup_exports = []

    # helpers -------------------------------------------------------------------------------
    def _observe(self, flows: TradeWeek, japan_exports: np.ndarray) -> None:
        """This week's evidence of curbs as firms see it: the value share of their China orders
        blocked, China's lead time (review plus customs hold) and imports from China (value)."""
        price = self.spec.seeds.materials.price_usd_per_kg
        blocked = float((flows.blocked + self.embedded.blocked) @ price)
        shipped = float(japan_exports @ price)
        seen = flows.observations
        reviewed, holds = float(flows.reviewed.sum()), float(seen.holds.sum())
        review = (
            float(np.nansum(flows.review_mean * flows.reviewed)) / reviewed
            if reviewed > 0
            else self._last_review
        )
        hold = float(seen.hold_sum.sum()) / holds if holds > 0 else self._last_hold
        self._last_review, self._last_hold = review, hold
        share = blocked / (blocked + shipped) if blocked + shipped > 0 else 0.0
        self.evidence.observe(share, review + hold, shipped)

    def _world_excess_demand(self) -> np.ndarray:
        """The world's ex-China excess demand, as a share of its normal weekly demand.

        Summed over Japan's firms and the rest-of-world blocks: need plus extra stock hoarders
        still want (target cover above base, less stock already held above base, spread over
        `inventory_adjust_weeks`) minus smoothed deliveries. In any steady state deliveries
        equal use (mass balance), so without hoarding this is zero on average; supply cuts
        make it positive, restocking gluts negative.
        """
        firms = self.firms
        adjust = self.spec.seeds.market.inventory_adjust_weeks
        need, extra = _demand_sums(firms.need, firms.base_cover, firms.target_cover, firms.inventory)
        japan = need + extra / adjust - self.delivered_smoothed
        world = japan + self.regions.excess_demand_t(adjust)
        return ratio(world, self.world_weekly_demand, 0.0)

    def _fill_pipeline(self, start: int) -> None:
        """Start near steady state: goods in transit and licence applications in review.

        Uncontrolled and non-China lanes carry one week's need per week of lead time.
        Licensed China supply comes in batches: one application per filing date (every
        `application_interval_weeks`), in review for the typical review time, then in transit.
        The unrecorded spin-up then lets everything settle.
        """
        firms, seeds = self.firms, self.spec.seeds
        log, lic = seeds.logistics, seeds.licensing
        auth = self.authority
        need = firms.need
        licensed = auth.columns if firms.licensing else np.zeros(0, dtype=np.intp)  # regime begun?
        unlicensed_china = firms.sourcing.china * need
        unlicensed_china[:, licensed] = 0.0
        lanes = (
            (0, unlicensed_china, log.china_transit_weeks),
            (1, firms.sourcing.nonchina * need, log.nonchina_lead_weeks),
            (1, firms.sourcing.spot * need, log.spot_lead_weeks),
        )
        for origin, weekly, lead in lanes:
            for week in range(int(lead)):
                self._prefill(start + week, origin, weekly)
        if len(licensed) == 0:
            return
        interval = int(lic.application_interval_weeks)
        review_mean = whole_week_moments(lic.review_median_weeks, lic.review_sigma, lic.max_review_weeks)[0]
        review = round(review_mean)
        transit = int(log.china_transit_weeks)
        batch = np.zeros_like(need)
        batch[:, licensed] = (firms.sourcing.china * need)[:, licensed] * interval
        last_filing = start - 1 - ((start - 1 + firms.pop.application_phase) % interval)
        apps = auth.applications
        slots = apps.qty.shape[2]
        for k in range((review + transit) // interval + 1):
            filed = last_filing - k * interval
            due = filed + review
            in_review = due >= start
            arriving = (due < start) & (due + transit >= start)
            if k < slots:
                apps.qty[in_review, :, k] = batch[in_review][:, licensed]
                apps.due[in_review, :, k] = due[in_review, None]
                apps.submitted[in_review, :, k] = filed[in_review, None]
            for week in np.unique(due[arriving] + transit):
                rows = arriving & (due + transit == week)
                weekly = np.zeros_like(need)
                weekly[rows] = batch[rows]
                self._prefill(int(week), 0, weekly)

    def _prefill(self, week: int, origin: int, weekly: np.ndarray) -> None:
        slot = week % self.pipeline.horizon
        self.pipeline.arrivals[slot] += weekly
        self.pipeline.by_origin[slot, origin] += col_sums(weekly)
        self.pipeline.in_transit += weekly


def _normal_denial(spec: ModelSpec, normal_china_weekly_t: np.ndarray) -> float:
    """The value share of Japan's China orders denied in normal times (routine denials)."""
    materials = spec.seeds.materials
    value = normal_china_weekly_t * materials.price_usd_per_kg
    denied = np.where(materials.controlled, 1.0 - spec.seeds.licensing.routine_approval, 0.0)
    return float(denied @ value / value.sum()) if value.sum() > 0 else 0.0


@njit(cache=True)
def _receive(inventory, arrived, releases, allied):  # pragma: no cover - compiled
    """inventory += arrivals + releases + allied releases; national deliveries per material."""
    n_firms, n_mat = inventory.shape
    a = np.zeros(n_mat)
    r = np.zeros(n_mat)
    s = np.zeros(n_mat)
    for f in range(n_firms):
        for m in range(n_mat):
            inventory[f, m] += arrived[f, m] + releases[f, m] + allied[f, m]
            a[m] += arrived[f, m]
            r[m] += releases[f, m]
            s[m] += allied[f, m]
    return a + r + s


@njit(cache=True)
def _demand_sums(need, base_cover, target_cover, inventory):  # pragma: no cover - compiled
    """National need, and extra stock hoarding firms still want (both summed in firm order)."""
    n_firms, n_mat = need.shape
    total = np.zeros(n_mat)
    extra = np.zeros(n_mat)
    for f in range(n_firms):
        for m in range(n_mat):
            total[m] += need[f, m]
            base_stock = base_cover[f, m] * need[f, m]
            wanted = (target_cover[f, m] * need[f, m] - base_stock) - max(inventory[f, m] - base_stock, 0.0)
            extra[m] += max(wanted, 0.0)
    return total, extra

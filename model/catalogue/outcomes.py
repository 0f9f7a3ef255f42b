"""The outcomes of one replication, keyed by name, and the headlines that reports show.

`OUTCOMES` names and defines every outcome `model.sim.outcomes` computes (rows of
outcomes.parquet); `HEADLINES` picks some of them, at a material or sector, with the label,
scale and format of the summary tables. Tables join on names and keys, never on labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.catalogue.units import PER_BILLION, PER_TRILLION, PERCENT

ALL = "all"  # the material or sector of a national total

OUTCOMES = {
    "va_lost_yen": "value added lost over the horizon, yen (by sector and all)",
    "va_lost_first_year_pct_gdp": "value added lost in the 52 weeks from the shock start, % of GDP",
    "va_lost_pct_gdp_per_year": "value added lost over the horizon per year, % of annual GDP",
    "peak_shortfall": "highest weekly share of need unmet after the shock start",
    "mean_shortfall": "mean weekly share of need unmet from the shock start to the horizon",
    "weeks_in_shortage": "weeks with shortfall above run.shortage_threshold (all: any material)",
    "recovery_weeks": "weeks from the shock start to the last week in shortage (0: never short)",
    "price_peak_multiple": "highest ex-China spot price over its starting level",
    "price_weeks_at_cap": "weeks the ex-China spot price sits at its cap (all: any material)",
    "row_peak_shortfall": "highest weekly share of the rest-of-world blocks' need unmet after the shock",
    "china_world_share_start": "China's share of supply outside China over the 13 weeks before the shock",
    "china_share_start": "China's share of Japan's supply over the 13 weeks before the shock",
    "china_share_end": "China's share of Japan's supply over the final 52 weeks",
    "china_contract_share_end": "China's share of firms' sourcing at the horizon (structural)",
    "nonchina_capacity_added_t": "non-China capacity online above the start at the horizon, t/yr",
    "stockpile_drawdown_share": "largest drawdown of the national stockpile, share of its start",
    "excess_inventory_peak_weeks": "highest national inventory cover above its shock-start level, weeks",
    "belief_spread_peak_weeks": "highest perceived lead-time spread of China buyers, weeks",
    "belief_spread_mean_weeks": "mean perceived lead-time spread of China buyers after the shock, weeks",
    "approval_belief_dispersion_peak": "highest spread of expected approval across firms",
    "coalition_formed": "1 if the US/G7 coalition formed",
    "coalition_week": "weeks from the shock start to the coalition's formation (NaN: never)",
    "japan_conceded": "1 if Japan conceded",
    "concession_week": "weeks from the shock start to Japan's concession (NaN: never)",
    "measure_lifted": "1 if China lifted its measure before the horizon",
    "lift_week": "weeks from the shock start to the lift (NaN: never)",
    "lifted_after_concession": "1 if the measure was lifted because Japan conceded",
    "lifted_by_wto": "1 if the measure was lifted to comply with a WTO ruling",
    "lifted_by_coalition_pressure": "1 if the measure was lifted under coalition pressure",
    "lifted_by_fine_tuning": "1 if China fine-tuned a grey-zone measure down to nothing",
    "intensity_peak": "highest intensity of China's instrument",
    "china_share_after_lift": "China's share of Japan's supply in the 52 weeks after the lift (NaN: no lift)",
    "china_export_revenue_lost_usd": "China's export revenue from Japan below normal, shock to horizon, USD",
    "wto_filed": "1 if a member filed a WTO case against a formal measure",
    "wto_week": "weeks from the shock start to the first WTO filing (NaN: never)",
    "tariff_threat": "1 if a member threatened tariffs",
    "tariff_threat_week": "weeks from the shock start to the first tariff threat (NaN: never)",
    "industrial_policy": "1 if Japan's government started industrial policy (subsidy, co-finance)",
    "industrial_policy_week": "weeks from the shock start to Japan's industrial policy (NaN: never)",
    "intensity_trough": "lowest intensity of China's instrument while it was in force",
    "intensity_lowered": "1 if China's review lowered the intensity of a measure in force at least once",
    "visibility_peak": "highest visibility of China's coercion",
    "china_share_y1": "China's share of Japan's supply, 13 weeks to 1 year after the shock start",
    "china_share_y3": "as china_share_y1, 3 years after",
    "china_share_y5": "as china_share_y1, 5 years after",
    "china_share_y10": "as china_share_y1, 10 years after (or the horizon)",
    "china_world_share_y1": "China's share of supply outside China, 13 weeks to 1 year after the shock start",
    "china_world_share_y3": "as china_world_share_y1, 3 years after",
    "china_world_share_y5": "as china_world_share_y1, 5 years after",
    "china_world_share_y10": "as china_world_share_y1, 10 years after (or the horizon)",
    "china_row_revenue_lost_usd": "China's revenue from the rest of the world below normal, shock to horizon",
    "paired": "1 if the replication was paired with its counterfactual (run.counterfactual=paired)",
    "pressure_26w_yen": "Japan's value added lost in the first 26 weeks minus the counterfactual's (yen)",
    "pressure_52w_yen": "Japan's value added lost in the first 52 weeks minus the counterfactual's (yen)",
    "pressure_yen": "Japan's value added lost, shock to horizon, minus its paired counterfactual's (yen)",
    "china_revenue_cost_usd": "China's export revenue, all destinations, counterfactual minus run (USD)",
    "response_lag_weeks": "weeks from the shock start to the first adaptive response (NaN: none)",
    "substitution_rate_peak": "fastest substitution, share of demand per year (52-week windows)",
    "nonchina_ramp_rate_peak": "fastest non-China capacity growth, share of world demand per year",
    "area_lost_share_weeks": "value-weighted shortfall summed over weeks from the shock start",
}
LEVERAGE_WEIGHTINGS = {  # leverage lost: China's share, counterfactual minus run, points (13 weeks to year Y)
    "tonnes": "China's share of Japan's supply by tonnes",
    "value": "China's share of Japan's supply by value at reference prices",
    "world": "China's share of supply outside China (Japan and the blocks, tonnes)",
}
LEVERAGE_YEARS = (1, 3, 5, 10)
OUTCOMES |= {
    f"leverage_lost_{weighting}_y{year}": f"{text}, counterfactual minus run, year {year}, points"
    for weighting, text in LEVERAGE_WEIGHTINGS.items()
    for year in LEVERAGE_YEARS
}


@dataclass(frozen=True)
class Headline:
    """One row of the summary table.

    kind: "value" (percentiles across replications), "rate" (share of replications where a
    0/1 outcome is 1) or "event" (percentiles of an event's week among replications where it
    happened; NaN elsewhere).
    """

    outcome: str
    label: str
    material: str | None = None
    sector: str | None = None
    scale: float = 1.0
    fmt: str = "{:.2f}"
    kind: str = "value"

    @property
    def key(self) -> str:
        """The headline's name in tables: the outcome, and the material or sector it is read at."""
        at = self.material or self.sector
        return f"{self.outcome}[{at}]" if at else self.outcome


HEADLINES = (
    Headline(
        "va_lost_first_year_pct_gdp",
        "Japan's value added lost, first year (% GDP)",
        sector="all",
        fmt="{:.3f}",
    ),
    Headline(
        "va_lost_yen", "Japan's value added lost, horizon (trillion yen)", sector="all", scale=PER_TRILLION
    ),
    Headline("weeks_in_shortage", "Weeks in shortage (any material)", material="all", fmt="{:.0f}"),
    Headline("peak_shortfall", "Peak shortfall, Dy (% of need)", material="Dy", scale=PERCENT, fmt="{:.1f}"),
    Headline(
        "peak_shortfall",
        "Peak shortfall, all materials (% of need)",
        material="all",
        scale=PERCENT,
        fmt="{:.1f}",
    ),
    Headline("price_peak_multiple", "Peak ex-China price, Dy (x start)", material="Dy", fmt="{:.1f}"),
    Headline(
        "china_share_start",
        "China's share of supply before the shock (%)",
        material="all",
        scale=PERCENT,
        fmt="{:.1f}",
    ),
    Headline(
        "china_share_end",
        "China's share of supply, final year (%)",
        material="all",
        scale=PERCENT,
        fmt="{:.1f}",
    ),
    Headline("nonchina_capacity_added_t", "Non-China capacity added (t/yr)", material="all", fmt="{:.0f}"),
    Headline(
        "stockpile_drawdown_share",
        "Stockpile drawdown (% of start)",
        material="all",
        scale=PERCENT,
        fmt="{:.1f}",
    ),
    Headline(
        "excess_inventory_peak_weeks",
        "Excess inventory from hoarding, peak (weeks)",
        material="all",
        fmt="{:.1f}",
    ),
    Headline(
        "belief_spread_peak_weeks",
        "Perceived lead-time spread, Dy, peak (weeks)",
        material="Dy",
        fmt="{:.1f}",
    ),
    Headline(
        "pressure_26w_yen",
        "Pressure, first 26 weeks (trillion yen vs counterfactual)",
        sector="all",
        scale=PER_TRILLION,
    ),
    Headline(
        "pressure_52w_yen",
        "Pressure, first 52 weeks (trillion yen vs counterfactual)",
        sector="all",
        scale=PER_TRILLION,
    ),
    Headline(
        "china_share_y10",
        "China's share of supply at year 10 (%)",
        material="all",
        scale=PERCENT,
        fmt="{:.1f}",
    ),
    Headline(
        "leverage_lost_tonnes_y10",
        "Leverage lost by year 10, tonnes (points vs counterfactual)",
        material="all",
        fmt="{:.1f}",
    ),
    Headline(
        "leverage_lost_value_y10",
        "Leverage lost by year 10, value (points vs counterfactual)",
        material="all",
        fmt="{:.1f}",
    ),
    Headline(
        "leverage_lost_world_y10",
        "Leverage lost by year 10, world (points vs counterfactual)",
        material="all",
        fmt="{:.1f}",
    ),
    Headline(
        "china_export_revenue_lost_usd",
        "China's export revenue lost, from Japan (USD bn)",
        scale=PER_BILLION,
        fmt="{:.1f}",
    ),
    Headline(
        "china_row_revenue_lost_usd",
        "China's export revenue lost, rest of world (USD bn)",
        scale=PER_BILLION,
        fmt="{:.1f}",
    ),
    Headline(
        "china_share_after_lift",
        "China's share of supply, year after the lift (%)",
        material="all",
        scale=PERCENT,
        fmt="{:.1f}",
        kind="event",
    ),
    Headline(
        "china_world_share_y10",
        "China's share of supply outside China, year 10 (%)",
        material="all",
        scale=PERCENT,
        fmt="{:.1f}",
    ),
    Headline(
        "price_weeks_at_cap", "Weeks a price sits at its cap (any material)", material="all", fmt="{:.0f}"
    ),
    Headline(
        "coalition_formed", "Coalition formed (% of replications)", scale=PERCENT, fmt="{:.0f}", kind="rate"
    ),
    Headline("coalition_week", "Coalition formed, weeks after the shock", fmt="{:.0f}", kind="event"),
    Headline(
        "japan_conceded", "Japan conceded (% of replications)", scale=PERCENT, fmt="{:.0f}", kind="rate"
    ),
    Headline("concession_week", "Japan conceded, weeks after the shock", fmt="{:.0f}", kind="event"),
    Headline(
        "measure_lifted", "Measure lifted (% of replications)", scale=PERCENT, fmt="{:.0f}", kind="rate"
    ),
    Headline("lift_week", "Measure lifted, weeks after the shock", fmt="{:.0f}", kind="event"),
    Headline("wto_filed", "WTO case filed (% of replications)", scale=PERCENT, fmt="{:.0f}", kind="rate"),
    Headline("wto_week", "WTO case filed, weeks after the shock", fmt="{:.0f}", kind="event"),
    Headline(
        "tariff_threat", "Tariff threat made (% of replications)", scale=PERCENT, fmt="{:.0f}", kind="rate"
    ),
    Headline(
        "intensity_lowered",
        "China lowered intensity (% of replications)",
        scale=PERCENT,
        fmt="{:.0f}",
        kind="rate",
    ),
)
HEADLINE_BY_KEY = {h.key: h for h in HEADLINES}

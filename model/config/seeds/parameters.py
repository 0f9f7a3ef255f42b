"""Flat groups of behavioural and process seeds (one dataclass per seeds/ group)."""

from __future__ import annotations

from dataclasses import dataclass

from model.config.drawn import Drawn


@dataclass(frozen=True)
class Behaviour:
    """Japanese firms' decision rules (seeds/behaviour)."""

    firm_size_sigma: float
    spot_share_of_nonchina: float
    belief_learning_rate: float
    peer_weight: float
    risk_lead_time_scale_weeks: float
    risk_tolerance: float
    risk_memory_weeks: float
    hoard_sensitivity: float
    cover_adjust_weeks: float
    working_capital_share: float
    usd_jpy: float
    sourcing_review_weeks: float
    diversify_risk_threshold: float
    diversify_rate: float
    nonchina_premium: float
    premium_risk_weight: float
    revert_risk_threshold: float
    revert_rate: float
    substitution_hazard: float
    substitution_risk_threshold: float
    substitution_price_weight: float
    substitution_ramp_weeks: float
    demand_elasticity: float
    demand_adjust_weeks: float
    take_or_pay_share: float
    offtake_term_weeks: float
    safety_stock_z: float


BEHAVIOUR_KINDS = {
    "spot_share_of_nonchina": "share",
    "belief_learning_rate": "share",
    "peer_weight": "share",
    "risk_lead_time_scale_weeks": "positive",
    "risk_tolerance": "share",
    "risk_memory_weeks": "at_least_one",
    "cover_adjust_weeks": "at_least_one",
    "working_capital_share": "positive",
    "usd_jpy": "positive",
    "sourcing_review_weeks": "at_least_one",
    "diversify_rate": "share",
    "revert_rate": "share",
    "substitution_hazard": "share",
    "substitution_ramp_weeks": "at_least_one",
    "demand_elasticity": "nonneg",
    "demand_adjust_weeks": "at_least_one",
    "take_or_pay_share": "share",
    "offtake_term_weeks": "at_least_one",
}


@dataclass(frozen=True)
class Licensing:
    """China's licence process and customs (seeds/licensing)."""

    routine_approval: float
    civil_denial: float
    military_denial: float
    watch_list_factor: float
    review_median_weeks: float
    review_median_slope: float
    review_sigma: float
    review_sigma_slope: float
    max_review_weeks: float
    application_interval_weeks: float
    max_open_applications: float
    customs_base_inspection: float
    customs_hold_median_weeks: float
    customs_hold_slope: float
    customs_hold_sigma: float
    max_customs_hold_weeks: float


LICENSING_KINDS = {
    "routine_approval": "share",
    "civil_denial": "share",
    "military_denial": "share",
    "watch_list_factor": "share",
    "review_median_weeks": "positive",
    "max_review_weeks": "at_least_one",
    "application_interval_weeks": "at_least_one",
    "max_open_applications": "at_least_one",
    "customs_base_inspection": "share",
    "customs_hold_median_weeks": "positive",
    "max_customs_hold_weeks": "at_least_one",
}


@dataclass(frozen=True)
class Logistics:
    """Lead times and third-country leakage (seeds/logistics)."""

    china_transit_weeks: float
    nonchina_lead_weeks: float
    spot_lead_weeks: float
    leakage_extra_weeks: float
    leakage_max_share: float
    leakage_gap_scale: float
    leakage_premium: float
    enforcement_base: float
    enforcement_intensity: float
    enforcement_formal: float
    enforcement_third_country: float


LOGISTICS_KINDS = {
    "china_transit_weeks": "at_least_one",
    "nonchina_lead_weeks": "at_least_one",
    "spot_lead_weeks": "at_least_one",
    "leakage_max_share": "share",
    "leakage_gap_scale": "positive",
    "enforcement_base": "share",
    "enforcement_intensity": "share",
    "enforcement_formal": "share",
    "enforcement_third_country": "share",
}


@dataclass(frozen=True)
class Market:
    """Price formation (seeds/market)."""

    price_response: float
    price_reversion: float
    price_cap_multiple: float
    price_floor_multiple: float
    contract_lag_weeks: float
    inventory_adjust_weeks: float
    domestic_price_response: float
    domestic_price_reversion: float
    supply_smoothing_weeks: float
    export_price_capture: float
    china_export_headroom: float
    china_export_buffer_weeks: float
    china_production_adjust_weeks: float
    china_domestic_elasticity: float


MARKET_KINDS = {
    "export_price_capture": "share",
    "china_export_headroom": "at_least_one",
    "china_export_buffer_weeks": "at_least_one",
    "china_production_adjust_weeks": "at_least_one",
    "supply_smoothing_weeks": "at_least_one",
    "price_reversion": "share",
    "price_cap_multiple": "at_least_one",
    "price_floor_multiple": "share",
    "contract_lag_weeks": "at_least_one",
    "inventory_adjust_weeks": "at_least_one",
    "domestic_price_reversion": "share",
}


@dataclass(frozen=True)
class Stockpile:
    """JOGMEC stockpile rules (seeds/stockpile)."""

    initial_fill_share: float
    release_shortfall_threshold: float
    max_release_share_per_week: float
    refill_calm_weeks: float
    refill_share_per_week: float


STOCKPILE_KINDS = {
    "initial_fill_share": "share",
    "release_shortfall_threshold": "share",
    "max_release_share_per_week": "share",
    "refill_calm_weeks": "at_least_one",
    "refill_share_per_week": "share",
}


@dataclass(frozen=True)
class ChinaPolicy:
    """China's adaptive policy rules (seeds/china_policy)."""

    review_weeks: float
    neutral_stance: float
    escalation_rate: float
    conciliation_deescalation: float
    coalition_deescalation: float
    revenue_deescalation: float
    share_deescalation: float
    share_loss_scale_points: float
    informal_lift_lag_weeks: float
    formal_reversal_lag_weeks: float
    tariff_tolerance: Drawn  # drawn per replication
    revenue_window_weeks: float


CHINA_POLICY_KINDS = {
    "review_weeks": "at_least_one",
    "neutral_stance": "share",
    "share_loss_scale_points": "positive",
    "informal_lift_lag_weeks": "nonneg",
    "formal_reversal_lag_weeks": "nonneg",
    "tariff_tolerance": "drawn:positive",
    "revenue_window_weeks": "at_least_one",
}


@dataclass(frozen=True)
class JapanPolicy:
    """Japan's government behaviour (seeds/japan_policy)."""

    signal_window_weeks: float
    pain_scale_pct_gdp: float
    industrial_policy_trigger: float
    defiance_base: float
    stance_adjust_weeks: float
    stance_countermeasure_weight: float
    stance_pain_weight: float
    concession_hazard_scale: float
    political_cost_informal: float
    political_cost_formal: float
    backing_weight: float
    cofinance_lag_cut: float


JAPAN_POLICY_KINDS = {
    "signal_window_weeks": "at_least_one",
    "pain_scale_pct_gdp": "positive",
    "industrial_policy_trigger": "share",
    "defiance_base": "share",
    "stance_adjust_weeks": "at_least_one",
    "stance_countermeasure_weight": "share",
    "stance_pain_weight": "share",
    "political_cost_informal": "share",
    "political_cost_formal": "share",
    "cofinance_lag_cut": "share",
}


@dataclass(frozen=True)
class CoalitionPolicy:
    """The coalition as a whole (seeds/coalition_policy); its members are in seeds/coalition_members."""

    salience_decay: float
    tariff_ramp_weeks: float
    threat_cost_growth_weeks: float
    cofinance_share: float
    allied_stockpile_days: float
    wto_ruling_weeks: float
    wto_compliance_weeks: float


COALITION_POLICY_KINDS = {
    "salience_decay": "share",
    "tariff_ramp_weeks": "at_least_one",
    "threat_cost_growth_weeks": "at_least_one",
    "cofinance_share": "share",
    "wto_ruling_weeks": "at_least_one",
}


@dataclass(frozen=True)
class Visibility:
    """What outsiders observe of China's coercion, and how fast (seeds/visibility)."""

    report_lag_weeks: float
    trade_statistics_lag_weeks: float
    denial_scale: float
    delay_scale_weeks: float
    import_drop_scale: float
    weeks_to_visible: float
    decay: float


VISIBILITY_KINDS = {
    "denial_scale": "positive",
    "delay_scale_weeks": "positive",
    "import_drop_scale": "positive",
    "weeks_to_visible": "positive",
    "decay": "share",
}


@dataclass(frozen=True)
class RegionBehaviour:
    """Rest-of-world buyer blocks' aggregate rules (seeds/regions: behaviour)."""

    offtake_share_of_nonchina: float
    base_cover_weeks: float
    max_cover_weeks: float
    cover_adjust_weeks: float
    belief_learning_rate: float
    risk_memory_weeks: float
    price_risk_weight: float
    risk_tolerance: float
    hoard_sensitivity: float
    demand_elasticity: float
    demand_adjust_weeks: float
    sourcing_review_weeks: float
    diversify_risk_threshold: float
    diversify_rate: float
    revert_risk_threshold: float
    revert_rate: float
    switch_gap_scale: float


REGION_BEHAVIOUR_KINDS = {
    "revert_rate": "share",
    "switch_gap_scale": "positive",
    "offtake_share_of_nonchina": "share",
    "cover_adjust_weeks": "at_least_one",
    "belief_learning_rate": "share",
    "risk_memory_weeks": "at_least_one",
    "risk_tolerance": "share",
    "demand_adjust_weeks": "at_least_one",
    "sourcing_review_weeks": "at_least_one",
    "diversify_rate": "share",
}

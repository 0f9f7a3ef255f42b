"""One replication and its paired counterfactual (DESIGN.md v2 §5).

The counterfactual is the same replication (same seed, so the same firms, draws and political
thresholds) with none of China's measures: no instrument, no export quota and no tightening of
the global regime. Both runs draw from the same component streams (model/sim/streams.py), so
they are identical up to the shock and differ after it only through what the measures change.
Pressure and leverage lost are the differences between the two (model/sim/outcomes.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import pandas as pd

from model.config.spec import ModelSpec
from model.sim.agents.china import PolicyEvent
from model.sim.greyzone import GreyzoneModel
from model.sim.outcomes import compute_outcomes
from model.sim.recorder import WeeklySeries


@dataclass
class Replication:
    """One finished replication: its weekly series, China's policy events, its outcomes and the
    counterfactual's series (None when run.counterfactual=none)."""

    index: int
    series: WeeklySeries
    events: list[PolicyEvent]
    outcomes: pd.DataFrame
    counterfactual: WeeklySeries | None
    seconds: float
    counterfactual_seconds: float


def counterfactual_spec(spec: ModelSpec) -> ModelSpec | None:
    """The scenario without China's measures, or None when the scenario has none (its own
    counterfactual)."""
    scenario = spec.scenario
    has_measure = (
        scenario.china.instrument != "none"
        or scenario.export_quota.start_week is not None
        or scenario.global_regime.start_week is not None
        or scenario.global_regime.licensing_start_week is not None
    )
    if not has_measure:
        return None
    regime = replace(scenario.global_regime, start_week=None)
    if regime.licensing_start_week is not None:  # a regime the run introduces: it never begins
        regime = replace(regime, licensing_start_week=spec.run.horizon_weeks)
    calm = replace(
        scenario,
        china=replace(scenario.china, instrument="none"),
        export_quota=replace(scenario.export_quota, start_week=None),
        global_regime=regime,
    )
    return replace(spec, scenario=calm)


def run_series(spec: ModelSpec, replication: int) -> tuple[WeeklySeries, list[PolicyEvent]]:
    """Run one replication to the horizon; its weekly series and China's policy events."""
    model = GreyzoneModel(spec, replication)
    model.run()
    series = model.recorder.result()
    events = list(model.china.events)
    model.release_state()
    return series, events


def simulate(spec: ModelSpec, replication: int) -> Replication:
    """Run one replication and, with run.counterfactual=paired, its counterfactual."""
    tick = time.perf_counter()
    series, events = run_series(spec, replication)
    seconds = time.perf_counter() - tick
    counterfactual, cf_seconds = None, 0.0
    if spec.run.counterfactual == "paired":
        calm = counterfactual_spec(spec)
        tick = time.perf_counter()
        counterfactual = series if calm is None else run_series(calm, replication)[0]
        cf_seconds = time.perf_counter() - tick
    outcomes = compute_outcomes(series, spec, events, counterfactual)
    return Replication(replication, series, events, outcomes, counterfactual, seconds, cf_seconds)

"""greyzone as an EMA Workbench model: ranged seeds as uncertainties, policy settings as levers.

    from ema_workbench import MultiprocessingEvaluator, perform_experiments
    model = gz.ema_model(overrides=["run.firms=100", "run.horizon_weeks=156"])
    experiments, outcomes = perform_experiments(model, scenarios=16, policies=2)

Each experiment runs one replication and its paired counterfactual (pressure and leverage
lost are differences against it). Every experiment uses the same replication, `replication`
(common random numbers), so outcomes differ only through the sampled inputs; with
`replications=R` the model is a `ReplicatorModel` that runs replications 0..R-1 of each, and
each outcome is the mean over the replications where it is defined (a rate: the share of
replications; a week: the mean week among those where the event happened).
Outcomes are the exploration scalars (model.explore.evaluate.SCALARS) and weekly series.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from ema_workbench import (
    BooleanParameter,
    CategoricalParameter,
    Model,
    RealParameter,
    ReplicatorModel,
    ScalarOutcome,
    TimeSeriesOutcome,
)
from omegaconf import OmegaConf

from model.api.compose import compose
from model.config.errors import ConfigError, suggest
from model.config.spec import build_spec
from model.explore.evaluate import SCALARS, scalar_outcomes
from model.explore.space import Parameter, apply, lever_ranges, seed_parameters
from model.sim.paired import simulate
from model.sim.recorder import MATERIAL_METRICS, SCALAR_METRICS

NAME = "greyzone"
INSTRUMENT = "instrument"  # the lever choosing China's instrument: a scenario of configs/scenario/
INSTRUMENTS = ("ambiguous_curbs", "targeted_heavy", "end_use_ban", "blanket_ban")
REAL_LEVERS = {  # lever name -> key in the run config; ranges from seeds/levers/default.yaml
    "intensity": "scenario.china.intensity",
    "stockpile_days": "japan.stockpile_days",
    "diversification_subsidy": "japan.diversification_subsidy",
    "cofinance_share": "japan.cofinance_share",
}
SWITCH_LEVERS = {"concession": "japan.concession"}
COALITION = "coalition"  # the lever switching the coalition: configs/coalition/default or none
COALITION_OPTIONS = {True: "default", False: "none"}
LEVERS = (INSTRUMENT, *REAL_LEVERS, *SWITCH_LEVERS, COALITION)
SERIES = ("shortfall_all", "china_share_of_supply_all", "value_added_lost_yen_all")
EMA_OUTCOMES = (*SCALARS, *SERIES)  # the default outcomes


@dataclass(frozen=True)
class Experiment:
    """The function EMA calls: sampled values in, greyzone's outcomes out (picklable, so
    EMA's multiprocessing evaluator can ship it to its workers)."""

    bases: Mapping[tuple[str, bool], dict[str, Any]]  # (instrument, coalition) -> job config
    uncertainties: Sequence[Parameter]
    levers: Sequence[Parameter]
    scalars: Sequence[str]
    series: Sequence[tuple[str, str, str | None]]  # outcome name, metric, material (None: national)
    default_instrument: str
    default_coalition: bool
    replication: int

    def __call__(self, **values: Any) -> dict[str, Any]:
        instrument = str(values.pop(INSTRUMENT, self.default_instrument))
        coalition = bool(values.pop(COALITION, self.default_coalition))
        replication = int(values.pop("replication", self.replication))
        cfg = OmegaConf.create(self.bases[instrument, coalition])
        for key in SWITCH_LEVERS.values():
            if key in values:
                OmegaConf.update(cfg, key, bool(values.pop(key)), merge=False)
        parameters = [*self.uncertainties, *self.levers]
        chosen = [p for p in parameters if p.key in values]
        cfg = apply(cfg, {p.name: values[p.key] for p in chosen}, chosen)
        result = simulate(build_spec(cfg), replication)
        scalars = scalar_outcomes(result.outcomes)
        out: dict[str, Any] = {name: scalars[name] for name in self.scalars}
        column = {material: i for i, material in enumerate(result.series.materials)}
        for name, metric, material in self.series:
            data = (
                result.series.scalar[metric]
                if material is None
                else result.series.material[metric][:, column[material]]
            )
            out[name] = np.asarray(data, dtype=float)
        return out


def ema_model(
    uncertainties: Sequence[str] = ("*",),
    levers: Sequence[str] = LEVERS,
    outcomes: Sequence[str] = EMA_OUTCOMES,
    overrides: Sequence[str] = (),
    scenario: str | None = None,
    instruments: Sequence[str] = INSTRUMENTS,
    replications: int = 1,
    replication: int = 0,
    exclude: Sequence[str] = (),
) -> Model | ReplicatorModel:
    """An EMA Workbench model of greyzone.

    uncertainties: glob patterns over the ranged seeds' names (e.g. "licensing.*"); each
        matching seed is a `RealParameter` over its plausible range, named with "__" for ".";
    levers: which of `LEVERS` to expose (China's instrument and intensity, Japan's stockpile,
        subsidy, co-finance and concession, the coalition); the others stay at the config's values;
    outcomes: names from `EMA_OUTCOMES` (scalars) or weekly series: a national metric
        (model/sim/recorder.py SCALAR_METRICS) or "<metric>_<material>" of a material metric;
    overrides: the CLI's key=value overrides of the base config (size, horizon, seeds);
    scenario: the instrument when `instrument` is not a lever (default: the first of
        `instruments`; refused when `instrument` is a lever, where it would not act);
    instruments: the lever's categories. `run.parameters=posterior` is refused: EMA samples
    the uncertainties itself.
    """
    unknown = [lever for lever in levers if lever not in LEVERS]
    if unknown:
        raise ConfigError("levers", f"unknown lever '{unknown[0]}'; {suggest(unknown[0], LEVERS)}")
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise ConfigError("replications", f"got {replications!r}; must be a whole number >= 1")
    if scenario is not None and INSTRUMENT in levers:
        raise ConfigError(
            "scenario",
            "China's instrument is a lever here (sampled); drop `instrument` from levers to fix it",
        )
    scenario = scenario if scenario is not None else next(iter(instruments))
    choices = tuple(instruments) if INSTRUMENT in levers else (scenario,)
    first = compose(scenario, list(overrides))
    if first.spec.run.posterior is not None:
        raise ConfigError(
            "run.parameters", "posterior draws each replication's seeds; EMA samples them: give uncertainties"
        )
    coalition = bool(first.get("coalition.enabled"))
    switches = tuple(COALITION_OPTIONS) if COALITION in levers else (coalition,)
    seeds = seed_parameters(first.job, list(uncertainties), list(exclude))
    if not seeds and list(uncertainties):
        raise ConfigError("uncertainties", f"{list(uncertainties)} selects no ranged seed; see seeds/")
    scalars, series = _outcomes(outcomes, first.spec.seeds.materials.names)
    bases = {(scenario, coalition): first}
    for name in choices:
        for switch in switches:
            if (name, switch) not in bases:
                more = [f"coalition={COALITION_OPTIONS[switch]}"] if COALITION in levers else []
                bases[name, switch] = compose(name, [*overrides, *more])
    ranges = lever_ranges()
    real = [
        Parameter(name, key, *ranges[key], float("nan"), False)
        for name, key in REAL_LEVERS.items()
        if name in levers
    ]
    function = Experiment(
        {name: OmegaConf.to_container(config.job, resolve=True) for name, config in bases.items()},
        tuple(seeds),
        tuple(real),
        tuple(scalars),
        tuple(series),
        scenario,
        coalition,
        replication,
    )
    model: Model | ReplicatorModel = (
        Model(NAME, function=function) if replications == 1 else ReplicatorModel(NAME, function=function)
    )
    if replications > 1:
        model.replications = [{"replication": r} for r in range(replications)]
    model.uncertainties = [
        RealParameter(_identifier(p.name), p.low, p.high, variable_name=p.key) for p in seeds
    ]
    model.levers = [
        *([CategoricalParameter(INSTRUMENT, list(choices))] if INSTRUMENT in levers else []),
        *(RealParameter(p.name, p.low, p.high, variable_name=p.key) for p in real),
        *(BooleanParameter(name, variable_name=key) for name, key in SWITCH_LEVERS.items() if name in levers),
        *([BooleanParameter(COALITION)] if COALITION in levers else []),
    ]
    reduce = None if replications == 1 else replication_mean
    model.outcomes = [
        *(ScalarOutcome(name, function=reduce) for name in scalars),
        *(TimeSeriesOutcome(name, function=reduce) for name, _, _ in series),
    ]
    return model


def replication_mean(values: Sequence[Any]) -> Any:
    """The mean of an outcome over a replicated experiment's replications, ignoring undefined ones."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # every replication undefined: NaN
        mean = np.nanmean(np.asarray(values, dtype=float), axis=0)
    return float(mean) if np.ndim(mean) == 0 else mean


def _outcomes(
    names: Sequence[str], materials: Sequence[str]
) -> tuple[list[str], list[tuple[str, str, str | None]]]:
    """Split outcome names into scalars and weekly series (name, metric, material)."""
    scalars, series = [], []
    per_material = {
        f"{metric}_{material}": (metric, material) for metric in MATERIAL_METRICS for material in materials
    }
    for name in names:
        if name in SCALARS:
            scalars.append(name)
        elif name in SCALAR_METRICS:
            series.append((name, name, None))
        elif name in per_material:
            series.append((name, *per_material[name]))
        else:
            known = [*SCALARS, *SCALAR_METRICS, *per_material]
            raise ConfigError("outcomes", f"unknown outcome '{name}'; {suggest(name, known)}")
    return scalars, series


def _identifier(name: str) -> str:
    """An EMA name (a Python identifier) for a seed's dotted name."""
    return name.replace(".", "__").replace("-", "_")

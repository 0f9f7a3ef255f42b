"""Property-based tests: invariants over randomly drawn valid configs (hypothesis).

A drawn config is the default config with every ranged seed set to a random point of its
range (kept valid by the same projections the exploratory studies use), a random China
instrument and intensity, and random Japanese and coalition levers. Examples are derandomized
so that CI sees the same ones every run; HYPOTHESIS_PROFILE=deep draws many more.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import DictConfig

from model.config import build_spec
from model.config.compose import compose_config
from model.explore.space import apply, seed_parameters
from model.sim.greyzone import GreyzoneModel
from model.testing.invariants import series_violations, state_violations

settings.register_profile(
    "ci",
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("deep", parent=settings.get_profile("ci"), max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SIZE = ("run.firms=40", "run.horizon_weeks=104", "run.spinup_weeks=13", "run.progress=false")
SCENARIOS = ("baseline", "ambiguous_curbs", "targeted_heavy", "end_use_ban", "blanket_ban", "replay_2010")
BASE: dict[str, DictConfig] = {}


def base_config(scenario: str, *extra: str) -> DictConfig:
    key = " ".join((scenario, *extra))
    if key not in BASE:
        BASE[key] = compose_config([*SIZE, f"scenario={scenario}", *extra])
    return BASE[key]


@st.composite
def valid_configs(draw, scenarios=SCENARIOS, extra: tuple[str, ...] = ()) -> DictConfig:
    scenario = draw(st.sampled_from(scenarios))
    cfg = base_config(scenario, *extra)
    parameters = seed_parameters(cfg)
    unit = draw(st.lists(st.floats(0, 1), min_size=len(parameters), max_size=len(parameters)))
    values = {p.name: float(p.scale(np.array(u))) for p, u in zip(parameters, unit, strict=True)}
    cfg = apply(cfg, values, parameters)
    if cfg.scenario.china.instrument != "none":
        cfg.scenario.china.intensity = draw(st.floats(0, 1))
    if draw(st.booleans()) and cfg.seeds.materials.Dy.controlled.value:  # a global tightening too
        cfg.scenario.global_regime.intensity = draw(st.floats(0.05, 1))
        cfg.scenario.global_regime.start_week = draw(st.integers(0, 20))
    cfg.japan.stockpile_days = draw(st.integers(0, 180))
    cfg.japan.concession = draw(st.booleans())
    cfg.coalition.enabled = draw(st.booleans())
    cfg.coalition.draws = bool(cfg.coalition.enabled and draw(st.booleans()))  # draws need a coalition
    cfg.run.seed = draw(st.integers(0, 2**32 - 1))
    return cfg


@given(cfg=valid_configs())
def test_every_drawn_config_validates_and_keeps_every_invariant_every_week(cfg: DictConfig) -> None:
    spec = build_spec(cfg)  # a ConfigError here: the space's projections let an invalid draw through
    model = GreyzoneModel(spec, replication=0)
    for _ in range(spec.run.horizon_weeks):
        model.step()
        found = state_violations(model)
        assert not found, f"week {model.week}: {found}"
    assert series_violations(model) == []


SEEDS_PER_SIDE = 6
HELD = ("coalition=none", "japan=no_concession", "scenario.china.adaptive=false")


def mean_shortfall(cfg: DictConfig, intensity: float) -> np.ndarray:
    """Japan's mean shortfall over the horizon, one value per replication (common random numbers)."""
    cfg = cfg.copy()
    cfg.scenario.china.intensity = intensity
    spec = build_spec(cfg)
    out = []
    for replication in range(SEEDS_PER_SIDE):
        model = GreyzoneModel(spec, replication)
        model.run()
        out.append(model.recorder.result().scalar["shortfall_all"].mean())
    return np.array(out)


@pytest.mark.slow  # about 35 s: in make test-all
@settings(max_examples=max(12, settings.default.max_examples // 8))  # 12 in CI, 50 with deep
@given(
    cfg=valid_configs(scenarios=("ambiguous_curbs",), extra=HELD),
    low=st.floats(0, 1),
    step=st.floats(0.1, 1),
)
def test_higher_curb_intensity_never_lowers_japans_mean_shortfall(
    cfg: DictConfig, low: float, step: float
) -> None:
    """Monotone in expectation: paired over the same seeds, with China's curbs held in force.

    The mean paired difference may be below zero only by sampling noise (three standard errors).
    """
    cfg.japan.concession = False
    cfg.coalition.enabled = False
    cfg.coalition.draws = False
    high = min(1.0, low + step)
    gap = mean_shortfall(cfg, high) - mean_shortfall(cfg, low)
    noise = 3 * gap.std(ddof=1) / np.sqrt(len(gap))
    assert gap.mean() >= -noise, (
        f"intensity {low:.3f} -> {high:.3f}: mean shortfall fell by {-gap.mean():.5f}"
    )

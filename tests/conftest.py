"""Shared helpers: compose small configs, build specs and models."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from model.config import build_spec
from model.config.compose import compose_config
from model.config.spec import ModelSpec
from model.model import GreyzoneModel

# Small but complete runs: every sector, every material, a few years.
SMALL = (
    "run.firms=80",
    "run.horizon_weeks=156",
    "run.replications=2",
    "run.spinup_weeks=26",
    "run.progress=false",
)
SCENARIOS = ("baseline", "ambiguous_curbs", "targeted_heavy", "end_use_ban", "blanket_ban", "replay_2010")


def small_spec(*overrides: str, base: Sequence[str] = SMALL) -> ModelSpec:
    return build_spec(compose_config([*base, *overrides]))


def run_model(spec: ModelSpec, replication: int = 0) -> GreyzoneModel:
    model = GreyzoneModel(spec, replication)
    model.run()
    return model


@pytest.fixture(scope="session")
def scenario_models() -> dict[str, GreyzoneModel]:
    """One small finished model per scenario, shared by read-only tests."""
    return {name: run_model(small_spec(f"scenario={name}")) for name in SCENARIOS}

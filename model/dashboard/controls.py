"""The dashboard's model and what its charts read: a GreyzoneModel built from a few controls.

`DashboardModel` takes keyword controls (Mesa's SolaraViz re-creates the model with them on
reset) and composes the same validated config as the command line. The controls' defaults
and ranges come from the composed default config and the seeds' ranges, never from code.
The functions below turn a running model into tidy tables for the charts (model/dashboard/page.py).
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from model.config import build_spec
from model.config.compose import compose_config
from model.config.paths import CONFIG_DIR
from model.sim.greyzone import GreyzoneModel
from model.sim.population import LIST_NAMES

SEEDED = "seeded"


@cache
def _defaults() -> DictConfig:
    return compose_config([])


def scenario_names() -> list[str]:
    return sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))


def controls() -> dict[str, Any]:
    """SolaraViz `model_params`: each control's default and range from the config and seeds."""
    cfg = _defaults()
    approval = cfg.seeds.licensing.routine_approval
    threshold = cfg.seeds.coalition_members.members.US.salience_threshold
    variants = sorted(
        int(compose_config([f"japan={p.stem}"]).japan.stockpile_days)
        for p in (CONFIG_DIR / "japan").glob("stockpile_*.yaml")
    )
    stockpiles = [SEEDED, *variants]
    return {
        "scenario_name": {
            "type": "Select",
            "value": cfg.scenario.name,
            "values": scenario_names(),
            "label": "Scenario (China's instrument)",
        },
        "intensity": _slider("Curb intensity", cfg.scenario.china.intensity, 0.0, 1.0, 0.05),
        "routine_approval": _slider("Baseline licence approval rate", approval.value, *approval.range, 0.01),
        "stockpile_days": {
            "type": "Select",
            "value": SEEDED if cfg.japan.stockpile_days is None else int(cfg.japan.stockpile_days),
            "values": stockpiles,
            "label": "JOGMEC stockpile (days of demand; seeded: per material)",
        },
        "coalition_threshold": _slider(
            "US salience threshold (coalition formation)", threshold.value, *threshold.range, 0.1
        ),
        "concession": {
            "type": "Select",
            "value": bool(cfg.japan.concession),
            "values": [True, False],
            "label": "Japan may concede",
        },
        "firms": _slider(
            "Japanese firms", cfg.run.firms, cfg.run.firms // 5, cfg.run.firms * 4, 50, integer=True
        ),
        "seed": _slider("Root seed", cfg.run.seed, 0, cfg.run.seed * 2, 1, integer=True),
    }


def _slider(
    label: str, value: float, low: float, high: float, step: float, integer: bool = False
) -> dict[str, Any]:
    kind, cast = ("SliderInt", int) if integer else ("SliderFloat", float)
    return {
        "type": kind,
        "value": cast(value),
        "min": cast(low),
        "max": cast(high),
        "step": step,
        "label": label,
    }


class DashboardModel(GreyzoneModel):
    """A GreyzoneModel made from the dashboard's controls (keyword arguments, all optional)."""

    def __init__(
        self,
        scenario_name: str | None = None,
        intensity: float | None = None,
        routine_approval: float | None = None,
        stockpile_days: int | str | None = None,
        coalition_threshold: float | None = None,
        concession: bool | None = None,
        firms: int | None = None,
        seed: int | str | None = None,
    ) -> None:
        overrides = [] if scenario_name is None else [f"scenario={scenario_name}"]
        cfg = compose_config(overrides)
        if intensity is not None and cfg.scenario.china.instrument != "none":
            cfg.scenario.china.intensity = float(intensity)
        if routine_approval is not None:
            cfg.seeds.licensing.routine_approval.value = float(routine_approval)
        if stockpile_days not in (None, SEEDED):
            cfg.japan.stockpile_days = int(stockpile_days)
        if coalition_threshold is not None:
            cfg.seeds.coalition_members.members.US.salience_threshold.value = float(coalition_threshold)
        if concession is not None:
            cfg.japan.concession = bool(concession)
        if firms is not None:
            cfg.run.firms = int(firms)
        if seed is not None:
            cfg.run.seed = int(seed)
        super().__init__(build_spec(cfg), replication=0)

    def step(self) -> None:
        """One week; the dashboard stops at the horizon."""
        if self.week >= self.spec.run.horizon_weeks:
            self.running = False
            return
        super().step()


# what the charts read -------------------------------------------------------------------------
def material_series(model: GreyzoneModel, metric: str) -> pd.DataFrame:
    """Recorded weeks so far of one material metric: a frame indexed by date, one column per material."""
    recorder = model.recorder
    weeks = recorder.recorded
    series = recorder.series
    return pd.DataFrame(
        series.material[metric][:weeks], index=pd.to_datetime(series.dates[:weeks]), columns=series.materials
    )


def policy_events(model: GreyzoneModel) -> pd.DataFrame:
    """China's policy changes, the coalition's formation and Japan's concession, by week."""
    rows = [
        {"week": e.week, "actor": "China", "event": f"{e.instrument} at {e.intensity:.2f}", "cause": e.cause}
        for e in model.china.events
    ]
    if model.coalition.formed_week is not None:
        rows.append(
            {"week": model.coalition.formed_week, "actor": "Coalition", "event": "formed", "cause": ""}
        )
    if model.japan.conceded_week is not None:
        rows.append({"week": model.japan.conceded_week, "actor": "Japan", "event": "conceded", "cause": ""})
    frame = pd.DataFrame(rows, columns=["week", "actor", "event", "cause"])
    return frame.sort_values("week", kind="stable").reset_index(drop=True)


def firm_view(model: GreyzoneModel) -> pd.DataFrame:
    """One row per firm: inventory cover (weeks of need) against perceived risk, sector, list status."""
    firms = model.firms
    need = firms.need.sum(axis=1)
    cover = np.divide(firms.inventory.sum(axis=1), need, out=np.zeros_like(need), where=need > 0)
    licensed = firms.licensed
    risk = firms.risk_state.smoothed[:, licensed].mean(axis=1) if licensed.any() else np.zeros(firms.n_firms)
    sectors = np.asarray(model.spec.seeds.sectors.names)
    return pd.DataFrame(
        {
            "cover_weeks": cover,
            "perceived_risk": risk,
            "sector": sectors[firms.pop.sector],
            "list_status": np.asarray(LIST_NAMES)[firms.pop.list_status],
        }
    )

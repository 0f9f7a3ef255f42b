"""What every study method shares: its model config, its space and outcomes, and where its
design's points run (local workers or launcher jobs), each chunk saved for a resume."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from model.config.errors import ConfigError
from model.explore.evaluate import SCALARS, Dispatch, default_measure, evaluate
from model.explore.space import Parameter, extra_parameters, require, seed_parameters
from model.results.files import STUDY_CHECKPOINTS


@dataclass(frozen=True)
class Execution:
    """Where a study's design points run: `workers` local processes, or, with `dispatch`,
    jobs of `explore.chunk_size` points each sent to a Hydra launcher (`launcher` names it)."""

    workers: int
    dispatch: Dispatch | None = None
    launcher: str | None = None

    def describe(self) -> str:
        if self.dispatch is None:
            return f"with {self.workers} worker(s)"
        return f"as {self.launcher or 'launcher'} jobs"


def model_config(cfg: DictConfig) -> DictConfig:
    """The model's part of a study config (everything but `explore`)."""
    return OmegaConf.masked_copy(cfg, [str(k) for k in cfg if k != "explore"])


def with_study(model: DictConfig, ex: DictConfig) -> DictConfig:
    """Keep the study settings beside (not inside) the model config: `explore` on a copy."""
    out = model.copy()
    OmegaConf.set_struct(out, False)
    out.explore = ex
    return out


def workers(value: Any) -> int:
    if value is None or value == "auto":
        return max(1, os.cpu_count() or 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError("explore.workers", f"got {value!r}; must be an integer >= 1 or auto")
    return value


def study_outcomes(ex: DictConfig) -> list[str]:
    names = list(ex.outcomes)
    for name in names:
        if name not in SCALARS:
            raise ConfigError("explore.outcomes", f"unknown outcome '{name}'; allowed: {', '.join(SCALARS)}")
    return names


def study_space(cfg: DictConfig) -> list[Parameter]:
    ex = cfg.explore
    params = seed_parameters(cfg, list(ex.get("include") or ["*"]), list(ex.get("exclude") or []))
    extra = ex.get("extra")
    params += extra_parameters(cfg, OmegaConf.to_container(extra, resolve=True) if extra else {})
    require(params, "explore.include")
    return params


def fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.3g}"  # never 2.25e+03


def evaluate_design(
    cfg: DictConfig,
    params: list[Parameter],
    points: pd.DataFrame,
    execution: Execution,
    out: Path,
    label: str,
    measure: Callable[..., dict[str, float]] = default_measure,
) -> pd.DataFrame:
    """Run a design's points, saving each chunk under the study's checkpoints."""
    ex = cfg.explore
    return evaluate(
        model_config(cfg),
        params,
        points,
        ex.replications,
        execution.workers,
        ex.chunk_size,
        measure,
        label,
        checkpoint=out / STUDY_CHECKPOINTS / label,
        dispatch=execution.dispatch,
    )

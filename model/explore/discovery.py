"""Scenario discovery with PRIM (EMA Workbench's implementation) on a Latin hypercube.

A box is a set of parameter limits; its coverage is the share of all cases of interest
that fall inside it, its density the share of cases inside it that are of interest.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import qmc

from model.explore.space import Parameter, scale_unit


def latin_hypercube(parameters: Sequence[Parameter], points: int, seed: int) -> pd.DataFrame:
    """A Latin-hypercube sample of `points` over the parameters' ranges."""
    unit = qmc.LatinHypercube(d=len(parameters), seed=np.random.default_rng(seed)).random(points)
    return scale_unit(unit, parameters)


def feature_scores(x: pd.DataFrame, interest: np.ndarray, seed: int) -> pd.Series:
    """Extra-trees feature scores of each parameter for `interest` (EMA Workbench), highest first."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import feature_scoring
        from ema_workbench.analysis.scenario_discovery_util import RuleInductionType

        if np.asarray(interest).all() or not np.asarray(interest).any():
            return pd.Series(0.0, index=x.columns)
        scores, _ = feature_scoring.get_ex_feature_scores(
            x.reset_index(drop=True),
            np.asarray(interest, dtype=int),
            mode=RuleInductionType.CLASSIFICATION,
            random_state=seed,
        )
    return scores.iloc[:, 0].sort_values(ascending=False, kind="stable")


@dataclass(frozen=True)
class Box:
    """PRIM's chosen box and its peeling trajectory."""

    question: str
    cases_of_interest: int
    points: int
    chosen: int  # index on the trajectory
    coverage: float
    density: float
    mass: float
    limits: pd.DataFrame  # parameter, low, high, full_low, full_high, qp_low, qp_high
    trajectory: pd.DataFrame  # coverage, density, mass, res_dim per peel


def discover(
    x: pd.DataFrame,
    interest: np.ndarray,
    question: str,
    min_density: float,
    peel_alpha: float,
    mass_min: float,
    max_restricted: int | None = None,
    max_qp: float | None = None,
) -> Box | None:
    """Run PRIM for the boolean `interest` and choose a box on its peeling trajectory.

    The box chosen has the most coverage at density >= `min_density` among those restricting
    at most `max_restricted` parameters (else the densest of those). Restrictions whose
    quasi-p values both exceed `max_qp` (not significant) are then dropped one at a time, as
    scenario-discovery practice recommends. Returns None when no point (or every point) is of
    interest: there is nothing to bound.
    """
    interest = np.asarray(interest, dtype=bool)
    if interest.sum() == 0 or interest.all():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        logging.getLogger("EMA").setLevel(logging.WARNING)
        from ema_workbench.analysis import prim

        algorithm = prim.Prim(x.reset_index(drop=True), interest, peel_alpha=peel_alpha, mass_min=mass_min)
        box = algorithm.find_box()
        peeled = box.peeling_trajectory.reset_index(drop=True)
        simple = peeled[peeled["res_dim"] <= (max_restricted or len(x.columns))]
        simple = simple if len(simple) else peeled
        dense = simple.index[simple["density"] >= min_density]
        chosen = (
            int(simple.loc[dense, "coverage"].idxmax()) if len(dense) else int(simple["density"].idxmax())
        )
        box.select(chosen)
        if max_qp is not None:
            chosen = _drop_insignificant(box, chosen, max_qp, x.columns)
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].reset_index(drop=True)
    limits = box.box_lims[chosen]
    full = algorithm.box_init
    p_values = box.p_values[chosen]
    rows = []
    for name in x.columns:
        low, high = float(limits[name].iloc[0]), float(limits[name].iloc[1])
        full_low, full_high = float(full[name].iloc[0]), float(full[name].iloc[1])
        if low > full_low or high < full_high:
            qp = p_values.get(name, [np.nan, np.nan])
            rows.append((name, low, high, full_low, full_high, _qp(qp[0]), _qp(qp[1])))
    columns = ["parameter", "low", "high", "full_low", "full_high", "qp_low", "qp_high"]
    row = trajectory.loc[chosen]
    return Box(
        question=question,
        cases_of_interest=int(interest.sum()),
        points=len(interest),
        chosen=chosen,
        coverage=float(row["coverage"]),
        density=float(row["density"]),
        mass=float(row["mass"]),
        limits=pd.DataFrame(rows, columns=columns),
        trajectory=trajectory,
    )


def _drop_insignificant(box, chosen: int, max_qp: float, names) -> int:
    """Drop, one by one, the least significant restriction while its quasi-p exceeds max_qp."""
    while True:
        p_values = box.p_values[chosen]
        worst, worst_p = None, max_qp
        for name in names:
            qp = [_qp(v) for v in p_values.get(name, [np.nan, np.nan])]
            finite = [v for v in qp if not np.isnan(v)]
            if finite and min(finite) > worst_p:
                worst, worst_p = name, min(finite)
        if worst is None:
            return chosen
        box.drop_restriction(worst, chosen)
        chosen = len(box.peeling_trajectory) - 1


def _qp(value: float) -> float:
    return float("nan") if value is None or value == -1 else float(value)

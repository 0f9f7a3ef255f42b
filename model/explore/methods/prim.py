"""PRIM scenario discovery over a Latin hypercube, each point run under every case (explore=prim)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig

from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.explore import discovery, figures
from model.explore.evaluate import SCALARS, evaluate
from model.explore.shared import Execution, fmt, model_config, study_space
from model.explore.space import Parameter, table
from model.results.files import STUDY_CHECKPOINTS, read_study_table, write_atomic_parquet
from model.results.report import markdown_table


def run(cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]) -> tuple[list[str], dict]:
    ex = cfg.explore
    params = study_space(cfg)
    write_atomic_parquet(out / "space.parquet", table(params))
    names = [p.name for p in params]
    if ex.get("design"):
        results = _read_design(Path(str(ex.design)), names, list(ex.cases))
        points = results.groupby("point", sort=True)[names].first().reset_index(drop=True)
    else:
        points = discovery.latin_hypercube(params, ex.points, ex.seed)
        results = _run_cases(cfg, params, points, execution, overrides, out)
    write_atomic_parquet(out / "design.parquet", results)
    x = points[names]
    replications = results["replication"].nunique()
    lines = [
        str(ex.description).strip(),
        "",
        f"Latin hypercube of {len(points)} points over {len(params)} parameters "
        f"x {replications} replication(s), "
        f"run under each case ({', '.join(ex.cases)}) with the same draws"
        + (f" (re-analysed from `{ex.design}`)" if ex.get("design") else "")
        + ". For each question the parameters are first ranked by extra-trees feature scores (EMA "
        f"Workbench) and PRIM (EMA Workbench; peel_alpha {ex.peel_alpha}, mass_min {ex.mass_min}) runs "
        f"on the top {ex.dims}; the box reported has the largest coverage at density >= {ex.min_density} "
        f"among the boxes of the peeling trajectory restricting at most {ex.max_restricted} parameters "
        f"(else the densest of them); restrictions whose quasi-p values exceed {ex.max_qp} are then "
        "dropped one by one.",
        "",
    ]
    summary: dict[str, Any] = {}
    trajectories = {}
    for key, question in ex.questions.items():
        interest = _interest(results, question)
        scores = discovery.feature_scores(x, interest, ex.seed)
        top = list(scores.index[: ex.dims])
        box = discovery.discover(
            x[top],
            interest,
            question.title,
            ex.min_density,
            ex.peel_alpha,
            ex.mass_min,
            ex.max_restricted,
            ex.max_qp,
        )
        lines += [
            f"## {question.title}",
            "",
            f"Cases of interest: {int(interest.sum())} of {len(interest)} points "
            f"(base rate {interest.mean():.2f}).",
            "",
            "Feature scores (extra trees, top 8): "
            + "; ".join(f"`{n}` {v:.3f}" for n, v in scores.head(8).items())
            + ".",
            "",
        ]
        if box is None:
            lines += ["PRIM has nothing to bound: no point, or every point, is of interest.", ""]
            summary[key] = {"interest": int(interest.sum()), "box": None}
            continue
        write_atomic_parquet(out / f"prim_{key}_trajectory.parquet", box.trajectory)
        write_atomic_parquet(out / f"prim_{key}_box.parquet", box.limits)
        trajectories[question.title] = (box.trajectory, box.chosen)
        lines += [
            f"Box {box.chosen} of the trajectory: coverage {box.coverage:.2f}, density {box.density:.2f}, "
            f"mass {box.mass:.2f}.",
            "",
            *markdown_table(
                ["parameter", "box low", "box high", "full range", "quasi-p (low, high)"],
                [
                    [
                        r.parameter,
                        fmt(r.low),
                        fmt(r.high),
                        f"{fmt(r.full_low)}-{fmt(r.full_high)}",
                        f"{fmt(r.qp_low)}, {fmt(r.qp_high)}",
                    ]
                    for r in box.limits.itertuples()
                ],
            ),
            "",
        ]
        summary[key] = {
            "interest": int(interest.sum()),
            "coverage": box.coverage,
            "density": box.density,
            "limits": box.limits.to_dict("records"),
        }
    if trajectories:
        figures.prim_tradeoffs(trajectories, out / "prim.png")
        lines += ["![prim](prim.png)", ""]
    lines += ["Files: space.parquet, design.parquet, prim_<question>_box.parquet and _trajectory.parquet."]
    return lines, summary


def _run_cases(
    cfg: DictConfig,
    params: list[Parameter],
    points: pd.DataFrame,
    execution: Execution,
    overrides: list[str],
    out: Path,
) -> pd.DataFrame:
    """Every point under every case, with the same replications."""
    ex = cfg.explore
    base = [o for o in overrides if not o.startswith(("scenario=", "explore="))]
    frames = []
    for case in ex.cases:
        case_cfg = compose_config([*base, "explore=prim", f"scenario={case}"], config_name="explore")
        frames.append(
            evaluate(
                model_config(case_cfg),
                params,
                points,
                ex.replications,
                execution.workers,
                ex.chunk_size,
                label=f"prim {case}",
                case={"case": case},
                checkpoint=out / STUDY_CHECKPOINTS / f"prim_{case}",
                dispatch=execution.dispatch,
            )
        )
    return pd.concat(frames, ignore_index=True)


def _read_design(path: Path, names: list[str], cases: list[str]) -> pd.DataFrame:
    """A design table of an earlier PRIM study, checked against the current space and cases."""
    file = path / "design.parquet" if path.is_dir() else path
    if not file.exists():
        raise ConfigError(
            "explore.design", f"{file}: no such file; give a PRIM study's directory or design.parquet"
        )
    table = read_study_table(file)
    missing = [c for c in [*names, "case", "point", "replication"] if c not in table.columns]
    if missing:
        raise ConfigError(
            "explore.design", f"{file}: lacks columns {', '.join(missing)} of the current space"
        )
    absent = sorted(set(cases) - set(table["case"]))
    if absent:
        raise ConfigError("explore.design", f"{file}: has no runs of case(s) {', '.join(absent)}")
    return table


def _interest(results: pd.DataFrame, question: DictConfig) -> np.ndarray:
    """Boolean per point of the question's case.

    With `versus`: the case's mean outcome exceeds the other case's at the same point. With
    `below` / `above`: the share of replications whose outcome is at or below / above the
    threshold (a missing value, e.g. never conceded, counts as not) is at least one half.
    """
    outcome = question.outcome
    if outcome not in results.columns:
        raise ConfigError(
            "explore.questions.outcome", f"unknown outcome '{outcome}'; allowed: {', '.join(SCALARS)}"
        )
    cases = set(results["case"])
    for key in ("case", "versus"):
        if question.get(key) and question[key] not in cases:
            raise ConfigError(
                f"explore.questions.{key}", f"got '{question[key]}'; allowed: {', '.join(sorted(cases))}"
            )
    rows = results[results["case"] == question.case]
    if question.get("versus"):
        other = results[results["case"] == question.versus]
        left = rows.groupby("point")[outcome].mean()
        right = other.groupby("point")[outcome].mean()
        return (left > right).to_numpy()
    values = rows[outcome].to_numpy(dtype=float)
    if question.get("below") is not None:
        hit = values <= float(question.below)
    else:
        hit = values >= float(question.above)
    share = pd.Series(hit & ~np.isnan(values), index=rows["point"].to_numpy()).groupby(level=0).mean()
    return (share >= 0.5).to_numpy()

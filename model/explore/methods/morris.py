"""Morris screening of the selected ranged seeds (explore=morris)."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from model.explore import figures, gsa
from model.explore.evaluate import SCALARS
from model.explore.shared import Execution, evaluate_design, fmt, study_outcomes, study_space
from model.explore.space import table
from model.results.files import write_atomic_parquet, write_atomic_text
from model.results.report import markdown_table


def run(cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]) -> tuple[list[str], dict]:
    ex = cfg.explore
    params, outcomes = study_space(cfg), study_outcomes(ex)
    write_atomic_parquet(out / "space.parquet", table(params))
    unit, points = gsa.morris_design(params, ex.trajectories, ex.levels, ex.seed)
    results = evaluate_design(cfg, params, points, execution, out, "morris")
    write_atomic_parquet(out / "design.parquet", results)
    indices = gsa.morris_indices(params, unit, results, outcomes, ex.levels, ex.seed)
    write_atomic_parquet(out / "morris.parquet", indices)
    top = gsa.top_parameters(indices, ex.top.per_outcome, ex.top.relative)
    write_atomic_text(out / "top_parameters.yaml", OmegaConf.to_yaml({"explore": {"include": top}}))
    figures.morris_bars(indices, out / "morris.png")
    lines = [
        str(ex.description).strip(),
        "",
        f"{len(params)} parameters (every ranged seed selected), {ex.trajectories} trajectories, "
        f"{ex.levels} levels: "
        f"{len(points)} points x {ex.replications} replication(s), scenario `{cfg.scenario.name}`. "
        "mu* is in outcome units per whole seeded range.",
        "",
        f"Top parameters (up to {ex.top.per_outcome} per outcome with mu* >= {ex.top.relative:g} "
        "of the outcome's top), "
        "the Sobol study's default space:",
        "",
        *[f"- `{name}`" for name in top],
        "",
    ]
    for outcome in outcomes:
        frame = indices[indices["outcome"] == outcome].head(ex.report_rows)
        lines += [
            f"## {SCALARS[outcome][1]}",
            "",
            *markdown_table(
                ["parameter", "mu*", "mu* 95% conf", "mu", "sigma"],
                [
                    [r.parameter, fmt(r.mu_star), fmt(r.mu_star_conf), fmt(r.mu), fmt(r.sigma)]
                    for r in frame.itertuples()
                ],
            ),
            "",
        ]
    lines += [
        "![morris](morris.png)",
        "",
        "Files: space.parquet, design.parquet, morris.parquet, top_parameters.yaml.",
    ]
    return lines, {"parameters": len(params), "points": len(points), "top": top}

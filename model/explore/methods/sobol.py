"""Sobol indices, first and total order, of the selected ranged seeds (explore=sobol)."""

from __future__ import annotations

from pathlib import Path

from omegaconf import DictConfig

from model.explore import figures, gsa
from model.explore.evaluate import SCALARS
from model.explore.shared import Execution, evaluate_design, study_outcomes, study_space
from model.explore.space import table
from model.results.files import write_atomic_parquet
from model.results.report import markdown_table


def run(cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]) -> tuple[list[str], dict]:
    ex = cfg.explore
    params, outcomes = study_space(cfg), study_outcomes(ex)
    write_atomic_parquet(out / "space.parquet", table(params))
    unit, points = gsa.sobol_design(params, ex.base_samples, ex.seed)
    results = evaluate_design(cfg, params, points, execution, out, "sobol")
    write_atomic_parquet(out / "design.parquet", results)
    indices = gsa.sobol_indices(params, unit, results, outcomes, ex.resamples, ex.confidence, ex.seed)
    write_atomic_parquet(out / "sobol.parquet", indices)
    figures.sobol_bars(indices, out / "sobol.png")
    lines = [
        str(ex.description).strip(),
        "",
        f"{len(params)} parameters, {ex.base_samples} base samples (Saltelli design, first and total order): "
        f"{len(points)} points x {ex.replications} replication(s), scenario `{cfg.scenario.name}`. "
        f"Intervals: {100 * ex.confidence:.0f}% bootstrap ({ex.resamples} resamples).",
        "",
    ]
    for outcome in outcomes:
        frame = indices[indices["outcome"] == outcome]
        lines += [
            f"## {SCALARS[outcome][1]}",
            "",
            *markdown_table(
                ["parameter", "S1", "S1 ±", "ST", "ST ±"],
                [
                    [r.parameter, f"{r.S1:.3f}", f"{r.S1_conf:.3f}", f"{r.ST:.3f}", f"{r.ST_conf:.3f}"]
                    for r in frame.itertuples()
                ],
            ),
            "",
        ]
    lines += ["![sobol](sobol.png)", "", "Files: space.parquet, design.parquet, sobol.parquet."]
    return lines, {"parameters": len(params), "points": len(points)}

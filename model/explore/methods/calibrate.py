"""Calibration: a least-squares grid fit of ranged seeds to the record's targets (explore=calibrate)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from omegaconf import DictConfig, OmegaConf

from model.config.errors import ConfigError
from model.config.paths import REPO_ROOT
from model.config.spec import build_spec
from model.explore import figures
from model.explore import targets as cal
from model.explore.shared import Execution, evaluate_design, fmt, model_config
from model.explore.space import apply, seed_parameters
from model.results.files import write_atomic_parquet, write_atomic_text
from model.results.report import markdown_table
from model.sim.greyzone import GreyzoneModel


def run(cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]) -> tuple[list[str], dict]:
    ex = cfg.explore
    episode = cal.episode_from(str(ex.episode))
    if episode.scenario != cfg.scenario.name:
        raise ConfigError(
            "explore.episode",
            f"{episode.name} is replayed by scenario {episode.scenario}, not {cfg.scenario.name}",
        )
    targets = list(episode.targets)
    if not any(t.in_sample for t in targets):
        raise ConfigError("explore.episode", f"{episode.name} has no in_sample target to fit")
    grid_values = _flatten(OmegaConf.to_container(ex.grid, resolve=True))
    params = []
    for name, values in grid_values.items():
        found = seed_parameters(cfg, [name])
        if len(found) != 1 or not values:
            raise ConfigError(f"explore.grid.{name}", "must name one ranged seed with a list of values")
        params.append(found[0])
    points = cal.grid(grid_values)
    measure = cal.TargetMeasure(targets)
    results = evaluate_design(cfg, params, points, execution, out, "calibrate", measure)
    write_atomic_parquet(out / "grid.parquet", results)
    comparison = cal.compare(results, targets)
    loss = cal.losses(comparison)
    best = int(loss.idxmin())
    best_values = points.iloc[best].to_dict()
    table_best = cal.calibrated_table(results, targets, best)
    write_atomic_parquet(out / "calibrated.parquet", table_best)
    write_atomic_text(out / "calibrated.yaml", OmegaConf.to_yaml({"seeds": _nested(best_values)}))

    # paths at the calibrated point, for the figure
    best_cfg = apply(model_config(cfg), best_values, params)
    spec = build_spec(best_cfg)
    dates = [spec.run.start_date + dt.timedelta(weeks=w) for w in range(spec.run.horizon_weeks)]
    path_rows = []
    for r in range(ex.replications):
        model = GreyzoneModel(spec, r)
        model.run()
        series = model.recorder.result()
        for material in ex.figure.materials:
            m = list(series.materials).index(material)
            path_rows.append(
                pd.DataFrame(
                    {
                        "replication": r,
                        "date": dates,
                        "material": material,
                        "value": series.material["price_multiple"][:, m],
                    }
                )
            )
    paths = pd.concat(path_rows)
    prices = paths.groupby(["material", "date"], sort=False)["value"].quantile([0.05, 0.5, 0.95]).unstack()
    prices.columns = ["q05", "q50", "q95"]
    prices = prices.reset_index()
    end = dt.date.fromisoformat(str(ex.figure.end))
    prices = prices[prices["date"] <= end]
    records = pd.DataFrame(
        [
            {"date": dt.date.fromisoformat(t.end), "material": t.material, "observed": t.record}
            for t in targets
            if t.kind == "price_multiple"
        ]
    )
    imports = []
    for t in targets:
        if t.kind == "monthly_imports":
            row = table_best[table_best["target"] == t.name].iloc[0]
            imports.append(
                {
                    "month": t.month,
                    "origin": t.origin,
                    "observed": row["record"],
                    **row[["model_mean", "model_p5", "model_p95"]].to_dict(),
                }
            )
    figures.calibration_figure(table_best, pd.DataFrame(imports), prices, records, out / "calibration.png")

    lines = [
        str(ex.description).strip(),
        "",
        f"Method: least-squares fit over a grid of {len(points)} points x {ex.replications} replications "
        "(common random numbers); loss = mean squared log(model / record) over the in-sample targets of "
        f"{_shown(episode.path)}; the held-out targets are reported out of sample. "
        f"Least loss {loss.min():.3f} "
        f"(grid median {loss.median():.3f}).",
        "",
        "## Calibrated values",
        "",
        *markdown_table(
            ["parameter", "calibrated", "grid", "seeded range"],
            [
                [
                    p.name,
                    fmt(best_values[p.name]),
                    ", ".join(fmt(v) for v in grid_values[p.name]),
                    f"{fmt(p.low)}-{fmt(p.high)}",
                ]
                for p in params
            ],
        ),
        "",
        "## Record against model at the calibrated point",
        "",
        *markdown_table(
            [
                "target",
                "role",
                "record",
                "model mean",
                "model 5-95%",
                "log ratio",
                "tolerance",
                "within",
                "source",
            ],
            [
                [
                    r.target,
                    r.role,
                    fmt(r.record),
                    fmt(r.model_mean),
                    f"{fmt(r.model_p5)}-{fmt(r.model_p95)}",
                    f"{r.log_ratio:+.2f}",
                    f"±{r.tolerance:.2f}",
                    "yes" if r.within else "no",
                    r.source,
                ]
                for r in table_best.itertuples()
            ],
        ),
        "",
        "![calibration](calibration.png)",
        "",
        "Files: grid.parquet (every grid point and replication), calibrated.parquet, "
        "calibrated.yaml (the values for seeds/).",
    ]
    summary = {
        "calibrated": best_values,
        "loss": float(loss.min()),
        "within": {r.target: bool(r.within) for r in table_best.itertuples()},
    }
    return lines, summary


def _flatten(node: dict, prefix: str = "") -> dict[str, list]:
    """{group: {seed: [values]}} as {"group.seed": [values]}."""
    flat: dict[str, list] = {}
    for key, value in node.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = list(value) if isinstance(value, list) else [value]
    return flat


def _nested(values: dict[str, float]) -> dict:
    root: dict = {}
    for name, value in values.items():
        node = root
        for part in name.split("."):
            node = node.setdefault(part, {})
        node["value"] = float(value)
    return root


def _shown(path: Path | None) -> str:
    """A targets file as the report shows it: relative to the repository when inside it."""
    if path is None:
        return "its targets file"
    return str(path.relative_to(REPO_ROOT)) if path.is_relative_to(REPO_ROOT) else str(path)

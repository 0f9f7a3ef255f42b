"""The exploration studies: calibration, Morris, Sobol and PRIM, each into one directory.

`run_study` is the plain function behind `greyzone-explore`; tests call it with a composed
config. Every file is written atomically; `study.json` (status "complete") comes last.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.config.paths import CONFIG_DIR
from model.config.spec import build_spec
from model.explore import discovery, figures, gsa
from model.explore import targets as cal
from model.explore.evaluate import SCALARS, Dispatch, default_measure, evaluate
from model.explore.settings import validate_explore
from model.explore.space import Parameter, apply, extra_parameters, require, seed_parameters, table
from model.results.files import STUDY_MARKER, write_atomic_parquet, write_atomic_text
from model.results.report import _table
from model.runs.checkpoint import CONFIG, STUDY_CHECKPOINTS, fingerprint
from model.runs.resources import check_memory
from model.sim.greyzone import GreyzoneModel

log = logging.getLogger(__name__)

MARKER = STUDY_MARKER


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


def run_study(
    cfg: DictConfig,
    output_dir: Path,
    overrides: Sequence[str] = (),
    dispatch: Dispatch | None = None,
    launcher: str | None = None,
) -> Path:
    """Run the study `cfg.explore.method` into `output_dir`; return the report's path.

    With `dispatch` (as `greyzone-explore -m` does), the design's chunks run as jobs of the
    Hydra launcher `launcher`; the files are the same as a local run's."""
    method = check_study(cfg)
    ex = cfg.explore
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    resume = bool(OmegaConf.select(cfg, "run.resume", default=False))
    directory = "hydra.sweep.dir" if dispatch is not None else "hydra.run.dir"  # the key naming `out`
    if (out / MARKER).exists():
        if resume:
            log.info("%s: already complete in %s (resumed: nothing to run)", method, out)
            return out / "report.md"
        raise ConfigError(directory, f"{out} already holds a finished study; choose another directory")
    _open_checkpoints(out, OmegaConf.to_container(cfg, resolve=True), resume, directory)
    cfg = with_study(model_config(cfg), ex)
    execution = Execution(_workers(ex.get("workers")), dispatch, launcher)
    clock = time.perf_counter()
    started = dt.datetime.now(dt.UTC)
    runner: Callable[..., tuple[list[str], dict[str, Any]]] = {
        "calibrate": _calibrate,
        "morris": _morris,
        "sobol": _sobol,
        "prim": _prim,
    }[method]
    lines, summary = runner(cfg, out, execution, list(overrides))
    wall = time.perf_counter() - clock
    command = " ".join(["greyzone-explore", *(["-m"] if dispatch else []), *overrides])
    header = [
        f"# {ex.get('title', method)}",
        "",
        f"Made by `{command}` on {started:%Y-%m-%d} in {wall / 60:.1f} minutes"
        f" {execution.describe()}; regenerate with the same command.",
        "",
    ]
    report = out / "report.md"
    write_atomic_text(report, "\n".join(header + lines) + "\n")
    write_atomic_text(out / "config.yaml", OmegaConf.to_yaml(cfg))
    marker = {
        "status": "complete",
        "method": method,
        "overrides": list(overrides),
        "started_at": started.isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 1),
        "workers": execution.workers if dispatch is None else None,
        "launcher": launcher if dispatch is not None else None,
        "summary": summary,
    }
    write_atomic_text(out / MARKER, json.dumps(marker, indent=2, default=str) + "\n")
    shutil.rmtree(out / STUDY_CHECKPOINTS, ignore_errors=True)
    log.info("%s: finished in %.1f minutes -> %s", method, wall / 60, report)
    return report


def _open_checkpoints(out: Path, config: dict, resume: bool, directory: str) -> None:
    """A study's chunk checkpoints: refuse an unfinished study unless resuming the same config."""
    root = out / STUDY_CHECKPOINTS
    record = root / CONFIG
    now = fingerprint(config)
    if record.exists():
        if not resume:
            raise ConfigError(
                directory,
                f"{out} holds an unfinished study; add run.resume=true to continue it, "
                "or choose another directory",
            )
        if json.loads(record.read_text())["fingerprint"] != now:
            raise ConfigError(
                "run.resume",
                f"the unfinished study in {out} has a different config; resume with the same command",
            )
    root.mkdir(parents=True, exist_ok=True)
    write_atomic_text(record, json.dumps({"fingerprint": now}) + "\n")


def check_study(cfg: DictConfig) -> str:
    """Validate the study's settings and its model config before anything runs; the method."""
    spec = build_spec(model_config(cfg))
    scenarios = tuple(sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml")))
    method = validate_explore(cfg, scenarios, spec.seeds.materials.names)
    if method != "calibrate":
        _space(cfg)  # the patterns and extras must select a non-empty, valid space
    check_memory(spec, _workers(cfg.explore.get("workers")))
    return method


def model_config(cfg: DictConfig) -> DictConfig:
    """The model's part of a study config (everything but `explore`)."""
    return OmegaConf.masked_copy(cfg, [str(k) for k in cfg if k != "explore"])


def with_study(model: DictConfig, ex: DictConfig) -> DictConfig:
    """Keep the study settings beside (not inside) the model config: `explore` on a copy."""
    out = model.copy()
    OmegaConf.set_struct(out, False)
    out.explore = ex
    return out


def _workers(value: Any) -> int:
    if value is None or value == "auto":
        return max(1, os.cpu_count() or 1)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError("explore.workers", f"got {value!r}; must be an integer >= 1 or auto")
    return value


def _outcomes(ex: DictConfig) -> list[str]:
    names = list(ex.outcomes)
    for name in names:
        if name not in SCALARS:
            raise ConfigError("explore.outcomes", f"unknown outcome '{name}'; allowed: {', '.join(SCALARS)}")
    return names


def _space(cfg: DictConfig) -> list[Parameter]:
    ex = cfg.explore
    params = seed_parameters(cfg, list(ex.get("include") or ["*"]), list(ex.get("exclude") or []))
    extra = ex.get("extra")
    params += extra_parameters(cfg, OmegaConf.to_container(extra, resolve=True) if extra else {})
    require(params, "explore.include")
    return params


def _fmt(value: float) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return f"{value:.3g}"


# calibration ---------------------------------------------------------------------------------
def _calibrate(
    cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]
) -> tuple[list[str], dict]:
    ex = cfg.explore
    targets = cal.parse_targets(OmegaConf.to_container(ex.targets, resolve=True))
    grid_values = _flatten(OmegaConf.to_container(ex.grid, resolve=True))
    params = []
    for name, values in grid_values.items():
        found = seed_parameters(cfg, [name])
        if len(found) != 1 or not values:
            raise ConfigError(f"explore.grid.{name}", "must name one ranged seed with a list of values")
        params.append(found[0])
    points = cal.grid(grid_values)
    measure = cal.TargetMeasure(targets)
    results = _evaluate_design(cfg, params, points, execution, out, "calibrate", measure)
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
            {"date": dt.date.fromisoformat(t.end), "material": t.material, "observed": t.observed}
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
                    **row[["observed", "model_mean", "model_p5", "model_p95"]].to_dict(),
                }
            )
    figures.calibration_figure(table_best, pd.DataFrame(imports), prices, records, out / "calibration.png")

    lines = [
        str(ex.description).strip(),
        "",
        f"Method: least-squares fit over a grid of {len(points)} points x {ex.replications} replications "
        "(common random numbers); loss = mean squared log(model / record) over the fit targets; the "
        f"held-out targets are reported out of sample. Least loss {loss.min():.3f} "
        f"(grid median {loss.median():.3f}).",
        "",
        "## Calibrated values",
        "",
        *_table(
            ["parameter", "calibrated", "grid", "seeded range"],
            [
                [
                    p.name,
                    _fmt(best_values[p.name]),
                    ", ".join(_fmt(v) for v in grid_values[p.name]),
                    f"{_fmt(p.low)}-{_fmt(p.high)}",
                ]
                for p in params
            ],
        ),
        "",
        "## Record against model at the calibrated point",
        "",
        *_table(
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
                    _fmt(r.observed),
                    _fmt(r.model_mean),
                    f"{_fmt(r.model_p5)}-{_fmt(r.model_p95)}",
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


def _evaluate_design(
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


# Morris --------------------------------------------------------------------------------------
def _morris(cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]) -> tuple[list[str], dict]:
    ex = cfg.explore
    params, outcomes = _space(cfg), _outcomes(ex)
    write_atomic_parquet(out / "space.parquet", table(params))
    unit, points = gsa.morris_design(params, ex.trajectories, ex.levels, ex.seed)
    results = _evaluate_design(cfg, params, points, execution, out, "morris")
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
            *_table(
                ["parameter", "mu*", "mu* 95% conf", "mu", "sigma"],
                [
                    [r.parameter, _fmt(r.mu_star), _fmt(r.mu_star_conf), _fmt(r.mu), _fmt(r.sigma)]
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


# Sobol ---------------------------------------------------------------------------------------
def _sobol(cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]) -> tuple[list[str], dict]:
    ex = cfg.explore
    params, outcomes = _space(cfg), _outcomes(ex)
    write_atomic_parquet(out / "space.parquet", table(params))
    unit, points = gsa.sobol_design(params, ex.base_samples, ex.seed)
    results = _evaluate_design(cfg, params, points, execution, out, "sobol")
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
            *_table(
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


# PRIM ----------------------------------------------------------------------------------------
def _prim(cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]) -> tuple[list[str], dict]:
    ex = cfg.explore
    params = _space(cfg)
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
            *_table(
                ["parameter", "box low", "box high", "full range", "quasi-p (low, high)"],
                [
                    [
                        r.parameter,
                        _fmt(r.low),
                        _fmt(r.high),
                        f"{_fmt(r.full_low)}-{_fmt(r.full_high)}",
                        f"{_fmt(r.qp_low)}, {_fmt(r.qp_high)}",
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
    table = pd.read_parquet(file)
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

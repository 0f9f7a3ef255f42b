"""Posterior: ABC-SMC (pyabc) of the calibrated seeds over the in-sample targets (explore=posterior).

Writes posterior.csv (the weighted particles of the last generation), generations.parquet
(epsilon, evaluations and acceptance per generation), the figure of the marginals against the
priors, and, with `explore.save_as=<name>`, the sample into seeds/posterior/<name>.csv (with
<name>.yaml saying how it was made), which `run.parameters=posterior run.posterior=<name>`
draws from.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from joblib import Parallel, delayed
from omegaconf import DictConfig, OmegaConf

from model.config import posterior as sample_file
from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.explore import abc_smc, figures
from model.explore import targets as tg
from model.explore.shared import Execution, fmt, model_config
from model.explore.space import Parameter, seed_parameters
from model.results.files import write_atomic_parquet, write_atomic_text
from model.results.report import markdown_table

SAMPLE = "posterior.csv"
GENERATIONS = "generations.parquet"
FIGURE = "posterior.png"
CONSTRAINED = 0.5  # a seed is constrained when its 5-95% band is under half its prior range


def run(cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]) -> tuple[list[str], dict]:
    ex = cfg.explore
    if cfg.run.parameters != "seeded":
        raise ConfigError("run.parameters", "the calibration sets the calibrated seeds itself; use seeded")
    episodes = [tg.episode_from(str(name), "explore.episodes") for name in ex.episodes]
    runs = [_episode_run(e, overrides) for e in episodes]
    if not any(r.targets for r in runs):
        raise ConfigError("explore.episodes", "none of them has an in_sample target to fit")
    parameters = _parameters(ex, runs)
    simulator = abc_smc.Simulator([r for r in runs if r.targets], parameters, int(ex.replications))
    targets = [t for r in runs for t in r.targets]
    sampler = abc_smc.SeededMappingSampler(_mapper(execution.workers), int(ex.seed))
    np.random.seed(int(ex.seed))  # noqa: NPY002 (pyabc draws its proposals and kernels from the legacy generator)
    abc = abc_smc.make_abc(simulator, targets, int(ex.population), sampler)
    abc.new(f"sqlite:///{out / 'abc.db'}", {t.name: t.record for t in targets})
    history = abc.run(minimum_epsilon=float(ex.min_epsilon), max_nr_populations=int(ex.generations))

    particles, weights = history.get_distribution(m=0, t=history.max_t)
    table = pd.DataFrame({"weight": weights / weights.sum()})
    for p, key in zip(parameters, abc_smc.particle_keys(parameters), strict=True):
        table[p.name] = particles[key].to_numpy(dtype=float)
    generations = _generations(history)
    write_atomic_text(out / SAMPLE, table.to_csv(index=False, float_format="%.6g"))
    write_atomic_parquet(out / GENERATIONS, generations)
    sample = sample_file.load(out / SAMPLE, "explore")
    summary_table = _summary(sample, parameters)
    figures.posterior_figure(table, parameters, generations, out / FIGURE)
    made = {
        "made_by": " ".join(["greyzone-explore", *overrides]),
        "made_on": dt.date.today().isoformat(),
        "method": "ABC-SMC (pyabc), uniform priors over the seeded ranges, distance = root mean square of "
        "log(model / record) in units of each target's tolerance",
        "episodes": [e.name for e in episodes],
        "targets": [t.name for t in targets],
        "population": int(ex.population),
        "replications_per_particle": int(ex.replications),
        "generations": len(generations),
        "final_epsilon": float(generations["epsilon"].iloc[-1]),
        "evaluations": int(generations["evaluations"].sum()),
        "seed": int(ex.seed),
        "priors": {p.name: [p.low, p.high] for p in parameters},
    }
    saved = ""
    if ex.get("save_as"):
        saved = _install(str(ex.save_as), table, made)

    lines = [
        str(ex.description).strip(),
        "",
        f"ABC-SMC (pyabc) over {len(parameters)} seeds, uniform priors over their seeded ranges, "
        f"{int(ex.population)} particles, {int(ex.replications)} replication(s) per particle; distance: "
        "root mean square of log(model / record) in units of each target's tolerance (1: within "
        f"tolerance on average), over the in-sample targets {', '.join(made['targets'])}. "
        f"{len(generations)} generations, {made['evaluations']:,} simulations; final epsilon "
        f"{made['final_epsilon']:.3f} (stop at {float(ex.min_epsilon):g} or after {int(ex.generations)}).",
        "",
        "## The posterior against the priors",
        "",
        *markdown_table(
            [
                "seed",
                "prior (seeded range)",
                "seeded value",
                "posterior 5 / 50 / 95",
                "band / prior",
                "constrained",
            ],
            [
                [
                    r.seed,
                    f"{fmt(r.low)}-{fmt(r.high)}",
                    fmt(r.seeded),
                    f"{fmt(r.q05)} / {fmt(r.q50)} / {fmt(r.q95)}",
                    f"{r.band_share:.2f}",
                    "yes" if r.constrained else "no",
                ]
                for r in summary_table.itertuples()
            ],
        ),
        "",
        "## Generations",
        "",
        *markdown_table(
            ["generation", "epsilon", "simulations", "acceptance"],
            [
                [int(g.t), f"{g.epsilon:.3f}", f"{int(g.evaluations):,}", f"{g.acceptance:.2f}"]
                for g in generations.itertuples()
            ],
        ),
        "",
        f"![posterior]({FIGURE})",
        "",
        f"Files: {SAMPLE} (weighted particles), {GENERATIONS}, abc.db (pyabc's history).{saved}",
    ]
    summary = {
        "final_epsilon": made["final_epsilon"],
        "evaluations": made["evaluations"],
        "constrained": [r.seed for r in summary_table.itertuples() if r.constrained],
    }
    return lines, summary


def _episode_run(episode: tg.Episode, overrides: list[str]) -> abc_smc.EpisodeRun:
    """The episode's replay config, shortened to its in-sample windows, and its in-sample targets."""
    base = [o for o in overrides if not o.startswith(("scenario=", "explore="))]
    composed = compose_config(
        [f"scenario={episode.scenario}", *episode.overrides, *base, "explore=posterior"],
        config_name="explore",
    )
    config = model_config(composed)
    fitted = [t for t in episode.targets if t.in_sample]
    start = dt.date.fromisoformat(str(config.run.start_date))
    weeks = abc_smc.fitted_horizon(episode, start)
    if 0 < weeks < int(config.run.horizon_weeks):
        config.run.horizon_weeks = weeks
    if not any(t.kind == "outcome" for t in fitted):
        config.run.counterfactual = "none"  # levels on record: no pairing needed
    return abc_smc.EpisodeRun(episode.name, OmegaConf.to_container(config, resolve=True), tuple(fitted))


def _parameters(ex: DictConfig, runs: list[abc_smc.EpisodeRun]) -> list[Parameter]:
    """The seeds to calibrate: each a ranged seed, with the same range, in every episode's config."""
    chosen: list[Parameter] = []
    for name in ex.parameters:
        found = None
        for r in runs:
            match = [p for p in seed_parameters(OmegaConf.create(r.config), [str(name)]) if p.name == name]
            if not match:
                raise ConfigError("explore.parameters", f"{name} is no ranged seed of episode {r.name}")
            if found is not None and (match[0].low, match[0].high) != (found.low, found.high):
                raise ConfigError(
                    "explore.parameters", f"{name} has another seeded range in episode {r.name}"
                )
            found = match[0]
        chosen.append(found)
    if not chosen:
        raise ConfigError("explore.parameters", "must name at least one ranged seed")
    return chosen


def _mapper(workers: int):
    if workers <= 1:
        return map

    def parallel_map(function, items):
        return Parallel(n_jobs=workers)(delayed(function)(item) for item in items)

    return parallel_map


def _generations(history) -> pd.DataFrame:
    populations = history.get_all_populations()
    populations = populations[populations["t"] >= 0]
    return pd.DataFrame(
        {
            "t": populations["t"].astype(int).to_numpy(),
            "epsilon": populations["epsilon"].to_numpy(dtype=float),
            "evaluations": populations["samples"].astype(int).to_numpy(),
            "particles": populations["particles"].astype(int).to_numpy(),
        }
    ).assign(acceptance=lambda g: g["particles"] / g["evaluations"])


def _summary(sample: sample_file.PosteriorSample, parameters: list[Parameter]) -> pd.DataFrame:
    quantiles = sample.quantiles()
    rows = []
    for p in parameters:
        q05, q50, q95 = quantiles.loc[p.name, ["q05", "q50", "q95"]]
        share = (q95 - q05) / (p.high - p.low)
        rows.append(
            {
                "seed": p.name,
                "low": p.low,
                "high": p.high,
                "seeded": p.base,
                "q05": q05,
                "q50": q50,
                "q95": q95,
                "band_share": share,
                "constrained": bool(share < CONSTRAINED),
            }
        )
    return pd.DataFrame(rows)


def _install(name: str, table: pd.DataFrame, made: dict) -> str:
    """Write the sample into seeds/posterior/<name>.csv and how it was made into <name>.yaml."""
    directory = sample_file.POSTERIOR_DIR
    directory.mkdir(parents=True, exist_ok=True)
    header = f"# posterior sample: how it was made is in {name}.yaml\n"
    write_atomic_text(directory / f"{name}.csv", header + table.to_csv(index=False, float_format="%.6g"))
    write_atomic_text(directory / f"{name}.yaml", yaml.safe_dump(made, sort_keys=False))
    return (
        f" The sample is saved as seeds/posterior/{name}.csv (run.parameters=posterior run.posterior={name})."
    )

"""Validation: every episode replayed, every target scored against the record (explore=validate).

Each episode of `explore.episodes` (seeds/targets/<episode>.yaml) runs its scenario with the
same replications; the saved runs (runs.parquet: one row per episode and replication, each
target's value and the monthly paths) are all the scorecard reads, so `explore.runs=<a
finished validate study>` rebuilds the scorecard, its figures and the docs section from them
without running anything.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig

from model.config import posterior
from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.config.paths import REPO_ROOT
from model.explore import figures
from model.explore import targets as tg
from model.explore.evaluate import evaluate
from model.explore.shared import Execution, fmt, model_config
from model.results.files import STUDY_CHECKPOINTS, read_study_table, write_atomic_parquet, write_atomic_text
from model.results.report import markdown_table

RUNS = "runs.parquet"
SCORECARD = "scorecard.parquet"
BEGIN, END = (
    "<!-- scorecard:begin (written by greyzone-explore explore=validate) -->",
    "<!-- scorecard:end -->",
)


def run(cfg: DictConfig, out: Path, execution: Execution, overrides: list[str]) -> tuple[list[str], dict]:
    ex = cfg.explore
    episodes = [tg.episode_from(str(name), "explore.episodes") for name in ex.episodes]
    if ex.get("runs"):
        runs = _read_runs(Path(str(ex.runs)), [e.name for e in episodes])
    else:
        runs = _replay(episodes, ex, execution, overrides, out)
    write_atomic_parquet(out / RUNS, runs)
    card = scorecard(runs, episodes)
    write_atomic_parquet(out / SCORECARD, card)
    for episode in episodes:
        figures.validation_figure(
            episode, card[card["episode"] == episode.name], _paths(runs, episode.name), out / _figure(episode)
        )
    section = scorecard_section(card, episodes, int(runs["replication"].nunique()), _parameters_text(cfg))
    lines = [str(ex.description).strip(), "", *section]
    docs = ex.get("docs")
    if docs:
        path = Path(str(docs))
        path = path if path.is_absolute() else REPO_ROOT / path
        write_docs(path, section, out, episodes)
        lines += ["", f"The scorecard above is also written into {path} (between its scorecard markers)."]
    lines += ["", f"Files: {RUNS} (every episode and replication), {SCORECARD}, the figures."]
    summary = {
        "targets": len(card),
        "within": int(card["within"].sum()),
        "held_out_within": int(card.loc[card["role"] == "held_out", "within"].sum()),
        "held_out": int((card["role"] == "held_out").sum()),
    }
    return lines, summary


def _replay(
    episodes: list[tg.Episode], ex: DictConfig, execution: Execution, overrides: list[str], out: Path
) -> pd.DataFrame:
    """Run every episode's scenario with the same replications; one row per episode and replication.

    The episodes run side by side on the local workers (one saved chunk each), or one after
    another as launcher jobs."""
    base = [o for o in overrides if not o.startswith(("scenario=", "explore="))]
    jobs = []
    for episode in episodes:
        composed = compose_config(
            [f"scenario={episode.scenario}", *episode.overrides, *base, "explore=validate"],
            config_name="explore",
        )
        jobs.append((episode, model_config(composed)))
    side_by_side = execution.dispatch is None and execution.workers > 1 and len(jobs) > 1
    if side_by_side:
        runner = Parallel(n_jobs=min(execution.workers, len(jobs)), backend="loky")
        frames = runner(delayed(_episode_rows)(e, c, ex, 1, None, out) for e, c in jobs)
    else:
        frames = [_episode_rows(e, c, ex, execution.workers, execution.dispatch, out) for e, c in jobs]
    return pd.concat(frames, ignore_index=True)


def _episode_rows(
    episode: tg.Episode, config: DictConfig, ex: DictConfig, workers: int, dispatch: Any, out: Path
) -> pd.DataFrame:
    """One episode's replications, measured on its targets (its chunk saved for resumption)."""
    return evaluate(
        config,
        [],
        pd.DataFrame(index=[0]),
        ex.replications,
        workers,
        ex.chunk_size,
        tg.TargetMeasure(episode.targets, paths=True),
        label=f"validate {episode.name}",
        case={"episode": episode.name},
        checkpoint=out / STUDY_CHECKPOINTS / f"validate_{episode.name}",
        dispatch=dispatch,
    ).drop(columns="point")


def _read_runs(path: Path, names: list[str]) -> pd.DataFrame:
    """The saved runs of a finished validate study, checked against the episodes asked for."""
    file = path / RUNS if path.is_dir() else path
    if not file.is_file():
        raise ConfigError("explore.runs", f"{file}: not found; point it at a finished validate study")
    runs = read_study_table(file)
    missing = sorted(set(names) - set(runs.get("episode", pd.Series(dtype=str))))
    if missing:
        raise ConfigError("explore.runs", f"{file}: has no runs of episode(s) {', '.join(missing)}")
    return runs[runs["episode"].isin(names)].reset_index(drop=True)


def scorecard(runs: pd.DataFrame, episodes: list[tg.Episode]) -> pd.DataFrame:
    """Per target: record, model 5/50/95 over replications, log ratio of the median, verdicts."""
    rows = []
    for episode in episodes:
        mine = runs[runs["episode"] == episode.name]
        for t in episode.targets:
            values = mine[t.name].to_numpy(dtype=float)
            reached = values[~np.isnan(values)]
            p5, p50, p95 = np.percentile(reached, [5, 50, 95]) if len(reached) else (np.nan,) * 3
            ratio = float(tg.log_ratio(p50, t.record)) if len(reached) else float("nan")
            rows.append(
                {
                    "episode": episode.name,
                    "target": t.name,
                    "kind": t.kind,
                    "window": t.window,
                    "role": t.role,
                    "record": t.record,
                    "unit": t.unit,
                    "p5": float(p5),
                    "p50": float(p50),
                    "p95": float(p95),
                    "replications": len(reached),
                    "log_ratio": ratio,
                    "tolerance": t.tolerance,
                    "within": bool(abs(ratio) <= t.tolerance),
                    "record_in_band": bool(len(reached) and p5 <= t.record <= p95),
                    "source": t.source,
                }
            )
    return pd.DataFrame(rows)


def _parameters_text(cfg: DictConfig) -> str:
    """Where the replications' parameters come from, as the scorecard says it."""
    if cfg.run.parameters != "posterior":
        return "at the seeded parameters"
    sample = posterior.load(posterior.resolve(str(cfg.run.posterior)))
    shown = sample.path.relative_to(REPO_ROOT) if sample.path.is_relative_to(REPO_ROOT) else sample.path
    return (
        f"with each replication's {', '.join(sample.names)} drawn from the posterior ({shown}, "
        f"{len(sample.weights)} particles; run.parameters=posterior)"
    )


def scorecard_section(
    card: pd.DataFrame,
    episodes: list[tg.Episode],
    replications: int,
    parameters: str = "at the seeded parameters",
) -> list[str]:
    """The scorecard as markdown: one table per episode, then its figure."""
    held = card[card["role"] == "held_out"]
    lines = [
        f"Model 5 / 50 / 95 over {replications} replications {parameters}; *within*: "
        "|log(model median / record)| at most the target's tolerance; *in band*: the record lies "
        f"between the model's 5th and 95th percentiles. {int(card['within'].sum())} of {len(card)} "
        f"targets within tolerance, {int(held['within'].sum())} of {len(held)} held-out ones.",
        "",
    ]
    for episode in episodes:
        mine = card[card["episode"] == episode.name]
        lines += [f"### {episode.name}: {episode.description}", ""]
        lines += markdown_table(
            [
                "target",
                "window",
                "role",
                "record",
                "unit",
                "model 5 / 50 / 95",
                "log ratio",
                "tol.",
                "within",
                "in band",
                "source",
            ],
            [
                [
                    r.target,
                    r.window,
                    r.role.replace("_", "-"),
                    fmt(r.record),
                    r.unit,
                    f"{fmt(r.p5)} / {fmt(r.p50)} / {fmt(r.p95)}",
                    f"{r.log_ratio:+.2f}"
                    if np.isfinite(r.log_ratio)
                    else ("n/a" if np.isnan(r.log_ratio) else "-inf"),
                    f"±{r.tolerance:.2f}",
                    "yes" if r.within else "no",
                    "yes" if r.record_in_band else "no",
                    r.source,
                ]
                for r in mine.itertuples()
            ],
        )
        lines += ["", f"![{episode.name}: model against record](figures/{_figure(episode)})", ""]
    return lines


def write_docs(path: Path, section: list[str], out: Path, episodes: list[tg.Episode]) -> None:
    """Put the scorecard between the markers of `path` (appended with them if absent); the figures
    are copied beside it (figures/validation_<episode>.png)."""
    text = path.read_text() if path.exists() else ""
    block = "\n".join([BEGIN, "", *section, END])
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + ("\n\n" if text else "") + "## Scorecard\n\n" + block + "\n"
    (path.parent / "figures").mkdir(parents=True, exist_ok=True)
    for episode in episodes:
        source = out / _figure(episode)
        (path.parent / "figures" / _figure(episode)).write_bytes(source.read_bytes())
    write_atomic_text(path, text)


def _figure(episode: tg.Episode) -> str:
    return f"validation_{episode.name}.png"


def _paths(runs: pd.DataFrame, episode: str) -> pd.DataFrame:
    """Monthly paths of one episode, tidy: series, month (its middle, as records are drawn), q05, q50, q95."""
    mine = runs[runs["episode"] == episode]
    columns = [c for c in mine.columns if c.startswith(f"{tg.PATH}|") and mine[c].notna().any()]
    rows = []
    for column in columns:
        _, series, month = column.split("|")
        q05, q50, q95 = np.nanpercentile(mine[column].to_numpy(dtype=float), [5, 50, 95])
        rows.append(
            {
                "series": series,
                "month": figures.dt_month(month),
                "q05": q05,
                "q50": q50,
                "q95": q95,
            }
        )
    return pd.DataFrame(rows, columns=["series", "month", "q05", "q50", "q95"])

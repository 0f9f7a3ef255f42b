"""Run the model at many points of a parameter space, in parallel, into one tidy table.

Each point runs the same replications (common random numbers: replication r uses
SeedSequence(run.seed, spawn_key=(r,)) at every point), so differences between points
come from the parameters, not from the draws. Points are split into chunks that joblib
workers run, or (with `dispatch`) that Hydra launcher jobs run from a saved task file; the
table is the same for any number of workers and under any launcher.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from omegaconf import DictConfig, OmegaConf

from model.catalogue.units import PER_TRILLION
from model.config.spec import build_spec, replication_spec
from model.explore.space import Parameter, apply
from model.results.files import REPAIR_STUDY, write_atomic_parquet, write_atomic_text
from model.results.integrity import DamagedFileError, read_json, read_parquet, verify
from model.results.summary import national
from model.sim.paired import Replication, simulate

log = logging.getLogger(__name__)

# Scalar outcomes of one replication that explorations analyse: name -> (outcome, description);
# every outcome is one of model.catalogue.outcomes.OUTCOMES, read as its national total.
SCALARS: dict[str, tuple[str, str]] = {
    "pressure_52w_tn_yen": (
        "pressure_52w_yen",
        "Japan's value added lost in the first 52 weeks minus its paired counterfactual's, trillion yen",
    ),
    "pressure_26w_tn_yen": (
        "pressure_26w_yen",
        "Japan's value added lost in the first 26 weeks minus its paired counterfactual's, trillion yen",
    ),
    "china_share_y10": ("china_share_y10", "China's share of Japan's supply at year 10"),
    "coalition_formed": ("coalition_formed", "1 if the US/G7 coalition formed"),
    "leverage_lost_tonnes_y10": (
        "leverage_lost_tonnes_y10",
        "points of China's share of Japan's supply (tonnes) lost by year 10 against the counterfactual",
    ),
    "leverage_lost_world_y10": (
        "leverage_lost_world_y10",
        "points of China's share of the supply outside China lost by year 10 against the counterfactual",
    ),
    "japan_conceded": ("japan_conceded", "1 if Japan conceded"),
    "concession_week": ("concession_week", "weeks from the shock start to Japan's concession (NaN: never)"),
    "coalition_week": ("coalition_week", "weeks from the shock start to the coalition's formation"),
}
YEN_SCALE = {"pressure_52w_tn_yen": PER_TRILLION, "pressure_26w_tn_yen": PER_TRILLION}


def scalar_outcomes(outcomes: pd.DataFrame) -> dict[str, float]:
    """The exploration scalars from one replication's tidy outcome table."""
    totals = national(outcomes)
    by_name = dict(zip(totals["outcome"], totals["value"], strict=True))
    return {name: float(by_name[source]) * YEN_SCALE.get(name, 1.0) for name, (source, _) in SCALARS.items()}


def run_point(
    cfg: DictConfig, replications: Sequence[int], measure: Callable[..., dict[str, float]]
) -> list[dict]:
    """Run `replications` of one configured point; one row of measurements per replication."""
    spec = build_spec(cfg)
    rows = []
    for replication in replications:
        replicated = replication_spec(cfg, spec, replication)  # its posterior draw, if any
        rows.append({"replication": replication, **measure(simulate(replicated, replication), replicated)})
    return rows


def default_measure(replication: Replication, spec: Any) -> dict[str, float]:
    """The exploration scalars of one replication (and its counterfactual)."""
    return scalar_outcomes(replication.outcomes)


def _run_chunk(
    base: dict[str, Any],
    parameters: Sequence[Parameter],
    chunk: list[tuple[int, dict[str, float]]],
    replications: Sequence[int],
    measure: Callable[..., dict[str, float]],
    case: str | None,
) -> list[dict]:
    cfg = OmegaConf.create(base)
    rows = []
    for point, values in chunk:
        for row in run_point(apply(cfg, values, parameters, case), replications, measure):
            rows.append({"point": point, **row})
    return rows


@dataclass(frozen=True)
class ChunkTask:
    """Everything a job needs to run chunks of one design, saved beside the chunks."""

    base: dict[str, Any]
    parameters: Sequence[Parameter]
    chunks: list[list[tuple[int, dict[str, float]]]]
    replications: Sequence[int]
    measure: Callable[..., dict[str, float]]
    case: str | None

    def arguments(self, index: int) -> tuple:
        """The arguments of `_run_chunk` for chunk `index` (only that chunk's points)."""
        return self.base, self.parameters, self.chunks[index], self.replications, self.measure, self.case

    def run(self, index: int) -> list[dict]:
        """The measurement rows of chunk `index`."""
        return _run_chunk(*self.arguments(index))


# Runs the chunks `todo` of the task saved in a checkpoint directory, e.g. as launcher jobs;
# returns once each of them is saved there, raises otherwise.
Dispatch = Callable[[Path, list[int]], None]
TASK = "task.pkl"


def save_task(checkpoint: Path, task: ChunkTask) -> Path:
    """Write `task` to the checkpoint directory (atomically) for jobs to load."""
    path = checkpoint / TASK
    partial = path.with_name(path.name + ".partial")
    joblib.dump(task, partial)
    os.replace(partial, path)
    return path


def run_saved_chunk(checkpoint: Path, index: int) -> Path:
    """Run chunk `index` of the task saved in `checkpoint`; save its rows there."""
    task: ChunkTask = joblib.load(checkpoint / TASK)
    if not 0 <= index < len(task.chunks):
        raise IndexError(f"{checkpoint}: chunk {index} is not in 0..{len(task.chunks) - 1}")
    return save_chunk(checkpoint, index, task.run(index))


def save_chunk(checkpoint: Path, index: int, rows: list[dict]) -> Path:
    """Save one chunk's rows, then its listing entry (size and SHA-256) beside it: a chunk
    counts as saved once both are there and agree."""
    path = chunk_file(checkpoint, index)
    entry = write_atomic_parquet(path, pd.DataFrame(rows))
    write_atomic_text(path.with_suffix(".json"), json.dumps(entry) + "\n")
    return path


def read_chunk(checkpoint: Path, index: int) -> pd.DataFrame:
    """A saved chunk's rows, checked against its listing entry (`DamagedFileError`)."""
    path = chunk_file(checkpoint, index)
    entry = read_json(path.with_suffix(".json"), REPAIR_STUDY)
    return read_parquet(path, entry, REPAIR_STUDY)


def evaluate(
    base: DictConfig,
    parameters: Sequence[Parameter],
    points: pd.DataFrame,
    replications: int = 1,
    n_jobs: int = 1,
    chunk_size: int = 8,
    measure: Callable[..., dict[str, float]] = default_measure,
    label: str = "points",
    case: Mapping[str, Any] | None = None,
    checkpoint: Path | None = None,
    dispatch: Dispatch | None = None,
) -> pd.DataFrame:
    """One row per point and replication: point, replication, parameter values, measurements.

    `points` holds one column per parameter name. `case` adds constant columns; its "case"
    entry also selects the parameters limited to some cases. With `checkpoint` (a directory),
    each finished chunk is saved there and chunks already saved are not run again; the
    table is then always read back from the saved chunks, so a resumed study gives the
    same table as an uninterrupted one. With `dispatch` (needs `checkpoint`), the unsaved
    chunks run wherever `dispatch` sends them (launcher jobs) instead of local workers.
    """
    container = OmegaConf.to_container(base, resolve=False)
    names = [p.name for p in parameters]
    values = points[names].to_dict("records")
    chunks = [
        list(enumerate(values))[start : start + chunk_size] for start in range(0, len(values), chunk_size)
    ]
    task = ChunkTask(
        container, parameters, chunks, list(range(replications)), measure, (case or {}).get("case")
    )
    log.info(
        "%s: %d points x %d replications in %d chunks %s",
        label,
        len(values),
        replications,
        len(chunks),
        "as launcher jobs" if dispatch is not None else f"on {n_jobs} workers",
    )
    saved = saved_chunks(checkpoint)
    todo = [i for i in range(len(chunks)) if i not in saved]
    if saved:
        log.info("%s: %d of %d chunks already saved (resumed)", label, len(chunks) - len(todo), len(chunks))
    if dispatch is None:
        rows = _run_local(task, todo, n_jobs, label, checkpoint)
    elif checkpoint is None:
        raise ValueError("evaluate: dispatch needs a checkpoint directory")
    elif todo:
        save_task(checkpoint, task)
        dispatch(checkpoint, todo)
    if checkpoint is None:
        measured = pd.DataFrame(rows)
    else:
        measured = pd.concat([read_chunk(checkpoint, i) for i in range(len(chunks))])
    table = points.reset_index(drop=True).rename_axis("point").reset_index()
    out = measured.merge(table, on="point", how="left", validate="many_to_one")
    for key, value in (case or {}).items():
        out.insert(0, key, value)
    return out.sort_values(["point", "replication"], kind="stable").reset_index(drop=True)


def _run_local(
    task: ChunkTask, todo: list[int], n_jobs: int, label: str, checkpoint: Path | None
) -> list[dict]:
    """Run the chunks `todo` on local joblib workers; save each to `checkpoint`, or (without
    one) return their rows."""
    tick = time.perf_counter()
    rows: list[dict] = []
    tasks = (delayed(_run_chunk)(*task.arguments(i)) for i in todo)
    runner = Parallel(n_jobs=n_jobs, return_as="generator", backend="loky" if n_jobs != 1 else "sequential")
    step = max(1, len(todo) // 10)
    for done, (index, chunk_rows) in enumerate(zip(todo, runner(tasks), strict=True), start=1):
        if checkpoint is None:
            rows.extend(chunk_rows)
        else:
            save_chunk(checkpoint, index, chunk_rows)
        if done % step == 0 or done == len(todo):
            elapsed = time.perf_counter() - tick
            eta = elapsed / done * (len(todo) - done)
            log.info("%s: %d/%d chunks, %.0f s elapsed, ~%.0f s left", label, done, len(todo), elapsed, eta)
    return rows


def chunk_file(checkpoint: Path, index: int) -> Path:
    return checkpoint / f"chunk_{index:06d}.parquet"


def saved_chunks(checkpoint: Path | None) -> set[int]:
    """The chunks saved whole; a damaged one is named in one line and removed, to be rerun."""
    if checkpoint is None:
        return set()
    checkpoint.mkdir(parents=True, exist_ok=True)
    saved = set()
    for path in sorted(checkpoint.glob("chunk_*.parquet")):
        index = int(path.stem.split("_")[1])
        try:
            verify(checkpoint, {path.name: read_json(path.with_suffix(".json"), REPAIR_STUDY)}, REPAIR_STUDY)
        except (DamagedFileError, KeyError) as exc:
            problem = f"{exc.path.name} {exc.problem}" if isinstance(exc, DamagedFileError) else "bad listing"
            log.warning("%s: chunk %d was not saved whole (%s); running it again", checkpoint, index, problem)
            for file in (path, path.with_suffix(".json")):
                shutil.rmtree(file) if file.is_dir() else file.unlink(missing_ok=True)
            continue
        saved.add(index)
    return saved


def as_matrix(table: pd.DataFrame, column: str, points: int) -> np.ndarray:
    """Per-point means of `column` as an array of length `points`."""
    means = table.groupby("point", sort=True)[column].mean()
    return means.reindex(range(points)).to_numpy(dtype=float)

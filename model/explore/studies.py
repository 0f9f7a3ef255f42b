"""The exploration studies: calibration, Morris, Sobol and PRIM, each into one directory.

`run_study` is the plain function behind `greyzone-explore`; tests call it with a composed
config. It checks the study, dispatches to its method (model/explore/methods/) and writes
the report and the marker: every file atomically, `study.json` (status "complete") last.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from model.config.errors import ConfigError
from model.config.paths import CONFIG_DIR
from model.config.spec import build_spec
from model.explore.evaluate import Dispatch
from model.explore.methods import calibrate, morris, posterior, prim, sobol, validate
from model.explore.settings import validate_explore
from model.explore.shared import Execution, model_config, study_space, with_study, workers
from model.results.files import (
    STUDY_CHECKPOINTS,
    STUDY_MARKER,
    read_study_marker,
    study_files,
    write_atomic_text,
)
from model.results.integrity import DamagedFileError, listing, read_json
from model.results.lock import DirectoryLock
from model.runs.checkpoint import CONFIG, fingerprint
from model.runs.resources import check_memory

log = logging.getLogger(__name__)

Method = Callable[[DictConfig, Path, Execution, list[str]], tuple[list[str], dict[str, Any]]]
METHODS: dict[str, Method] = {
    "calibrate": calibrate.run,
    "morris": morris.run,
    "sobol": sobol.run,
    "prim": prim.run,
    "validate": validate.run,
    "posterior": posterior.run,
}


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
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    resume = bool(OmegaConf.select(cfg, "run.resume", default=False))
    directory = "hydra.sweep.dir" if dispatch is not None else "hydra.run.dir"  # the key naming `out`
    with DirectoryLock(out, "study"):
        return _run_locked(
            cfg,
            out,
            method=method,
            overrides=list(overrides),
            dispatch=dispatch,
            launcher=launcher,
            resume=resume,
            directory=directory,
        )


def _run_locked(
    cfg: DictConfig,
    out: Path,
    *,
    method: str,
    overrides: list[str],
    dispatch: Dispatch | None,
    launcher: str | None,
    resume: bool,
    directory: str,
) -> Path:
    """The study, in its locked directory."""
    ex = cfg.explore
    if (out / STUDY_MARKER).exists():
        if not resume:
            raise ConfigError(directory, f"{out} already holds a finished study; choose another directory")
        try:
            read_study_marker(out)
            log.info("%s: already complete in %s (resumed: nothing to run)", method, out)
            return out / "report.md"
        except DamagedFileError as exc:
            log.warning(
                "%s: %s %s; running the study again with the same seeds", out, exc.path.name, exc.problem
            )
            (out / STUDY_MARKER).unlink()
    _open_checkpoints(out, OmegaConf.to_container(cfg, resolve=True), resume, directory)
    cfg = with_study(model_config(cfg), ex)
    execution = Execution(workers(ex.get("workers")), dispatch, launcher)
    clock = time.perf_counter()
    started = dt.datetime.now(dt.UTC)
    lines, summary = METHODS[method](cfg, out, execution, list(overrides))
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
        "checksums": listing(out, study_files(out)),
        "status": "complete",
        "method": method,
        "overrides": list(overrides),
        "started_at": started.isoformat(timespec="seconds"),
        "wall_seconds": round(wall, 1),
        "workers": execution.workers if dispatch is None else None,
        "launcher": launcher if dispatch is not None else None,
        "summary": summary,
    }
    write_atomic_text(out / STUDY_MARKER, json.dumps(marker, indent=2, default=str) + "\n")
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
        repair = "repair: start the study again in another directory"
        if read_json(record, repair).get("fingerprint") != now:
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
    method = validate_explore(cfg, tuple(METHODS), scenarios, spec.seeds.materials.names)
    if method not in ("calibrate", "validate"):
        study_space(cfg)  # the patterns and extras must select a non-empty, valid space
    check_memory(spec, workers(cfg.explore.get("workers")))
    return method

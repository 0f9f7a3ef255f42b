"""`simulate`: run a config's replications into an ordinary run directory and read it back."""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from omegaconf import OmegaConf

from model.api.compose import Config, compose
from model.api.results import Results, load
from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.results.files import write_atomic_text
from model.results.lock import check_not_busy
from model.runs.job import run_job

HYDRA_RECORD = ".hydra"  # the config and overrides, as the CLI's Hydra writes them


def simulate(
    config: Config | str,
    *,
    replications: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    directory: str | Path | None = None,
    resume: bool = False,
    report: bool = True,
    progress: bool = True,
    on_progress: Callable[[int, int], None] | None = None,
) -> Results:
    """Run `config` (a `Config`, or a scenario's name) and return its `Results`.

    `replications` and `seed` set `run.replications` and `run.seed`; replication r uses
    SeedSequence(seed, spawn_key=(r,)), so the numbers are the CLI's for the same config and
    seed, on any number of `workers` (processes). The run is written to `directory` (default:
    the CLI's `outputs/runs/<date>/<time>_<scenario>/`, relative to the working directory) as
    an ordinary run directory, which `greyzone-report` and `load` read; `resume=True`
    continues an interrupted one. `report` writes its report.md and fan chart; `progress`
    shows a line per replication when logging is not configured; `on_progress(done, total)`
    is called as each replication is saved (e.g. to move a progress bar).
    """
    if isinstance(config, str):
        config = compose(config)
    if not isinstance(config, Config):
        raise ConfigError(
            "config", f"got {type(config).__name__}; give model.compose(...) or a scenario name"
        )
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ConfigError("workers", f"got {workers!r}; must be a whole number >= 1")
    extra = [
        f"run.{key}={value}"
        for key, value in (("replications", replications), ("seed", seed))
        if value is not None
    ]
    if resume:
        extra.append("run.resume=true")
    if extra:
        config = config.with_overrides(*extra)
    out = Path(directory) if directory is not None else default_directory(config)
    check_not_busy(out, "run")
    with _reporting(progress):
        run_job(
            config.job,
            out,
            overrides=list(config.overrides),
            show_table=False,
            report=report,
            workers=workers,
            on_replication=on_progress,
        )
    _record(out, config)
    return load(out)


def default_directory(config: Config) -> Path:
    """Where the CLI would write this config's run (hydra.run.dir), relative to the working directory."""
    with_hydra = compose_config(list(config.overrides), with_hydra=True)
    return Path(str(with_hydra.hydra.run.dir))


def _record(out: Path, config: Config) -> None:
    """The config and overrides in .hydra/, as Hydra writes them for a CLI run."""
    folder = out / HYDRA_RECORD
    folder.mkdir(exist_ok=True)
    write_atomic_text(folder / "config.yaml", OmegaConf.to_yaml(config.job))
    write_atomic_text(folder / "overrides.yaml", OmegaConf.to_yaml(OmegaConf.create(list(config.overrides))))


_REPORTING = threading.Lock()
_reporters = 0
_HANDLER = logging.StreamHandler(sys.stderr)
_HANDLER.setFormatter(logging.Formatter("%(message)s"))


@contextmanager
def _reporting(progress: bool) -> Iterator[None]:
    """Show the run's progress on stderr while it runs, unless logging is already configured."""
    global _reporters
    logger = logging.getLogger("model")
    with _REPORTING:
        show = progress and (_reporters > 0 or not logger.hasHandlers())
        if show:
            if _reporters == 0:
                logger.addHandler(_HANDLER)
                logger.setLevel(logging.INFO)
            _reporters += 1
    try:
        yield
    finally:
        if show:
            with _REPORTING:
                _reporters -= 1
                if _reporters == 0:
                    logger.removeHandler(_HANDLER)
                    logger.setLevel(logging.NOTSET)

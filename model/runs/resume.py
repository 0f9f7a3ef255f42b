"""Find the directory that `run.resume=true` continues: the newest unfinished run or sweep
started by the same command.

Run and sweep directories are named by time (`${now:...}`), so the same command started
again would get a new one. With `run.resume=true`, the command is pointed back at the newest
directory matching the configured pattern whose recorded overrides equal this command's
(apart from `run.resume`, `run.progress` and Hydra's own settings).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import yaml
from omegaconf import DictConfig, OmegaConf

from model.config.errors import ConfigError
from model.results.files import CHECKPOINTS, FAILED, MARKER, PLAN, STUDY_CHECKPOINTS, STUDY_MARKER

IGNORED = ("run.resume", "run.progress")
_INTERPOLATION = re.compile(r"\$\{[^}]*\}")


def command_overrides(overrides: Sequence[str]) -> list[str]:
    """The overrides that decide what a command computes (not how it runs)."""
    kept = []
    for override in overrides:
        key = override.split("=", 1)[0].lstrip("+~")
        if key.startswith(("hydra.", "hydra/")) or key in IGNORED:
            continue
        kept.append(override)
    return kept


def without_resume(overrides: Sequence[str]) -> list[str]:
    """The overrides as recorded with a run: the resume switch is not part of what it is."""
    return [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != "run.resume"]


def resume_target(cfg: DictConfig, overrides: Sequence[str], multirun: bool) -> Path:
    """The directory to resume for this command, or a one-line `ConfigError`."""
    node = "sweep" if multirun else "run"
    key = f"hydra.{node}.dir"
    pattern = OmegaConf.to_container(cfg.hydra[node], resolve=False)["dir"]
    wanted = command_overrides(overrides)
    if not _INTERPOLATION.search(str(pattern)):  # an explicit directory
        target = Path(str(pattern))
        if not _started(target, multirun):
            raise ConfigError(key, f"run.resume=true, but {target} holds no {node} to resume")
        return target
    candidates = sorted(
        (p for p in Path().glob(_INTERPOLATION.sub("*", str(pattern))) if _started(p, multirun)),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for candidate in candidates:
        if _recorded_overrides(candidate, multirun) == wanted:
            return candidate
    raise ConfigError(
        "run.resume",
        f"no earlier {node} of this command under {_INTERPOLATION.sub('*', str(pattern))} to resume; "
        f"run it without run.resume, or name the directory with {key}=...",
    )


def _started(path: Path, multirun: bool) -> bool:
    if not path.is_dir():
        return False
    if multirun:  # a scenario sweep's plan, or a study's (greyzone-explore -m) checkpoints
        return any((path / name).exists() for name in (PLAN, STUDY_MARKER, STUDY_CHECKPOINTS))
    started = (MARKER, STUDY_MARKER, FAILED, CHECKPOINTS, STUDY_CHECKPOINTS)
    return any((path / name).exists() for name in started)


def _recorded_overrides(path: Path, multirun: bool) -> list[str] | None:
    source = path / ("multirun.yaml" if multirun else ".hydra/overrides.yaml")
    if not source.exists():
        return None
    data = yaml.safe_load(source.read_text())
    overrides = data["hydra"]["overrides"]["task"] if multirun else data
    return command_overrides(overrides or [])

"""The `greyzone` command (and `python -m model`): a thin Hydra app around `run_job`.

Overrides are checked before Hydra starts, so that a bad key or value gives one line
naming the key and what is allowed, a non-zero exit, and no run directory at all.
"""

from __future__ import annotations

import logging
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import Override
from hydra.errors import HydraException
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from hydra_plugins.greyzone_sweeper.greyzone_sweeper import case_overrides
from model.config.compose import compose_config
from model.config.errors import RUN_FAILED, USAGE_ERROR, ConfigError
from model.config.paths import CONFIG_DIR
from model.config.spec import build_spec
from model.results.aggregate import read_plan
from model.results.files import PLAN
from model.results.integrity import DamagedFileError
from model.results.lock import DirectoryLockedError, check_not_busy
from model.runs.directory import RunDirectoryError
from model.runs.job import run_job
from model.runs.launcher import check_launcher
from model.runs.resources import check_memory
from model.runs.resume import resume_target, without_resume

log = logging.getLogger("model.runs.cli")
_OTHER_CONFIG = ("--config-name", "-cn", "--config-path", "-cp", "--config-dir", "-cd")
_INFO_ONLY = (
    "--help",
    "-h",
    "--hydra-help",
    "--cfg",
    "-c",
    "--info",
    "-i",
    "--version",
    "--shell-completion",
    "-sc",
)


@hydra.main(config_path=str(CONFIG_DIR), config_name="config", version_base="1.3")
def app(cfg: DictConfig) -> None:
    """Hydra task: one job (a scenario, R replications) into Hydra's output directory."""
    hydra_cfg = HydraConfig.get()
    multirun = hydra_cfg.mode == RunMode.MULTIRUN
    try:
        job = {
            "num": int(hydra_cfg.job.num) if multirun else 0,
            "total": _planned_jobs(Path(hydra_cfg.sweep.dir)) if multirun else 1,
        }
        run_job(
            cfg,
            Path(hydra_cfg.runtime.output_dir),
            overrides=without_resume(hydra_cfg.overrides.task),
            show_table=not multirun,
            job=job,
            report=not multirun,
        )
    except (ConfigError, RunDirectoryError, DirectoryLockedError) as exc:
        print(f"greyzone: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(USAGE_ERROR) from None
    except DamagedFileError as exc:
        print(f"greyzone: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(RUN_FAILED) from None
    except OSError as exc:  # e.g. a full disk: the saved replications are kept
        print(
            f"greyzone: error: {io_failure(exc, Path(hydra_cfg.runtime.output_dir))}",
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(RUN_FAILED) from None


def io_failure(exc: OSError, where: Path) -> str:
    """One line for a file operation that failed while writing `where`."""
    target = exc.filename or where
    return (
        f"{target}: {exc.strerror or exc} while writing; nothing there passes for a finished run, and the "
        "replications saved so far are kept: fix the cause, then rerun the same command with run.resume=true"
    )


def _planned_jobs(sweep_dir: Path) -> int:
    plan = sweep_dir / PLAN
    return len(read_plan(plan)) if plan.exists() else 1


def check_overrides(args: Sequence[str]) -> list[str]:
    """Compose and validate the config for every value the command and its study ask for.

    Covers sweeps on the command line, a study's `hydra.sweeper.params` and its paired
    `hydra.sweeper.cases`, so that a bad value stops the command before any job runs, and
    refuses jobs that would not fit in memory. Returns the arguments to add: with
    `run.resume=true`, the directory of the run or sweep to continue.
    """
    overrides = [a for a in args if not a.startswith("-") and is_override(a)]
    for override in overrides:
        if override.split("=", 1)[0].lstrip("+~").split(".")[0] == "explore":
            raise ConfigError(
                "explore", "studies run with greyzone-explore, e.g. `greyzone-explore explore=morris`"
            )
    parsed = parse_overrides(overrides)
    sweeps = {o.get_key_element(): list(o.sweep_string_iterator()) for o in parsed if o.is_sweep_override()}
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    firsts = [f"{k}={v[0]}" for k, v in sweeps.items()]
    base = compose_config(fixed + firsts + hydra_settings(args), with_hydra=True)
    multirun = any(a in ("--multirun", "-m") for a in args) or base.hydra.mode == RunMode.MULTIRUN
    if multirun:
        check_launcher(base)
    if sweeps and not multirun:
        key = next(iter(sweeps))
        raise ConfigError(key, f"'{key}={','.join(sweeps[key])}' sweeps several values; add --multirun (-m)")
    sweeper = base.hydra.sweeper
    for key, text in _plain(sweeper.get("params")).items():
        if key not in sweeps:
            parsed_param = OverridesParser.create().parse_overrides([f"{key}={text}"])[0]
            sweeps[key] = (
                list(parsed_param.sweep_string_iterator())
                if parsed_param.is_sweep_override()
                else [str(text)]
            )
    cases = _plain(sweeper.get("cases"))
    jobs = math.prod(len(v) for v in sweeps.values()) * max(len(cases), 1) if multirun else 1
    workers = parallel_jobs(base, jobs) if multirun else 1

    checked: set[frozenset[str]] = set()

    def check(cfg: DictConfig | None, composed: Sequence[str]) -> None:
        """Validate one job's config (composed once per distinct set of overrides)."""
        if frozenset(composed) in checked:
            return
        checked.add(frozenset(composed))
        check_memory(build_spec(cfg if cfg is not None else compose_config(composed)), workers)

    check(base, fixed + firsts)
    firsts = {k: v[0] for k, v in sweeps.items()}
    for key, values in sweeps.items():
        others = [f"{k}={v}" for k, v in firsts.items() if k != key]
        for value in values:
            check(None, [*fixed, *others, f"{key}={value}"])
    for name, values in cases.items():
        extra = case_overrides(name, values or {})
        check(None, [*fixed, *(f"{k}={v}" for k, v in firsts.items()), *extra])
    if not bool(OmegaConf.select(base, "run.resume", default=False)):
        check_free(base, multirun)
        return []
    target = resume_target(base, overrides, multirun)
    check_free(base, multirun, target)
    print(f"greyzone: resuming {target}", file=sys.stderr, flush=True)
    return [f"hydra.{'sweep' if multirun else 'run'}.dir={target}"]


def check_free(cfg: DictConfig, multirun: bool, target: Path | None = None) -> None:
    """Refuse, before Hydra writes anything there, a directory another live process is
    writing (the lock taken by the job or the sweep is what guarantees it)."""
    node = "sweep" if multirun else "run"
    if target is None:
        pattern = str(OmegaConf.to_container(cfg.hydra[node], resolve=False)["dir"])
        if "${" in pattern:
            return  # a new directory, named by time
        target = Path(pattern)
    try:
        check_not_busy(target, node)
    except DirectoryLockedError as exc:
        raise ConfigError(f"hydra.{node}.dir", str(exc)) from None


def parse_overrides(overrides: Sequence[str]) -> list[Override]:
    """Hydra's parse of the command-line overrides, or a one-line `ConfigError`."""
    try:
        return OverridesParser.create().parse_overrides(list(overrides))
    except HydraException as exc:
        raise ConfigError("overrides", str(exc).strip().splitlines()[0]) from None


def parallel_jobs(cfg: DictConfig, jobs: int) -> int:
    """How many jobs the launcher runs at once on this machine (joblib: n_jobs, -1 = one per
    core; submitit_local: all of them; Slurm and Ray: one per job on the cluster's nodes)."""
    if str(OmegaConf.select(cfg, "hydra.launcher._target_", default="")).endswith(
        "submitit_launcher.LocalLauncher"
    ):
        return max(1, jobs)
    n_jobs = OmegaConf.select(cfg, "hydra.launcher.n_jobs", default=1) or 1
    cores = os.cpu_count() or 1
    n_jobs = int(n_jobs)
    at_once = n_jobs if n_jobs > 0 else max(cores + 1 + n_jobs, 1)
    return max(1, min(at_once, jobs))


def _plain(node: object) -> dict:
    """A (possibly missing) config node as a plain dict."""
    if node is None:
        return {}
    return OmegaConf.to_container(node, resolve=False) if OmegaConf.is_config(node) else dict(node)


def hydra_settings(args: Sequence[str]) -> list[str]:
    """Hydra's own settings among the command's arguments: `hydra.*` keys (e.g.
    hydra.sweep.dir=...) and `hydra/*` groups (e.g. hydra/launcher=ray)."""
    return [a for a in args if "=" in a and a.split("=", 1)[0].lstrip("+~").startswith(("hydra.", "hydra/"))]


def is_override(arg: str) -> bool:
    name = arg.split("=", 1)[0].lstrip("+~")
    return ("=" in arg or arg.startswith("~")) and not name.startswith(("hydra.", "hydra/"))


def launch(
    name: str,
    hydra_app: Callable[[], None],
    check: Callable[[list[str]], list[str] | None],
    argv: Sequence[str] | None,
) -> None:
    """Check the arguments with `check` (one-line error, exit 2), add what it returns, then
    hand them to Hydra."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not any(a in _OTHER_CONFIG or a in _INFO_ONLY for a in args):
        try:
            args += check(args) or []
        except ConfigError as exc:
            print(f"{name}: error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(USAGE_ERROR) from None
    sys.argv = [sys.argv[0], *args]
    hydra_app()


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `greyzone` and `python -m model`."""
    launch("greyzone", app, check_overrides, argv)

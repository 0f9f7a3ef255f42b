"""The `greyzone` command (and `python -m model`): a thin Hydra app around `run_job`.

Overrides are checked before Hydra starts, so that a bad key or value gives one line
naming the key and what is allowed, a non-zero exit, and no run directory at all.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig

from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.config.paths import CONFIG_DIR
from model.config.spec import build_spec
from model.io import RunDirectoryError
from model.run import run_job

log = logging.getLogger("model.cli")
USAGE_ERROR = 2
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
    try:
        run_job(cfg, Path(hydra_cfg.runtime.output_dir), overrides=list(hydra_cfg.overrides.task))
    except (ConfigError, RunDirectoryError) as exc:
        print(f"greyzone: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(USAGE_ERROR) from None


def check_overrides(args: Sequence[str]) -> None:
    """Compose and validate the config for every value the overrides ask for."""
    overrides = [a for a in args if not a.startswith("-") and _is_override(a)]
    multirun = any(a in ("--multirun", "-m") for a in args)
    try:
        parsed = OverridesParser.create().parse_overrides(overrides)
    except HydraException as exc:
        first = str(exc).strip().splitlines()[0]
        raise ConfigError("overrides", first) from None
    sweeps = [o for o in parsed if o.is_sweep_override()]
    if sweeps and not multirun:
        raise ConfigError(
            sweeps[0].get_key_element(),
            f"'{sweeps[0].input_line}' sweeps several values; add --multirun (-m)",
        )
    fixed = [o.input_line for o in parsed if not o.is_sweep_override()]
    firsts = {o.get_key_element(): next(iter(o.sweep_string_iterator())) for o in sweeps}
    build_spec(compose_config(fixed + [f"{k}={v}" for k, v in firsts.items()]))
    for sweep in sweeps:
        key = sweep.get_key_element()
        others = [f"{k}={v}" for k, v in firsts.items() if k != key]
        for value in sweep.sweep_string_iterator():
            build_spec(compose_config([*fixed, *others, f"{key}={value}"]))


def _is_override(arg: str) -> bool:
    name = arg.split("=", 1)[0].lstrip("+~")
    return ("=" in arg or arg.startswith("~")) and not name.startswith(("hydra.", "hydra/"))


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `greyzone` and `python -m model`."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not any(a in _OTHER_CONFIG or a in _INFO_ONLY for a in args):
        try:
            check_overrides(args)
        except ConfigError as exc:
            print(f"greyzone: error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(USAGE_ERROR) from None
    sys.argv = [sys.argv[0], *args]
    app()

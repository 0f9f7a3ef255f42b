"""`greyzone-explore`: a thin Hydra app around `run_study`.

The overrides are composed and checked before Hydra starts, so a bad key or value gives one
line naming the key, a non-zero exit and no output directory.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig, OmegaConf

from model.config.compose import compose_config
from model.config.errors import RUN_FAILED, ConfigError
from model.config.paths import CONFIG_DIR
from model.explore.jobs import is_chunk_job, run_chunk_job
from model.explore.studies import check_study, run_study
from model.results.integrity import DamagedFileError
from model.results.lock import DirectoryLockedError
from model.runs.cli import USAGE_ERROR, check_free, hydra_settings, is_override, launch, parse_overrides
from model.runs.launcher import check_launcher
from model.runs.resume import resume_target


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="explore")
def app(cfg: DictConfig) -> None:
    """Hydra task: one study into Hydra's run directory; with -m, one chunk of its design."""
    hc = HydraConfig.get()
    if is_chunk_job(cfg):
        run_chunk_job(cfg, Path(hc.sweep.dir))
        return
    try:
        run_study(cfg, Path(hc.runtime.output_dir), list(hc.overrides.task))
    except (ConfigError, DirectoryLockedError) as exc:
        print(f"greyzone-explore: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(USAGE_ERROR) from None
    except DamagedFileError as exc:
        print(f"greyzone-explore: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(RUN_FAILED) from None


def check(args: Sequence[str]) -> list[str]:
    """Compose the study's config and validate the model config and the method; with
    `run.resume=true`, return the directory of the unfinished study to continue."""
    multirun = any(a in ("-m", "--multirun") for a in args)
    overrides = [a for a in args if not a.startswith("-") and is_override(a)]
    _refuse_sweeps(overrides)
    for override in overrides:
        if override.split("=", 1)[0].lstrip("+~").startswith("explore.job"):
            raise ConfigError(
                "explore.job", "is set by greyzone-explore -m for its chunk jobs; leave it unset"
            )
    cfg = compose_config(overrides, config_name="explore")
    check_study(cfg)
    resume = bool(OmegaConf.select(cfg, "run.resume", default=False))
    if not (multirun or resume or hydra_settings(args)):
        return []  # no Hydra setting to check, no directory to find
    with_hydra = compose_config(overrides + hydra_settings(args), config_name="explore", with_hydra=True)
    if multirun:
        check_launcher(with_hydra)
    if not resume:
        check_free(with_hydra, multirun)
        return []
    target = resume_target(with_hydra, overrides, multirun=multirun)
    check_free(with_hydra, multirun, target)
    print(f"greyzone-explore: resuming {target}", file=sys.stderr, flush=True)
    return [f"hydra.{'sweep' if multirun else 'run'}.dir={target}"]


def _refuse_sweeps(overrides: list[str]) -> None:
    """A study runs its own design: `key=a,b` (a Hydra sweep) is refused, with or without -m."""
    for override in parse_overrides(overrides):
        if override.is_sweep_override():
            key = override.get_key_element()
            raise ConfigError(
                key,
                f"'{override.input_line}' sweeps several values; a study runs its own design, "
                "one study per command (-m runs its chunks as launcher jobs)",
            )


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `greyzone-explore`."""
    launch("greyzone-explore", app, check, argv)


if __name__ == "__main__":
    main()

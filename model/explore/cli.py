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

from model.cli import USAGE_ERROR, _is_override, hydra_settings, launch
from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.config.paths import CONFIG_DIR
from model.explore.studies import check_study, run_study
from model.resume import resume_target


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="explore")
def app(cfg: DictConfig) -> None:
    """Hydra task: one study into Hydra's run directory."""
    hc = HydraConfig.get()
    try:
        run_study(cfg, Path(hc.runtime.output_dir), list(hc.overrides.task))
    except ConfigError as exc:
        print(f"greyzone-explore: error: {exc}", file=sys.stderr, flush=True)
        raise SystemExit(USAGE_ERROR) from None


def check(args: Sequence[str]) -> list[str]:
    """Compose the study's config and validate the model config and the method; with
    `run.resume=true`, return the directory of the unfinished study to continue."""
    if any(a in ("-m", "--multirun") for a in args):
        raise ConfigError("--multirun", "a study runs its own design; run one study per command")
    overrides = [a for a in args if not a.startswith("-") and _is_override(a)]
    cfg = compose_config(overrides, config_name="explore")
    check_study(cfg)
    if not bool(OmegaConf.select(cfg, "run.resume", default=False)):
        return []
    with_hydra = compose_config(overrides + hydra_settings(args), config_name="explore", with_hydra=True)
    target = resume_target(with_hydra, overrides, multirun=False)
    print(f"greyzone-explore: resuming {target}", file=sys.stderr, flush=True)
    return [f"hydra.run.dir={target}"]


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `greyzone-explore`."""
    launch("greyzone-explore", app, check, argv)


if __name__ == "__main__":
    main()

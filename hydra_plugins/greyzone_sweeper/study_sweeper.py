"""greyzone-explore's Hydra sweeper: one study, its design chunks run as launcher jobs."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from omegaconf import OmegaConf

from model.config.errors import ConfigError
from model.explore.jobs import LauncherDispatch, StudyJobsError
from model.explore.studies import run_study
from model.results.files import STUDY_CHECKPOINTS, STUDY_MARKER
from model.results.integrity import DamagedFileError
from model.results.lock import DirectoryLockedError
from model.runs.callbacks import FAILED_JOBS_EXIT
from model.runs.cli import USAGE_ERROR

log = logging.getLogger(__name__)


class StudySweeper(BasicSweeper):
    """Runs the study in this process; every chunk of its design is one launcher job."""

    def __init__(self, max_batch_size: int | None = None) -> None:
        super().__init__(max_batch_size=max_batch_size, params=None)
        self.report: Path | None = None

    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        sweeps = [o.input_line for o in parser.parse_overrides(arguments) if o.is_sweep_override()]
        if sweeps:  # greyzone-explore's check refuses these before Hydra starts
            raise ValueError(f"greyzone-explore -m runs one study; sweeps are not allowed: {sweeps}")
        study = OmegaConf.masked_copy(self.config, [str(k) for k in self.config if k != "hydra"])
        sweep_dir = Path(self.config.hydra.sweep.dir)
        sweep_dir.mkdir(parents=True, exist_ok=True)
        record = sweep_dir / "multirun.yaml"
        started = any((sweep_dir / name).exists() for name in (STUDY_MARKER, STUDY_CHECKPOINTS))
        if not record.exists() and not started:  # the command that started it, for run.resume=true
            OmegaConf.save(self.config, record)
        launcher = type(self.launcher).__name__
        log.info("study %s into %s, chunks as %s jobs", study.explore.method, sweep_dir, launcher)
        try:
            self.report = run_study(
                study,
                sweep_dir,
                list(self.config.hydra.overrides.task),
                dispatch=LauncherDispatch(self.launcher, self.max_batch_size),
                launcher=launcher,
            )
        except (ConfigError, DirectoryLockedError) as exc:  # one line and exit 2, as before Hydra starts
            print(f"greyzone-explore: error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(USAGE_ERROR) from None
        except (StudyJobsError, DamagedFileError) as exc:  # Hydra would print a traceback
            print(f"greyzone-explore: error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(FAILED_JOBS_EXIT) from None
        return []

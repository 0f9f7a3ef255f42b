"""greyzone's Hydra sweeper: Cartesian params x named paired cases; failures never hide others."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.utils import JobReturn, JobStatus
from omegaconf import OmegaConf

from model.config.errors import USAGE_ERROR
from model.results.aggregate import read_plan
from model.results.files import PLAN
from model.results.integrity import DamagedFileError
from model.results.lock import DirectoryLockedError, hold
from model.runs.resume import command_overrides

log = logging.getLogger(__name__)
CASE_KEY = "study.case"


def override_value(value: Any) -> str:
    """A Python value as a Hydra override value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(override_value(v) for v in value) + "]"
    text = str(value)
    special = set(" ,=[]{}()'\"\\:")
    return "'" + text.replace("'", "\\'") + "'" if special & set(text) else text


def case_overrides(name: str, values: Mapping[str, Any]) -> list[str]:
    return [f"{CASE_KEY}={name}", *(f"{key}={override_value(v)}" for key, v in values.items())]


class GreyzoneSweeper(BasicSweeper):
    """Jobs = every named case x every combination of the swept params."""

    def __init__(
        self,
        max_batch_size: int | None,
        params: dict[str, str] | None = None,
        cases: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        self.cases = cases
        self.results: list[JobReturn] = []

    def sweep(self, arguments: list[str]) -> Any:
        assert self.config is not None and self.launcher is not None and self.hydra_context is not None
        params_conf = self._parse_config()
        params_conf.extend(arguments)
        parser = OverridesParser.create(config_loader=self.hydra_context.config_loader)
        grid = self.split_arguments(parser.parse_overrides(params_conf), None)[0]
        cases = OmegaConf.to_container(self.cases, resolve=False) if self.cases is not None else None
        if cases:
            jobs = [
                case_overrides(name, values or {}) + combo for name, values in cases.items() for combo in grid
            ]
        else:
            jobs = grid
        sweep_dir = Path(self.config.hydra.sweep.dir)
        resume = bool(OmegaConf.select(self.config, "run.resume", default=False))
        try:
            hold(sweep_dir, "sweep")  # until the end-of-sweep report (model/runs/callbacks.py)
            resuming = _check_existing(sweep_dir, jobs, resume)
        except (DirectoryLockedError, SweepDirectoryError, DamagedFileError) as exc:
            print(f"greyzone: error: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(USAGE_ERROR) from None
        sweep_dir.mkdir(parents=True, exist_ok=True)
        if not resuming:  # a resumed sweep keeps the record of the command that started it
            OmegaConf.save(self.config, sweep_dir / "multirun.yaml")
            _write_plan(sweep_dir, jobs)
        log.info("sweep of %d jobs into %s%s", len(jobs), sweep_dir, " (resumed)" if resume else "")
        size = self.max_batch_size or len(jobs)
        self.results = []
        for start in range(0, len(jobs), size):
            batch = jobs[start : start + size]
            self.validate_batch_is_legal(batch)
            self.results.extend(self.launcher.launch(batch, initial_job_idx=start))
            done = len(self.results)
            failed = sum(r.status == JobStatus.FAILED for r in self.results)
            log.info("jobs finished: %d/%d (%d failed)", done, len(jobs), failed)
        for number, result in enumerate(self.results):
            if result.status == JobStatus.FAILED:
                error = result._return_value  # the exception, without re-raising it
                log.error(
                    "job %d failed: %s: %s",
                    number,
                    type(error).__name__,
                    str(error).splitlines()[0] if str(error) else "",
                )
        return [self.results]


class SweepDirectoryError(RuntimeError):
    """A sweep directory that holds another sweep."""


def _check_existing(sweep_dir: Path, jobs: Sequence[Sequence[str]], resume: bool) -> bool:
    """Never mix two sweeps in one directory; a resume must plan the same jobs.

    Returns whether an earlier sweep is being resumed."""
    plan = sweep_dir / PLAN
    if not plan.exists():
        return False
    if not resume:
        raise SweepDirectoryError(
            f"{sweep_dir} already holds a sweep; add run.resume=true to continue it, "
            "or choose another hydra.sweep.dir"
        )
    planned = [command_overrides(j["overrides"]) for j in read_plan(plan)]
    if planned != [command_overrides(j) for j in jobs]:
        raise SweepDirectoryError(
            f"{sweep_dir}: run.resume=true, but this command plans other jobs than the sweep there; "
            "resume with the same command, or choose another hydra.sweep.dir"
        )
    return True


def _write_plan(sweep_dir: Path, jobs: Sequence[Sequence[str]]) -> None:
    plan = {"jobs": [{"job": i, "overrides": list(job)} for i, job in enumerate(jobs)]}
    tmp = sweep_dir / (PLAN + ".partial")
    tmp.write_text(json.dumps(plan, indent=2) + "\n")
    os.replace(tmp, sweep_dir / PLAN)

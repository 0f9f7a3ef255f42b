"""Hydra callback: at the end of a multirun, aggregate every job and write the report."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from model.config.errors import RUN_FAILED
from model.results.integrity import DamagedFileError
from model.results.lock import let_go
from model.results.report import print_summary, write_report

log = logging.getLogger(__name__)
FAILED_JOBS_EXIT = RUN_FAILED


class AggregateCallback(Callback):
    """Gathers the sweep into `outcomes.parquet`, `jobs.csv`, `summary.csv` and `report.md`
    at the sweep root. If any job failed, names it, aggregates the rest, and exits non-zero."""

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        root = Path(config.hydra.sweep.dir)
        log.info("aggregating the sweep in %s", root)
        try:
            report = write_report(root)
        except DamagedFileError as exc:  # one line, no traceback
            log.error("aggregation of %s failed: %s", root, exc)
            raise SystemExit(FAILED_JOBS_EXIT) from None
        except Exception as exc:  # Hydra would turn it into a warning and exit 0
            log.error("aggregation of %s failed: %s: %s", root, type(exc).__name__, exc)
            raise SystemExit(FAILED_JOBS_EXIT) from exc
        finally:
            let_go(root)  # taken by the sweeper when the sweep started
        print_summary(report)
        if report.aggregate.failed:
            names = ", ".join(str(j.number) for j in report.aggregate.failed)
            log.error(
                "%d job(s) did not finish: %s (see %s)", len(report.aggregate.failed), names, report.path
            )
            raise SystemExit(FAILED_JOBS_EXIT)

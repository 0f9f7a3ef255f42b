"""A Hydra launcher that runs each job as a Ray task (hydra/launcher=ray).

Why not hydra-ray-launcher 1.2.2 (the last release): it requires cloudpickle<3, which
joblib 1.6 (the default launcher's engine) forbids, so pip cannot install both; and when it
joins an existing cluster it always passes object_store_memory to ray.init, which Ray 2.x
refuses ("When connecting to an existing cluster, object_store_memory must not be
provided"). This launcher does the same job with Ray's public API only: ray.init to join the
cluster, one ray.remote task per Hydra job, ray.get for the results.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.core.singleton import Singleton
from hydra.core.utils import JobReturn, configure_log, filter_overrides, run_job, setup_globals
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext, TaskFunction
from omegaconf import DictConfig, open_dict

log = logging.getLogger(__name__)
CONNECTION_ERROR = 2  # as a bad config: nothing ran
# Ray reruns a task whose worker died (max_retries); the rerun continues the job's own checkpoints
# and takes over the lock its dead attempt left. Safe for a new sweep too: the sweeper has already
# refused a directory holding another sweep, so a job directory's checkpoints are this job's.
RETRY_RESUMES = "run.resume=true"


class RayLauncher(Launcher):
    """Jobs as Ray tasks, `cpus_per_job` CPUs each; results in job order."""

    def __init__(self, address: str | None = None, cpus_per_job: float = 1.0, max_retries: int = 3) -> None:
        self.address = address
        self.cpus_per_job = cpus_per_job
        self.max_retries = max_retries
        self.config: DictConfig | None = None
        self.hydra_context: HydraContext | None = None
        self.task_function: TaskFunction | None = None

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction, config: DictConfig) -> None:
        self.config = config
        self.hydra_context = hydra_context
        self.task_function = task_function

    def launch(self, job_overrides: Sequence[Sequence[str]], initial_job_idx: int) -> Sequence[JobReturn]:
        import ray  # only sweeps on Ray need it

        setup_globals()
        assert self.config is not None and self.hydra_context is not None and self.task_function is not None
        configure_log(self.config.hydra.hydra_logging, self.config.hydra.verbose)
        # Ray's workers do not start in this directory: give them absolute paths.
        sweep_dir = Path(str(self.config.hydra.sweep.dir)).resolve()
        sweep_dir.mkdir(parents=True, exist_ok=True)
        if not ray.is_initialized():
            try:
                ray.init(address=self.address, include_dashboard=False, log_to_driver=True)
            except ConnectionError as exc:  # one line, not Ray's and Hydra's tracebacks
                program = Path(sys.argv[0]).name
                print(f"{program}: error: hydra.launcher.address: {exc}", file=sys.stderr, flush=True)
                raise SystemExit(CONNECTION_ERROR) from None
        log.info(
            "Ray launcher: %d jobs on %s (%g CPUs each), sweep output dir: %s",
            len(job_overrides),
            ray.get_runtime_context().gcs_address,
            self.cpus_per_job,
            sweep_dir,
        )
        remote = ray.remote(num_cpus=self.cpus_per_job, max_retries=self.max_retries)(_run_job)
        # stored once in Ray's object store, not once per job
        shared = [
            ray.put(x) for x in (self.hydra_context, self.config, self.task_function, Singleton.get_state())
        ]
        pending = []
        for number, overrides in enumerate(job_overrides, start=initial_job_idx):
            log.info("\t#%d : %s", number, " ".join(filter_overrides(overrides)))
            resumable = [o for o in overrides if o.split("=", 1)[0].lstrip("+~") != "run.resume"]
            pending.append(remote.remote(*shared, [*resumable, RETRY_RESUMES], number, str(sweep_dir)))
        return ray.get(pending)


def _run_job(
    hydra_context: HydraContext,
    config: DictConfig,
    task_function: TaskFunction,
    singleton_state: dict[Any, Any],
    overrides: list[str],
    number: int,
    sweep_dir: str,
) -> JobReturn:
    """One Hydra job inside a Ray worker; its config is composed here, not in the driver."""
    setup_globals()
    Singleton.set_state(singleton_state)
    sweep_config = hydra_context.config_loader.load_sweep_config(config, overrides)
    with open_dict(sweep_config):
        sweep_config.hydra.sweep.dir = sweep_dir
        sweep_config.hydra.job.id = f"{sweep_config.hydra.job.name}_{number}"
        sweep_config.hydra.job.num = number
    HydraConfig.instance().set_config(sweep_config)
    return run_job(
        hydra_context=hydra_context,
        task_function=task_function,
        config=sweep_config,
        job_dir_key="hydra.sweep.dir",
        job_subdir_key="hydra.sweep.subdir",
    )

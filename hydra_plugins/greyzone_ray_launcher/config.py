"""Config of greyzone's Ray launcher (registered as hydra/launcher=ray)."""

from dataclasses import dataclass
from typing import Optional  # OmegaConf reads Optional[...], not X | None

from hydra.core.config_store import ConfigStore


@dataclass
class RayLauncherConf:
    """Each Hydra job is one Ray task on a Ray cluster; Ray does the scheduling.

    address: the cluster to join, e.g. 127.0.0.1:6379 or auto; null follows Ray's own rule
    ($RAY_ADDRESS, else a cluster started with `ray start` on this machine, else a private
    one-machine Ray that stops with the sweep).
    """

    _target_: str = "hydra_plugins.greyzone_ray_launcher.ray_launcher.RayLauncher"
    address: Optional[str] = None  # noqa: UP045
    cpus_per_job: float = 1.0  # a job runs its replications or design points in one process
    max_retries: int = 3  # reruns of a job whose worker process died (a job is idempotent)


ConfigStore.instance().store(group="hydra/launcher", name="ray", node=RayLauncherConf, provider="greyzone")

"""Check the launcher before a sweep starts: a Ray cluster that does not answer would
otherwise leave the command retrying for minutes with no result."""

from __future__ import annotations

import socket

from omegaconf import DictConfig, OmegaConf

from hydra_plugins.greyzone_ray_launcher.config import RayLauncherConf
from model.config.errors import ConfigError

RAY_LAUNCHER = RayLauncherConf._target_
PROBE_SECONDS = 5.0


def check_launcher(cfg: DictConfig) -> None:
    """With hydra/launcher=ray and an address HOST:PORT, refuse one that nobody listens on."""
    if OmegaConf.select(cfg, "hydra.launcher._target_", default=None) != RAY_LAUNCHER:
        return
    address = OmegaConf.select(cfg, "hydra.launcher.address", default=None)
    if address is None or str(address) == "auto" or "://" in str(address):
        return  # Ray's own lookup ($RAY_ADDRESS, a local `ray start`) or a Ray Client URL
    host, _, port = str(address).rpartition(":")
    if not host or not port.isdigit():
        raise ConfigError("hydra.launcher.address", f"got '{address}'; must be HOST:PORT, auto or null")
    try:
        socket.create_connection((host, int(port)), timeout=PROBE_SECONDS).close()
    except OSError as exc:
        raise ConfigError(
            "hydra.launcher.address",
            f"no Ray cluster answers at {address} ({exc.strerror or exc}); "
            "start one with `ray start --head`, or give its address",
        ) from None

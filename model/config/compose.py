"""Compose greyzone's Hydra config from Python (tests, notebooks, CLI pre-checks)."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence

from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.core.singleton import Singleton
from hydra.errors import HydraException, MissingConfigException
from omegaconf import DictConfig
from omegaconf.errors import OmegaConfBaseException

from model.config.errors import ConfigError, unknown_key
from model.config.paths import CONFIG_DIR

_COULD_NOT_OVERRIDE = re.compile(r"Could not (?:override|append to) '([^']+)'")
_NOT_FOUND = re.compile(r"Could not find '([^']+)'")
_GROUP_OVERRIDE = re.compile(r"Could not override '([^']+)'\. No match in the defaults list")


def compose_config(
    overrides: Sequence[str] = (), config_name: str = "config", with_hydra: bool = False
) -> DictConfig:
    """The composed job config for `overrides`, or a one-line `ConfigError`.

    with_hydra: keep Hydra's own node (sweeper, launcher, mode) in the result.
    """
    overrides = list(overrides)
    _check_optional_groups(overrides)
    try:
        return _compose(overrides, config_name, with_hydra)
    except (HydraException, OmegaConfBaseException, ValueError) as exc:
        raise explain(exc, overrides, config_name) from None


# Hydra's compose API works through a process-wide singleton (GlobalHydra): one composition
# at a time, and whatever the caller had initialised (a @hydra.main app, a notebook's own
# `initialize`) is put back afterwards.
_HYDRA = threading.RLock()


def _compose(overrides: list[str], config_name: str, with_hydra: bool = False) -> DictConfig:
    with _HYDRA:
        callers = Singleton._instances.pop(GlobalHydra, None)
        try:
            with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="greyzone"):
                return compose(config_name=config_name, overrides=overrides, return_hydra_config=with_hydra)
        finally:
            Singleton._instances.pop(GlobalHydra, None)
            if callers is not None:
                Singleton._instances[GlobalHydra] = callers


def explain(exc: Exception, overrides: list[str], config_name: str = "config") -> ConfigError:
    """Turn Hydra's multi-line composition errors into one line naming the key."""
    message = str(exc)
    if isinstance(exc, MissingConfigException) or _NOT_FOUND.search(message):
        found = _NOT_FOUND.search(message)
        missing = found.group(1) if found else (exc.missing_cfg_file or "config")
        group, _, option = missing.rpartition("/")
        options = list(getattr(exc, "options", None) or [])
        allowed = f"allowed: {', '.join(sorted(options))}" if options else "no such option"
        return ConfigError(group or missing, f"unknown option '{option}'; {allowed}")
    cause = exc.__cause__
    if message.startswith("Error merging override") and getattr(cause, "full_key", None):
        return ConfigError(str(cause.full_key), str(cause).splitlines()[0])
    match = _GROUP_OVERRIDE.search(message) or _COULD_NOT_OVERRIDE.search(message)
    if match:
        key = match.group(1)
        others = [o for o in overrides if not _targets(o, key)]
        base = _compose(others, config_name, key.startswith("hydra."))  # Hydra's own node for its keys
        return _unknown_path(base, key)
    first = next((line.strip() for line in message.splitlines() if line.strip()), type(exc).__name__)
    return ConfigError("overrides", first)


OPTIONAL_GROUPS = ("experiments",)  # `optional` in the defaults list: Hydra skips unknown options


def _check_optional_groups(overrides: Sequence[str]) -> None:
    """Refuse an unknown option of an optional group (Hydra would silently ignore it)."""
    for override in overrides:
        key, _, value = override.partition("=")
        group = key.lstrip("+~")
        if group not in OPTIONAL_GROUPS or not value or value == "null" or "," in value:
            continue
        options = sorted(p.stem for p in (CONFIG_DIR / group).glob("*.yaml"))
        if value not in options:
            raise ConfigError(group, f"unknown option '{value}'; allowed: {', '.join(options)}")


def _unknown_path(base: DictConfig, key: str) -> ConfigError:
    """Name the first component of `key` that the config lacks, with a suggestion."""
    parts = key.split(".")
    node: object = base
    for depth, part in enumerate(parts):
        if not isinstance(node, DictConfig):
            break
        if part not in node:
            return unknown_key(".".join(parts[:depth]), part, [str(k) for k in node.keys()])
        node = node[part]
    return ConfigError(key, "cannot be set here")


def _targets(override: str, key: str) -> bool:
    name = override.split("=", 1)[0].lstrip("+~")
    return name == key

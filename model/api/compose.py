"""`compose`: a validated configuration, as the command line would build it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from omegaconf import DictConfig, OmegaConf

from model.config.compose import compose_config
from model.config.errors import ConfigError
from model.config.spec import ModelSpec, build_spec

STUDIES = "experiments"  # the group of named studies: sweeps, run with `greyzone experiments=NAME`


@dataclass(frozen=True)
class Config:
    """A validated greyzone configuration: the CLI's overrides and what they compose to.

    `job` is the composed job config (read-only); `spec` its validated form. Change it with
    `with_overrides`, which validates again.
    """

    overrides: tuple[str, ...]
    job: DictConfig = field(repr=False, compare=False)
    spec: ModelSpec = field(repr=False, compare=False)

    @property
    def scenario(self) -> str:
        return self.spec.scenario.name

    def with_overrides(self, *overrides: str) -> Config:
        """This config with more overrides (one for a key already set replaces it), validated."""
        check_overrides(overrides)
        return _build(merge(self.overrides, overrides))

    def get(self, key: str):
        """The value at a dotted key of the job config, e.g. `japan.stockpile_days`."""
        missing = object()
        value = OmegaConf.select(self.job, key, default=missing)
        if value is missing:
            raise ConfigError(key, "names no value of the config (see `greyzone --cfg job`)")
        return OmegaConf.to_container(value, resolve=True) if isinstance(value, DictConfig) else value

    def to_yaml(self) -> str:
        return OmegaConf.to_yaml(self.job, resolve=True)

    def command(self) -> str:
        """The `greyzone` command that runs this config."""
        return " ".join(["greyzone", *self.overrides])


def compose(scenario: str | None = None, overrides: Sequence[str] = ()) -> Config:
    """The config of `scenario` (a name in configs/scenario/) with `overrides` (the CLI's
    `key=value` syntax), validated as the CLI validates it.

    Raises `ConfigError` (one line naming the key and what is allowed) for a bad one. Hydra's
    global state is left as it was found, and calls from several threads are safe.
    """
    listed = merge([f"scenario={scenario}"] if scenario is not None else [], check_overrides(overrides))
    return _build(listed)


def recorded(overrides: Sequence[str]) -> Config:
    """The config of a job from the overrides its run recorded (run.json), validated again;
    a named study's job keeps its `experiments=` entry, which composes that study's case."""
    return _build([o for o in overrides if key_of(str(o)) != "run.resume"])


def check_overrides(overrides: Sequence[str]) -> list[str]:
    """`overrides` if each is a 'key=value' string a single run can take, else ConfigError."""
    if isinstance(overrides, str):
        raise ConfigError("overrides", f"got the string {overrides!r}; give a list of 'key=value' strings")
    for override in overrides:
        if not isinstance(override, str) or "=" not in override:
            raise ConfigError("overrides", f"got {override!r}; each override is a 'key=value' string")
        key = key_of(override)
        if key == STUDIES:
            raise ConfigError(
                STUDIES,
                "a named study is a sweep of several jobs: run it with "
                f"`greyzone {override}`, then read its folder with model.load(path)",
            )
        if key.startswith("hydra.") or key.startswith("hydra/"):
            raise ConfigError(
                key, "Hydra's own settings do not apply here; simulate(directory=...) sets the folder"
            )
    return list(overrides)


def _build(listed: list[str]) -> Config:
    job = compose_config(listed)
    spec = build_spec(job)
    OmegaConf.set_readonly(job, True)
    return Config(tuple(listed), job, spec)


def merge(overrides: Sequence[str], more: Sequence[str]) -> list[str]:
    """`overrides` then `more`, an override of `more` replacing one of the same key."""
    replaced = {key_of(o) for o in more}
    return [*(o for o in overrides if key_of(o) not in replaced), *more]


def key_of(override: str) -> str:
    return str(override).split("=", 1)[0].lstrip("+~")

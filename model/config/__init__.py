"""Configuration: Hydra composition, typed settings and sourced seeds."""

from model.config.errors import ConfigError
from model.config.spec import ModelSpec, build_spec

__all__ = ["ConfigError", "ModelSpec", "build_spec"]

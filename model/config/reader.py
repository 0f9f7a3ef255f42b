"""Typed, path-aware reading of plain config mappings.

Every accessor checks type and domain and raises a one-line `ConfigError` naming the
full key. `finish()` refuses keys nobody read, suggesting the nearest known key.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

from model.config.drawn import Drawn
from model.config.errors import ConfigError, unknown_key

SEED_LEAF_KEYS = frozenset({"value", "range", "unit", "source"})
_MISSING = object()


class Reader:
    """Reads one mapping of a config, remembering which keys were used."""

    def __init__(self, data: Any, path: str) -> None:
        if not isinstance(data, Mapping):
            raise ConfigError(path, f"expected a mapping, got {_show(data)}")
        self.data = data
        self.path = path
        self.used: set[str] = set()

    def key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def keys(self) -> list[str]:
        return [str(k) for k in self.data]

    def has(self, key: str) -> bool:
        return key in self.data

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        self.used.add(key)
        if key not in self.data:
            if default is _MISSING:
                raise ConfigError(self.key(key), "missing required key")
            return default
        return self.data[key]

    def sub(self, key: str) -> Reader:
        return Reader(self.raw(key), self.key(key))

    def finish(self) -> None:
        for key in self.data:
            if key not in self.used:
                raise unknown_key(self.path, str(key), self.used)

    # typed accessors -----------------------------------------------------------------
    def integer(self, key: str, minimum: int | None = None, default: Any = _MISSING) -> int:
        value = self.raw(key, default)
        return check_integer(value, self.key(key), minimum)

    def optional_integer(self, key: str, minimum: int | None = None) -> int | None:
        value = self.raw(key, None)
        return None if value is None else check_integer(value, self.key(key), minimum)

    def number(self, key: str, kind: str = "real", default: Any = _MISSING) -> float:
        return check_number(self.raw(key, default), self.key(key), kind)

    def boolean(self, key: str, default: Any = _MISSING) -> bool:
        return check_boolean(self.raw(key, default), self.key(key))

    def text(self, key: str, choices: tuple[str, ...] | None = None, default: Any = _MISSING) -> str:
        value = self.raw(key, default)
        if not isinstance(value, str):
            raise ConfigError(self.key(key), f"got {_show(value)}; must be a string")
        if choices is not None and value not in choices:
            raise ConfigError(self.key(key), f"got '{value}'; allowed: {', '.join(choices)}")
        return value

    def date(self, key: str) -> dt.date:
        value = self.raw(key)
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            raise ConfigError(self.key(key), f"got {_show(value)}; must be a date YYYY-MM-DD") from None

    # seed leaves: {value, range, unit, source} ------------------------------------------
    def seed(self, key: str, kind: str) -> Any:
        """The `value` of a seed leaf, checked against `kind`."""
        leaf = self.sub(key)
        for name in leaf.keys():
            if name not in SEED_LEAF_KEYS:
                raise unknown_key(leaf.path, name, SEED_LEAF_KEYS)
        leaf.used.update(SEED_LEAF_KEYS)
        value = leaf.raw("value")
        if kind == "bool":
            return check_boolean(value, leaf.key("value"))
        if kind == "int":
            return check_integer(value, leaf.key("value"), 1)
        return check_number(value, leaf.key("value"), kind)

    def drawn(self, key: str, kind: str) -> Any:
        """A seed drawn per replication: its value (the mode) and its range, both checked."""
        value = self.seed(key, kind)
        leaf = self.sub(key)
        bounds = leaf.raw("range", None)
        if (
            not isinstance(bounds, list | tuple)
            or len(bounds) != 2
            or any(isinstance(b, bool) or not isinstance(b, int | float) for b in bounds)
            or not bounds[0] <= value <= bounds[1]
        ):
            raise ConfigError(leaf.key("range"), f"must be [low, high] with low <= value ({value:g}) <= high")
        return Drawn(value, float(bounds[0]), float(bounds[1]))


_KINDS = {
    "real": ("a number", lambda v: True),
    "share": ("a share in [0, 1]", lambda v: 0.0 <= v <= 1.0),
    "positive": ("a number > 0", lambda v: v > 0),
    "nonneg": ("a number >= 0", lambda v: v >= 0),
    "at_least_one": ("a number >= 1", lambda v: v >= 1),
}


def check_number(value: Any, key: str, kind: str) -> float:
    label, ok = _KINDS[kind]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(key, f"got {_show(value)}; must be {label}")
    value = float(value)
    if not math.isfinite(value) or not ok(value):
        raise ConfigError(key, f"got {value:g}; must be {label}")
    return value


def check_integer(value: Any, key: str, minimum: int | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise ConfigError(key, f"got {_show(value)}; must be an integer")
    if minimum is not None and value < minimum:
        raise ConfigError(key, f"got {value}; must be an integer >= {minimum}")
    return int(value)


def check_boolean(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(key, f"got {_show(value)}; must be true or false")
    return value


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."

"""The one error type for bad configuration."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

USAGE_ERROR = 2  # exit code of a refusal: a bad config, or a directory that cannot be used; nothing ran
RUN_FAILED = 1  # exit code of a command that ran and failed (a job, a damaged file, a full disk)


class ConfigError(ValueError):
    """A bad configuration value; the message is one line naming the key."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}")

    def __reduce__(self):  # picklable across worker processes
        return (type(self), (self.key, self.problem))


def unknown_key(path: str, key: str, known: Iterable[str]) -> ConfigError:
    """Error for a key that the schema does not know, suggesting the nearest known one."""
    full = f"{path}.{key}" if path else key
    return ConfigError(full, f"unknown key; {suggest(key, known)}")


def unknown_name(key: str, name: str, what: str, known: Iterable[str]) -> ConfigError:
    """Error for a value naming something that does not exist (e.g. a material)."""
    return ConfigError(key, f"unknown {what} '{name}'; {suggest(name, known)}")


def suggest(name: str, known: Iterable[str]) -> str:
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    return f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"

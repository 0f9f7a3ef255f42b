"""A posterior sample of seeds, and one replication's values drawn from it (run.parameters=posterior).

A sample is a CSV file (seeds/posterior/<name>.csv, written by `greyzone-explore
explore=posterior`): one row per particle, a `weight` column and one column per seed, named by
its path under `seeds` (e.g. `market.price_response`). Beside it, <name>.yaml says how it was
made. With `run.parameters=posterior` replication r draws one particle, by weight, from a stream
of its own (SeedSequence(entropy=(run.seed, POSTERIOR_STREAM), spawn_key=(r,))), so the draw
does not depend on the number of workers and leaves the replication's own numbers untouched;
the paired counterfactual runs at the same values.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.config.errors import ConfigError, unknown_name
from model.config.paths import SEEDS_DIR

POSTERIOR_DIR = SEEDS_DIR / "posterior"
PARAMETERS = ("seeded", "posterior")  # run.parameters: the seeds' values, or drawn per replication
WEIGHT = "weight"
POSTERIOR_STREAM = 0x706F7374  # entropy tag of the posterior draws ("post"), apart from the model's


@dataclass(frozen=True)
class PosteriorSample:
    """Weighted particles over named seeds."""

    path: Path
    names: tuple[str, ...]
    values: np.ndarray  # particles x seeds
    weights: np.ndarray  # particles, summing to 1
    sha256: str

    def draw(self, root_seed: int, replication: int) -> dict[str, float]:
        """The particle of `replication`, drawn by weight from its own stream."""
        stream = np.random.SeedSequence(entropy=(root_seed, POSTERIOR_STREAM), spawn_key=(replication,))
        row = np.random.default_rng(stream).choice(len(self.weights), p=self.weights)
        return {name: float(v) for name, v in zip(self.names, self.values[row], strict=True)}

    def quantiles(self, q: tuple[float, ...] = (0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Weighted quantiles of each seed: one row per seed, a column per quantile."""
        rows = {}
        for j, name in enumerate(self.names):
            order = np.argsort(self.values[:, j])
            cdf = np.cumsum(self.weights[order])
            rows[name] = [float(self.values[order, j][np.searchsorted(cdf, p * cdf[-1])]) for p in q]
        return pd.DataFrame.from_dict(rows, orient="index", columns=[f"q{round(100 * p):02d}" for p in q])


def names() -> tuple[str, ...]:
    """The posterior samples kept in seeds/posterior/."""
    return tuple(sorted(p.stem for p in POSTERIOR_DIR.glob("*.csv")))


def resolve(value: str, key: str = "run.posterior") -> Path:
    """A sample by name (seeds/posterior/<name>.csv) or by the path of its own CSV file."""
    if value.endswith(".csv"):
        path = Path(value).expanduser().resolve()
        if not path.is_file():
            raise ConfigError(key, f"{value}: no such posterior sample file")
        return path
    path = POSTERIOR_DIR / f"{value}.csv"
    if not path.is_file():
        if not names():
            raise ConfigError(
                key,
                f"{value}: no posterior sample in {POSTERIOR_DIR}; make one with "
                "`greyzone-explore explore=posterior`",
            )
        raise unknown_name(key, value, "posterior sample", names())
    return path


def load(path: Path, key: str = "run.posterior") -> PosteriorSample:
    """The sample in `path`, checked (one-line errors naming the file); cached per file version."""
    stat = path.stat()
    return _load(str(path), stat.st_mtime_ns, stat.st_size, key)


@functools.lru_cache(maxsize=8)
def _load(path: str, mtime_ns: int, size: int, key: str) -> PosteriorSample:
    data = Path(path).read_bytes()
    try:
        table = pd.read_csv(Path(path), comment="#")
    except (ValueError, pd.errors.ParserError) as err:
        raise ConfigError(key, f"{path}: not a readable CSV table ({str(err).splitlines()[0]})") from None
    if WEIGHT not in table.columns or len(table.columns) < 2 or table.empty:
        raise ConfigError(
            key, f"{path}: needs a '{WEIGHT}' column, one column per seed and a row per particle"
        )
    numeric = table.apply(pd.to_numeric, errors="coerce")
    if numeric.isna().any().any():
        bad = str(numeric.columns[numeric.isna().any()][0])
        raise ConfigError(key, f"{path}: column {bad} has a value that is not a number")
    weights = numeric.pop(WEIGHT).to_numpy(dtype=float)
    if (weights < 0).any() or weights.sum() <= 0:
        raise ConfigError(key, f"{path}: weights must be >= 0 with a positive sum")
    return PosteriorSample(
        path=Path(path),
        names=tuple(str(c) for c in numeric.columns),
        values=numeric.to_numpy(dtype=float),
        weights=weights / weights.sum(),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def check(sample: PosteriorSample, seeds: Mapping[str, Any], key: str = "run.posterior") -> None:
    """Every column names a ranged numeric seed of this config and every value lies in its range."""
    for j, name in enumerate(sample.names):
        node: Any = seeds
        for part in name.split("."):
            node = node.get(part) if isinstance(node, Mapping) else None
        if not isinstance(node, Mapping) or "value" not in node or not node.get("range"):
            raise ConfigError(key, f"{sample.path.name}: column {name} names no ranged seed (seeds.{name})")
        low, high = (float(b) for b in node["range"])
        column = sample.values[:, j]
        if column.min() < low or column.max() > high:
            raise ConfigError(
                key,
                f"{sample.path.name}: {name} spans {column.min():g}-{column.max():g}, "
                f"outside its seeded range {low:g}-{high:g}",
            )


def with_values(config: Mapping[str, Any], values: Mapping[str, float]) -> dict[str, Any]:
    """A copy of the plain config `config` with `seeds.<name>.value` set for each named seed
    (copied along the paths set, shared elsewhere)."""
    out = dict(config)
    for name, value in values.items():
        node = out
        for part in ["seeds", *name.split(".")]:
            node[part] = dict(node[part])
            node = node[part]
        node["value"] = float(value)
    return out

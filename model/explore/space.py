"""The parameter space of an exploration: seeded figures with their plausible ranges.

Every numeric seed leaf `{value, range, ...}` with a non-degenerate range is a parameter,
named by its path under `seeds` (e.g. `licensing.review_median_weeks`). Booleans and leaves
whose range is a single point are left at their value. Run settings and scenario values
can join a space too (`extra` entries: path in the run config, low, high).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from omegaconf import DictConfig, OmegaConf

from model.config.errors import ConfigError
from model.config.paths import SEEDS_DIR

SEEDS = "seeds"
LEVERS_FILE = SEEDS_DIR / "levers" / "default.yaml"
# A sector's product lines may carry at most all its value added: a draw above that is scaled down.
_LINE_SHARE = "sectors.*.lines.*.va_share"


@dataclass(frozen=True)
class Parameter:
    """One dimension of the space: where it lives in the run config and its range."""

    name: str  # path under seeds (seed leaves) or in the run config (extras)
    key: str  # the node set in the run config
    low: float
    high: float
    base: float
    integer: bool
    cases: tuple[str, ...] = ()  # cases the parameter applies to (empty: all)

    def scale(self, unit: np.ndarray) -> np.ndarray:
        """Map values in [0, 1] onto the range (rounded for integer parameters)."""
        values = self.low + np.asarray(unit, dtype=float) * (self.high - self.low)
        return np.round(values) if self.integer else values


def seed_parameters(
    cfg: DictConfig, include: Sequence[str] = ("*",), exclude: Sequence[str] = ()
) -> list[Parameter]:
    """The ranged numeric seed leaves of `cfg`, filtered by glob patterns on their names."""
    seeds = OmegaConf.to_container(cfg[SEEDS], resolve=True)
    found = []
    for name, leaf in _leaves(seeds, ""):
        value, bounds = leaf.get("value"), leaf.get("range")
        if isinstance(value, bool) or not isinstance(value, int | float) or not bounds:
            continue
        low, high = (float(b) for b in bounds)
        if not high > low:
            continue
        if not _selected(name, include, exclude):
            continue
        # seeds are read as real numbers (the model rounds where it needs whole weeks)
        found.append(Parameter(name, f"{SEEDS}.{name}.value", low, high, float(value), False))
    return found


def lever_ranges() -> dict[str, tuple[float, float]]:
    """The seeded ranges of the policy levers (seeds/levers/default.yaml): key -> (low, high)."""
    levers = OmegaConf.to_container(OmegaConf.load(LEVERS_FILE))
    return {str(key): (float(leaf["range"][0]), float(leaf["range"][1])) for key, leaf in levers.items()}


def extra_parameters(cfg: DictConfig, extras: Mapping[str, Mapping[str, Any]]) -> list[Parameter]:
    """Run-config values as parameters: {key: {range: [low, high], integer, cases}}.

    e.g. `japan.stockpile_days: {range: [0, 180]}`; without `range`, the lever's seeded range
    (seeds/levers); `cases` limits a parameter to some cases (e.g. the curbs' intensity applies
    to `ambiguous_curbs` only).
    """
    found = []
    seeded = lever_ranges()
    for key, spec in extras.items():
        spec = spec or {}
        where = f"explore.extra.{key}"
        if OmegaConf.select(cfg, key, default="<missing>") == "<missing>":
            raise ConfigError(where, "names no value of the run config (see `greyzone --cfg job`)")
        value = OmegaConf.select(cfg, key)
        if isinstance(value, bool) or not (value is None or isinstance(value, int | float)):
            raise ConfigError(where, f"is {value!r}; must name a numeric (or null) value")
        bounds = list(spec.get("range") or seeded.get(key) or [])
        if not bounds:
            raise ConfigError(
                f"{where}.range", f"missing; give [low, high] or seed it in {LEVERS_FILE.name} (seeds/levers)"
            )
        if len(bounds) != 2 or not float(bounds[1]) > float(bounds[0]):
            raise ConfigError(f"{where}.range", f"got {bounds}; must be [low, high] with high > low")
        low, high = float(bounds[0]), float(bounds[1])
        base = float("nan") if value is None else float(value)
        cases = tuple(str(c) for c in spec.get("cases") or ())
        found.append(Parameter(key, key, low, high, base, bool(spec.get("integer", False)), cases))
    return found


def require(parameters: Sequence[Parameter], what: str) -> None:
    """Refuse an empty space with a message naming the selecting key."""
    if not parameters:
        raise ConfigError(
            what, "selects no ranged parameter; check the patterns against `greyzone --cfg job`"
        )


def apply(
    cfg: DictConfig, values: Mapping[str, float], parameters: Sequence[Parameter], case: str | None = None
) -> DictConfig:
    """A copy of `cfg` with each parameter (that applies to `case`) set to its value in `values`."""
    out = cfg.copy()
    for p in parameters:
        if p.cases and case not in p.cases:
            continue
        value = values[p.name]
        OmegaConf.update(out, p.key, int(value) if p.integer else float(value), merge=False)
    if any(fnmatch.fnmatchcase(p.name, _LINE_SHARE) for p in parameters):
        _cap_line_shares(out)
    if any(p.name.startswith("sectors.") for p in parameters):
        _order_covers(out)
    if any(p.name.startswith(("materials.", "market.")) for p in parameters):
        _keep_prices_below_cap(out)
    if any(p.name.startswith(_SUPPLY_PREFIXES) for p in parameters):
        _cap_recyclers(out)
        _cover_nonchina_supply(out)
    return out


def _order_covers(cfg: DictConfig) -> None:
    """A sector's maximum inventory cover is at least its base cover."""
    for sector in cfg[SEEDS].sectors.values():
        if float(sector.max_cover_weeks.value) < float(sector.base_cover_weeks.value):
            sector.max_cover_weeks.value = float(sector.base_cover_weeks.value)


def _keep_prices_below_cap(cfg: DictConfig) -> None:
    """A drawn starting price at or above its cap (price_cap_multiple x reference) is lowered below it."""
    seeds = cfg[SEEDS]
    multiple = float(seeds.market.price_cap_multiple.value)
    for material in seeds.materials.values():
        cap = multiple * float(material.reference_price_usd_per_kg.value)
        if float(material.price_usd_per_kg.value) >= cap:
            material.price_usd_per_kg.value = cap * (1.0 - 1e-3)


def _cap_recyclers(cfg: DictConfig) -> None:
    """A recycler sells at most the material's recycling potential (share of Japan's demand)."""
    seeds = cfg[SEEDS]
    for supplier in seeds.suppliers.nonchina.values():
        if not bool(supplier.recycler.value):
            continue
        for name, leaf in (supplier.get("capacity_t") or {}).items():
            material = seeds.materials[name]
            cap = float(material.recycling_potential_share.value) * float(material.japan_demand_t.value)
            if float(leaf.value) > cap:
                leaf.value = cap


_SUPPLY_PREFIXES = ("suppliers.", "materials.", "regions.")


def _cover_nonchina_supply(cfg: DictConfig) -> None:
    """Scale a material's non-China capacities up to the world's non-China supply where a draw fell short.

    The model starts in a state where non-China producers deliver the non-China share of Japan
    and of the rest-of-world blocks; a draw of low capacity with a low China share would be no
    valid starting state.
    """
    seeds = cfg[SEEDS]
    suppliers = seeds.suppliers.nonchina
    blocks = seeds.regions.blocks.values()
    for name, material in seeds.materials.items():
        need = float(material.japan_demand_t.value) * (1.0 - float(material.china_share.value))
        need += sum(float(b.demand_t[name].value) * (1.0 - float(b.china_share[name].value)) for b in blocks)
        leaves = [
            s.capacity_t[name]
            for s in suppliers.values()
            if name in (s.get("capacity_t") or {}) and not bool(s.recycler.value)
        ]
        have = sum(float(leaf.value) for leaf in leaves)
        if need <= have or not leaves:
            continue
        # add the deficit in proportion to each capacity (equally if all are zero); scaling by
        # need / have instead loses the deficit when a drawn capacity is subnormal (5e-324)
        deficit = need * (1.0 + 1e-6) - have
        for leaf in leaves:
            weight = float(leaf.value) / have if have > 0 else 1.0 / len(leaves)
            leaf.value = float(leaf.value) + deficit * weight


def _cap_line_shares(cfg: DictConfig) -> None:
    """Scale a sector's line shares down to a sum of one where a draw exceeded it."""
    for sector in cfg[SEEDS].sectors.values():
        lines = sector.get("lines") or {}
        total = sum(float(line.va_share.value) for line in lines.values())
        if total > 1.0:
            for line in lines.values():
                line.va_share.value = float(line.va_share.value) / total


def scale_unit(unit: np.ndarray, parameters: Sequence[Parameter]) -> pd.DataFrame:
    """Points in the unit cube (rows) as parameter values (columns by name)."""
    return pd.DataFrame({p.name: p.scale(unit[:, i]) for i, p in enumerate(parameters)})


def table(parameters: Sequence[Parameter]) -> pd.DataFrame:
    """The space as a table: name, base, low, high, integer."""
    return pd.DataFrame(
        [(p.name, p.base, p.low, p.high, p.integer) for p in parameters],
        columns=["parameter", "base", "low", "high", "integer"],
    )


def _leaves(node: Any, prefix: str) -> Iterable[tuple[str, dict[str, Any]]]:
    if not isinstance(node, dict):
        return
    if "value" in node and "source" in node:
        yield prefix, node
        return
    for key, child in node.items():
        yield from _leaves(child, f"{prefix}.{key}" if prefix else str(key))


def _selected(name: str, include: Sequence[str], exclude: Sequence[str]) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in include) and not any(
        fnmatch.fnmatchcase(name, p) for p in exclude
    )

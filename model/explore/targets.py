"""Calibration to the 2010 crisis: targets from the record, a least-squares grid fit.

Targets are observed figures (docs/references.md) with a kind that says how the model
measures them; each is marked `fit` (enters the loss) or held out (reported out of sample).
The loss is the mean squared log ratio of model (mean over replications) to record over
the fit targets; the calibrated point is the grid point with the least loss.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from model.config.errors import ConfigError
from model.sim.paired import Replication

KINDS = ("monthly_imports", "price_multiple", "outcome")
IMPORT_METRICS = {  # monthly_imports: the weekly deliveries an origin counts
    "china": ("delivered_china_t", "delivered_embedded_t"),
    "total": ("delivered_china_t", "delivered_embedded_t", "delivered_nonchina_t", "delivered_leakage_t"),
}


@dataclass(frozen=True)
class Target:
    """One observed figure and how the model measures it."""

    name: str
    kind: str
    observed: float
    fit: bool
    tolerance: float  # allowed |log(model / observed)|
    source: str
    month: str | None = None  # monthly_imports: YYYY-MM
    origin: str = "china"  # monthly_imports: china or total
    material: str | None = None  # price_multiple
    start: str | None = None  # price_multiple: window of dates (inclusive)
    end: str | None = None
    outcome: str | None = None  # outcome: name in the outcome table (material "all" or none)


def parse_targets(raw: Mapping[str, Mapping[str, Any]]) -> list[Target]:
    """Targets from the study config, each checked with a one-line error naming its key."""
    targets = []
    for name, spec in raw.items():
        key = f"explore.targets.{name}"
        kind = spec.get("kind")
        if kind not in KINDS:
            raise ConfigError(f"{key}.kind", f"got {kind!r}; allowed: {', '.join(KINDS)}")
        observed = spec.get("observed")
        if not isinstance(observed, int | float) or observed <= 0:
            raise ConfigError(f"{key}.observed", f"got {observed!r}; must be a number > 0")
        tolerance = spec.get("tolerance", 0.5)
        if not isinstance(tolerance, int | float) or tolerance <= 0:
            raise ConfigError(f"{key}.tolerance", f"got {tolerance!r}; must be a number > 0")
        fields = {k: spec.get(k) for k in ("month", "material", "start", "end", "outcome")}
        origin = spec.get("origin", "china")
        if kind == "monthly_imports" and (origin not in IMPORT_METRICS or not fields["month"]):
            raise ConfigError(
                key, f"monthly_imports needs month YYYY-MM and origin in {', '.join(IMPORT_METRICS)}"
            )
        if kind == "price_multiple" and not (fields["material"] and fields["start"] and fields["end"]):
            raise ConfigError(key, "price_multiple needs material, start and end dates")
        if kind == "outcome" and not fields["outcome"]:
            raise ConfigError(f"{key}.outcome", "missing; name an outcome of the outcome table")
        targets.append(
            Target(
                name=str(name),
                kind=kind,
                observed=float(observed),
                fit=bool(spec.get("fit", False)),
                tolerance=float(tolerance),
                source=str(spec.get("source", "")),
                origin=origin,
                **fields,
            )
        )
    if not any(t.fit for t in targets):
        raise ConfigError("explore.targets", "no target has fit: true; the loss needs at least one")
    return targets


class TargetMeasure:
    """Measures the targets on one replication (picklable for worker processes)."""

    def __init__(self, targets: Sequence[Target]) -> None:
        self.targets = list(targets)

    def __call__(self, replication: Replication, spec: Any) -> dict[str, float]:
        series = replication.series
        dates = [spec.run.start_date + dt.timedelta(weeks=w) for w in range(series.weeks)]
        names = list(series.materials)
        outcomes = replication.outcomes
        values: dict[str, float] = {}
        for t in self.targets:
            if t.kind == "monthly_imports":
                weekly = sum(series.material[m].sum(axis=1) for m in IMPORT_METRICS[t.origin])
                values[t.name] = month_total(weekly, dates, t.month)
            elif t.kind == "price_multiple":
                path = series.material["price_multiple"][:, names.index(t.material)]
                lo, hi = dt.date.fromisoformat(t.start), dt.date.fromisoformat(t.end)
                inside = [i for i, d in enumerate(dates) if lo <= d <= hi]
                values[t.name] = float(path[inside].mean()) if inside else float("nan")
            else:
                rows = outcomes[
                    (outcomes["outcome"] == t.outcome)
                    & (outcomes["material"].isna() | (outcomes["material"] == "all"))
                ]
                values[t.name] = float(rows["value"].iloc[0]) if len(rows) else float("nan")
        return values


def month_total(weekly: np.ndarray, week_starts: Sequence[dt.date], month: str) -> float:
    """Tonnes in a calendar month, spreading each week's flow evenly over its seven days."""
    year, mon = (int(x) for x in month.split("-"))
    total = 0.0
    for value, start in zip(weekly, week_starts, strict=True):
        days = sum(1 for k in range(7) if (d := start + dt.timedelta(days=k)).year == year and d.month == mon)
        total += float(value) * days / 7.0
    return total


def grid(values: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """All combinations of the listed values (a Cartesian grid), one row per point."""
    names = list(values)
    return pd.DataFrame(list(itertools.product(*(values[n] for n in names))), columns=names)


def compare(table: pd.DataFrame, targets: Sequence[Target]) -> pd.DataFrame:
    """Per point and target: model mean over replications, observed, log ratio."""
    means = table.groupby("point", sort=True)[[t.name for t in targets]].mean()
    rows = []
    for t in targets:
        model = means[t.name]
        rows.append(
            pd.DataFrame(
                {
                    "point": means.index,
                    "target": t.name,
                    "fit": t.fit,
                    "observed": t.observed,
                    "model": model.to_numpy(),
                    "log_ratio": np.log(np.maximum(model.to_numpy(), 1e-9) / t.observed),
                    "tolerance": t.tolerance,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def losses(comparison: pd.DataFrame) -> pd.Series:
    """Mean squared log ratio over the fit targets, per point."""
    fit = comparison[comparison["fit"]]
    return fit.groupby("point")["log_ratio"].apply(lambda r: float(np.mean(np.square(r)))).rename("loss")


def calibrated_table(table: pd.DataFrame, targets: Sequence[Target], point: int) -> pd.DataFrame:
    """Record against model at one point: observed, median and 5-95% over replications, verdict."""
    rows = table[table["point"] == point]
    out = []
    for t in targets:
        values = rows[t.name].to_numpy(dtype=float)
        mean = float(np.nanmean(values))
        ratio = float(np.log(max(mean, 1e-9) / t.observed))
        out.append(
            {
                "target": t.name,
                "role": "fit" if t.fit else "held out",
                "observed": t.observed,
                "model_mean": mean,
                "model_p5": float(np.nanpercentile(values, 5)),
                "model_p95": float(np.nanpercentile(values, 95)),
                "log_ratio": ratio,
                "tolerance": t.tolerance,
                "within": abs(ratio) <= t.tolerance,
                "source": t.source,
            }
        )
    return pd.DataFrame(out)

"""Validation targets: figures on record for an episode, and how the model measures each.

An episode file (`seeds/targets/<episode>.yaml`) names the scenario that replays it, the
run settings it needs, and its targets. Each target has its record value, unit, date window,
source and role: *in_sample* targets may be fitted by a calibration; *held_out* ones are only
ever reported. A target's kind says how the model measures it on one replication.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from model.catalogue.units import PER_TRILLION
from model.config.errors import ConfigError, unknown_name
from model.config.paths import SEEDS_DIR
from model.sim.paired import Replication
from model.sim.recorder import WeeklySeries

TARGETS_DIR = SEEDS_DIR / "targets"
ROLES = ("in_sample", "held_out")
KINDS = (
    "monthly_imports",  # Japan's imports in a calendar month, t
    "imports_vs_normal",  # Japan's imports in a month over its normal month (before the shock)
    "exports_vs_normal",  # China's exports to every destination in a month over its normal month
    "annual_imports",  # Japan's imports in a calendar year, t
    "annual_china_share",  # China's share of Japan's imports in a calendar year
    "price_multiple",  # ex-China price over its starting level, mean over a window of dates
    "outcome",  # a scalar outcome of the replication (its national total)
)
# which weekly deliveries an origin counts (Japan's imports by origin)
IMPORT_METRICS = {
    "china": ("delivered_china_t", "delivered_embedded_t"),
    "china_direct": ("delivered_china_t",),  # oxides and metals only, as Japan's customs count them
    "total": ("delivered_china_t", "delivered_embedded_t", "delivered_nonchina_t", "delivered_leakage_t"),
    "total_direct": ("delivered_china_t", "delivered_nonchina_t", "delivered_leakage_t"),
}
SCALES = {"trillion_yen": PER_TRILLION, "one": 1.0}  # outcome: the unit the record is in
_FIELDS = ("month", "year", "material", "materials", "start", "end", "outcome", "origin", "scale")


@dataclass(frozen=True)
class Target:
    """One figure on record and how the model measures it."""

    name: str
    kind: str
    record: float
    unit: str
    role: str  # in_sample | held_out
    tolerance: float  # allowed |log(model median / record)|
    source: str
    window: str  # the dates the record refers to, as the record states them
    month: str | None = None  # YYYY-MM (monthly kinds)
    year: int | None = None  # annual kinds
    material: str | None = None  # price_multiple
    materials: tuple[str, ...] = ()  # *_vs_normal: the materials counted (empty: all)
    start: str | None = None  # price_multiple: first and last date (inclusive)
    end: str | None = None
    outcome: str | None = None  # outcome: its name in the outcome table
    origin: str = "china"  # imports: an origin of IMPORT_METRICS
    scale: str = "one"  # outcome: the record's unit as a scale of the model's

    @property
    def in_sample(self) -> bool:
        return self.role == "in_sample"


@dataclass(frozen=True)
class Episode:
    """An episode on record: the scenario that replays it, its run settings and its targets."""

    name: str
    description: str
    scenario: str
    overrides: tuple[str, ...]
    targets: tuple[Target, ...] = field(default_factory=tuple)
    path: Path | None = None


def episode_names() -> tuple[str, ...]:
    """The episodes with a targets file in seeds/targets/."""
    return tuple(sorted(p.stem for p in TARGETS_DIR.glob("*.yaml")))


def episode_from(value: str, key: str = "explore.episode") -> Episode:
    """An episode by name (seeds/targets/<name>.yaml) or by the path of its own targets file (*.yaml)."""
    if value.endswith(".yaml"):
        path = Path(value).expanduser().resolve()
        if not path.is_file():
            raise ConfigError(key, f"{value}: no such targets file")
        return load_episode(path.stem, path.parent)
    return load_episode(value)


def load_episode(name: str, directory: Path = TARGETS_DIR) -> Episode:
    """The episode `name` from its targets file; a one-line error names the key at fault."""
    path = directory / f"{name}.yaml"
    if not path.is_file():
        raise unknown_name("explore.episodes", name, "episode", episode_names())
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        raise ConfigError(str(path), f"not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(raw, dict) or not isinstance(raw.get("targets"), dict) or not raw["targets"]:
        raise ConfigError(f"{path}: targets", "must map target names to their settings")
    meta = raw.get("episode") or {}
    for key in ("scenario", "description"):
        if not isinstance(meta.get(key), str) or not meta[key]:
            raise ConfigError(f"{path}: episode.{key}", "missing; must be a non-empty string")
    overrides = meta.get("overrides") or []
    if not isinstance(overrides, list) or not all(isinstance(o, str) for o in overrides):
        raise ConfigError(f"{path}: episode.overrides", "must be a list of key=value strings")
    targets = tuple(parse_target(f"{path}: targets.{k}", k, v) for k, v in raw["targets"].items())
    return Episode(name, meta["description"].strip(), meta["scenario"], tuple(overrides), targets, path)


def parse_target(key: str, name: str, spec: Any) -> Target:
    """One target's settings, checked with a one-line error naming its key."""
    if not isinstance(spec, dict):
        raise ConfigError(key, "must be a mapping of the target's settings")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{key}.kind", f"got {kind!r}; allowed: {', '.join(KINDS)}")
    record = spec.get("record")
    if isinstance(record, bool) or not isinstance(record, int | float) or record <= 0:
        raise ConfigError(f"{key}.record", f"got {record!r}; must be a number > 0")
    tolerance = spec.get("tolerance")
    if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance <= 0:
        raise ConfigError(f"{key}.tolerance", f"got {tolerance!r}; must be a number > 0 (|log ratio|)")
    role = spec.get("role")
    if role not in ROLES:
        raise ConfigError(f"{key}.role", f"got {role!r}; allowed: {', '.join(ROLES)}")
    for text in ("unit", "source", "window"):
        if not isinstance(spec.get(text), str) or not spec[text].strip():
            raise ConfigError(f"{key}.{text}", "missing; must be a non-empty string")
    unknown = set(spec) - {"kind", "record", "tolerance", "role", "unit", "source", "window", *_FIELDS}
    if unknown:
        raise ConfigError(f"{key}.{sorted(unknown)[0]}", "unknown setting of a target")
    fields = {k: spec[k] for k in _FIELDS if k in spec}
    fields["materials"] = tuple(fields.get("materials") or ())
    target = Target(
        name=str(name),
        kind=kind,
        record=float(record),
        unit=spec["unit"],
        role=role,
        tolerance=float(tolerance),
        source=spec["source"].strip(),
        window=spec["window"],
        **fields,
    )
    _check_kind(key, target)
    return target


def _check_kind(key: str, t: Target) -> None:
    needs = {
        "monthly_imports": ("month",),
        "imports_vs_normal": ("month",),
        "exports_vs_normal": ("month",),
        "annual_imports": ("year",),
        "annual_china_share": ("year",),
        "price_multiple": ("material", "start", "end"),
        "outcome": ("outcome",),
    }[t.kind]
    for name in needs:
        if getattr(t, name) in (None, ""):
            raise ConfigError(f"{key}.{name}", f"required by kind {t.kind}")
    if t.origin not in IMPORT_METRICS:
        raise ConfigError(f"{key}.origin", f"got {t.origin!r}; allowed: {', '.join(IMPORT_METRICS)}")
    if t.scale not in SCALES:
        raise ConfigError(f"{key}.scale", f"got {t.scale!r}; allowed: {', '.join(SCALES)}")


PATH = "path"  # prefix of the monthly path columns: path|<series>|<YYYY-MM>


class TargetMeasure:
    """Measures an episode's targets on one replication (picklable for worker processes); with
    `paths`, also the monthly paths the validation figures draw (Japan's imports from China and
    in total, t per month; the ex-China price multiple of each priced target's material)."""

    def __init__(self, targets: Sequence[Target], paths: bool = False) -> None:
        self.targets = list(targets)
        self.paths = paths

    def __call__(self, replication: Replication, spec: Any) -> dict[str, float]:
        series = replication.series
        dates = [spec.run.start_date + dt.timedelta(weeks=w) for w in range(series.weeks)]
        normal_weeks = slice(0, max(int(spec.run.warmup_weeks), 1))  # before the shock
        values = {t.name: measure(t, series, dates, replication.outcomes, normal_weeks) for t in self.targets}
        self.warmup_weeks = int(spec.run.warmup_weeks)
        if self.paths:
            values.update(self._paths(series, dates))
        return values

    def _paths(self, series: WeeklySeries, dates: Sequence[dt.date]) -> dict[str, float]:
        months = sorted({f"{d:%Y-%m}" for d in dates if _covers_month(dates, f"{d:%Y-%m}")})
        everything = list(range(len(series.materials)))
        china = _weekly(series, IMPORT_METRICS["china"], everything)
        total = _weekly(series, IMPORT_METRICS["total"], everything)
        priced = sorted({t.material for t in self.targets if t.kind == "price_multiple"})
        exported = next((t.materials for t in self.targets if t.kind == "exports_vs_normal"), None)
        out: dict[str, float] = {}
        if exported is not None:  # China's exports of these materials over their normal month
            columns = [list(series.materials).index(m) for m in exported] if exported else everything
            weekly = series.material["china_exports_t"][:, columns].sum(axis=1)
            normal = slice(0, max(int(self.warmup_weeks), 1))
            for month in months:
                out[f"{PATH}|exports_vs_normal|{month}"] = _vs_normal(weekly, dates, month, normal)
        for month in months:
            out[f"{PATH}|imports_china|{month}"] = month_total(china, dates, month)
            out[f"{PATH}|imports_total|{month}"] = month_total(total, dates, month)
            for material in priced:
                path = series.material["price_multiple"][:, list(series.materials).index(material)]
                inside = [i for i, d in enumerate(dates) if f"{d:%Y-%m}" == month]
                out[f"{PATH}|price_{material}|{month}"] = float(path[inside].mean())
        return out


def measure(
    t: Target, series: WeeklySeries, dates: Sequence[dt.date], outcomes: pd.DataFrame, normal: slice
) -> float:
    """The model's value of target `t` on one replication (NaN when the run does not reach it)."""
    names = list(series.materials)
    columns = [names.index(m) for m in t.materials] if t.materials else list(range(len(names)))
    if t.kind == "outcome":
        national = outcomes["material"].isna() | (outcomes["material"] == "all")
        rows = outcomes[(outcomes["outcome"] == t.outcome) & national]
        return float(rows["value"].iloc[0]) * SCALES[t.scale] if len(rows) else float("nan")
    if t.kind == "price_multiple":
        path = series.material["price_multiple"][:, names.index(t.material)]
        lo, hi = dt.date.fromisoformat(t.start), dt.date.fromisoformat(t.end)
        inside = [i for i, d in enumerate(dates) if lo <= d <= hi]
        return float(path[inside].mean()) if inside else float("nan")
    if t.kind == "exports_vs_normal":
        weekly = series.material["china_exports_t"][:, columns].sum(axis=1)
        return _vs_normal(weekly, dates, t.month, normal)
    direct = t.origin.endswith("direct")
    china = _weekly(series, IMPORT_METRICS["china_direct" if direct else "china"], columns)
    weekly = _weekly(series, IMPORT_METRICS[t.origin], columns)
    if t.kind == "monthly_imports":
        return month_total(weekly, dates, t.month) if _covers_month(dates, t.month) else float("nan")
    if t.kind == "imports_vs_normal":
        return _vs_normal(weekly, dates, t.month, normal)
    year = [i for i, d in enumerate(dates) if d.year == t.year]
    if len(year) < 52:
        return float("nan")
    if t.kind == "annual_imports":
        return float(weekly[year].sum())
    total = _weekly(series, IMPORT_METRICS["total_direct" if direct else "total"], columns)
    return float(china[year].sum() / total[year].sum())  # annual_china_share


def _weekly(series: WeeklySeries, metrics: Sequence[str], columns: list[int]) -> np.ndarray:
    return sum(series.material[m][:, columns].sum(axis=1) for m in metrics)


def _covers_month(dates: Sequence[dt.date], month: str) -> bool:
    year, mon = (int(x) for x in month.split("-"))
    first = dt.date(year, mon, 1)
    last = dt.date(year + mon // 12, mon % 12 + 1, 1) - dt.timedelta(days=1)
    return dates[0] <= first and dates[-1] + dt.timedelta(days=6) >= last


def _vs_normal(weekly: np.ndarray, dates: Sequence[dt.date], month: str, normal: slice) -> float:
    """The month's total over what the normal (pre-shock) weekly flow gives in that month."""
    if not _covers_month(dates, month):
        return float("nan")
    base = float(np.mean(weekly[normal]))
    days = _days_in(month)
    return month_total(weekly, dates, month) / (base * days / 7.0) if base > 0 else float("nan")


def _days_in(month: str) -> int:
    year, mon = (int(x) for x in month.split("-"))
    return (dt.date(year + mon // 12, mon % 12 + 1, 1) - dt.date(year, mon, 1)).days


def month_total(weekly: np.ndarray, week_starts: Sequence[dt.date], month: str) -> float:
    """Tonnes in a calendar month, spreading each week's flow evenly over its seven days."""
    year, mon = (int(x) for x in month.split("-"))
    total = 0.0
    for value, start in zip(weekly, week_starts, strict=True):
        days = sum(1 for k in range(7) if (d := start + dt.timedelta(days=k)).year == year and d.month == mon)
        total += float(value) * days / 7.0
    return total


# calibration on a grid (explore=calibrate) ----------------------------------------------------------
def grid(values: Mapping[str, Sequence[float]]) -> pd.DataFrame:
    """All combinations of the listed values (a Cartesian grid), one row per point."""
    names = list(values)
    return pd.DataFrame(list(itertools.product(*(values[n] for n in names))), columns=names)


def log_ratio(model: np.ndarray | float, record: float) -> np.ndarray | float:
    """log(model / record); a model value of 0 gives -inf (the record is never met)."""
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(model, dtype=float) / record)


def compare(table: pd.DataFrame, targets: Sequence[Target]) -> pd.DataFrame:
    """Per point and target: model mean over replications, record, log ratio."""
    means = table.groupby("point", sort=True)[[t.name for t in targets]].mean()
    rows = []
    for t in targets:
        model = means[t.name].to_numpy()
        rows.append(
            pd.DataFrame(
                {
                    "point": means.index,
                    "target": t.name,
                    "fit": t.in_sample,
                    "record": t.record,
                    "model": model,
                    "log_ratio": log_ratio(model, t.record),
                    "tolerance": t.tolerance,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def losses(comparison: pd.DataFrame) -> pd.Series:
    """Mean squared log ratio over the fitted (in-sample) targets, per point."""
    fit = comparison[comparison["fit"]]
    return fit.groupby("point")["log_ratio"].apply(lambda r: float(np.mean(np.square(r)))).rename("loss")


def calibrated_table(table: pd.DataFrame, targets: Sequence[Target], point: int) -> pd.DataFrame:
    """Record against model at one point: mean and 5-95% over replications, verdict."""
    rows = table[table["point"] == point]
    out = []
    for t in targets:
        values = rows[t.name].to_numpy(dtype=float)
        mean = float(np.nanmean(values))
        ratio = float(log_ratio(mean, t.record))
        out.append(
            {
                "target": t.name,
                "role": "fit" if t.in_sample else "held out",
                "record": t.record,
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

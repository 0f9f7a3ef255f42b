"""What the explorer's charts show, as tidy tables read from a `Results` (nothing reruns).

Each function takes the `Results` of `model.load` or `model.simulate` and returns one tidy
table keyed by job and label (the case), so a notebook draws the same figures as the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from model.api.results import CASE, Results
from model.catalogue.outcomes import ALL, LEVERAGE_WEIGHTINGS, LEVERAGE_YEARS, OUTCOMES
from model.catalogue.units import PER_TRILLION
from model.results import efficiency
from model.results.fans import QUANTILES
from model.results.report import Tornado, tornado_bars
from model.sim.recorder import MATERIAL_METRICS, SCALAR_METRICS, SECTOR_METRICS

METRICS = (
    {name: "material" for name in MATERIAL_METRICS}
    | {name: "sector" for name in SECTOR_METRICS}
    | {name: "national" for name in SCALAR_METRICS}
)
QUANTILE_COLUMNS = tuple(f"q{round(q * 100):02d}" for q in QUANTILES)  # q05 ... q95, as fan tables
YEN = "_yen"  # outcomes and series in yen are shown in trillion yen


@dataclass(frozen=True)
class Choices:
    """What a result can be viewed by: its outcomes, weekly metrics (each recorded per
    material, per sector or nationally), materials, sectors, leverage weightings and years,
    and its swept parameters."""

    outcomes: list[str]
    metrics: dict[str, str]  # metric -> "material" | "sector" | "national"
    materials: list[str]
    sectors: list[str]
    weightings: list[str]
    years: list[int]
    parameters: list[str]


def choices(results: Results) -> Choices:
    """The outcomes, materials and sectors present in `results`, and the weekly metrics a run
    records (none for a study, which keeps no weekly series)."""
    out = results.outcomes
    present = set(out["outcome"]) if len(out) else set()
    return Choices(
        outcomes=[name for name in OUTCOMES if name in present],
        metrics={} if results.kind == "study" else METRICS,
        materials=_levels(out, "material"),
        sectors=_levels(out, "sector"),
        weightings=list(LEVERAGE_WEIGHTINGS),
        years=list(LEVERAGE_YEARS),
        parameters=list(results.parameters),
    )


def scale(name: str) -> tuple[float, str]:
    """The display scale of an outcome or weekly metric and its unit note (yen: trillion yen)."""
    return (PER_TRILLION, "trillion yen") if name.endswith(YEN) or name.endswith(f"{YEN}_all") else (1.0, "")


def level(results: Results, outcome: str) -> str:
    """Where an outcome is recorded: "material" (per material and all), "sector" or "national"."""
    rows = results.outcomes[results.outcomes["outcome"] == outcome]
    for column in ("material", "sector"):
        values = rows[column].astype(object)
        if (values.notna() & (values != ALL)).any():
            return column
    return "national"


def beside(parts: Sequence[tuple[str | None, pd.DataFrame]]) -> pd.DataFrame:
    """Tables of several results as one, for charts that overlay them: a part's cases keep
    their labels (name None), or are labelled `name` (one case) or `name: label`; every part's
    job numbers are made distinct."""
    frames, offset = [], 0
    for name, frame in parts:
        if frame is None or frame.empty:
            continue
        frame = frame.copy()
        labels = list(dict.fromkeys(frame["label"]))
        if name is not None:
            names = {x: name if len(labels) == 1 else f"{name}: {x}" for x in labels}
            frame["label"] = frame["label"].map(names)
        jobs = {job: offset + i for i, job in enumerate(dict.fromkeys(frame["job"]))}
        frame["job"] = frame["job"].map(jobs)
        offset += len(jobs)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def outcome_values(
    results: Results, outcome: str, material: str | None = None, sector: str | None = None
) -> pd.DataFrame:
    """One row per case and replication: job, label, the swept parameters, replication,
    value (in display units, `scale`). material/sector None: the national total."""
    out = results.outcomes
    if outcome not in set(out["outcome"]):
        raise KeyError(
            f"outcome {outcome!r}: not in {results.path}; known: {', '.join(choices(results).outcomes)}"
        )
    rows = out[(out["outcome"] == outcome) & _at(out, "material", material) & _at(out, "sector", sector)]
    factor, _ = scale(outcome)
    keys = [*CASE, *[p for p in results.parameters if p in rows], "replication"]
    frame = rows[keys].copy()
    frame["value"] = rows["value"].to_numpy(dtype=float) * factor
    return frame.reset_index(drop=True)


def bands(
    results: Results, metric: str, material: str | None = None, sector: str | None = None
) -> pd.DataFrame:
    """Quantiles (q05 ... q95) across replications of one weekly metric, per case and week:
    job, label, week, date, q05, q25, q50, q75, q95, replications. The fan-chart series come
    from the fan table the run wrote; any other series is read from weekly.parquet."""
    fan = results.fan
    where = material if material is not None else ALL
    if sector is None and len(fan) and ((fan["metric"] == metric) & (fan["material"] == where)).any():
        rows = fan[(fan["metric"] == metric) & (fan["material"] == where)]
        frame = rows[[*CASE, "week", "date", *QUANTILE_COLUMNS]].copy()
        frame["replications"] = frame["job"].map(replications(results))
    else:
        frame = quantile_bands(results.series(metric, material, sector))
    factor, _ = scale(metric)
    frame[list(QUANTILE_COLUMNS)] = frame[list(QUANTILE_COLUMNS)].to_numpy(dtype=float) * factor
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.reset_index(drop=True)


def quantile_bands(series: pd.DataFrame) -> pd.DataFrame:
    """q05 ... q95 and the replication count per case and week of tidy weekly rows."""
    columns = [*CASE, "week", "date", *QUANTILE_COLUMNS, "replications"]
    if series.empty:
        return pd.DataFrame(columns=columns)
    grouped = series.groupby([*CASE, "week", "date"], observed=True, sort=True)["value"]
    levels = grouped.quantile(list(QUANTILES)).unstack()
    levels.columns = list(QUANTILE_COLUMNS)
    levels["replications"] = grouped.count()
    return levels.reset_index()[columns]


def frontier(results: Results, weighting: str = "tonnes", year: int = efficiency.YEAR) -> pd.DataFrame:
    """One point per paired replication: job, label, replication, pressure (52 weeks,
    trillion yen against the counterfactual), leverage_lost (points, `weighting`, `year`)."""
    if weighting not in LEVERAGE_WEIGHTINGS:
        raise KeyError(f"weighting {weighting!r}: one of {', '.join(LEVERAGE_WEIGHTINGS)}")
    points = efficiency.paired_points(results.outcomes, CASE, year=year, weightings=[weighting])
    points = points[points["paired"] == 1]
    return points[[*CASE, "replication", "pressure", "leverage_lost"]].reset_index(drop=True)


def efficiency_table(results: Results, year: int = efficiency.YEAR) -> pd.DataFrame:
    """Leverage efficiency per case and weighting, as the reports print it."""
    return efficiency.efficiency_table(results.outcomes, CASE, year=year)


def grid(
    results: Results, outcome: str, material: str | None = None, sector: str | None = None
) -> pd.DataFrame | None:
    """Median of an outcome on a 2-D sweep: the two numeric swept parameters, value,
    replications; None unless exactly two swept parameters are numeric."""
    values = outcome_values(results, outcome, material, sector)
    numeric = [p for p in results.parameters if p in values and pd.api.types.is_numeric_dtype(values[p])]
    if len(numeric) != 2:
        return None
    grouped = values.groupby(numeric, observed=True, sort=True)["value"]
    return grouped.median().to_frame("value").assign(replications=grouped.count()).reset_index()


def tornado(results: Results) -> Tornado | None:
    """One-at-a-time bars of leverage efficiency around the base case, as the reports draw;
    None unless the cases are a one-at-a-time design (or a Cartesian sweep)."""
    named = set(results.outcomes["case"].dropna()) if "case" in results.outcomes else set()
    if results.kind == "study" or (not results.parameters and "base" not in named):
        return None
    return tornado_bars(results.outcomes, list(results.parameters), efficiency_table(results))


def timeline(results: Results, replications: Sequence[int] | None = None) -> pd.DataFrame:
    """China's policy events per case: job, label, replication, week, date, instrument,
    intensity, formal, cause, kind (replications: all, or those given)."""
    events = results.events if results.kind != "study" else pd.DataFrame()
    if events.empty:
        return pd.DataFrame(
            columns=[*CASE, "replication", "week", "date", "instrument", "intensity", "cause", "kind"]
        )
    if replications is not None:
        events = events[events["replication"].isin(list(replications))]
    events = events.assign(date=pd.to_datetime(events["date"]))
    return events.reset_index(drop=True)


def replications(results: Results) -> dict[int, int]:
    """The number of replications of each case (job)."""
    out = results.outcomes
    return out.groupby("job")["replication"].nunique().to_dict() if len(out) else {}


def _levels(out: pd.DataFrame, column: str) -> list[str]:
    if column not in out or not len(out):
        return []
    values = [str(v) for v in out[column].dropna().unique() if str(v) != ALL]
    return sorted(values)


def _at(out: pd.DataFrame, column: str, value: str | None) -> pd.Series:
    values = out[column].astype(object)
    if value is None:
        return values.isna() | (values == ALL)
    return values == value

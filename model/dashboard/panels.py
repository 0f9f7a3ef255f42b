"""What the explorer shows for a view and a selection: a chart, its data, or why there is none.

`panel(view, shown, selection)` reads only the API (model/api/views.py) and draws with
model/dashboard/charts.py; the page (model/dashboard/explorer.py) only lays it out. `shown`
is the opened folder's results and any what-ifs launched from it, overlaid as cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

from model.api import Results, compare, views
from model.dashboard import charts

VIEWS = {  # view -> what it shows
    "fans": "weekly paths: median, 50% and 90% bands per case",
    "frontier": "pressure against leverage lost, one point per replication",
    "distribution": "an outcome's distribution per case",
    "heatmap": "median of an outcome over a 2-D sweep",
    "tornado": "one-at-a-time sensitivity of leverage efficiency",
    "timeline": "China's policy events, one replication per case",
    "summary": "the reports' percentile table",
    "tables": "a study's own tables (the validation scorecard, Morris, Sobol, PRIM boxes)",
}


@dataclass(frozen=True)
class Selection:
    """The page's choices (defaults: the reports' headline choices)."""

    metric: str = "shortfall"
    outcome: str = "pressure_52w_yen"
    material: str = "Dy"
    sector: str = "all"
    weighting: str = "tonnes"
    replication: int = 0
    table: str = ""  # a study's table (tables view); "" for its first


@dataclass(frozen=True)
class Shown:
    """Results on the page: the opened folder (name None) or a what-if (named)."""

    results: Results
    name: str | None = None


@dataclass(frozen=True)
class Panel:
    chart: alt.TopLevelMixin | None
    table: pd.DataFrame
    note: str = ""


def panel(view: str, shown: Sequence[Shown], selection: Selection) -> Panel:
    """The chart and data of `view` for `shown` at `selection` (a note when there is none)."""
    if view not in VIEWS:
        raise KeyError(f"view {view!r}: one of {', '.join(VIEWS)}")
    first = shown[0].results
    if view == "heatmap":
        return _heatmap(first, selection)
    if view == "tornado":
        return _tornado(first)
    if view == "tables":
        return _study_table(first, selection.table)
    if view == "summary":
        comparison = compare(
            *[s.results for s in shown if s.name is None], **{s.name: s.results for s in shown if s.name}
        )
        return Panel(None, comparison.table.reset_index())
    if first.kind == "study" and view in ("fans", "timeline"):
        return Panel(
            None,
            pd.DataFrame(),
            "a greyzone-explore study keeps no weekly series or events; see its outcomes",
        )
    table = views.beside([(s.name, _table(view, s.results, selection)) for s in shown])
    if table.empty:
        return Panel(None, table, f"no {view} data for this selection")
    return Panel(_chart(view, table, selection), table)


def level_of(view: str, results: Results, metric: str, outcome: str) -> str | None:
    """Whether the view's series or outcome is chosen at a material, a sector or nationally
    (None: the view has no such choice), so that the page offers only the choice that acts."""
    if view == "fans":
        return views.METRICS.get(metric, "material")
    if view in ("distribution", "heatmap") and outcome in set(results.outcomes["outcome"]):
        return views.level(results, outcome)
    return None


def _table(view: str, results: Results, selection: Selection) -> pd.DataFrame:
    if view == "fans":
        at = views.METRICS.get(selection.metric, "material")
        if at == "material":
            material = _one(selection.material)
            if material is None:  # all materials: the metric's national series, where recorded
                national = f"{selection.metric}_all"
                return views.bands(results, national) if national in views.METRICS else pd.DataFrame()
            return views.bands(results, selection.metric, material=material)
        if at == "sector":
            return views.bands(results, selection.metric, sector=_one(selection.sector))
        return views.bands(results, selection.metric)
    if view == "frontier":
        return views.frontier(results, selection.weighting)
    if view == "distribution":
        return _values(results, selection)
    return views.timeline(results, replications=[selection.replication])


def _values(results: Results, selection: Selection) -> pd.DataFrame:
    if selection.outcome not in set(results.outcomes["outcome"]):
        return pd.DataFrame()
    at = views.level(results, selection.outcome)
    material = _one(selection.material) if at == "material" else None
    sector = _one(selection.sector) if at == "sector" else None
    return views.outcome_values(results, selection.outcome, material, sector)


def _chart(view: str, table: pd.DataFrame, selection: Selection) -> alt.TopLevelMixin:
    if view == "fans":
        at = views.METRICS.get(selection.metric, "material")
        where = {"material": selection.material, "sector": selection.sector}.get(at, "national")
        _, unit = views.scale(selection.metric)
        return charts.fan(table, f"{selection.metric} ({where})", unit or selection.metric)
    if view == "frontier":
        return charts.frontier(table, "Pressure against leverage lost, by replication", selection.weighting)
    if view == "distribution":
        _, unit = views.scale(selection.outcome)
        return charts.distribution(table, selection.outcome, f"{selection.outcome} {unit}".strip())
    return charts.timeline(table, f"China's measures, replication {selection.replication}")


def _heatmap(results: Results, selection: Selection) -> Panel:
    at = views.level(results, selection.outcome) if len(results.outcomes) else "national"
    grid = views.grid(
        results,
        selection.outcome,
        _one(selection.material) if at == "material" else None,
        _one(selection.sector) if at == "sector" else None,
    )
    if grid is None:
        return Panel(None, pd.DataFrame(), "a heatmap needs a sweep over exactly two numeric parameters")
    x, y = [c for c in grid.columns if c not in ("value", "replications")]
    _, unit = views.scale(selection.outcome)
    return Panel(charts.heatmap(grid, x, y, f"median {selection.outcome}", unit), grid)


def _tornado(results: Results) -> Panel:
    bars = views.tornado(results)
    if bars is None:
        return Panel(
            None,
            pd.DataFrame(),
            "a tornado needs a one-at-a-time design (base, <name>_low, <name>_high) or a Cartesian sweep",
        )
    return Panel(charts.tornado(bars, f"One-at-a-time sensitivity of {bars.shown}"), bars.bars, bars.note)


def study_tables(results: Results) -> list[str]:
    """The tables of a study the page can show (Parquet and CSV), scorecard first."""
    names = [n for n in results.tables if n.endswith((".parquet", ".csv"))]
    return sorted(names, key=lambda n: (n != "scorecard.parquet", n))


def _study_table(results: Results, name: str) -> Panel:
    names = study_tables(results)
    if not names:
        return Panel(
            None, pd.DataFrame(), "only a greyzone-explore study has tables of its own; see the other views"
        )
    return Panel(None, results.table(name or names[0]))


def _one(value: str) -> str | None:
    """A material or sector chosen on the page; None for "all" (the national total)."""
    return None if value in ("all", "", None) else value

"""report.md and its figures for a run or a sweep, built only from files on disk.

`write_report(root)` is what the multirun callback calls at the end of a sweep and what
`greyzone-report DIR` calls later; the same directory gives the same report.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.catalogue.outcomes import ALL, HEADLINE_BY_KEY, HEADLINES
from model.catalogue.units import PER_TRILLION
from model.results import efficiency, plots
from model.results.aggregate import Aggregate, aggregate, jobs_table
from model.results.files import write_atomic_parquet, write_atomic_text
from model.results.integrity import MANIFEST
from model.results.summary import cell, format_table, markdown_table, percentile_table, select

log = logging.getLogger(__name__)
CASE = ["job", "label"]  # a summary's groups: one per job, shown by its label
KEY_OUTCOMES = (  # headline keys (model.catalogue.outcomes)
    "pressure_26w_yen[all]",
    "va_lost_first_year_pct_gdp[all]",
    "pressure_52w_yen[all]",
    "china_share_y10[all]",
    "leverage_lost_tonnes_y10[all]",
    "coalition_formed",
    "japan_conceded",
    "lift_week",
)
DISTRIBUTIONS = (
    "pressure_26w_yen[all]",
    "pressure_52w_yen[all]",
    "leverage_lost_tonnes_y10[all]",
    "va_lost_first_year_pct_gdp[all]",
    "china_share_y10[all]",
    "lift_week",
)
MAX_FAN_CASES = 10
TORNADO_WEIGHTING = "tonnes"  # the tornado's efficiency: ratio of means, tonnes, year 10
HEATMAPS = (  # outcome, where (material or sector), unit, scale
    ("pressure_52w_yen", ALL, "trillion yen vs counterfactual", PER_TRILLION),
    ("leverage_lost_tonnes_y10", ALL, "points vs counterfactual", 1.0),
)


@dataclass
class Report:
    root: Path
    path: Path
    aggregate: Aggregate
    summary: pd.DataFrame
    figures: list[Path]
    efficiency: pd.DataFrame  # efficiency.efficiency_table per case (job, label) and weighting


def write_report(root: Path) -> Report:
    """Aggregate the run or sweep at `root` and write report.md, figures/ and tables."""
    root = Path(root)
    agg = aggregate(root)
    sweep = not any(job.path == root for job in agg.jobs)  # a single run keeps its own tables
    summary = pd.DataFrame() if agg.outcomes.empty else percentile_table(agg.outcomes, by=CASE)
    written: dict[str, dict] = {}
    if sweep:
        if not agg.outcomes.empty:
            written["outcomes.parquet"] = write_atomic_parquet(root / "outcomes.parquet", agg.outcomes)
            written["fan_quantiles.parquet"] = write_atomic_parquet(root / "fan_quantiles.parquet", agg.fan)
            written["summary.csv"] = write_atomic_text(root / "summary.csv", summary.to_csv(index=False))
        written["jobs.csv"] = write_atomic_text(root / "jobs.csv", jobs_table(agg.jobs).to_csv(index=False))
    table = pd.DataFrame() if agg.outcomes.empty else efficiency.efficiency_table(agg.outcomes, by=CASE)
    figures, notes = _figures(agg, table, root / "figures") if not agg.outcomes.empty else ([], {})
    text = _markdown(agg, summary, table, figures, notes, root, sweep)
    written["report.md"] = write_atomic_text(root / "report.md", text)
    if sweep:  # the sweep's own files; each job's are listed in its run.json
        write_atomic_text(root / MANIFEST, json.dumps({"files": written}, indent=1) + "\n")
    return Report(root, root / "report.md", agg, summary, figures, table)


def print_summary(report: Report) -> None:
    """The headline table on stdout (key outcomes only when there are many cases); failures
    on stderr (via logging)."""
    for job in report.aggregate.failed:
        log.error("job %d %s: %s [%s]", job.number, job.status, job.error, " ".join(job.overrides))
    summary = report.summary
    if not summary.empty:
        cases = _cases(summary)
        if len(cases) <= 3:
            print(format_table(summary, by=CASE, header="label"), flush=True)
        else:
            cells = _cells(summary)
            table = pd.DataFrame(
                [[cells.get((job, key), "") for key in KEY_OUTCOMES] for job, _ in cases],
                index=[label for _, label in cases],
                columns=[_short_label(HEADLINE_BY_KEY[key].label) for key in KEY_OUTCOMES],
            )
            print("percentiles 5 / 50 / 95 across replications (rates: % of replications)", flush=True)
            with pd.option_context("display.width", 250, "display.max_columns", 20):
                print(table.to_string(), flush=True)
    print(f"\nreport: {report.path}", flush=True)


def _cases(summary: pd.DataFrame) -> list[tuple[int, str]]:
    """(job, label) of each case of a summary, in order."""
    return list(dict.fromkeys(zip(summary["job"], summary["label"], strict=True)))


def _cells(summary: pd.DataFrame) -> dict[tuple[int, str], str]:
    """Each summary row as text, keyed by (job, headline key)."""
    return {(r.job, r.headline): cell(r) for r in summary.itertuples(index=False)}


def _short_label(label: str) -> str:
    return (
        label.split(" (")[0]
        .replace("Japan's value added lost", "VA lost")
        .replace("China's share of supply", "China share")
    )


# figures ---------------------------------------------------------------------------------------
def _figures(agg: Aggregate, table: pd.DataFrame, folder: Path) -> tuple[list[Path], dict[str, str]]:
    """Every figure of the report, and the notes shown under some of them (by file name)."""
    title = agg.study.get("name") or agg.root.name
    out = agg.outcomes
    figures = [_frontier(out, table, folder / "frontier.png", title)]
    labels = list(dict.fromkeys(out["label"]))
    if len(labels) <= MAX_FAN_CASES and not agg.fan.empty:
        figures.append(plots.fan_overlay(agg.fan, "Dy", folder / "fans.png", f"{title}: weekly paths"))
    panels = {}
    for key in DISTRIBUTIONS:
        headline = HEADLINE_BY_KEY[key]
        rows = select(out, headline)
        panels[headline.label] = pd.DataFrame(
            {"label": rows["label"], "value": rows["value"] * headline.scale}
        )
    figures.append(plots.distributions(panels, folder / "distributions.png", f"{title}: outcomes by case"))
    figures.extend(_heatmaps(agg, folder, title))
    notes = {}
    tornado = _tornado(agg, table, folder, title)
    if tornado is not None:
        figures.append(tornado[0])
        if tornado[1]:
            notes[tornado[0].name] = tornado[1]
    return figures, notes


def _frontier(out: pd.DataFrame, table: pd.DataFrame, path: Path, title: str) -> Path:
    points = efficiency.paired_points(out, CASE)
    points = points[points["paired"] == 1]
    return plots.frontier(points, table, path, f"{title}: pressure against leverage lost")


def _key_mask(out: pd.DataFrame, key: str | None) -> pd.Series:
    if key is None:
        return out["material"].isna() & out["sector"].isna()
    return (out["material"] == key) | (out["sector"] == key)


def _medians(out: pd.DataFrame, outcome: str, key: str, by: list[str]) -> pd.DataFrame:
    rows = out[(out["outcome"] == outcome) & _key_mask(out, key)]
    return rows.groupby(by, observed=True, sort=False, dropna=False)["value"].median().reset_index()


def _numeric_params(agg: Aggregate) -> list[str]:
    return [p for p in agg.parameters if p in agg.outcomes and pd.api.types.is_numeric_dtype(agg.outcomes[p])]


def _heatmaps(agg: Aggregate, folder: Path, title: str) -> list[Path]:
    numeric = _numeric_params(agg)
    if len(numeric) != 2:
        return []
    x, y = numeric
    others = [p for p in agg.parameters if p not in numeric]
    groups = agg.outcomes.groupby(others, observed=True, sort=False) if others else [((), agg.outcomes)]
    figures = []
    for key, frame in groups:
        key = key if isinstance(key, tuple) else (key,)
        suffix = "_".join(str(k) for k in key)
        for outcome, where, unit, scale in HEATMAPS:
            grid = _medians(frame, outcome, where, [x, y])
            grid["value"] *= scale
            name = f"heatmap_{outcome}{'_' + suffix if suffix else ''}.png"
            label = f"{title} {' '.join(map(str, key))}: median {outcome}".strip()
            figures.append(plots.heatmap(grid, x, y, folder / name, label, unit))
    return figures


@dataclass(frozen=True)
class Tornado:
    """One-at-a-time bars (parameter, low, high) around the base case's value."""

    bars: pd.DataFrame
    base: float
    shown: str  # what the bars measure
    unit: str
    note: str  # the cases without a bar, and why


def tornado_bars(outcomes: pd.DataFrame, parameters: list[str], table: pd.DataFrame) -> Tornado | None:
    """One-at-a-time bars of leverage efficiency (ratio of means, tonnes, year 10) per case;
    None when the cases are not a one-at-a-time design (or a Cartesian sweep).

    Only cases with verdict "ok" get a bar: a case within noise (or gaining leverage, too few
    replications, unpaired) gets none, and the note names it. When the base case itself is not
    "ok", no efficiency bar can be drawn: the bars show mean 52-week pressure, and the note says so.
    """
    cases = _case_values(outcomes, parameters, table)
    layout = _oat_layout(cases, parameters)
    if layout is None:
        return None
    base_job, sides = layout
    verdict = dict(zip(cases["job"], cases["verdict"], strict=True))
    label = dict(zip(cases["job"], cases["label"], strict=True))
    if verdict[base_job] == efficiency.OK:
        drawn = cases["efficiency_mean"].where(cases["verdict"] == efficiency.OK)
        value = dict(zip(cases["job"], drawn, strict=True))
        shown = "leverage efficiency (case-level, ratio of means)"
        unit = "leverage efficiency (trillion yen per point lost, tonnes, year 10)"
        missing = [j for _, lo, hi in sides for j in (lo, hi) if verdict[j] != efficiency.OK]
        note = "; ".join(f"{label[j]}: {verdict[j]}" for j in missing)
        note = f'No bar for cases whose efficiency is not "ok" ({note}).' if note else ""
    else:
        value = dict(zip(cases["job"], cases["pressure_mean"], strict=True))
        shown = "mean 52-week pressure"
        unit = "pressure, first 52 weeks (trillion yen vs counterfactual), mean"
        note = (
            f"The base case's leverage efficiency is not divided ({verdict[base_job]}), so this "
            "tornado shows mean 52-week pressure, not efficiency."
        )
    if np.isnan(value[base_job]):
        return None
    bars = pd.DataFrame(
        [
            {"parameter": _bar_name(name, lo, hi, value, verdict), "low": value[lo], "high": value[hi]}
            for name, lo, hi in sides
        ],
        columns=["parameter", "low", "high"],
    )
    return Tornado(bars, float(value[base_job]), shown, unit, note)


def _tornado(agg: Aggregate, table: pd.DataFrame, folder: Path, title: str) -> tuple[Path, str] | None:
    """The tornado figure (`tornado_bars`) and the note under it."""
    bars = tornado_bars(agg.outcomes, agg.parameters, table)
    if bars is None:
        return None
    path = plots.tornado(
        bars.bars,
        bars.base,
        folder / "tornado.png",
        f"{title}: one-at-a-time sensitivity of {bars.shown}",
        bars.unit,
    )
    return path, bars.note


def _bar_name(name: str, low: int, high: int, value: dict, verdict: dict) -> str:
    """A tornado bar's name, with the verdict of a side that draws no bar."""
    missing = [f"{side}: {verdict[j]}" for side, j in (("low", low), ("high", high)) if np.isnan(value[j])]
    return f"{name} ({'; '.join(missing)})" if missing else name


def _case_values(outcomes: pd.DataFrame, parameters: list[str], table: pd.DataFrame) -> pd.DataFrame:
    """One row per job: job, label, case, the swept parameters, and the tornado's efficiency
    row (efficiency_mean, pressure_mean, verdict)."""
    keys = ["job", "case", *parameters]
    jobs = outcomes[keys].drop_duplicates("job")
    rows = table[table["weighting"] == TORNADO_WEIGHTING]
    rows = rows[["job", "label", "efficiency_mean", "pressure_mean", "verdict"]]
    return jobs.merge(rows, on="job", how="inner", sort=False)


def _oat_layout(cases: pd.DataFrame, parameters: list[str]) -> tuple[int, list[tuple[str, int, int]]] | None:
    """The base job and (bar name, low job, high job) of a one-at-a-time design: <name>_low and
    <name>_high cases around `base`, or, in a Cartesian sweep, each parameter's extremes with
    the others at their middle value; None when the sweep is neither."""
    names = set(cases["case"].dropna())
    sides = []
    if "base" in names:
        job_of = dict(zip(cases["case"], cases["job"], strict=False))
        for low in sorted(c for c in names if c.endswith("_low")):
            name = low.removesuffix("_low")
            if f"{name}_high" in names:
                sides.append((name, job_of[low], job_of[f"{name}_high"]))
        base = job_of["base"]
    elif parameters and len(cases) > 1 and not names:
        middle = {p: _levels(cases[p])[len(_levels(cases[p])) // 2] for p in parameters}
        at_base = np.logical_and.reduce([cases[p] == middle[p] for p in parameters])
        if not at_base.any():
            return None
        base = cases.loc[at_base, "job"].iloc[0]
        for p in parameters:
            others = [q for q in parameters if q != p]
            line = cases[np.logical_and.reduce([cases[q] == middle[q] for q in others])] if others else cases
            values = _levels(line[p])
            if len(values) < 2:
                continue
            low = line.loc[line[p] == values[0], "job"].iloc[0]
            high = line.loc[line[p] == values[-1], "job"].iloc[0]
            sides.append((f"{p} ({values[0]} .. {values[-1]})", low, high))
    else:
        return None
    return (base, sides) if sides else None


def _levels(column: pd.Series) -> list:
    """Distinct values in a stable order (numbers ascending, else as text)."""
    values = list(column.unique())
    return sorted(values, key=lambda v: (isinstance(v, str), v if not isinstance(v, str) else 0, str(v)))


# markdown --------------------------------------------------------------------------------------
def _markdown(
    agg: Aggregate,
    summary: pd.DataFrame,
    table: pd.DataFrame,
    figures: list[Path],
    notes: dict[str, str],
    root: Path,
    sweep: bool,
) -> str:
    study = agg.study
    name = study.get("name") or ("sweep" if sweep else "run")
    lines = [f"# Report: {name}" + (f" (version {study['version']})" if study.get("version") else ""), ""]
    if study.get("description"):
        lines += [study["description"], ""]
    complete = [j for j in agg.jobs if j.status == "complete"]
    replications = sorted({int(j.meta.get("replications", 0)) for j in complete})
    lines.append(
        f"Directory `{root.name}`: {len(complete)} of {len(agg.jobs)} jobs complete; "
        f"replications per job: {', '.join(map(str, replications)) or 'none'}."
    )
    if agg.parameters:
        lines.append(f"Swept: {', '.join(f'`{p}`' for p in agg.parameters)}.")
    lines.append("")
    if agg.failed:
        lines += ["**Jobs that did not finish** (left out of every table and figure below):", ""]
        rows = [[str(j.number), j.status, " ".join(j.overrides) or "-", j.error or "-"] for j in agg.failed]
        lines += [*markdown_table(["job", "status", "overrides", "error"], rows), ""]
    if summary.empty:
        lines += ["No job finished: there is nothing to summarise.", ""]
        return "\n".join(lines)
    lines += [
        "## Outcomes per case",
        "",
        "Percentiles 5 / 50 / 95 across replications; rates are % of "
        "replications; event weeks are counted where the event happened (n).",
        "",
    ]
    cases = _cases(summary)
    cells = _cells(summary)
    keys = [key for key in KEY_OUTCOMES if any((job, key) in cells for job, _ in cases)]
    header = ["case", *(HEADLINE_BY_KEY[key].label for key in keys)]
    lines += markdown_table(
        header, [[label] + [cells.get((job, key), "") for key in keys] for job, label in cases]
    )
    lines += ["", *efficiency_section(table)]
    lines += ["## Figures", ""]
    for figure in figures:
        lines += [f"![{figure.stem}](figures/{figure.name})", ""]
        if notes.get(figure.name):
            lines += [f"*{notes[figure.name]}*", ""]
    lines += ["## All headline outcomes", ""]
    lines += markdown_table(
        ["outcome", *(label for _, label in cases)],
        [[h.label] + [cells.get((job, h.key), "") for job, _ in cases] for h in HEADLINES],
    )
    lines += ["", "## Jobs", ""]
    job_rows = []
    for job in agg.jobs:
        label = agg.outcomes.loc[agg.outcomes["job"] == job.number, "label"]
        job_rows.append(
            [
                str(job.number),
                job.status,
                label.iloc[0] if len(label) else "-",
                " ".join(job.overrides) or "-",
            ]
        )
    lines += [*markdown_table(["job", "status", "case", "overrides"], job_rows), ""]
    return "\n".join(lines)


def efficiency_section(table: pd.DataFrame) -> list[str]:
    """The "Leverage efficiency" section of report.md from an efficiency table (per case and
    weighting, model.results.efficiency.efficiency_table)."""
    low, high = efficiency.BAND
    lines = [
        "## Leverage efficiency",
        "",
        "Efficiency is a ratio of means over a case's replications: mean pressure (Japan's value "
        "added lost in the first 52 weeks minus its paired counterfactual's, trillion yen) over "
        "mean leverage lost (China's share at year 10 in the counterfactual minus in the run, "
        "percentage points), in trillion yen per point. Leverage lost is against the paired "
        "counterfactual: the same replication without China's measure, on the same random "
        f"numbers. Bands are {high - low:g}% percentile bootstrap bands ({low:g}th-{high:g}th "
        f"percentiles of {efficiency.RESAMPLES} resamples of replications, pressure and leverage "
        "resampled together). Weightings: China's share of Japan's supply by tonnes, by value, "
        'and of the world\'s supply outside China. Rows "within noise" (the band of leverage lost '
        'includes 0) are not divided; "gains leverage": the whole band is below 0 (China\'s share '
        'rises); "unpaired": run without a counterfactual (run.counterfactual=none); "too few '
        'replications": one replication gives no band.',
        "",
    ]
    if table.empty:
        return [*lines, "No replication to summarise.", ""]
    return [*lines, *efficiency.format_efficiency(table), ""]


__all__ = ["Report", "efficiency_section", "markdown_table", "print_summary", "write_report"]

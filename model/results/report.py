"""report.md and its figures for a run or a sweep, built only from files on disk.

`write_report(root)` is what the multirun callback calls at the end of a sweep and what
`greyzone-report DIR` calls later; the same directory gives the same report.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from model.catalogue.outcomes import ALL, HEADLINE_BY_KEY, HEADLINES
from model.catalogue.units import PER_TRILLION, YEN_PER_TRILLION
from model.results import plots
from model.results.aggregate import Aggregate, aggregate, jobs_table
from model.results.files import write_atomic_parquet, write_atomic_text
from model.results.summary import cell, format_table, percentile_table, select

log = logging.getLogger(__name__)
CASE = ["job", "label"]  # a summary's groups: one per job, shown by its label
KEY_OUTCOMES = (  # headline keys (model.catalogue.outcomes)
    "pressure_26w_yen[all]",
    "va_lost_first_year_pct_gdp[all]",
    "china_share_y10[all]",
    "decoupling_points[all]",
    "leverage_efficiency[all]",
    "coalition_formed",
    "japan_conceded",
    "lift_week",
)
DISTRIBUTIONS = (
    "pressure_26w_yen[all]",
    "decoupling_points[all]",
    "leverage_efficiency[all]",
    "va_lost_first_year_pct_gdp[all]",
    "china_share_y10[all]",
    "lift_week",
)
MAX_FAN_CASES = 10


@dataclass
class Report:
    root: Path
    path: Path
    aggregate: Aggregate
    summary: pd.DataFrame
    figures: list[Path]


def write_report(root: Path) -> Report:
    """Aggregate the run or sweep at `root` and write report.md, figures/ and tables."""
    root = Path(root)
    agg = aggregate(root)
    sweep = not any(job.path == root for job in agg.jobs)  # a single run keeps its own tables
    summary = pd.DataFrame() if agg.outcomes.empty else percentile_table(agg.outcomes, by=CASE)
    if sweep:
        if not agg.outcomes.empty:
            write_atomic_parquet(root / "outcomes.parquet", agg.outcomes)
            write_atomic_parquet(root / "fan_quantiles.parquet", agg.fan)
            write_atomic_text(root / "summary.csv", summary.to_csv(index=False))
        write_atomic_text(root / "jobs.csv", jobs_table(agg.jobs).to_csv(index=False))
    figures = _figures(agg, root / "figures") if not agg.outcomes.empty else []
    text = _markdown(agg, summary, figures, root, sweep)
    write_atomic_text(root / "report.md", text)
    return Report(root, root / "report.md", agg, summary, figures)


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
def _figures(agg: Aggregate, folder: Path) -> list[Path]:
    title = agg.study.get("name") or agg.root.name
    out = agg.outcomes
    figures = [
        plots.tradeoff(
            _tradeoff_points(out),
            folder / "tradeoff.png",
            f"{title}: Japan's early pain against China's share lost",
        )
    ]
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
    tornado = _tornado(agg, folder, title)
    if tornado is not None:
        figures.append(tornado)
    return figures


def _key_mask(out: pd.DataFrame, key: str | None) -> pd.Series:
    if key is None:
        return out["material"].isna() & out["sector"].isna()
    return (out["material"] == key) | (out["sector"] == key)


def _tradeoff_points(out: pd.DataFrame) -> pd.DataFrame:
    pain = out[(out["outcome"] == "pressure_26w_yen") & (out["sector"] == ALL)]
    lost = out[(out["outcome"] == "decoupling_points") & (out["material"] == ALL)]
    merged = pain[["job", "label", "replication", "value"]].merge(
        lost[["job", "replication", "value"]], on=["job", "replication"], suffixes=("_pain", "_lost")
    )
    return pd.DataFrame(
        {
            "label": merged["label"],
            "pain": merged["value_pain"] / YEN_PER_TRILLION,
            "share_lost": merged["value_lost"],
        }
    )


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
        for outcome, where, unit, scale in (
            ("leverage_efficiency", ALL, "trillion yen per point lost", 1.0),
            ("pressure_26w_yen", ALL, "trillion yen", PER_TRILLION),
        ):
            grid = _medians(frame, outcome, where, [x, y])
            grid["value"] *= scale
            name = f"heatmap_{outcome}{'_' + suffix if suffix else ''}.png"
            label = f"{title} {' '.join(map(str, key))}: median {outcome}".strip()
            figures.append(plots.heatmap(grid, x, y, folder / name, label, unit))
    return figures


def _tornado(agg: Aggregate, folder: Path, title: str) -> Path | None:
    """One-at-a-time bars of median leverage efficiency: <name>_low/_high cases around `base`,
    or, in a Cartesian sweep, each parameter's extremes with the others at their middle value."""
    out = agg.outcomes
    med = _medians(out, "leverage_efficiency", ALL, ["job", "case", *agg.parameters])
    cases = set(med["case"].dropna())
    bars = []
    if "base" in cases:
        base = float(med.loc[med["case"] == "base", "value"].iloc[0])
        for low in sorted(c for c in cases if c.endswith("_low")):
            name = low.removesuffix("_low")
            if f"{name}_high" in cases:
                value = dict(zip(med["case"], med["value"], strict=False))
                bars.append({"parameter": name, "low": value[low], "high": value[f"{name}_high"]})
    elif agg.parameters and len(med) > 1 and not cases:
        middle = {p: _levels(med[p])[len(_levels(med[p])) // 2] for p in agg.parameters}
        at_base = np.logical_and.reduce([med[p] == middle[p] for p in agg.parameters])
        if not at_base.any():
            return None
        base = float(med.loc[at_base, "value"].iloc[0])
        for p in agg.parameters:
            others = [q for q in agg.parameters if q != p]
            line = med[np.logical_and.reduce([med[q] == middle[q] for q in others])] if others else med
            values = _levels(line[p])
            if len(values) < 2:
                continue
            low = float(line.loc[line[p] == values[0], "value"].iloc[0])
            high = float(line.loc[line[p] == values[-1], "value"].iloc[0])
            bars.append({"parameter": f"{p} ({values[0]} .. {values[-1]})", "low": low, "high": high})
    else:
        return None
    if not bars:
        return None
    return plots.tornado(
        pd.DataFrame(bars),
        base,
        folder / "tornado.png",
        f"{title}: one-at-a-time sensitivity of median leverage efficiency",
        "leverage efficiency (trillion yen per point lost), median",
    )


def _levels(column: pd.Series) -> list:
    """Distinct values in a stable order (numbers ascending, else as text)."""
    values = list(column.unique())
    return sorted(values, key=lambda v: (isinstance(v, str), v if not isinstance(v, str) else 0, str(v)))


# markdown --------------------------------------------------------------------------------------
def _markdown(agg: Aggregate, summary: pd.DataFrame, figures: list[Path], root: Path, sweep: bool) -> str:
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
    lines += ["", "## Figures", ""]
    for figure in figures:
        lines += [f"![{figure.stem}](figures/{figure.name})", ""]
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


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    def clean(cell: str) -> str:
        return str(cell).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(clean, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(clean, row)) + " |" for row in rows]
    return lines


__all__ = ["Report", "markdown_table", "print_summary", "write_report"]

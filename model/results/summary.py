"""Percentile summaries of tidy outcome tables, one row per headline (model.catalogue.outcomes).

Rows are keyed by the headline's key (outcome name and material or sector); labels are for
display only.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from model.catalogue.outcomes import ALL, HEADLINE_BY_KEY, HEADLINES, Headline

PERCENTILES = (5, 50, 95)
COLUMNS = ("headline", "outcome", "material", "sector", "headline_label", "kind", "replications", "n", "mean")


def national(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Rows of a tidy outcome table that hold national totals: no single material or sector
    (material and sector each missing or "all")."""
    material = outcomes["material"].astype(object)
    sector = outcomes["sector"].astype(object)
    return outcomes[(material.isna() | (material == ALL)) & (sector.isna() | (sector == ALL))]


def select(outcomes: pd.DataFrame, headline: Headline) -> pd.DataFrame:
    """Rows of a tidy outcome table for one headline."""
    mask = outcomes["outcome"] == headline.outcome
    if headline.material is not None:
        mask &= outcomes["material"] == headline.material
    if headline.sector is not None:
        mask &= outcomes["sector"] == headline.sector
    return outcomes[mask]


def percentile_table(
    outcomes: pd.DataFrame, by: Sequence[str] = (), headlines: Sequence[Headline] = HEADLINES
) -> pd.DataFrame:
    """Percentiles (5/50/95) of headline outcomes across replications, per group in `by`.

    Columns: the `by` keys, headline (its key), outcome, material, sector, headline_label, kind,
    replications, n (replications where it is defined), mean, p5, p50, p95.
    """
    records = []
    groups = outcomes.groupby(list(by), observed=True, sort=False) if by else [((), outcomes)]
    for key, frame in groups:
        key = key if isinstance(key, tuple) else (key,)
        for h in headlines:
            values = select(frame, h)["value"].to_numpy(dtype=float) * h.scale
            if len(values) == 0:
                continue
            happened = values[~np.isnan(values)]
            quantiles = np.percentile(happened, PERCENTILES) if len(happened) else [np.nan] * len(PERCENTILES)
            row = dict(zip(by, key, strict=True))
            row.update(
                headline=h.key,
                outcome=h.outcome,
                material=h.material,
                sector=h.sector,
                headline_label=h.label,
            )
            row.update(kind=h.kind, replications=len(values), n=len(happened))
            row["mean"] = float(happened.mean()) if len(happened) else np.nan
            row.update({f"p{p}": float(v) for p, v in zip(PERCENTILES, quantiles, strict=True)})
            records.append(row)
    columns = [*by, *COLUMNS, *(f"p{p}" for p in PERCENTILES)]
    return pd.DataFrame.from_records(records, columns=columns)


def format_table(table: pd.DataFrame, by: Sequence[str] = (), header: str | None = None) -> str:
    """Plain-text table: one row per headline; 5 / 50 / 95 percentiles, rates in %.

    With `by`, one column per group; `header` names the `by` key whose values head the
    columns (default: all of them).
    """
    runs = int(table["replications"].max()) if len(table) else 0
    title = f"percentiles 5 / 50 / 95 across {runs} replications (rates: % of replications)"
    return f"{title}\n{wide_table(table, by, header).to_string()}"


def wide_table(table: pd.DataFrame, by: Sequence[str] = (), header: str | None = None) -> pd.DataFrame:
    """The cells of `format_table`: one row per headline (by its label), one column per group."""
    frame = table.assign(cell=[cell(row) for row in table.itertuples(index=False)])
    if by:
        wide = frame.pivot_table(
            index="headline", columns=list(by), values="cell", aggfunc="first", sort=False
        )
        if header is not None:
            wide.columns = [str(c) for c in wide.columns.get_level_values(header)]
        else:
            wide.columns = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in wide.columns]
        order = [h.key for h in HEADLINES if h.key in wide.index]
        wide = wide.loc[order + [k for k in wide.index if k not in order]].fillna("")
    else:
        wide = frame.set_index("headline")[["cell"]].rename(columns={"cell": ""})
    labels = dict(zip(table["headline"], table["headline_label"], strict=True))
    wide.index = pd.Index([labels[key] for key in wide.index], name="outcome")
    return wide


def cell(row) -> str:
    """One summary row as text: 5 / 50 / 95 percentiles (events with their n), or a rate."""
    headline = HEADLINE_BY_KEY.get(row.headline)
    fmt = headline.fmt if headline else "{:.3g}"
    if row.kind == "rate":
        return (fmt + "%").format(row.mean) if row.n else "n/a"
    if row.n == 0:
        return "never"
    text = " / ".join(fmt.format(getattr(row, f"p{p}")) for p in PERCENTILES)
    if row.kind == "event":
        text += f" (n={row.n})"
    return text


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """A markdown table as lines; "|" in cells escaped, newlines flattened."""

    def clean(cell: str) -> str:
        return str(cell).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(map(clean, header)) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(map(clean, row)) + " |" for row in rows]
    return lines

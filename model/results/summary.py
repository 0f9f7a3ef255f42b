"""Analysis of tidy outcome tables: percentile summaries of headline outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERCENTILES = (5, 50, 95)


@dataclass(frozen=True)
class Headline:
    """One row of the summary table.

    kind: "value" (percentiles across replications), "rate" (share of replications where a
    0/1 outcome is 1) or "event" (percentiles of an event's week among replications where it
    happened; NaN elsewhere).
    """

    outcome: str
    label: str
    material: str | None = None
    sector: str | None = None
    scale: float = 1.0
    fmt: str = "{:.2f}"
    kind: str = "value"


HEADLINES = (
    Headline(
        "va_lost_first_year_pct_gdp",
        "Japan's value added lost, first year (% GDP)",
        sector="all",
        fmt="{:.3f}",
    ),
    Headline("va_lost_yen", "Japan's value added lost, horizon (trillion yen)", sector="all", scale=1e-12),
    Headline("weeks_in_shortage", "Weeks in shortage (any material)", material="all", fmt="{:.0f}"),
    Headline("peak_shortfall", "Peak shortfall, Dy (% of need)", material="Dy", scale=100, fmt="{:.1f}"),
    Headline(
        "peak_shortfall",
        "Peak shortfall, all materials (% of need)",
        material="all",
        scale=100,
        fmt="{:.1f}",
    ),
    Headline("price_peak_multiple", "Peak ex-China price, Dy (x start)", material="Dy", fmt="{:.1f}"),
    Headline(
        "china_share_start",
        "China's share of supply before the shock (%)",
        material="all",
        scale=100,
        fmt="{:.1f}",
    ),
    Headline(
        "china_share_end",
        "China's share of supply, final year (%)",
        material="all",
        scale=100,
        fmt="{:.1f}",
    ),
    Headline("nonchina_capacity_added_t", "Non-China capacity added (t/yr)", material="all", fmt="{:.0f}"),
    Headline(
        "stockpile_drawdown_share",
        "Stockpile drawdown (% of start)",
        material="all",
        scale=100,
        fmt="{:.1f}",
    ),
    Headline(
        "excess_inventory_peak_weeks",
        "Excess inventory from hoarding, peak (weeks)",
        material="all",
        fmt="{:.1f}",
    ),
    Headline(
        "belief_spread_peak_weeks",
        "Perceived lead-time spread, Dy, peak (weeks)",
        material="Dy",
        fmt="{:.1f}",
    ),
    Headline("pressure_26w_yen", "Japan's loss, first 26 weeks (trillion yen)", sector="all", scale=1e-12),
    Headline(
        "china_share_y10", "China's share of supply at year 10 (%)", material="all", scale=100, fmt="{:.1f}"
    ),
    Headline("decoupling_points", "Share lost by year 10 (points)", material="all", fmt="{:.1f}"),
    Headline("leverage_efficiency", "Leverage efficiency (trillion yen per point lost)", sector="all"),
    Headline(
        "china_export_revenue_lost_usd", "China's export revenue lost (USD bn)", scale=1e-9, fmt="{:.1f}"
    ),
    Headline(
        "coalition_formed", "Coalition formed (% of replications)", scale=100, fmt="{:.0f}", kind="rate"
    ),
    Headline("coalition_week", "Coalition formed, weeks after the shock", fmt="{:.0f}", kind="event"),
    Headline("japan_conceded", "Japan conceded (% of replications)", scale=100, fmt="{:.0f}", kind="rate"),
    Headline("concession_week", "Japan conceded, weeks after the shock", fmt="{:.0f}", kind="event"),
    Headline("measure_lifted", "Measure lifted (% of replications)", scale=100, fmt="{:.0f}", kind="rate"),
    Headline("lift_week", "Measure lifted, weeks after the shock", fmt="{:.0f}", kind="event"),
)
HEADLINE_LABELS = {h.label: h for h in HEADLINES}


def national(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Rows of a tidy outcome table that hold national totals: no single material or sector
    (material and sector each missing or "all")."""
    material = outcomes["material"].astype(object)
    sector = outcomes["sector"].astype(object)
    return outcomes[(material.isna() | (material == "all")) & (sector.isna() | (sector == "all"))]


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

    Columns: outcome, kind, replications, n (replications where it is defined), mean, p5, p50, p95.
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
            row.update(outcome=h.label, kind=h.kind, replications=len(values), n=len(happened))
            row["mean"] = float(happened.mean()) if len(happened) else np.nan
            row.update({f"p{p}": float(v) for p, v in zip(PERCENTILES, quantiles, strict=True)})
            records.append(row)
    return pd.DataFrame.from_records(records)


def format_table(table: pd.DataFrame, by: Sequence[str] = ()) -> str:
    """Plain-text table: one row per headline; 5 / 50 / 95 percentiles, rates in %."""
    cells = [_cell(row) for row in table.itertuples(index=False)]
    frame = table.assign(cell=cells)
    runs = int(table["replications"].max()) if len(table) else 0
    title = f"percentiles 5 / 50 / 95 across {runs} replications (rates: % of replications)"
    if by:
        wide = frame.pivot_table(
            index="outcome", columns=list(by), values="cell", aggfunc="first", sort=False
        )
        wide.columns = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in wide.columns]
        wide = wide.loc[[h.label for h in HEADLINES if h.label in wide.index]].fillna("")
        return f"{title}\n{wide.to_string()}"
    return f"{title}\n{frame.set_index('outcome')[['cell']].rename(columns={'cell': ''}).to_string()}"


def _cell(row) -> str:
    headline = HEADLINE_LABELS.get(row.outcome)
    fmt = headline.fmt if headline else "{:.3g}"
    if row.kind == "rate":
        return (fmt + "%").format(row.mean) if row.n else "n/a"
    if row.n == 0:
        return "never"
    text = " / ".join(fmt.format(getattr(row, f"p{p}")) for p in PERCENTILES)
    if row.kind == "event":
        text += f" (n={row.n})"
    return text

"""Analysis of tidy outcome tables: percentile summaries of headline outcomes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

PERCENTILES = (5, 50, 95)


@dataclass(frozen=True)
class Headline:
    outcome: str
    label: str
    material: str | None = None
    sector: str | None = None
    scale: float = 1.0
    fmt: str = "{:.2f}"


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
)


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
    """Percentiles (5/50/95) of headline outcomes across replications, per group in `by`."""
    records = []
    groups = outcomes.groupby(list(by), observed=True, sort=False) if by else [((), outcomes)]
    for key, frame in groups:
        key = key if isinstance(key, tuple) else (key,)
        for h in headlines:
            values = select(frame, h)["value"].to_numpy() * h.scale
            if len(values) == 0:
                continue
            row = dict(zip(by, key, strict=True))
            row.update(outcome=h.label, n=len(values))
            row.update(
                {
                    f"p{p}": float(v)
                    for p, v in zip(PERCENTILES, np.percentile(values, PERCENTILES), strict=True)
                }
            )
            records.append(row)
    return pd.DataFrame.from_records(records)


def format_table(table: pd.DataFrame, by: Sequence[str] = ()) -> str:
    """Plain-text table: one row per headline, 5/50/95 percentiles (per group side by side)."""
    fmt = {h.label: h.fmt for h in HEADLINES}
    cells = table.copy()
    for p in PERCENTILES:
        cells[f"p{p}"] = [
            fmt.get(o, "{:.3g}").format(v) for o, v in zip(cells["outcome"], cells[f"p{p}"], strict=True)
        ]
    cells["5 / 50 / 95"] = cells["p5"] + " / " + cells["p50"] + " / " + cells["p95"]
    if by:
        wide = cells.pivot_table(
            index="outcome", columns=list(by), values="5 / 50 / 95", aggfunc="first", sort=False
        )
        wide.columns = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in wide.columns]
        order = [h.label for h in HEADLINES if h.label in wide.index]
        wide = wide.loc[order]
        n = int(table["n"].min())
        return f"percentiles 5 / 50 / 95 across {n} replications\n" + wide.to_string()
    n = int(table["n"].min()) if len(table) else 0
    body = cells.set_index("outcome")[["5 / 50 / 95"]]
    return f"percentiles 5 / 50 / 95 across {n} replications\n" + body.to_string()

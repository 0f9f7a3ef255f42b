"""`compare`: the percentile table the reports print, for cases from several results."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from model.api.results import CASE, Results
from model.results.summary import format_table, wide_table


@dataclass(frozen=True)
class Comparison:
    """Percentiles 5/50/95 (rates: % of replications) of the headline outcomes per case.

    `percentiles` holds the numbers (case, headline, outcome, material, sector, label, kind,
    replications, n, mean, p5, p50, p95); `table` the cells as printed, one column per case.
    """

    percentiles: pd.DataFrame
    table: pd.DataFrame

    def __str__(self) -> str:
        return format_table(self.percentiles, by=["case"])

    def _repr_html_(self) -> str:
        return self.table.to_html()


def compare(*results: Results, **named: Results) -> Comparison:
    """Compare the cases of `results` (each case by its label) and of `named` (by its keyword,
    with the case's label when it holds several): `compare(base=a, stockpile=b)`."""
    given = [(None, r) for r in results] + list(named.items())
    if not given:
        raise ValueError("compare: give at least one Results (model.simulate or model.load)")
    parts, seen = [], {}
    for name, result in given:
        if not isinstance(result, Results):
            raise TypeError(
                f"compare: got {type(result).__name__}; give Results from model.simulate or model.load"
            )
        table = result.summary(by=CASE)
        labels = list(dict.fromkeys(table["label"]))
        shown = {}
        for label in labels:
            text = label if name is None else (name if len(labels) == 1 else f"{name}: {label}")
            seen[text] = seen.get(text, 0) + 1
            shown[label] = text if seen[text] == 1 else f"{text} ({seen[text]})"
        parts.append(
            table.drop(columns=["job"]).assign(case=table["label"].map(shown)).drop(columns=["label"])
        )
    percentiles = pd.concat(parts, ignore_index=True)
    percentiles = percentiles[["case", *[c for c in percentiles.columns if c != "case"]]]
    return Comparison(percentiles, wide_table(percentiles, by=["case"]))

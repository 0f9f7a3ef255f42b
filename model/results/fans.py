"""Weekly paths for fan charts, kept compactly (a few series per replication) and summarised
as quantiles across replications.

`FanPaths.keys` is the layout of one replication's paths (series x weeks); a running job
fills it from the model's weekly series (model.runs.job), a finished run's weekly.parquet
fills it here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
MATERIAL_SERIES = ("shortfall", "price_multiple", "china_share_of_supply")
SCALAR_SERIES = ("shortfall_all", "china_share_of_supply_all", "value_added_lost_yen_all")


class FanPaths:
    """Collects the fan-chart series of each replication (about 125 KB per replication)."""

    def __init__(self, materials: Sequence[str]) -> None:
        self.materials = tuple(materials)
        self.keys = [(m, mat) for m in MATERIAL_SERIES for mat in self.materials] + [
            (s, "all") for s in SCALAR_SERIES
        ]
        self.paths: list[np.ndarray] = []
        self.dates: np.ndarray | None = None

    def add_paths(self, paths: np.ndarray, dates: np.ndarray) -> None:
        self.paths.append(paths)
        self.dates = dates

    def add_rows(self, rows: pd.DataFrame, dates: np.ndarray) -> None:
        """Add one replication from its tidy weekly rows (metric, material, week, value)."""
        n_weeks = len(dates)
        paths = np.zeros((len(self.keys), n_weeks))
        metric = rows["metric"].astype(str).to_numpy()
        material = rows["material"].astype(object).where(rows["material"].notna(), "all").to_numpy()
        week = rows["week"].to_numpy()
        value = rows["value"].to_numpy()
        for i, (name, mat) in enumerate(self.keys):
            mask = (metric == name) & (material == mat)
            paths[i, week[mask]] = value[mask]
        self.paths.append(paths)
        self.dates = dates

    @classmethod
    def from_weekly(cls, path: Path, materials: Sequence[str]) -> FanPaths:
        """Fan paths read back from a run's weekly.parquet, one replication (row group) at a time."""
        fans = cls(materials)
        wanted = pa.array(fans.metrics)
        source = pq.ParquetFile(path)
        for group in range(source.num_row_groups):
            table = source.read_row_group(group, columns=["week", "date", "metric", "material", "value"])
            table = table.filter(pc.is_in(table["metric"].cast(pa.string()), value_set=wanted))
            rows = table.to_pandas()
            dates = np.array(sorted(set(rows["date"])), dtype="datetime64[D]")
            fans.add_rows(rows, dates)
        return fans

    @property
    def metrics(self) -> list[str]:
        return sorted({k[0] for k in self.keys})

    def quantiles(self) -> pd.DataFrame:
        """Tidy quantiles: metric, material, week, date, q05, q25, q50, q75, q95."""
        stacked = np.stack(self.paths)  # replications x series x weeks
        levels = np.quantile(stacked, QUANTILES, axis=0)  # quantiles x series x weeks
        n_series, n_weeks = stacked.shape[1:]
        frame = pd.DataFrame(
            {
                "metric": np.repeat([k[0] for k in self.keys], n_weeks),
                "material": np.repeat([k[1] for k in self.keys], n_weeks),
                "week": np.tile(np.arange(n_weeks), n_series),
                "date": np.tile(pd.to_datetime(self.dates), n_series),
            }
        )
        for q, values in zip(QUANTILES, levels, strict=True):
            frame[f"q{round(q * 100):02d}"] = values.ravel()
        return frame

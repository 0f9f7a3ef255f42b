"""A `greyzone-explore` study's design table as tidy outcomes, like a run's.

Morris, Sobol and PRIM save `design.parquet`, calibration `grid.parquet`: one row per point
and replication, with the exploration scalars (model.explore.evaluate.SCALARS) as columns.
Here each scalar becomes rows of the outcome it measures, in that outcome's units, keyed as
in a run's outcomes.parquet; a study's other tables are read whole (`Results.table`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from model.catalogue.outcomes import ALL, HEADLINES
from model.explore.evaluate import SCALARS, YEN_SCALE
from model.results.files import REPAIR_STUDY
from model.results.integrity import read_parquet

DESIGNS = ("design.parquet", "grid.parquet")  # the tables with one row per point and replication
NOT_PARAMETERS = {"point", "replication", "case", "job", "label", "scenario"}


def study_outcomes(root: Path, record: dict[str, Any]) -> tuple[pd.DataFrame, list[str]]:
    """Tidy outcomes (job, case, scenario, label, parameters, point, replication, outcome,
    material, sector, value) of the study at `root`, and its parameters; empty for a study
    with no design table (validation: its tables are `runs.parquet` and `scorecard.parquet`)."""
    listed = record.get("checksums", {})
    name = next((n for n in DESIGNS if n in listed), None)
    if name is None:
        return pd.DataFrame(
            columns=["job", "case", "scenario", "label", "replication", "outcome", "value"]
        ), []
    design = read_parquet(Path(root) / name, listed[name], REPAIR_STUDY)
    scalars = [column for column in design.columns if column in SCALARS]
    parameters = [c for c in design.columns if c not in scalars and c not in NOT_PARAMETERS]
    if "case" not in design.columns:
        design.insert(0, "case", str(record.get("method", "study")))
    cases = list(dict.fromkeys(design["case"]))
    long = design.melt(
        id_vars=["case", *parameters, "point", "replication"],
        value_vars=scalars,
        var_name="scalar",
        value_name="value",
    )
    long["value"] = long["value"] / long["scalar"].map(lambda s: YEN_SCALE.get(s, 1.0))
    long["outcome"] = long["scalar"].map(lambda s: SCALARS[s][0])
    where = {h.outcome: (h.material, h.sector) for h in reversed(HEADLINES) if _national(h)}
    long["material"] = long["outcome"].map(lambda o: where.get(o, (None, None))[0])
    long["sector"] = long["outcome"].map(lambda o: where.get(o, (None, None))[1])
    long.insert(0, "label", long["case"])
    long.insert(0, "scenario", long["case"])
    long.insert(0, "job", long["case"].map({case: i for i, case in enumerate(cases)}))
    columns = ["job", "case", "scenario", "label", *parameters, "point", "replication"]
    columns += ["outcome", "material", "sector", "value"]
    return long[columns].reset_index(drop=True), parameters


def _national(headline) -> bool:
    return headline.material in (None, ALL) and headline.sector in (None, ALL)

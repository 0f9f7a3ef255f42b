"""Digests of the weekly and outcome tables of fixed runs: proof that speed-ups change no number.

python benchmarks/digest.py > before.json   # then after the change:
python benchmarks/digest.py | diff before.json -

Digests compare runs on one machine: the model's matrix products go through OpenBLAS, whose
kernels for different CPUs round differently in the last bit (e.g. OPENBLAS_CORETYPE=Haswell
against SkylakeX on the same AVX-512 machine), and one bit changes a digest. before.json was
recorded with SkylakeX kernels; the core type in use is printed with the digests.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys

import pandas as pd
import pyarrow.parquet as pq

from model.config import build_spec
from model.config.compose import compose_config
from model.results.files import to_arrow
from model.sim.greyzone import GreyzoneModel
from model.sim.outcomes import compute_outcomes

CASES = {
    "ambiguous_curbs": ["scenario=ambiguous_curbs"],
    "blanket_ban": ["scenario=blanket_ban"],
    "end_use_ban_2000_firms": ["scenario=end_use_ban", "run.firms=2000", "run.horizon_weeks=200"],
    "replay_2010": ["scenario=replay_2010"],
    "targeted_heavy_no_coalition": ["scenario=targeted_heavy", "coalition=none", "run.horizon_weeks=300"],
}


def digest(frame: pd.DataFrame) -> str:
    buffer = io.BytesIO()
    pq.write_table(to_arrow(frame), buffer, compression="zstd")
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def main() -> None:
    result = {}
    for name, overrides in CASES.items():
        spec = build_spec(compose_config(overrides))
        for replication in (0, 1):
            model = GreyzoneModel(spec, replication)
            model.run()
            series = model.recorder.result()
            result[f"{name}/{replication}/weekly"] = digest(series.to_frame())
            result[f"{name}/{replication}/outcomes"] = digest(
                compute_outcomes(series, spec, model.china.events)
            )
        print(f"[digest] {name} done", file=sys.stderr, flush=True)
    coretype = os.environ.get("OPENBLAS_CORETYPE", "chosen by OpenBLAS")
    print(f"[digest] OPENBLAS_CORETYPE: {coretype}", file=sys.stderr, flush=True)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

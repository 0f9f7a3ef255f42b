"""greyzone: an agent-based model of China's rare-earth export leverage over Japan.

The public API (model/api/), loaded on first use so that importing a sub-package stays light:

    import model as gz
    config = gz.compose("blanket_ban", ["japan.stockpile_days=180"])
    results = gz.simulate(config, replications=50, workers=2)
    gz.compare(results, gz.load("outputs/runs/2026-12-03/..."))
    ema = gz.ema_model()  # an EMA Workbench model (uncertainties, levers, outcomes)
"""

import importlib
import os

# The model's matrix products are small (firms x materials); multithreaded BLAS only adds
# contention, most of all when sweeps run one replication per core. Set before numpy loads;
# a value the user has set already is kept.
for _variable in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

__version__ = "0.1.0"

_API = {
    "Comparison": "model.api",
    "Config": "model.api",
    "ConfigError": "model.api",
    "DamagedFileError": "model.api",
    "DirectoryLockedError": "model.api",
    "Found": "model.api",
    "Results": "model.api",
    "RunDirectoryError": "model.api",
    "compare": "model.api",
    "compose": "model.api",
    "find": "model.api",
    "views": "model.api",
    "load": "model.api",
    "simulate": "model.api",
    "ema_model": "model.api.ema",
    "EMA_OUTCOMES": "model.api.ema",
}
__all__ = ["__version__", *_API]


def __getattr__(name: str):
    if name in _API:
        return getattr(importlib.import_module(_API[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_API])

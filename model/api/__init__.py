"""greyzone's Python API: compose a config, simulate it, load results from disk, compare them.

    import model as gz
    base = gz.compose("ambiguous_curbs", ["run.replications=50"])
    ban = gz.simulate(base.with_overrides("scenario=blanket_ban"))
    print(gz.compare(curbs=gz.simulate(base), ban=ban))

`find` lists the results folders under a root; model/api/views.py turns results into the
explorer's tidy tables (fan bands, frontier points, grids, the tornado, the timeline).
`ema_model` wraps greyzone as an EMA Workbench model (model/api/ema.py).
"""

from model.api import views
from model.api.compare import Comparison, compare
from model.api.compose import Config, compose
from model.api.results import Found, Results, find, load
from model.api.simulate import simulate
from model.config.errors import ConfigError
from model.results.integrity import DamagedFileError
from model.results.lock import DirectoryLockedError
from model.runs.directory import RunDirectoryError

__all__ = [
    "Comparison",
    "Config",
    "ConfigError",
    "DamagedFileError",
    "DirectoryLockedError",
    "Found",
    "Results",
    "RunDirectoryError",
    "compare",
    "compose",
    "find",
    "load",
    "simulate",
    "views",
]

"""Adds greyzone's seeds/ folder to Hydra's search path.

(The `experiments` group is found through the link configs/experiments -> ../experiments;
the repository root itself must not be on the search path, or Hydra treats every folder in
it, .venv included, as a config group and `greyzone --help` takes minutes.)

Only for greyzone's own app: the plugin acts when the primary config folder is the
project's configs/ folder, so other Hydra apps in the environment are unaffected.
"""

from __future__ import annotations

from pathlib import Path

from hydra.core.config_search_path import ConfigSearchPath
from hydra.plugins.search_path_plugin import SearchPathPlugin

_ROOT = Path(__file__).resolve().parents[2]
_CONFIGS = _ROOT / "configs"


class GreyzoneSearchPathPlugin(SearchPathPlugin):
    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        ours = any(
            element.path is not None and Path(element.path).resolve() == _CONFIGS
            for element in search_path.get_path()
        )
        if ours:
            search_path.append("greyzone-seeds", f"file://{_ROOT / 'seeds'}")

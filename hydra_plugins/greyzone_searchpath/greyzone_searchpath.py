"""Adds greyzone's seeds/ folder and the repository root (for the `experiments` group) to
Hydra's search path.

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
            search_path.append("greyzone-studies", f"file://{_ROOT}")

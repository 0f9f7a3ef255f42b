"""The simulation: the model, its agents and everything it steps each week.

Imports only the ground floor (`model.config`, `model.catalogue`); nothing above it.
"""

import hashlib
import os
from pathlib import Path

import numba


def compiled_cache_dir() -> Path:
    """Where numba keeps the compiled kernels: one folder per version of this package's source.

    numba checks only the file of the function it compiled, so a kernel that inlines a helper
    from another module (model/sim/kernels.py) would keep a stale build after that helper
    changed; a folder per hash of every source file here cannot.
    """
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    root = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "greyzone" / "numba"
    return root / digest.hexdigest()[:16]


if "NUMBA_CACHE_DIR" not in os.environ:  # a user's own choice wins
    numba.config.CACHE_DIR = str(compiled_cache_dir())

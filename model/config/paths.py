"""Where the project's configs and seeds live."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIR = REPO_ROOT / "configs"
SEEDS_DIR = REPO_ROOT / "seeds"
EXPERIMENTS_DIR = REPO_ROOT / "experiments"

"""Every starting figure lives in seeds/ with a source and a plausible range."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from model.config.compose import compose_config
from model.config.paths import SEEDS_DIR
from model.config.posterior import POSTERIOR_DIR
from model.explore.space import LEVERS_FILE, lever_ranges
from model.explore.targets import TARGETS_DIR
from tests.conftest import small_spec

# seeds/targets holds figures on record to compare with, not starting values (tests/test_validation.py);
# seeds/posterior holds calibrated samples with a note of how each was made (tests/test_posterior.py)
SEED_FILES = sorted(
    p
    for p in Path(SEEDS_DIR).rglob("*.yaml")
    if p != LEVERS_FILE and p.parent not in (TARGETS_DIR, POSTERIOR_DIR)
)


def _leaves(node, path=""):
    if isinstance(node, dict) and "value" in node:
        yield path, node
    elif isinstance(node, dict):
        for key, child in node.items():
            yield from _leaves(child, f"{path}.{key}" if path else str(key))


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: str(p.relative_to(SEEDS_DIR)))
def test_every_seed_has_value_source_and_range(path: Path) -> None:
    leaves = list(_leaves(yaml.safe_load(path.read_text())))
    assert leaves, f"{path} holds no seeds"
    for key, leaf in leaves:
        assert str(leaf.get("source", "")).strip(), f"{path}:{key} has no source"
        value = leaf["value"]
        if isinstance(value, bool):
            continue
        assert "range" in leaf, f"{path}:{key} has no plausible range"
        low, high = leaf["range"]
        assert low <= value <= high, f"{path}:{key} value {value} outside its range {leaf['range']}"
        assert str(leaf.get("unit", "")).strip(), f"{path}:{key} has no unit"


@pytest.mark.parametrize("scenario", ["ambiguous_curbs", "blanket_ban", "replay_2010"])
def test_every_lever_has_a_source_and_a_range_around_its_configured_value(scenario: str) -> None:
    """seeds/levers holds ranges only (the values live in configs/): each names a numeric value of
    the run config, lies inside its range where set, and has a source and unit."""
    cfg = compose_config([f"scenario={scenario}"])
    levers = yaml.safe_load(LEVERS_FILE.read_text())
    assert set(lever_ranges()) == set(levers) and levers
    for key, (low, high) in lever_ranges().items():
        assert str(levers[key].get("source", "")).strip() and str(levers[key].get("unit", "")).strip(), key
        assert "value" not in levers[key], f"{key}: the value lives in configs/, not in seeds/levers"
        value = OmegaConf.select(cfg, key, default="<missing>")
        assert value != "<missing>", f"{key} names no value of the run config"
        assert low < high, key
        if value is not None and key != "scenario.export_quota.factor":  # 1.0: no quota in force
            assert low <= float(value) <= high, f"{key}: {value} outside [{low}, {high}]"


@pytest.mark.parametrize(("scenario", "expected"), [("ambiguous_curbs", 0.60), ("replay_2010", 0.90)])
def test_aggregate_china_share_matches_the_article(scenario: str, expected: float) -> None:
    """About 60% today and about 90% in 2010 (tonnage-weighted), as the article says."""
    materials = small_spec(f"scenario={scenario}").seeds.materials
    share = (materials.china_share * materials.japan_demand_t).sum() / materials.japan_demand_t.sum()
    assert share == pytest.approx(expected, abs=0.02)


def test_2010_demand_is_about_28000_tonnes() -> None:
    materials = small_spec("scenario=replay_2010").seeds.materials
    assert materials.japan_demand_t.sum() == pytest.approx(28_000, rel=0.02)


def test_seven_controlled_materials_since_april_2025() -> None:
    materials = small_spec().seeds.materials
    controlled = {n for n, c in zip(materials.names, materials.controlled, strict=True) if c}
    assert controlled == {"Sm", "Gd", "Tb", "Dy", "Lu", "Sc", "Y"}

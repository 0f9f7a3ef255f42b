"""Invariants of a run: conservation, finiteness, bounds. Each check returns what it found wrong.

`series_violations` checks every recorded week of a finished (or running) model;
`state_violations` checks the engine's arrays as they are now (call it after each step).
Tests and property tests use both; an empty list means the invariant holds.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from model.sim.greyzone import GreyzoneModel

TOLERANCE = 1e-7  # relative to each material's largest weekly need
SIGNED = frozenset({"excess_demand", "china_export_revenue_lost_usd", "china_revenue_loss_share"})
SHARES = (
    "shortfall",
    "china_share_of_supply",
    "china_contract_share",
    "belief_approval_mean",
    "substituted_share",
)
FIRM_ARRAYS = (
    "inventory",
    "target_cover",
    "sourcing.china",
    "sourcing.nonchina",
    "sourcing.spot",
    "beliefs.p_hat",
    "need",
)


def series_violations(model: GreyzoneModel) -> list[str]:
    """Mass balance, finiteness, non-negativity, shares and price bounds over every recorded week."""
    series = model.recorder.result()
    found = _mass_balance(series.material)
    for group in (series.material, series.sector, series.scalar):
        for name, values in group.items():
            if not np.isfinite(values).all():
                found.append(f"{name}: non-finite value in week {_first(~np.isfinite(values))}")
            elif name not in SIGNED and (values < -1e-9).any():
                found.append(f"{name}: negative value in week {_first(values < -1e-9)}")
    for name in SHARES:
        values = series.material[name]
        if ((values < -1e-9) | (values > 1 + 1e-9)).any():
            found.append(
                f"{name}: share outside [0, 1] in week {_first((values < -1e-9) | (values > 1 + 1e-9))}"
            )
    market = model.spec.seeds.market
    price = series.material["price_multiple"]
    outside = (price > market.price_cap_multiple + 1e-9) | (price < market.price_floor_multiple - 1e-9)
    if outside.any():
        found.append(
            f"price_multiple: outside [{market.price_floor_multiple:g}, {market.price_cap_multiple:g}] "
            f"in week {_first(outside)}"
        )
    return found


def state_violations(model: GreyzoneModel) -> list[str]:
    """Non-negative, finite firm state; sourcing shares summing to one; no negative cargo or capacity."""
    found = []
    firms = model.firms
    for name in FIRM_ARRAYS:
        values = operator.attrgetter(name)(firms)
        if not np.isfinite(values).all():
            found.append(f"firms.{name}: non-finite")
        elif (values < -1e-9).any():
            found.append(f"firms.{name}: negative (min {values.min():g})")
    split = firms.sourcing.china + firms.sourcing.nonchina + firms.sourcing.spot
    if not np.allclose(split, 1.0):
        found.append(f"firms sourcing shares sum to {split.min():g}..{split.max():g}, not 1")
    if (model.pipeline.in_transit < -1e-9).any():
        found.append("pipeline.in_transit: negative")
    if (model.authority.applications.qty < 0).any():
        found.append("authority.qty: negative licence quantity")
    supply = model.supply
    if (supply.capacity < -1e-9).any() or (supply.building < -1e-9).any():
        found.append("supply: negative capacity or capacity under construction")
    if (supply.capacity > supply.ceiling * (1 + 1e-9) + 1e-9).any():
        found.append("supply: capacity above its ceiling")
    return found


def _mass_balance(material: dict[str, np.ndarray]) -> list[str]:
    stockpiles = material["delivered_stockpile_t"] + material["delivered_allied_stockpile_t"]
    delivered = (
        material["delivered_china_t"]
        + material["delivered_nonchina_t"]
        + material["delivered_leakage_t"]
        + stockpiles
    )
    scale = np.maximum(material["need_t"].max(axis=0), 1e-9)
    balances = {
        "firm inventories (delivered - consumed = change)": delivered[1:]
        - material["consumption_t"][1:]
        - np.diff(material["inventory_t"], axis=0),
        "cargo in transit (shipped - arrived = change)": material["shipped_china_t"][1:]
        + material["shipped_nonchina_t"][1:]
        + material["shipped_leakage_t"][1:]
        - (delivered - stockpiles)[1:]
        - np.diff(material["in_transit_t"], axis=0),
        "national stockpile (refill - released = change)": material["stockpile_refill_t"][1:]
        - material["delivered_stockpile_t"][1:]
        - np.diff(material["stockpile_t"], axis=0),
    }
    found = []
    for name, gap in balances.items():
        bad = np.abs(gap / scale) > TOLERANCE
        if bad.any():
            found.append(f"mass balance of {name} broken in week {_first(bad) + 1}")
    return found


def _first(mask: np.ndarray) -> int:
    """The first week (row) where `mask` holds."""
    return int(np.argwhere(np.atleast_2d(mask.reshape(len(mask), -1)))[0][0])

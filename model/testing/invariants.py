"""Invariants of a run: conservation, finiteness, bounds. Each check returns what it found wrong.

`series_violations` checks every recorded week of a finished (or running) model;
`state_violations` checks the engine's arrays as they are now (call it after each step).
Tests and property tests use both; an empty list means the invariant holds.
"""

from __future__ import annotations

import operator
from typing import TYPE_CHECKING

import numpy as np

from model.catalogue.units import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from model.sim.greyzone import GreyzoneModel

TOLERANCE = 1e-7  # relative to each material's largest weekly need
SIGNED = frozenset(
    {
        "excess_demand",
        "china_export_revenue_lost_usd",
        "china_export_revenue_row_lost_usd",
        "china_revenue_loss_share",
        "china_global_revenue_loss_share",
        "china_world_share_loss_points",
        "china_excess_stock_t",
        "row_diversified_t",
    }
)
SHARES = (
    "shortfall",
    "china_share_of_supply",
    "china_contract_share",
    "belief_approval_mean",
    "substituted_share",
    "row_shortfall",
    "row_china_contract_share",
    "china_share_of_world_supply",
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
    spot = series.material["price_spot_usd_per_kg"]
    market = model.market
    outside = (spot > market.cap * (1 + 1e-9)) | (spot < market.floor * (1 - 1e-9))
    if outside.any():
        found.append(
            f"price_spot_usd_per_kg: outside [floor, cap] x reference price in week {_first(outside)}"
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
    regions = model.regions
    for name in ("inventory", "in_transit", "need", "china", "offtake", "spot", "target_cover", "p_hat"):
        values = getattr(regions, name)
        if not np.isfinite(values).all() or (values < -1e-9).any():
            found.append(f"regions.{name}: negative or non-finite (min {values.min():g})")
    if not np.allclose(regions.china + regions.offtake + regions.spot, 1.0):
        found.append("regions' sourcing shares do not sum to 1")
    supply = model.supply
    if (supply.capacity < -1e-9).any() or (supply.building < -1e-9).any():
        found.append("supply: negative capacity or capacity under construction")
    if (supply.capacity > supply.ceiling * (1 + 1e-9) + 1e-9).any():
        found.append("supply: capacity above its ceiling")
    return found


def _mass_balance(material: dict[str, np.ndarray]) -> list[str]:
    """Conservation per material and week: Japan's firms, goods in transit, the stockpile, the
    rest-of-world blocks, China (production = domestic use + exports + stock change), China's
    exports by destination, and the world's non-China supply within capacity."""
    m = material
    stockpiles = m["delivered_stockpile_t"] + m["delivered_allied_stockpile_t"]
    delivered = (
        m["delivered_china_t"]
        + m["delivered_nonchina_t"]
        + m["delivered_leakage_t"]
        + m["delivered_embedded_t"]
        + stockpiles
    )
    shipped = (
        m["shipped_china_t"] + m["shipped_nonchina_t"] + m["shipped_leakage_t"] + m["shipped_embedded_t"]
    )
    row_delivered = m["row_delivered_china_t"] + m["row_delivered_nonchina_t"]
    row_shipped = m["row_shipped_china_t"] + m["row_shipped_nonchina_t"]
    japan_scale = np.maximum(m["need_t"].max(axis=0), 1e-9)
    world_scale = np.maximum(japan_scale, m["row_need_t"].max(axis=0))
    china_scale = np.maximum(world_scale, m["china_domestic_use_t"].max(axis=0))
    balances = {
        "firm inventories (delivered - consumed = change)": (
            delivered[1:] - m["consumption_t"][1:] - np.diff(m["inventory_t"], axis=0),
            japan_scale,
        ),
        "cargo in transit (shipped - arrived = change)": (
            shipped[1:] - (delivered - stockpiles)[1:] - np.diff(m["in_transit_t"], axis=0),
            japan_scale,
        ),
        "national stockpile (refill - released = change)": (
            m["stockpile_refill_t"][1:] - m["delivered_stockpile_t"][1:] - np.diff(m["stockpile_t"], axis=0),
            japan_scale,
        ),
        "rest-of-world inventories (delivered - used = change)": (
            row_delivered[1:] - m["row_consumption_t"][1:] - np.diff(m["row_inventory_t"], axis=0),
            world_scale,
        ),
        "rest-of-world cargo (shipped - arrived = change)": (
            row_shipped[1:] - row_delivered[1:] - np.diff(m["row_in_transit_t"], axis=0),
            world_scale,
        ),
        "China (production - domestic use - exports = stock change)": (
            m["china_production_t"][1:]
            - m["china_domestic_use_t"][1:]
            - m["china_exports_t"][1:]
            - np.diff(m["china_excess_stock_t"], axis=0),
            china_scale,
        ),
        "China's exports (Japan direct, embedded, rest of world, re-exports)": (
            m["china_exports_t"]
            - m["shipped_china_t"]
            - m["shipped_embedded_t"]
            - m["row_shipped_china_t"]
            - m["shipped_leakage_t"],
            china_scale,
        ),
    }
    balances["circumvention (allotted = shipped to Japan's firms)"] = (
        m["circumvention_t"] - m["shipped_leakage_t"],
        japan_scale,
    )
    found = []
    for name, (gap, scale) in balances.items():
        bad = np.abs(gap / scale) > TOLERANCE
        if bad.any():
            found.append(f"mass balance of {name} broken in week {_first(bad) + 1}")
    nonchina = m["shipped_nonchina_t"] + m["stockpile_refill_t"] + m["row_shipped_nonchina_t"]
    over = nonchina - m["nonchina_capacity_t_per_yr"] / WEEKS_PER_YEAR
    if (over / world_scale > TOLERANCE).any():
        found.append(
            f"non-China shipments above world capacity in week {_first(over / world_scale > TOLERANCE)}"
        )
    return found


def _first(mask: np.ndarray) -> int:
    """The first week (row) where `mask` holds."""
    return int(np.argwhere(np.atleast_2d(mask.reshape(len(mask), -1)))[0][0])

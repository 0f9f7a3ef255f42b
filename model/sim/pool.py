"""The world's ex-China pool: non-China capacity shared by every buyer, and circumvention.

Non-China producers serve whoever holds offtakes or pays spot; their capacity is not
dedicated to Japan. Each week, per material:

1. offtakes first: Japan's contract volumes up to its priority rights (partners who
   co-financed a producer, e.g. Japan on Lynas), then all remaining offtakes pro rata;
2. spot: the capacity left is shared pro rata by every spot buyer (Japan's firms, its
   stockpile's refill, the rest of the world);
3. circumvention: Chinese material re-exported to Japan through third countries fills
   what Japan's firms still lack on the spot market, as far as the price gap pays for it
   (see `circumvention_supply`); the state stockpile does not buy it.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from model.config.seeds.parameters import Logistics
from model.sim.kernels import ratio
from model.sim.policy import PolicyState


class PoolDemand(NamedTuple):
    """What every buyer asks of the ex-China pool this week (t per material)."""

    japan_offtake: np.ndarray
    japan_priority: np.ndarray  # the part of non-China capacity Japan has priority rights on
    row_offtake: np.ndarray
    japan_spot: np.ndarray  # firms' spot orders
    refill: np.ndarray  # the national stockpile's purchases (non-China spot only)
    row_spot: np.ndarray


class PoolFill(NamedTuple):
    """Shares of each request served, per material."""

    japan_offtake: np.ndarray
    row_offtake: np.ndarray
    spot: np.ndarray  # non-China spot, every spot buyer alike (the stockpile's refill too)
    japan_spot: np.ndarray  # Japan's firms on the spot market, non-China and circumvention together
    from_circumvention: np.ndarray  # share of Japan's spot deliveries that is circumvention
    circumvention_t: np.ndarray


def allocate(capacity: np.ndarray, demand: PoolDemand, circumvention: np.ndarray) -> PoolFill:
    """Share a week's non-China capacity (t) and circumvention supply (t) among the buyers."""
    first = np.minimum(demand.japan_offtake, demand.japan_priority)
    rest = demand.japan_offtake - first + demand.row_offtake
    offtake_fill = _ratio(capacity - first, rest)
    japan_served = first + offtake_fill * (demand.japan_offtake - first)
    japan_fill = _ratio(japan_served, demand.japan_offtake)
    spare = np.maximum(capacity - japan_served - offtake_fill * demand.row_offtake, 0.0)
    spot_fill = _ratio(spare, demand.japan_spot + demand.refill + demand.row_spot)
    japan_nonchina = spot_fill * demand.japan_spot
    leak = np.minimum(circumvention, demand.japan_spot - japan_nonchina)
    japan_spot_fill = _ratio(japan_nonchina + leak, demand.japan_spot)
    from_leak = ratio(leak, japan_nonchina + leak, 0.0)
    return PoolFill(japan_fill, offtake_fill, spot_fill, japan_spot_fill, from_leak, leak)


def circumvention_supply(
    logistics: Logistics,
    policy: PolicyState,
    price_gap: np.ndarray,
    japan_normal_china_t: np.ndarray,
) -> np.ndarray:
    """Chinese material that can reach Japan through third countries this week (t per material).

    Rises with the price gap (Japan's price over China's export price elsewhere, beyond the
    gap that prevailed before the shock) net of the routing premium; falls with China's
    enforcement. Acts under any instrument and fades only as the gap closes.
    """
    net = np.maximum(price_gap - logistics.leakage_premium, 0.0)
    reach = 1.0 - np.exp(-net / logistics.leakage_gap_scale)
    return logistics.leakage_max_share * reach * (1.0 - policy.enforcement(logistics)) * japan_normal_china_t


def _ratio(supply: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """min(1, supply / demand), 1 where nothing is asked."""
    return np.minimum(1.0, ratio(np.maximum(supply, 0.0), demand, 1.0))

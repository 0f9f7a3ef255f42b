"""Numerical helpers shared by the compiled (numba) kernels.

Kernels must give the same numbers as the numpy code they replace, bit for bit, so that
speed-ups never change results. Element-wise arithmetic compiles to the same IEEE
operations; sums must add in numpy's order, which these helpers reproduce.
"""

from __future__ import annotations

import numpy as np
from numba import njit

PAIRWISE_BLOCK = 128  # numpy's PW_BLOCKSIZE


@njit(cache=True, inline="always")
def inner_sum(values):  # pragma: no cover - compiled
    """Sum of a 1-D array exactly as numpy sums along a contiguous axis.

    numpy starts from +0.0 and adds the pairwise sum of the values: fewer than 8 in order;
    up to 128 with eight running sums combined pairwise, then the rest in order; more split
    in halves (multiples of 8) and recursed. Inlined: short sums cost no call.
    """
    n = values.shape[0]
    if n < 8:
        total = -0.0
        for i in range(n):
            total += values[i]
        return 0.0 + total
    return 0.0 + _pairwise(values)


@njit(cache=True)
def _pairwise(values):  # pragma: no cover - compiled
    n = values.shape[0]
    if n < 8:
        total = -0.0
        for i in range(n):
            total += values[i]
        return total
    if n <= PAIRWISE_BLOCK:
        r0, r1, r2, r3 = values[0], values[1], values[2], values[3]
        r4, r5, r6, r7 = values[4], values[5], values[6], values[7]
        i = 8
        stop = n - n % 8
        while i < stop:
            r0 += values[i]
            r1 += values[i + 1]
            r2 += values[i + 2]
            r3 += values[i + 3]
            r4 += values[i + 4]
            r5 += values[i + 5]
            r6 += values[i + 6]
            r7 += values[i + 7]
            i += 8
        total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
        while i < n:
            total += values[i]
            i += 1
        return total
    half = n // 2
    half -= half % 8
    return _pairwise(values[:half]) + _pairwise(values[half:])


@njit(cache=True, inline="always")
def cell_sum(values, i, j):  # pragma: no cover - compiled
    """inner_sum(values[i, j]) for a 3-D array, without building a view (short last axis)."""
    n = values.shape[2]
    if n < 8:
        total = -0.0
        for a in range(n):
            total += values[i, j, a]
        return 0.0 + total
    return inner_sum(values[i, j])


@njit(cache=True)
def col_sums(values):  # pragma: no cover - compiled
    """x.sum(axis=0) of a C-ordered 2-D array: rows added in order, as numpy does."""
    n_rows, n_cols = values.shape
    out = np.zeros(n_cols)  # numpy starts from +0.0 here (not from the first row)
    for i in range(n_rows):
        for j in range(n_cols):
            out[j] += values[i, j]
    return out


@njit(cache=True)
def ratio(num, den, default):  # pragma: no cover - compiled
    """num / den element-wise where den > 0, else `default` (1-D arrays of one length;
    the same numbers as np.divide(num, den, out=np.full_like(den, default), where=den > 0))."""
    out = np.empty(den.shape[0])
    for i in range(den.shape[0]):
        out[i] = num[i] / den[i] if den[i] > 0 else default
    return out


@njit(cache=True)
def clip(values, low, high):  # pragma: no cover - compiled
    """np.clip(values, low, high) of a C-ordered array with scalar bounds, as a new array."""
    out = np.empty_like(values)
    flat, dest = values.ravel(), out.ravel()
    for i in range(flat.size):
        v = flat[i]
        dest[i] = low if v < low else (high if v > high else v)
    return out

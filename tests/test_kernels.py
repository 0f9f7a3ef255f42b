"""The compiled kernels add numbers exactly as numpy does, so speed-ups never change results."""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.kernels import cell_sum, col_sums, inner_sum, positive_cells


@pytest.mark.parametrize("n", [1, 3, 7, 8, 9, 16, 17, 100, 128, 129, 1000, 5000])
def test_inner_sum_matches_numpy_bit_for_bit(n: int) -> None:
    rng = np.random.default_rng(n)
    for _ in range(20):
        values = rng.standard_normal(n) * 10.0 ** rng.integers(-5, 5, n)
        assert inner_sum(values) == values.sum()


@pytest.mark.parametrize("shape", [(1, 9), (2, 9), (500, 9), (10_000, 7), (37, 3)])
def test_col_sums_match_numpy_bit_for_bit(shape) -> None:
    rng = np.random.default_rng(shape[0])
    values = rng.standard_normal(shape) * 10.0 ** rng.integers(-5, 5, shape)
    assert np.array_equal(col_sums(values), values.sum(axis=0))


def test_signed_zeros_match_numpy() -> None:
    rng = np.random.default_rng(7)
    for rows in (1, 2, 5):
        x = rng.choice([-0.0, 0.0], size=(rows, 9))
        assert np.array_equal(np.signbit(col_sums(x)), np.signbit(x.sum(axis=0)))
    for n in (1, 3, 9):
        v = np.full(n, -0.0)
        assert np.signbit(inner_sum(v)) == np.signbit(v.sum())


def test_cell_sum_and_positive_cells() -> None:
    rng = np.random.default_rng(3)
    cube = rng.random((50, 7, 4))
    assert all(cell_sum(cube, i, j) == cube[i, j].sum() for i in range(50) for j in range(7))
    grid = rng.random((40, 9)) - 0.5
    assert np.array_equal(positive_cells(grid), np.flatnonzero(grid > 0))

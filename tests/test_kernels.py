"""The compiled kernels add numbers exactly as numpy does, so speed-ups never change results."""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.kernels import cell_sum, clip, col_sums, inner_sum, ratio


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


def test_cell_sum_ratio_and_clip_match_numpy() -> None:
    rng = np.random.default_rng(3)
    cube = rng.random((50, 7, 4))
    assert all(cell_sum(cube, i, j) == cube[i, j].sum() for i in range(50) for j in range(7))
    num, den = rng.random(40), rng.random(40) - 0.5
    for default in (0.0, 1.0):
        expected = np.divide(num, den, out=np.full_like(den, default), where=den > 0)
        assert np.array_equal(ratio(num, den, default), expected)
    grid = rng.normal(size=(40, 9))
    assert np.array_equal(clip(grid, -0.5, 0.7), np.clip(grid, -0.5, 0.7))


def test_compiled_kernels_are_cached_per_version_of_the_source(tmp_path, monkeypatch) -> None:
    """A changed helper that other kernels inline must not leave their old builds in use."""
    import hashlib
    import os
    from pathlib import Path

    import numba

    import model.sim
    from model.sim import compiled_cache_dir

    sources = sorted(Path(model.sim.__file__).parent.rglob("*.py"))
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sources)).hexdigest()[:16]
    assert compiled_cache_dir().name == digest
    if "NUMBA_CACHE_DIR" not in os.environ:
        assert str(compiled_cache_dir()) == numba.config.CACHE_DIR
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert compiled_cache_dir() == tmp_path / "greyzone" / "numba" / digest

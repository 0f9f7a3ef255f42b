"""China's exporters: sell under the licence rules, divert blocked volume home, earn revenue."""

from __future__ import annotations

import numpy as np
import pytest

from model.sim.agents.china import ChineseExporter, ExporterBook
from tests.conftest import small_spec


def test_book_splits_revenue_and_diversion_by_exporter() -> None:
    book = ExporterBook(2, np.array([0, 1, 1]))
    shipped = np.array([[1.0, 0.0], [2.0, 1.0], [0.0, 0.0]])
    blocked = np.array([[0.0, 0.0], [0.0, 0.0], [3.0, 1.0]])
    price, domestic = np.array([10.0, 100.0]), np.array([5.0, 20.0])
    diverted = book.book(shipped, blocked, price, domestic)
    assert book.revenue_usd == pytest.approx([1.0 * 10 * 1000, (2 * 10 + 1 * 100) * 1000])
    assert book.diverted_t == pytest.approx([0.0, 4.0])
    assert diverted == pytest.approx([3.0, 1.0])
    assert book.week_diverted_revenue_usd == pytest.approx((3 * 5 + 1 * 20) * 1000)


def test_a_ban_stops_export_revenue_and_diverts_volume(scenario_models) -> None:
    base, ban = scenario_models["baseline"], scenario_models["blanket_ban"]
    start = ban.spec.scenario.china.start_week
    revenue = ban.recorder.result().scalar["china_export_revenue_usd"]
    assert revenue[:start].min() > 0
    assert revenue[start + 1 :].max() == 0
    assert ban.exporters.diverted_t.sum() > 10 * base.exporters.diverted_t.sum()
    agents = ban.agents_by_type[ChineseExporter]
    assert sum(a.diverted_t for a in agents) == pytest.approx(ban.exporters.diverted_t.sum())
    assert sum(a.revenue_usd for a in agents) == pytest.approx(ban.exporters.revenue_usd.sum())
    assert min(a.revenue_usd for a in agents) > 0  # every exporter sold before the ban
    assert {a.name for a in agents} == set(small_spec().seeds.suppliers.exporter_names)

"""The results explorer: its tables and charts in-process, and the page in headless Chromium.

The fixture tests/fixtures/explorer_sweep is a small finished sweep (ambiguous curbs and a
blanket ban, 3 replications, 40 firms, 80 weeks; scripts/make_explorer_fixture.sh remakes it).
The browser test copies it under a temporary $GREYZONE_OUTPUTS, opens it on the page, switches
view, outcome and case, hovers a point, exports a chart, and launches a bad and a good
what-if. Screenshots are kept in test-artifacts/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import model as gz
from model.dashboard import export, panels
from model.results.fans import QUANTILES
from tests.conftest import EXPLORER_FIXTURE as FIXTURE
from tests.conftest import run_tiny_morris

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("GREYZONE_ARTIFACTS", ROOT / "test-artifacts"))
GREYZONE_REPORT = Path(sys.executable).parent / "greyzone-report"


@pytest.fixture(scope="module")
def sweep() -> gz.Results:
    return gz.load(FIXTURE)


def test_find_lists_runs_sweeps_and_studies_but_not_the_runs_inside_a_sweep(tmp_path: Path) -> None:
    shutil.copytree(FIXTURE, tmp_path / "sweeps" / "small")
    shutil.copytree(FIXTURE / "0_ambiguous_curbs", tmp_path / "runs" / "one")
    found = {str(f.path.relative_to(tmp_path)): f.kind for f in gz.find(tmp_path)}
    assert found == {"sweeps/small": "sweep", "runs/one": "run"}
    assert gz.find(tmp_path / "nothing") == []


def test_bands_of_a_series_not_in_the_fan_table_are_its_quantiles_over_replications(sweep) -> None:
    bands = gz.views.bands(sweep, "fill_rate", material="Dy")
    weekly = sweep.series("fill_rate", material="Dy")
    week = weekly[(weekly["label"] == "blanket_ban") & (weekly["week"] == 30)]["value"].to_numpy()
    row = bands[(bands["label"] == "blanket_ban") & (bands["week"] == 30)].iloc[0]
    assert np.allclose(
        row[list(gz.views.QUANTILE_COLUMNS)].to_numpy(dtype=float), np.quantile(week, QUANTILES)
    )
    assert row["replications"] == 3


def test_bands_of_a_fan_series_come_from_the_fan_table_and_agree_with_the_weekly_file(sweep) -> None:
    from_fan = gz.views.bands(sweep, "shortfall", material="Dy")
    recomputed = gz.views.quantile_bands(sweep.series("shortfall", material="Dy"))
    columns = list(gz.views.QUANTILE_COLUMNS)
    assert np.allclose(from_fan[columns].to_numpy(dtype=float), recomputed[columns].to_numpy(dtype=float))


def test_yen_series_and_outcomes_are_shown_in_trillion_yen(sweep) -> None:
    values = gz.views.outcome_values(sweep, "pressure_52w_yen")
    raw = sweep.outcomes[
        (sweep.outcomes["outcome"] == "pressure_52w_yen") & (sweep.outcomes["sector"] == "all")
    ]
    assert np.allclose(np.sort(values["value"]), np.sort(raw["value"].to_numpy() * 1e-12))


def test_a_frontier_point_is_a_replications_pressure_and_leverage_lost(sweep) -> None:
    points = gz.views.frontier(sweep, "value")
    out = sweep.outcomes
    row = points[(points["label"] == "blanket_ban") & (points["replication"] == 1)].iloc[0]
    ban = out[(out["label"] == "blanket_ban") & (out["replication"] == 1)]
    lost = ban[(ban["outcome"] == "leverage_lost_value_y10") & (ban["material"] == "all")]["value"].item()
    assert row["leverage_lost"] == pytest.approx(lost)
    with pytest.raises(KeyError, match="weighting 'tons'"):
        gz.views.frontier(sweep, "tons")


def test_beside_keeps_cases_apart_and_names_a_what_if(sweep) -> None:
    points = gz.views.frontier(sweep)
    one = points[points["label"] == "blanket_ban"]
    both = gz.views.beside([(None, points), ("what-if", one)])
    assert list(dict.fromkeys(both["label"])) == ["ambiguous_curbs", "blanket_ban", "what-if"]
    assert both.groupby("label")["job"].nunique().eq(1).all() and both["job"].nunique() == 3


# what each view gives for the fixture (two scenarios, no swept parameter, not a study)
EXPECTED = {
    "fans": "chart",
    "frontier": "chart",
    "distribution": "chart",
    "timeline": "chart",
    "summary": "table",
    "heatmap": "a heatmap needs a sweep over exactly two numeric parameters",
    "tornado": "a tornado needs a one-at-a-time design",
    "tables": "only a greyzone-explore study has tables of its own",
}


def test_every_view_is_covered() -> None:
    assert set(EXPECTED) == set(panels.VIEWS)


@pytest.mark.parametrize("view", list(EXPECTED))
def test_every_view_gives_its_chart_table_or_the_reason_why_not(sweep, view: str) -> None:
    shown = panels.panel(view, [panels.Shown(sweep)], panels.Selection())
    if EXPECTED[view] == "chart":
        spec = export.page_spec(shown.chart)
        assert spec["$schema"] == export.PAGE_SCHEMA and not shown.table.empty
        assert "tooltip" in str(spec)  # hover shows values
        shown.chart.to_dict()  # validates against Vega-Lite's schema (the page skips this)
    elif EXPECTED[view] == "table":
        assert shown.chart is None and set(sweep.labels) <= set(shown.table.columns)
    else:
        assert shown.chart is None and shown.table.empty and EXPECTED[view] in shown.note


def test_a_2d_sweep_gives_a_heatmap_of_medians() -> None:
    rows = []
    for job, (x, y) in enumerate([(0.1, 0.9), (0.1, 1.0), (0.5, 0.9), (0.5, 1.0)]):
        for replication in range(3):
            rows.append(
                {
                    "job": job,
                    "case": None,
                    "scenario": "s",
                    "label": f"{x},{y}",
                    "scenario.china.intensity": x,
                    "seeds.licensing.routine_approval.value": y,
                    "replication": replication,
                    "outcome": "pressure_52w_yen",
                    "material": None,
                    "sector": "all",
                    "value": (x + y + replication) * 1e12,
                }
            )
    keys = ["scenario.china.intensity", "seeds.licensing.routine_approval.value"]
    results = gz.Results(Path("."), "sweep", pd.DataFrame(rows), pd.DataFrame(), keys, {})
    grid = gz.views.grid(results, "pressure_52w_yen")
    assert len(grid) == 4 and grid["replications"].eq(3).all()
    assert grid.set_index(keys).loc[(0.5, 1.0), "value"] == pytest.approx(2.5)
    shown = panels.panel("heatmap", [panels.Shown(results)], panels.Selection())
    assert shown.chart is not None and len(shown.table) == 4
    spec = shown.chart.to_dict()  # dotted keys would be read as nested fields: the cells name them x, y
    cells = spec["layer"][0]["encoding"]
    assert (cells["x"]["field"], cells["y"]["field"]) == ("x", "y") and cells["x"]["title"] == keys[0]
    assert {row["x"] for row in spec["data"]["values"]} == {0.1, 0.5}


def test_exports_are_png_svg_and_csv_of_the_charts_data(sweep) -> None:
    shown = panels.panel("frontier", [panels.Shown(sweep)], panels.Selection())
    assert export.png(shown.chart)[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in export.svg(shown.chart)[:200]
    back = pd.read_csv(pd.io.common.BytesIO(export.csv(shown.table)))
    assert len(back) == len(shown.table) and set(back.columns) == set(shown.table.columns)


def test_a_case_config_is_what_its_run_recorded_and_a_what_if_changes_only_its_overrides(sweep) -> None:
    base = sweep.config("blanket_ban")
    assert base.scenario == "blanket_ban" and base.get("run.firms") == 40
    what_if = base.with_overrides("japan.stockpile_days=180")
    assert what_if.get("japan.stockpile_days") == 180 and what_if.get("run.seed") == base.get("run.seed")
    with pytest.raises(gz.ConfigError, match=r"japan\.stockpile_days: got -5"):
        base.with_overrides("japan.stockpile_days=-5")
    with pytest.raises(KeyError, match="case 'blanket'"):
        sweep.config("blanket")


# the page in a real browser ---------------------------------------------------------------------
@pytest.mark.xdist_group("browser")
def test_the_explorer_in_a_real_browser(app_server, tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from model.testing.browser import button, choose, chrome, field, text

    url, outputs = app_server
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chrome(downloads) as driver:
        wait = WebDriverWait(driver, 120)

        def chart_titles() -> str:
            return " ".join(
                e.text for e in driver.find_elements(By.CSS_SELECTOR, ".vega-embed svg .role-title-text")
            )

        driver.get(url + "explorer")
        wait.until(lambda d: "runs, sweeps and studies under" in text(d))
        choose(driver, wait, "Folder under", "sweeps/small")
        wait.until(lambda d: "shortfall (Dy)" in chart_titles())
        driver.save_screenshot(str(ARTIFACTS / "explorer_fans.png"))

        # switch the outcome: the distribution of another outcome
        button(driver, wait, "distribution").click()
        choose(driver, wait, "Outcome", "peak_shortfall")
        wait.until(lambda d: "peak_shortfall" in chart_titles())

        # the frontier: hover a point for its values, then toggle a case off in the legend
        button(driver, wait, "frontier").click()
        wait.until(lambda d: "Pressure against leverage lost" in chart_titles())
        points = driver.find_elements(By.CSS_SELECTOR, ".vega-embed .mark-symbol.role-mark path")
        assert len(points) == 6  # 2 cases x 3 replications
        ActionChains(driver).move_to_element(points[-1]).perform()
        tooltip = wait.until(lambda d: d.find_element(By.ID, "vg-tooltip-element").text or None)
        assert "pressure (tn yen)" in tooltip and "replication" in tooltip

        def faded() -> int:
            marks = driver.find_elements(By.CSS_SELECTOR, ".vega-embed .mark-symbol.role-mark path")
            return sum(float(m.get_attribute("opacity") or 1) < 0.1 for m in marks)

        assert faded() == 0
        legend = driver.find_elements(By.CSS_SELECTOR, ".vega-embed .role-legend-symbol path")
        ActionChains(driver).move_to_element(legend[1]).click().perform()  # keep blanket_ban only
        wait.until(lambda d: faded() == 3)

        # export: the chart as PNG lands in the download folder
        button(driver, wait, "PNG").click()
        wait.until(lambda d: list(downloads.glob("small_frontier.png")))
        assert (downloads / "small_frontier.png").read_bytes()[:4] == b"\x89PNG"

        # a what-if with a bad value: one line naming the key, and nothing launched
        button(driver, wait, "fans").click()
        choose(driver, wait, "Start from case", "blanket_ban")
        replications = field(driver, "Replications").find_element(By.TAG_NAME, "input")
        replications.send_keys(Keys.CONTROL, "a")
        replications.send_keys("2")  # typed over the selection: the field is never empty
        overrides = field(driver, "Overrides").find_element(By.TAG_NAME, "input")
        overrides.send_keys("japan.stockpile_days=-5")
        button(driver, wait, "Launch what-if").click()
        wait.until(lambda d: "japan.stockpile_days: got -5; must be a number >= 0" in text(d))
        assert not (outputs / "runs").exists()

        # a good one: it runs with the case's seeds and appears beside the original
        overrides.send_keys(Keys.CONTROL, "a")
        overrides.send_keys("japan.stockpile_days=180")
        button(driver, wait, "Launch what-if").click()
        wait.until(lambda d: "finished: what-if (blanket_ban: japan.stockpile_days=180)" in text(d))
        wait.until(
            lambda d: (
                "what-if (blanket_ban"
                in " ".join(
                    e.text for e in d.find_elements(By.CSS_SELECTOR, ".vega-embed .role-legend-label")
                )
            )
        )
        time.sleep(1)
        driver.save_screenshot(str(ARTIFACTS / "explorer_whatif.png"))

    launched = [p.parent for p in (outputs / "runs").rglob("run.json")]
    assert len(launched) == 1
    run = gz.load(launched[0])
    assert run.config().get("japan.stockpile_days") == 180 and run.config().get("run.replications") == 2
    report = subprocess.run([str(GREYZONE_REPORT), str(launched[0])], capture_output=True, text=True)
    assert report.returncode == 0, report.stderr
    for name in ("explorer_fans.png", "explorer_whatif.png"):
        assert (ARTIFACTS / name).stat().st_size > 20_000


@pytest.mark.slow  # runs a small Morris study (about 15 s): make test-all
def test_a_studys_tables_are_a_view_and_a_sweep_says_it_has_none(sweep, tmp_path: Path) -> None:
    none = panels.panel("tables", [panels.Shown(sweep)], panels.Selection())
    assert none.chart is None and none.table.empty and "only a greyzone-explore study" in none.note
    run_tiny_morris(tmp_path)
    study = gz.load(tmp_path)
    names = panels.study_tables(study)
    assert "morris.parquet" in names
    shown = panels.panel("tables", [panels.Shown(study)], panels.Selection(table="morris.parquet"))
    assert shown.table.equals(study.table("morris.parquet"))
    fans = panels.panel("fans", [panels.Shown(study)], panels.Selection())
    assert fans.chart is None and "keeps no weekly series" in fans.note


def test_the_page_offers_only_the_material_or_sector_choice_that_acts(sweep) -> None:
    assert panels.level_of("fans", sweep, "shortfall", "") == "material"
    assert panels.level_of("fans", sweep, "value_added_lost_yen", "") == "sector"
    assert panels.level_of("fans", sweep, "shortfall_all", "") == "national"
    assert panels.level_of("distribution", sweep, "", "va_lost_yen") == "sector"
    assert panels.level_of("distribution", sweep, "", "peak_shortfall") == "material"
    assert panels.level_of("frontier", sweep, "shortfall", "peak_shortfall") is None

"""The dashboard: its model and chart tables in-process, and the real page in headless Chromium.

The browser test starts `solara run model.dashboard.app` (as `make app`) on a free port,
loads the page in Debian's chromium (installed by scripts/ensure_chromium.sh, which
`make test` and .ci/run call), changes a control, resets and steps the model, and checks
that the step counter and the charts change. The screenshot is kept in
test-artifacts/dashboard.png.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from model.dashboard.controls import DashboardModel, controls, firm_view, material_series, policy_events

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("GREYZONE_ARTIFACTS", ROOT / "test-artifacts"))


def test_controls_come_from_the_config_and_rebuild_the_model() -> None:
    params = controls()
    values = {name: p["value"] for name, p in params.items()}
    assert values["scenario_name"] == "ambiguous_curbs" and "blanket_ban" in params["scenario_name"]["values"]
    assert params["routine_approval"]["min"] < values["routine_approval"] <= params["routine_approval"]["max"]
    model = DashboardModel(**{**values, "firms": 100, "intensity": 0.9, "stockpile_days": 0})
    assert model.spec.scenario.china.intensity == 0.9 and model.spec.japan.stockpile_days == 0
    assert model.spec.seeds.licensing.routine_approval == values["routine_approval"]


def test_chart_tables_follow_the_running_model() -> None:
    model = DashboardModel(scenario_name="blanket_ban", firms=100)
    for _ in range(24):
        model.step()
    assert model.time == 24
    shortfall = material_series(model, "shortfall")
    assert len(shortfall) == 24 and list(shortfall.columns) == list(model.spec.seeds.materials.names)
    # the ban (from week 4) bites once stocks, safety stock and the stockpile run down
    assert shortfall["Dy"].iloc[-4:].max() > 0
    events = policy_events(model)
    assert events.iloc[0].to_dict() | {"cause": ""} == {
        "week": model.spec.scenario.china.start_week,
        "actor": "China",
        "event": "blanket_ban at 1.00",
        "cause": "",
    }
    firms = firm_view(model)
    assert len(firms) == 100 and set(firms["list_status"]) <= {"none", "watch", "entity"}
    assert (firms["cover_weeks"] >= 0).all() and firms["perceived_risk"].between(0, 1).all()


def test_the_model_stops_at_its_horizon() -> None:
    model = DashboardModel(firms=60)
    for _ in range(model.spec.run.horizon_weeks + 2):
        model.step()
    assert not model.running and model.week == model.spec.run.horizon_weeks


@pytest.mark.xdist_group("browser")
def test_the_dashboard_runs_in_a_real_browser(app_server) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from model.testing.browser import button, chrome, text

    with chrome() as driver:
        wait = WebDriverWait(driver, 120)

        def charts() -> list[str]:
            """Every chart on the page (interactive Vega-Lite views, SVG), as its marks' drawing."""
            drawn = driver.find_elements(By.CSS_SELECTOR, ".vega-embed svg.marks .role-mark")
            return [m.get_attribute("innerHTML") for m in drawn]

        def titles() -> list[str]:
            found = driver.find_elements(By.CSS_SELECTOR, ".vega-embed svg.marks .role-title-text")
            return [t.get_attribute("textContent") for t in found]

        driver.get(app_server[0])
        wait.until(lambda d: "Time: 0.0" in text(d) and "Policy events" in text(d) and len(titles()) == 5)
        before_charts = charts()
        # change a control: the curb intensity slider, one step up with the keyboard
        slider = driver.find_element(
            By.XPATH, "//*[normalize-space()='Curb intensity']/following::*[@role='slider'][1]"
        )
        before_value = slider.get_attribute("aria-valuenow")
        slider.send_keys(Keys.ARROW_RIGHT)
        wait.until(lambda d: slider.get_attribute("aria-valuenow") != before_value)
        button(driver, wait, "Reset").click()
        for _ in range(6):
            button(driver, wait, "Step").click()
        wait.until(lambda d: "Time: 6.0" in text(d))
        wait.until(lambda d: "Policy events (week 6)" in text(d) and charts() != before_charts)
        lines = driver.find_elements(By.CSS_SELECTOR, ".vega-embed svg.marks .mark-line path")
        assert len(lines) >= 4 * 9  # four series charts, one line per material, drawn from six weeks
        # the curbs start after the warm-up at the intensity the slider set (one step up)
        step = controls()["intensity"]["step"]
        assert f"ambiguous at {float(before_value) + step:.2f}" in text(driver)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTIFACTS / "dashboard.png"))
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 20_000

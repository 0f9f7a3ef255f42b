"""The dashboard: its model and chart tables in-process, and the real page in headless Chromium.

The browser test starts `solara run model.dashboard.page` on a free loopback port, loads the page in
Debian's chromium (installed by scripts/ensure_chromium.sh, which `make test` and .ci/run
call), changes a control, resets and steps the model, and checks that the step counter and
the charts change. The screenshot is kept in test-artifacts/dashboard.png.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from model.dashboard.controls import DashboardModel, controls, firm_view, material_series, policy_events
from model.testing.raycluster import free_port

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = Path(os.environ.get("GREYZONE_ARTIFACTS", ROOT / "test-artifacts"))
SOLARA = Path(sys.executable).parent / "solara"


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


def _wait_http(url: str, server: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"solara exited with {server.returncode}: {server.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"{url} did not answer within {timeout:.0f} s")


@pytest.fixture
def dashboard():
    port = free_port()
    address = ["--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        [str(SOLARA), "run", "model.dashboard.page", "--production", *address],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_http(url, server)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_the_dashboard_runs_in_a_real_browser(dashboard) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    browser, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    assert browser and driver_path, "chromium and chromedriver are needed: run scripts/ensure_chromium.sh"
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,2400"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    wait = WebDriverWait(driver, 120)

    def charts() -> list[str]:
        return [img.get_attribute("src") for img in driver.find_elements(By.CSS_SELECTOR, "img")]

    def text() -> str:
        return driver.find_element(By.TAG_NAME, "body").text

    def button(label: str):
        return wait.until(ec.element_to_be_clickable((By.XPATH, f"//button[normalize-space()='{label}']")))

    try:
        driver.get(dashboard)
        wait.until(lambda d: "Time: 0.0" in text() and "Policy events" in text() and len(charts()) >= 4)
        before_charts = charts()
        # change a control: the curb intensity slider, one step up with the keyboard
        slider = driver.find_element(
            By.XPATH, "//*[normalize-space()='Curb intensity']/following::*[@role='slider'][1]"
        )
        before_value = slider.get_attribute("aria-valuenow")
        slider.send_keys(Keys.ARROW_RIGHT)
        wait.until(lambda d: slider.get_attribute("aria-valuenow") != before_value)
        button("Reset").click()
        for _ in range(6):
            button("Step").click()
        wait.until(lambda d: "Time: 6.0" in text())
        wait.until(lambda d: "Policy events (week 6)" in text() and charts() != before_charts)
        # the curbs start after the warm-up at the intensity the slider set (one step up)
        step = controls()["intensity"]["step"]
        assert f"ambiguous at {float(before_value) + step:.2f}" in text()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(ARTIFACTS / "dashboard.png"))
    finally:
        driver.quit()
    assert (ARTIFACTS / "dashboard.png").stat().st_size > 20_000

"""A Solara server and a headless Chromium for the browser tests and benchmarks.

`solara_server` starts `solara run <module>` on a free loopback port and yields its URL;
`chrome` yields a Selenium driver of Debian's chromium (scripts/ensure_chromium.sh installs
it) that saves downloads into a folder. Helpers read the page's Vuetify controls by label.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from model.config.paths import REPO_ROOT
from model.testing.raycluster import free_port

SOLARA = Path(sys.executable).parent / "solara"
WINDOW = "1600,2400"


class BrowserError(RuntimeError):
    """The server or the browser could not be started."""


@contextmanager
def solara_server(module: str, env: Mapping[str, str] | None = None, timeout: float = 120.0) -> Iterator[str]:
    """`solara run module --production` on a free port; yields its root URL."""
    port = free_port()
    server = subprocess.Popen(
        [str(SOLARA), "run", module, "--production", "--host", "127.0.0.1", "--port", str(port)],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        _wait_http(url, server, timeout)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_http(url: str, server: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BrowserError(f"solara exited with {server.returncode}: {server.stdout.read()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise BrowserError(f"{url} did not answer within {timeout:.0f} s")


@contextmanager
def chrome(downloads: Path | None = None):
    """A headless Chromium driven by Selenium; downloads land in `downloads`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not (browser and driver_path):
        raise BrowserError("chromium and chromedriver are needed: run scripts/ensure_chromium.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WINDOW}"):
        options.add_argument(flag)
    if downloads is not None:
        options.add_experimental_option(
            "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
        )
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        if downloads is not None:
            driver.execute_cdp_cmd(
                "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
            )
        yield driver
    finally:
        driver.quit()


def field(driver, label: str):
    """The Vuetify input (select, text or number field) whose label starts with `label`."""
    from selenium.webdriver.common.by import By

    path = f"//label[starts-with(normalize-space(), {_quoted(label)})]"
    return driver.find_element(By.XPATH, f"{path}/ancestor::div[contains(@class, 'v-input__slot')][1]")


def choose(driver, wait, label: str, value: str) -> None:
    """Pick `value` in the select labelled `label`."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    wait.until(lambda d: field(d, label)).click()  # waits out NoSuchElement while the page renders
    item = (
        By.XPATH,
        "//div[contains(@class, 'menuable__content__active')]"
        f"//div[contains(@class, 'v-list-item__title') and normalize-space()={_quoted(value)}]",
    )
    wait.until(ec.element_to_be_clickable(item)).click()
    wait.until(lambda d: value in field(d, label).text)


def button(driver, wait, label: str):
    """The clickable button whose text is `label` (case as shown)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    upper = "translate(normalize-space(), 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')"
    path = f"//button[{upper}={_quoted(label.upper())}]"
    return wait.until(ec.element_to_be_clickable((By.XPATH, path)))


def text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def _quoted(value: str) -> str:
    return f"'{value}'" if "'" not in value else f'"{value}"'

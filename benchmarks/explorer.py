"""The explorer's speed in a real browser (benchmarks/explorer.md), and its screenshots.

Measures, with headless Chromium against `solara run model.dashboard.app`:
  - the time from opening a results folder on the explorer (`/explorer?folder=...`) to its
    first chart drawn, in fresh sessions (the first one also pays the server's first load);
  - the same folder through the API alone (`model.load` and the first panel's table and chart);
  - the live page's step rate under Play at its default interval and the default size.
Saves screenshots of each folder's views into --screenshots.

The folders of benchmarks/explorer.md: the main study at 167 replications a case (1,002 in
all; 100 firms, so that it runs in 13 minutes on 2 cores: the first chart's cost is in the
replications and weeks, not the firms) and a small 2-D sweep:

    greyzone experiments=ambiguity_vs_ban run.replications=167 run.firms=100 \
        hydra.sweep.dir=/tmp/bench_out/studies/ambiguity_vs_ban_1002
    greyzone experiments=intensity_grid run.replications=4 run.firms=60 \
        hydra.sweep.dir=/tmp/bench_out/studies/intensity_grid_small
    python benchmarks/explorer.py --root /tmp/bench_out --folder studies/ambiguity_vs_ban_1002 \
        --grid studies/intensity_grid_small
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SESSIONS = 3  # fresh browser sessions per folder
PLAY_SECONDS = 20.0
REDRAWS = """
window.greyzoneRedraws = 0;
let last = null;
setInterval(() => {
  const line = document.querySelector('.vega-embed svg.marks .mark-line path');
  const now = line ? line.getAttribute('d') : null;
  if (now !== last) { window.greyzoneRedraws += 1; last = now; }
}, 10);
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True, help="the outputs folder the page searches")
    parser.add_argument("--folder", required=True, help="the large folder, relative to --root")
    parser.add_argument("--grid", help="a 2-D sweep to screenshot (heatmap), relative to --root")
    parser.add_argument("--screenshots", type=Path, default=HERE.parent / "docs" / "figures" / "explorer")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()

    import model as gz
    from model.dashboard import panels
    from model.dashboard.explorer import OUTPUTS_VARIABLE
    from model.testing.browser import chrome, solara_server

    folder = args.root / args.folder
    started = time.perf_counter()
    results = gz.load(folder)
    load_s = time.perf_counter() - started
    panel = panels.panel("fans", [panels.Shown(results)], panels.Selection())
    api_s = time.perf_counter() - started
    replications = int(results.outcomes[["job", "replication"]].drop_duplicates().shape[0])
    size_mb = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20
    print(
        f"[explorer] API: load {load_s:.2f} s, first panel {api_s:.2f} s ({replications} replications)",
        file=sys.stderr,
    )

    args.screenshots.mkdir(parents=True, exist_ok=True)
    record: dict = {
        "date": dt.date.today().isoformat(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "folder": args.folder,
        "kind": results.kind,
        "cases": len(results.labels),
        "replications": replications,
        "folder_mib": round(size_mb, 1),
        "firms": results.config(results.labels[0]).get("run.firms"),
        "weeks": results.config(results.labels[0]).get("run.horizon_weeks"),
        "api_load_s": round(load_s, 2),
        "api_first_panel_s": round(api_s, 2),
        "first_panel_rows": len(panel.table),
    }
    server = solara_server("model.dashboard.app", env={OUTPUTS_VARIABLE: str(args.root)})
    with server as url, chrome() as driver:
        record["first_chart_s"] = [_first_chart(driver, url, args.folder) for _ in range(SESSIONS)]
        for view in ("fans", "frontier", "distribution"):
            _shot(driver, url, args.folder, view, args.screenshots / f"explorer_main_{view}.png")
        if args.grid:
            _shot(driver, url, args.grid, "heatmap", args.screenshots / "explorer_grid_heatmap.png")
        record.update(_play_rate(driver, url))
    record["first_chart_median_s"] = round(statistics.median(record["first_chart_s"]), 2)
    (args.out / "explorer.json").write_text(json.dumps(record, indent=2) + "\n")
    (args.out / "explorer.md").write_text(markdown(record))
    print(markdown(record))


def _charts(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    titles = driver.find_elements(By.CSS_SELECTOR, ".vega-embed svg.marks .role-title-text")
    return [t.get_attribute("textContent") for t in titles]


def _first_chart(driver, url: str, folder: str) -> float:
    """Seconds from opening the folder's page in a fresh session to its first chart drawn."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()  # a new Solara session: nothing cached in the page
    driver.get("about:blank")
    started = time.perf_counter()
    driver.get(f"{url}explorer?folder={folder}")
    WebDriverWait(driver, 600, poll_frequency=0.05).until(lambda d: _charts(d))
    seconds = time.perf_counter() - started
    print(f"[explorer] first chart in {seconds:.2f} s", file=sys.stderr)
    return round(seconds, 2)


def _shot(driver, url: str, folder: str, view: str, path: Path) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.delete_all_cookies()
    driver.get(f"{url}explorer?folder={folder}&view={view}")
    WebDriverWait(driver, 600).until(lambda d: _charts(d))
    time.sleep(1.0)
    driver.save_screenshot(str(path))


def _play_rate(driver, url: str) -> dict:
    """Steps per second under Play at the default interval, default size (the live page)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from model.dashboard.controls import controls
    from model.testing.browser import text

    driver.delete_all_cookies()
    driver.get(url)
    wait = WebDriverWait(driver, 300)
    wait.until(lambda d: "Time: 0.0" in text(d) and len(_charts(d)) >= 5)
    play = driver.find_element(By.XPATH, "//button[normalize-space()='▶']")
    play.click()
    wait.until(lambda d: _time(d) >= 1)
    driver.execute_script(REDRAWS)  # counts how often the first chart's first line changes
    first, started = _time(driver), time.perf_counter()
    time.sleep(PLAY_SECONDS)
    last, seconds = _time(driver), time.perf_counter() - started
    redraws = driver.execute_script("return window.greyzoneRedraws;")
    driver.find_element(By.XPATH, "//button[normalize-space()='❚❚']").click()
    rate = (last - first) / seconds
    interval_ms = 100  # Mesa SolaraViz's default play_interval, which the page keeps
    return {
        "live_firms": int(controls()["firms"]["value"]),
        "live_play_interval_ms": interval_ms,
        "live_steps_per_s": round(rate, 2),
        "live_target_steps_per_s": round(1000 / interval_ms, 1),
        "live_steps_measured": int(last - first),
        "live_redraws_per_s": round(redraws / seconds, 2),
    }


def _time(driver) -> float:
    from model.testing.browser import text

    found = re.search(r"Time: ([0-9.]+)", text(driver))
    return float(found.group(1)) if found else 0.0


def markdown(record: dict) -> str:
    times = ", ".join(f"{s} s" for s in record["first_chart_s"])
    return "\n".join(
        [
            "# The results explorer: speed",
            "",
            f"Measured {record['date']} on {record['platform']} ({record['cpus']} CPUs), Python "
            f"{record['python']}, by `python benchmarks/explorer.py` (headless Chromium, "
            "`solara run model.dashboard.app`).",
            "",
            "| measure | value |",
            "|---|---|",
            f"| folder | {record['folder']} ({record['kind']}, {record['cases']} cases, "
            f"{record['replications']} replications of {record['weeks']} weeks at {record['firms']} firms, "
            f"{record['folder_mib']} MiB) |",
            f"| opening it on the explorer to its first chart, {len(record['first_chart_s'])} fresh "
            f"sessions | {times} (median {record['first_chart_median_s']} s) |",
            f"| the same through the API: `model.load` / and the first panel | {record['api_load_s']} s / "
            f"{record['api_first_panel_s']} s ({record['first_panel_rows']} rows) |",
            f"| live page under Play, {record['live_firms']} firms, default interval "
            f"{record['live_play_interval_ms']} ms | {record['live_steps_per_s']} steps/s "
            f"(target {record['live_target_steps_per_s']}; {record['live_steps_measured']} steps in "
            f"{PLAY_SECONDS:.0f} s; Mesa's loop sleeps the interval, then steps; the charts are drawn in their own thread) |",
            f"| live page under Play: chart redraws (the first chart's first line changing) | "
            f"{record['live_redraws_per_s']} per s |",
            "",
            "The folders and the command: the docstring of benchmarks/explorer.py. Screenshots:",
            "docs/figures/explorer/ (the main study's fans, frontier and distribution; the 2-D",
            "sweep's heatmap).",
            "",
        ]
    )


if __name__ == "__main__":
    main()

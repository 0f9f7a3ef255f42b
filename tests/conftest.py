"""Shared helpers: compose small configs, build specs and models; kill a command part-way."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import pytest

from model.config import build_spec
from model.config.compose import compose_config
from model.config.spec import ModelSpec
from model.explore.targets import Target
from model.sim.greyzone import GreyzoneModel

# Small but complete runs: every sector, every material, a few years.
SMALL = (
    "run.firms=80",
    "run.horizon_weeks=156",
    "run.replications=2",
    "run.spinup_weeks=26",
    "run.progress=false",
)
# Supply-side tests hold China's instrument in force: no coalition, no concession, and no
# review (China's two-sided fine-tuning would ease the curbs as its revenue falls).
HELD = ("coalition=none", "japan=no_concession", "scenario.china.adaptive=false")
SCENARIOS = ("baseline", "ambiguous_curbs", "targeted_heavy", "end_use_ban", "blanket_ban", "replay_2010")


def small_spec(*overrides: str, base: Sequence[str] = SMALL) -> ModelSpec:
    return build_spec(compose_config([*base, *overrides]))


def run_model(spec: ModelSpec, replication: int = 0) -> GreyzoneModel:
    model = GreyzoneModel(spec, replication)
    model.run()
    return model


@pytest.fixture(scope="session")
def scenario_models() -> dict[str, GreyzoneModel]:
    """One small finished model per scenario (instrument held in force), for read-only tests."""
    return {name: run_model(small_spec(f"scenario={name}", *HELD)) for name in SCENARIOS}


STRATEGIC = ("ambiguous_curbs", "end_use_ban", "blanket_ban")


@pytest.fixture(scope="session")
def strategic_models() -> dict[str, GreyzoneModel]:
    """Small finished models with China, Japan and the coalition all following their rules."""
    return {name: run_model(small_spec(f"scenario={name}", "run.horizon_weeks=260")) for name in STRATEGIC}


@pytest.fixture(
    params=[("held", s) for s in SCENARIOS] + [("strategic", s) for s in STRATEGIC],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def any_model(request, scenario_models, strategic_models) -> GreyzoneModel:
    """Every finished model, supply-side and strategic."""
    kind, name = request.param
    return (scenario_models if kind == "held" else strategic_models)[name]


def kill_when(
    command: Sequence[str],
    cwd: Path,
    ready: Callable[[], bool],
    what: str,
    env: dict[str, str] | None = None,
    timeout: float = 240.0,
) -> None:
    """Start `command` in its own session and SIGKILL it, with every process it started, as
    soon as `ready()` holds; fail if it ends first or never gets there (`what` says when)."""
    proc = subprocess.Popen(
        list(command),
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if ready():
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=30)
                return
            if proc.poll() is not None:
                pytest.fail(f"the command ended (exit {proc.returncode}) before {what}")
            time.sleep(0.02)
        pytest.fail(f"the command never got to {what}")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


# targets files of one's own for the recovery tests: records made by the model itself ----------------
def write_targets_file(
    path: Path,
    scenario: str,
    targets: Sequence[Target],
    records: Mapping[str, float],
    tolerance: float | None = None,
    overrides: Sequence[str] = (),
) -> Path:
    """A targets file (seeds/targets format) replayed by `scenario`, each target in-sample at its
    record in `records` (with `tolerance`, or the target's own)."""
    meta = f"scenario: {scenario}, description: synthetic records at planted values"
    if overrides:
        meta += ", overrides: [" + ", ".join(f"'{o}'" for o in overrides) + "]"
    lines = [f"episode: {{{meta}}}", "targets:"]
    for t in targets:
        where = (
            f"month: '{t.month}', origin: {t.origin}"
            if t.month
            else f"material: {t.material}, start: '{t.start}', end: '{t.end}'"
        )
        lines.append(
            f"  {t.name}: {{kind: {t.kind}, {where}, record: {float(records[t.name])!r},"
            f" unit: '{t.unit}', window: '{t.window}', role: in_sample,"
            f" tolerance: {t.tolerance if tolerance is None else tolerance}, source: planted}}"
        )
    path.write_text("\n".join(lines) + "\n")
    return path


def run_tiny_morris(root: Path) -> None:
    """A finished greyzone-explore Morris study at `root`: two trajectories over the licensing
    seeds, one small replication per point (for tests that read a study's files)."""
    from model.explore.studies import run_study

    cfg = compose_config(
        [
            "run.firms=40",
            "run.horizon_weeks=60",
            "run.spinup_weeks=8",
            "run.replications=3",
            "run.progress=false",
            "explore.workers=1",
            "explore=morris",
            "explore.trajectories=2",
            "explore.include=[licensing.*]",
        ],
        config_name="explore",
    )
    run_study(cfg, root, ["explore=morris"])


EXPLORER_FIXTURE = Path(__file__).resolve().parent / "fixtures" / "explorer_sweep"


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    """`solara run model.dashboard.app` (as `make app`) on a free port, its outputs a temporary
    folder holding the explorer's fixture sweep (at sweeps/small): (url, outputs folder). The
    browser tests share it (xdist group "browser": one worker, one server)."""
    import shutil

    from model.dashboard.explorer import OUTPUTS_VARIABLE
    from model.testing.browser import solara_server

    outputs = tmp_path_factory.mktemp("outputs")
    shutil.copytree(EXPLORER_FIXTURE, outputs / "sweeps" / "small")
    with solara_server("model.dashboard.app", env={OUTPUTS_VARIABLE: str(outputs)}) as url:
        yield url, outputs

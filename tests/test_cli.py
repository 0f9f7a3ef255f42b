"""The command line: bad input fails fast with one line; good input runs the same app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SMALL

ROOT = Path(__file__).resolve().parents[1]
GREYZONE = Path(sys.executable).with_name("greyzone")
REPORT = Path(sys.executable).with_name("greyzone-report")
TINY = [*SMALL, "run.horizon_weeks=40", "run.replications=2", "run.firms=40"]


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "HYDRA_FULL_ERROR": "0"}
    return subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=600, env=env, check=False)


@pytest.mark.parametrize(
    ("override", "key"),
    [  # as real processes; tests/test_bad_configs.py runs the whole corpus in-process
        ("scenario=does_not_exist", "scenario"),
        ("seeds.materials.Dy.china_share.value=1.5", "seeds.materials.Dy.china_share.value"),
        pytest.param("run.not_a_key=1", "run.not_a_key", marks=pytest.mark.slow),
        pytest.param(
            "seeds.suppliers.nonchina.Lynas.capacity_t.NdPr.value=-1",
            "capacity_t.NdPr.value",
            marks=pytest.mark.slow,
        ),
        pytest.param(
            "seeds.materials.NdPr.japan_demand_t.value=-10",
            "seeds.materials.NdPr.japan_demand_t.value",
            marks=pytest.mark.slow,
        ),
        pytest.param("run.horizon_weeks=0", "run.horizon_weeks", marks=pytest.mark.slow),
    ],
)
def test_bad_input_exits_nonzero_with_one_line_and_writes_nothing(
    tmp_path: Path, override: str, key: str
) -> None:
    out = tmp_path / "run"
    done = _run([str(GREYZONE), override, f"hydra.run.dir={out}"], cwd=tmp_path)
    assert done.returncode == 2
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("greyzone: error: ")
    assert key in lines[0]
    assert not out.exists()
    assert not (tmp_path / "outputs").exists()


def test_sweep_without_multirun_is_refused(tmp_path: Path) -> None:
    done = _run([str(GREYZONE), "scenario=baseline,blanket_ban"], cwd=tmp_path)
    assert done.returncode == 2
    assert "--multirun" in done.stderr


def test_bad_value_inside_a_sweep_is_caught_before_any_job(tmp_path: Path) -> None:
    done = _run(
        [str(GREYZONE), "-m", "scenario=baseline,nope", f"hydra.sweep.dir={tmp_path / 's'}"], cwd=tmp_path
    )
    assert done.returncode == 2
    assert "unknown option 'nope'" in done.stderr
    assert not (tmp_path / "s").exists()


@pytest.mark.slow  # 20-50 s: in make test-all (CI runs both)
def test_console_script_and_python_m_run_the_same_app(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    first = _run([str(GREYZONE), *TINY, f"hydra.run.dir={a}"], cwd=tmp_path)
    second = _run([sys.executable, "-m", "model", *TINY, f"hydra.run.dir={b}"], cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    for out in (a, b):
        assert json.loads((out / "run.json").read_text())["status"] == "complete"
    import pandas as pd

    pd.testing.assert_frame_equal(
        pd.read_parquet(a / "outcomes.parquet"), pd.read_parquet(b / "outcomes.parquet")
    )
    assert "percentiles 5 / 50 / 95" in first.stdout


def test_multirun_over_scenarios_aggregates_and_reports(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    done = _run(
        [str(GREYZONE), "-m", "scenario=ambiguous_curbs,blanket_ban", *TINY, f"hydra.sweep.dir={sweep}"],
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    jobs = sorted(p for p in sweep.iterdir() if p.is_dir() and (p / "run.json").exists())
    assert [json.loads((p / "run.json").read_text())["scenario"] for p in jobs] == [
        "ambiguous_curbs",
        "blanket_ban",
    ]
    assert "ambiguous_curbs" in done.stdout and "blanket_ban" in done.stdout
    assert (sweep / "report.md").exists() and (sweep / "figures" / "fans.png").stat().st_size > 10_000


def test_report_refuses_a_directory_without_runs(tmp_path: Path) -> None:
    done = _run([str(REPORT), str(tmp_path)], cwd=tmp_path)
    assert done.returncode == 2
    assert "no runs" in done.stderr


def test_help_lists_the_config_groups_and_only_them(tmp_path: Path) -> None:
    done = _run([str(GREYZONE), "--help"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    groups = {
        line.split(":")[0]
        for line in done.stdout.splitlines()
        if ": " in line and " " not in line.split(":")[0]
    }
    assert {"scenario", "experiments", "japan", "coalition", "materials", "licensing"} <= groups
    # The repository's own folders must not show up as config groups (a search path on the
    # repository root made Hydra walk .venv and take minutes).
    assert not groups & {"model", "tests", "benchmarks", "docs", "hydra_plugins", "outputs"}
    assert "greyzone experiments=ambiguity_vs_ban" in done.stdout


def test_the_up_front_check_composes_each_distinct_job_once(monkeypatch) -> None:
    """A sweep's first value is the base config: checked once, not twice (fixed cost per sweep)."""
    import model.runs.cli as cli

    composed: list[tuple[str, ...]] = []
    real = cli.compose_config

    def counting(overrides=(), *args, **kwargs):
        composed.append(tuple(overrides))
        return real(overrides, *args, **kwargs)

    monkeypatch.setattr(cli, "compose_config", counting)
    cli.check_overrides(["-m", "scenario=ambiguous_curbs,blanket_ban", "run.firms=30"])
    assert len(composed) == 2
    assert any("scenario=blanket_ban" in c for c in composed)

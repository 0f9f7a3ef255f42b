"""Every notebook runs top to bottom from a clean kernel (small sizes), and is committed
without outputs."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_are_there() -> None:
    expected = ["01_quickstart", "02_what_if", "03_sweep_analysis", "04_ema_workbench"]
    assert [p.stem for p in NOTEBOOKS] == expected


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_have_no_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name}: strip outputs"


# Executing the notebooks (15 to 45 s each: a sweep, EMA Workbench's two evaluators) is in
# make test-all (CI runs both), which keeps make test under 8 minutes on 2 cores; what they
# call is tested in make test (tests/test_api.py, tests/test_ema.py).
@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_from_a_clean_kernel(path: Path, monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GREYZONE_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebooks write their small runs here
    book = nbformat.read(path, as_version=4)
    client = NotebookClient(
        book, timeout=600, kernel_name="python3", resources={"metadata": {"path": path.parent}}
    )
    client.execute()  # raises CellExecutionError on the first failing cell
    errors = [o for c in book.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    assert any(
        o.output_type in ("display_data", "execute_result") for c in book.cells for o in c.get("outputs", [])
    )
    assert os.listdir(tmp_path)

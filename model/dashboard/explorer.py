"""The results explorer (`make app`, at /explorer): open a run, sweep or study, compare its
cases interactively, export any chart, and launch a what-if from a finished case.

Everything it shows comes from the public API (`model.find`, `model.load`, `model.compose`,
`model.simulate` and model/api/views.py) through model/dashboard/panels.py; it reads the run
directories' files and never reruns them. Folders are searched under $GREYZONE_OUTPUTS
(default: outputs/ in the working directory); a what-if is written there as an ordinary run
directory (runs/<date>/<time>_<scenario>_whatif), which `greyzone-report` reads.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import solara
import solara.lab

import model.api as gz
from model.api import views
from model.dashboard import export, panels
from model.dashboard.vega import FigureVega

OUTPUTS_VARIABLE = "GREYZONE_OUTPUTS"
DEFAULT_OUTPUTS = "outputs"
NONE = "(choose a folder)"


def outputs_root() -> Path:
    return Path(os.environ.get(OUTPUTS_VARIABLE, DEFAULT_OUTPUTS)).expanduser()


@dataclass(frozen=True)
class WhatIf:
    """A launched what-if: the case it started from, its overrides and its results."""

    base: str
    overrides: tuple[str, ...]
    results: gz.Results

    @property
    def name(self) -> str:
        return f"what-if ({self.base}: {' '.join(self.overrides)})"


folder = solara.reactive(NONE)
view = solara.reactive("fans")
metric = solara.reactive(panels.Selection.metric)
outcome = solara.reactive(panels.Selection.outcome)
material = solara.reactive(panels.Selection.material)
sector = solara.reactive(panels.Selection.sector)
weighting = solara.reactive(panels.Selection.weighting)
replication = solara.reactive(panels.Selection.replication)
table = solara.reactive(panels.Selection.table)
whatifs = solara.reactive(())  # WhatIf, launched from the open folder
refresh = solara.reactive(0)


def _open(path: str) -> gz.Results:
    return gz.load(path)


@solara.component
def Explorer():
    root = outputs_root()
    query = parse_qs(solara.use_router().search or "")  # ?folder=<path under root>&view=<view>
    asked, asked_view = query.get("folder", [None])[0], query.get("view", [None])[0]

    def follow_link() -> None:
        if asked:
            folder.set(asked)
        if asked_view in panels.VIEWS:
            view.set(asked_view)

    solara.use_effect(follow_link, [asked, asked_view])
    found = solara.use_memo(lambda: gz.find(root), [refresh.value, str(root)])
    paths = [str(f.path.relative_to(root)) if f.path.is_relative_to(root) else str(f.path) for f in found]
    kinds = dict(zip(paths, [f.kind for f in found], strict=True))
    with solara.Column(style={"padding": "12px"}):
        solara.Text("greyzone results explorer", style={"font-size": "1.5em", "font-weight": "500"})
        with solara.Row():
            solara.Select(
                label=f"Folder under {root}",
                value=folder,
                values=[NONE, *paths],
                style={"min-width": "520px"},
            )
            solara.Button("Refresh", on_click=lambda: refresh.set(refresh.value + 1), text=True)
            solara.Text(kinds.get(folder.value, ""))
        if folder.value not in kinds and folder.value != NONE:
            solara.Error(f"folder: {folder.value!r} holds no run, sweep or study under {root}")
            return
        if folder.value == NONE:
            solara.Info(f"{len(found)} runs, sweeps and studies under {root}; choose one above.")
            return
        FolderView(str(root / folder.value))


@solara.component
def FolderView(path: str):
    loaded = solara.use_memo(lambda: _try_open(path), [path])
    solara.use_effect(lambda: whatifs.set(()), [path])
    if isinstance(loaded, str):
        solara.Error(loaded)
        return
    results = loaded
    options = views.choices(results)
    with solara.Row():
        total = sum(views.replications(results).values())
        solara.Text(f"{results.kind}: {len(results.labels)} cases, {total} replications")
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        solara.ToggleButtonsSingle(value=view, values=list(panels.VIEWS))
    with solara.Row(style={"flex-wrap": "wrap", "gap": "8px"}):
        if view.value == "fans":
            solara.Select(label="Weekly metric", value=metric, values=list(options.metrics) or [metric.value])
        if view.value in ("distribution", "heatmap"):
            solara.Select(label="Outcome", value=outcome, values=options.outcomes or [outcome.value])
        at = panels.level_of(view.value, results, metric.value, outcome.value)
        if at == "material":
            solara.Select(label="Material", value=material, values=["all", *options.materials])
        if at == "sector":
            solara.Select(label="Sector", value=sector, values=["all", *options.sectors])
        if view.value == "frontier":
            solara.Select(label="Weighting of China's share", value=weighting, values=options.weightings)
        if view.value == "timeline":
            solara.InputInt(label="Replication", value=replication)
        if view.value == "tables" and panels.study_tables(results):
            names = panels.study_tables(results)
            shown_table = table.value if table.value in names else names[0]
            solara.Select(label="Table", value=shown_table, values=names, on_value=table.set)
    selection = panels.Selection(
        metric=metric.value,
        outcome=outcome.value,
        material=material.value,
        sector=sector.value,
        weighting=weighting.value,
        replication=replication.value,
        table=table.value if table.value in panels.study_tables(results) else "",
    )
    shown = [panels.Shown(results), *(panels.Shown(w.results, w.name) for w in whatifs.value)]
    PanelView(view.value, shown, selection, Path(path).name)
    if results.kind != "study":
        WhatIfForm(results)


@solara.component
def PanelView(name: str, shown: list[panels.Shown], selection: panels.Selection, folder_name: str):
    result = solara.use_memo(
        lambda: _try_panel(name, shown, selection), [name, tuple(id(s.results) for s in shown), selection]
    )
    if isinstance(result, str):
        solara.Error(result)
        return
    stem = f"{folder_name}_{name}"
    if result.chart is not None:
        FigureVega(result.chart)
        with solara.Row():
            chart = result.chart
            solara.FileDownload(
                lambda: export.png(chart), filename=f"{stem}.png", label="PNG", mime_type="image/png"
            )
            solara.FileDownload(
                lambda: export.svg(chart), filename=f"{stem}.svg", label="SVG", mime_type="image/svg+xml"
            )
            solara.FileDownload(
                lambda: export.csv(result.table),
                filename=f"{stem}.csv",
                label="CSV (data)",
                mime_type="text/csv",
            )
    elif not result.table.empty:
        solara.DataFrame(result.table, items_per_page=40)
        solara.FileDownload(
            lambda: export.csv(result.table), filename=f"{stem}.csv", label="CSV", mime_type="text/csv"
        )
    if result.note:
        solara.Info(result.note)


@solara.lab.task
def launch(config: gz.Config, directory: str, base: str, overrides: tuple[str, ...]) -> WhatIf:
    def progress(done: int, total: int) -> None:
        launch.progress = 100.0 * done / total

    results = gz.simulate(config, directory=directory, progress=False, on_progress=progress)
    done = WhatIf(base, overrides, results)
    whatifs.set((*whatifs.value, done))  # shown beside the original from now on
    return done


@solara.component
def WhatIfForm(results: gz.Results):
    base = solara.use_reactive(results.labels[0] if results.labels else "")
    text = solara.use_reactive("")
    count = solara.use_reactive(max(views.replications(results).values(), default=1))
    error = solara.use_reactive("")

    def start() -> None:
        error.set("")
        try:
            overrides = tuple(shlex.split(text.value))
            if count.value < 1:
                raise gz.ConfigError("replications", f"got {count.value}; must be a whole number >= 1")
            config = results.config(base.value).with_overrides(*overrides, f"run.replications={count.value}")
        except (gz.ConfigError, KeyError, ValueError) as exc:
            error.set(str(exc).strip("'\""))
            return
        launch(config, str(_whatif_directory(config)), base.value, overrides)

    with solara.Card("What-if from a finished case", style={"margin-top": "12px"}):
        solara.Text(
            "Change any value with the command line's key=value overrides (space-separated), "
            "validated as greyzone validates them. The run uses the case's seeds and is written "
            f"under {outputs_root() / 'runs'}."
        )
        with solara.Row():
            solara.Select(label="Start from case", value=base, values=results.labels)
            solara.InputInt(label="Replications", value=count, continuous_update=True)
        solara.InputText(label="Overrides, e.g. japan.stockpile_days=180", value=text, continuous_update=True)
        solara.Button("Launch what-if", on_click=start, disabled=launch.pending, color="primary")
        if error.value:
            solara.Error(error.value)
        if launch.pending:
            solara.ProgressLinear(launch.progress or True)
            solara.Text(f"running: {launch.progress or 0:.0f}% of replications done")
        elif launch.error:
            solara.Error(f"the what-if failed: {launch.exception}")
        elif launch.finished and launch.value is not None:
            done = launch.value
            solara.Success(f"finished: {done.name} in {done.results.path}; shown beside the original")


def _whatif_directory(config: gz.Config) -> Path:
    now = dt.datetime.now()
    stamp = f"{now:%H-%M-%S}_{now.microsecond // 1000:03d}"
    return outputs_root() / "runs" / f"{now:%Y-%m-%d}" / f"{stamp}_{config.scenario}_whatif"


def _try_open(path: str) -> gz.Results | str:
    try:
        return _open(path)
    except (FileNotFoundError, gz.DamagedFileError, OSError, ValueError) as exc:
        return str(exc)


def _try_panel(name: str, shown, selection) -> panels.Panel | str:
    try:
        return panels.panel(name, shown, selection)
    except (KeyError, ValueError) as exc:
        return str(exc).strip("'\"")

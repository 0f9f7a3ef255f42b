"""`make app`: the live model at / and the results explorer at /explorer, one Solara server."""

from __future__ import annotations

import solara

from model.dashboard.explorer import Explorer
from model.dashboard.page import LivePage

routes = [
    solara.Route(path="/", component=LivePage, label="Live model"),
    solara.Route(path="explorer", component=Explorer, label="Results explorer"),
]

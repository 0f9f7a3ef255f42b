"""The test suite's own machinery works as the Makefile assumes."""

from __future__ import annotations

import os

import pytest


@pytest.mark.xdist_group("suite")
def test_xdist_groups_reach_the_scheduler(request) -> None:
    """Under `--dist loadgroup` a grouped test's id carries its group, which is how xdist keeps
    the group (and its expensive shared fixtures) on one worker; pytest 9.2 silently drops it."""
    if not os.environ.get("PYTEST_XDIST_WORKER") or not request.config.getvalue("loadgroup"):
        pytest.skip("only meaningful on an xdist worker under --dist loadgroup")
    assert request.node.nodeid.endswith("@suite")

"""A job's replications, one after another or on worker processes.

Replication r is a function of the config and r alone (its seeds come from
SeedSequence(run.seed, spawn_key=(r,))), so the results do not depend on the number of
workers; only the order in which they finish does, and the job assembles its files in
replication order.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import replace
from typing import Any

from omegaconf import DictConfig, OmegaConf

from model.config.spec import ModelSpec, build_spec, replication_spec
from model.sim.paired import Replication, simulate

# Worker processes start fresh (spawn): safe from a notebook or a threaded server, where a
# forked copy of the parent's threads and locks could deadlock.
START_METHOD = "spawn"


def replicate(
    cfg: DictConfig | Mapping[str, Any], spec: ModelSpec, todo: Sequence[int], workers: int = 1
) -> Iterator[Replication]:
    """Run the replications `todo`; yield each as it finishes (in order when workers == 1).

    The yielded replications carry no counterfactual series (its outcomes are computed)."""
    if workers <= 1 or len(todo) <= 1:
        for replication in todo:
            yield _slim(simulate(replication_spec(cfg, spec, replication), replication))
        return
    config = OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    context = multiprocessing.get_context(START_METHOD)
    with ProcessPoolExecutor(max_workers=min(workers, len(todo)), mp_context=context) as pool:
        pending: set[Future] = {pool.submit(run_replication, config, r) for r in todo}
        try:
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=lambda f: f.result().index):
                    yield future.result()
        finally:
            for future in pending:
                future.cancel()


def run_replication(config: Mapping[str, Any], replication: int) -> Replication:
    """One replication in a worker process (the config as a plain container)."""
    spec = build_spec(config)
    return _slim(simulate(replication_spec(config, spec, replication), replication))


def _slim(result: Replication) -> Replication:
    return replace(result, counterfactual=None)

"""ABC-SMC with pyabc over the in-sample targets of episodes on record (explore=posterior).

A particle is one set of values of the calibrated seeds. Simulating it runs each episode's
replay to the end of its last in-sample window (the targets up to then do not depend on the
horizon: tests/test_posterior.py) and measures its in-sample targets. The distance is the
root mean square of log(model / record) in units of each target's tolerance, so 1 means
"within tolerance on average". Uniform priors over the seeded ranges.

Reproducible on any number of workers: each generation's tasks draw their particles from seeds
of one SeedSequence (run.seed, generation), and the tasks are mapped in order.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from pyabc import ABCSMC, RV, Distribution
from pyabc.sampler import MappingSampler

from model.config.posterior import with_values
from model.config.spec import build_spec
from model.explore.space import Parameter
from model.explore.targets import Episode, Target, TargetMeasure, log_ratio
from model.sim.paired import simulate

logging.getLogger("ABC").handlers.clear()  # pyabc's own handler: its lines reach the study's log once
MISSING_DISTANCE = 1e6  # a target the replication cannot measure (e.g. nothing delivered)


@dataclass(frozen=True)
class EpisodeRun:
    """One episode as the calibration runs it: its model config (a plain container, shortened to
    its in-sample windows) and its in-sample targets."""

    name: str
    config: dict[str, Any]
    targets: tuple[Target, ...]


def fitted_horizon(episode: Episode, start: dt.date) -> int:
    """Weeks from `start` to the end of the episode's last in-sample window, plus one."""
    ends = []
    for t in episode.targets:
        if not t.in_sample:
            continue
        if t.end:
            ends.append(dt.date.fromisoformat(t.end))
        elif t.month:
            year, month = (int(x) for x in t.month.split("-"))
            ends.append(dt.date(year + month // 12, month % 12 + 1, 1))
        elif t.year:
            ends.append(dt.date(t.year + 1, 1, 1))
        else:  # an outcome of the whole replication: run the whole horizon
            return 0
    return max((end - start).days // 7 + 2 for end in ends)


class Simulator:
    """A particle -> the in-sample targets of every episode, on `replications` replications each
    (their median). Picklable: worker processes rebuild the specs from plain containers."""

    def __init__(self, episodes: Sequence[EpisodeRun], parameters: Sequence[Parameter], replications: int):
        self.episodes = list(episodes)
        self.parameters = list(parameters)
        self.keys = particle_keys(parameters)
        self.replications = replications

    def values(self, particle: Mapping[str, float]) -> dict[str, float]:
        return {p.name: float(particle[key]) for p, key in zip(self.parameters, self.keys, strict=True)}

    def __call__(self, particle: Mapping[str, float]) -> dict[str, float]:
        values = self.values(particle)
        # the replications' indices from the task's seeded generator (SeededMappingSampler)
        replications = np.random.randint(0, 2**31 - 1, size=self.replications)  # noqa: NPY002 (pyabc seeds the legacy generator)
        out: dict[str, float] = {}
        for episode in self.episodes:
            spec = build_spec(with_values(episode.config, values))
            measure = TargetMeasure(episode.targets)
            rows = [measure(simulate(spec, int(r)), spec) for r in replications]
            for t in episode.targets:
                out[t.name] = float(np.median([row[t.name] for row in rows]))
        return out


class ToleranceDistance:
    """sqrt(mean over targets of (log(model / record) / tolerance)^2)."""

    def __init__(self, targets: Iterable[Target]) -> None:
        self.tolerance = {t.name: t.tolerance for t in targets}

    def __call__(self, simulated: Mapping[str, float], observed: Mapping[str, float]) -> float:
        terms = []
        for name, tolerance in self.tolerance.items():
            ratio = log_ratio(simulated[name], observed[name])
            if not np.isfinite(ratio):
                return MISSING_DISTANCE
            terms.append((ratio / tolerance) ** 2)
        return float(np.sqrt(np.mean(terms)))


class SeededMappingSampler(MappingSampler):
    """pyabc's MappingSampler with each task seeded from SeedSequence(root_seed, call) instead of
    the operating system, so a calibration repeats exactly on any number of workers."""

    def __init__(self, map_: Callable, root_seed: int) -> None:
        super().__init__(map_=map_)
        self.root_seed = root_seed
        self.calls = 0

    def map_function(self, simulate_one: Any, seed: int) -> tuple[Any, int]:
        simulate_one = self.unpickle(simulate_one)
        np.random.seed(seed)  # noqa: NPY002 (pyabc draws from the legacy generator)
        random.seed(seed)
        evaluations = 0
        sample = self._create_empty_sample()
        while True:
            particle = simulate_one()
            evaluations += 1
            sample.append(particle)
            if particle.accepted:
                return sample, evaluations

    def sample_until_n_accepted(self, n: int, simulate_one: Any, t: int, **_: Any) -> Any:
        seeds = np.random.SeedSequence(entropy=self.root_seed, spawn_key=(self.calls,)).generate_state(n)
        self.calls += 1
        packed = self.pickle(simulate_one)
        results = list(self.map_(_Task(self, packed), [int(s) for s in seeds]))
        self.nr_evaluations_ = sum(evaluations for _, evaluations in results)
        sample = self._create_empty_sample()
        for part, _ in results:
            sample += part
        return sample


class _Task:
    """One task of a generation: sample until one particle is accepted (picklable)."""

    def __init__(self, sampler: SeededMappingSampler, packed: bytes) -> None:
        self.sampler, self.packed = sampler, packed

    def __call__(self, seed: int) -> tuple[Any, int]:
        return self.sampler.map_function(self.packed, seed)


def particle_keys(parameters: Sequence[Parameter]) -> list[str]:
    """pyabc's names of the parameters (p0, p1, ...: seed paths hold dots)."""
    return [f"p{i}" for i in range(len(parameters))]


def prior(parameters: Sequence[Parameter]) -> Distribution:
    """Uniform over each seed's seeded range."""
    keys = particle_keys(parameters)
    return Distribution(
        **{k: RV("uniform", p.low, p.high - p.low) for k, p in zip(keys, parameters, strict=True)}
    )


def make_abc(
    simulator: Simulator, targets: Sequence[Target], population: int, sampler: SeededMappingSampler
) -> ABCSMC:
    """The ABC-SMC of pyabc: uniform priors, the tolerance distance, a median epsilon schedule."""
    return ABCSMC(
        models=simulator,
        parameter_priors=prior(simulator.parameters),
        distance_function=ToleranceDistance(targets),
        population_size=population,
        sampler=sampler,
    )

"""China's licence process for Japan-bound orders of controlled materials.

Vectorised over firms x licensed materials x open-application slots. A firm files its
queued China orders as one application per material every `application_interval_weeks`,
with at most `max_open_applications` in review at once. Review times are lognormal and
lengthen with intensity; approval falls with intensity and with the firm's hidden
military exposure; list status and bans override it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from model.config.parameters import Licensing
from model.policy import PolicyState
from model.population import ENTITY_LIST, WATCH_LIST


def whole_week_moments(median: float, sigma: float, cap: float) -> tuple[float, float]:
    """Mean and variance of min(max(1, ceil(X)), cap) for X lognormal(log median, sigma).

    This is how long a review (or a customs hold) is observed to last, in whole weeks.
    """
    cap_weeks = int(cap)
    weeks = np.arange(1, cap_weeks + 1, dtype=float)
    z = (np.log(weeks) - math.log(median)) / sigma
    cdf = np.array([0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in z])
    prob = np.diff(np.concatenate([[0.0], cdf]))
    prob[-1] += 1.0 - cdf[-1]
    mean = float(prob @ weeks)
    return mean, float(prob @ weeks**2 - mean**2)


@dataclass
class Decisions:
    """What firms learn this week about their applications (firms x licensed materials)."""

    decided: np.ndarray  # number of applications decided (incl. lapsed and refused)
    approved: np.ndarray  # number approved
    review_sum: np.ndarray  # sum of observed review times (weeks), decided in review only
    review_sq_sum: np.ndarray
    reviewed: np.ndarray  # number of decisions that went through review
    denied_qty: np.ndarray  # tonnes denied, lapsed or refused


class LicenceAuthority:
    """Applications in review, their decisions and approved volume awaiting shipment."""

    def __init__(self, params: Licensing, licensed: np.ndarray, n_firms: int) -> None:
        self.params = params
        self.columns = np.flatnonzero(licensed)  # material indices that need a licence
        n_mat = len(self.columns)
        slots = int(params.max_open_applications)
        shape = (n_firms, n_mat, slots)
        self.qty = np.zeros(shape)
        self.due = np.full(shape, -1, dtype=np.int32)
        self.submitted = np.zeros(shape, dtype=np.int32)
        self.approved = np.zeros(shape, dtype=bool)
        self.lapses = np.zeros(shape, dtype=bool)
        self.queued = np.zeros((n_firms, n_mat))
        self.submitted_count = np.zeros(n_mat)
        self.submitted_review_mean = np.zeros(n_mat)
        self.submitted_review_sd = np.zeros(n_mat)

    # distributions ---------------------------------------------------------------------
    def review_parameters(self, intensity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lognormal (mu, sigma) of review weeks per licensed material at `intensity`."""
        p = self.params
        median = p.review_median_weeks * (1.0 + p.review_median_slope * intensity)
        sigma = p.review_sigma + p.review_sigma_slope * intensity
        return np.log(median), sigma

    def approval_probability(
        self, policy: PolicyState, exposure: np.ndarray, list_status: np.ndarray
    ) -> np.ndarray:
        """p = routine - I (civil + military x exposure), list and ban overrides."""
        p = self.params
        intensity = policy.intensity_by_material[self.columns]
        prob = p.routine_approval - intensity[None, :] * (
            p.civil_denial + p.military_denial * exposure[:, None]
        )
        prob = np.clip(prob, 0.0, 1.0)
        if policy.lists_enforced:
            covered = policy.covered[self.columns]
            prob[np.ix_(list_status == WATCH_LIST, covered)] *= p.watch_list_factor
            prob[np.ix_(list_status == ENTITY_LIST, covered)] = 0.0
        prob[:, policy.banned[self.columns]] = 0.0
        return prob

    # weekly process ----------------------------------------------------------------------
    def enqueue(self, orders: np.ndarray) -> None:
        """Add this week's China orders (firms x licensed materials) to the queue."""
        self.queued += orders

    def refuse_banned(self, banned: np.ndarray) -> np.ndarray:
        """Under a ban, queued orders of banned materials are refused at once."""
        refused = np.zeros_like(self.queued)
        refused[:, banned] = self.queued[:, banned]
        self.queued[:, banned] = 0.0
        return refused

    def submit(self, week: int, filing: np.ndarray, policy: PolicyState, rng: np.random.Generator) -> None:
        """Firms in `filing` file their queued orders as one application per material."""
        self.submitted_count[:] = 0.0
        if self.queued.shape[1] == 0:
            return
        has_free = (self.qty <= 0).any(axis=2)
        ready = filing[:, None] & (self.queued > 0) & has_free
        ready[:, policy.banned[self.columns]] = False
        firms, mats = np.nonzero(ready)
        if len(firms) == 0:
            return
        slots = np.argmax(self.qty[firms, mats] <= 0, axis=1)
        mu, sigma = self.review_parameters(policy.intensity_by_material[self.columns])
        draw = np.exp(mu[mats] + sigma[mats] * rng.standard_normal(len(firms)))
        weeks = np.maximum(1, np.ceil(draw)).astype(np.int32)
        limit = int(self.params.max_review_weeks)
        lapse = weeks > limit
        weeks = np.minimum(weeks, limit)
        self.qty[firms, mats, slots] = self.queued[firms, mats]
        self.due[firms, mats, slots] = week + weeks
        self.submitted[firms, mats, slots] = week
        self.approved[firms, mats, slots] = False
        self.lapses[firms, mats, slots] = lapse
        self.queued[firms, mats] = 0.0
        self.submitted_count[:] = np.bincount(mats, minlength=len(self.columns))
        drawn = np.minimum(draw, limit)
        count = np.maximum(self.submitted_count, 1)
        mean = np.bincount(mats, weights=drawn, minlength=len(self.columns)) / count
        sq = np.bincount(mats, weights=drawn**2, minlength=len(self.columns)) / count
        self.submitted_review_mean[:] = mean
        self.submitted_review_sd[:] = np.sqrt(np.maximum(sq - mean**2, 0.0))

    def decide(
        self, week: int, probability: np.ndarray, policy: PolicyState, rng: np.random.Generator
    ) -> Decisions:
        """Decide applications due this week (all pending ones of banned materials)."""
        pending = (self.qty > 0) & ~self.approved
        due = pending & (self.due <= week)
        banned = policy.banned[self.columns]
        if banned.any():
            due[:, banned, :] |= pending[:, banned, :]
        firms, mats, slots = np.nonzero(due)
        shape = self.queued.shape
        decided = np.zeros(shape)
        approved = np.zeros(shape)
        review_sum = np.zeros(shape)
        review_sq = np.zeros(shape)
        reviewed = np.zeros(shape)
        denied_qty = np.zeros(shape)
        if len(firms):
            lapsed = self.lapses[firms, mats, slots] & (self.due[firms, mats, slots] <= week)
            ok = (rng.random(len(firms)) < probability[firms, mats]) & ~lapsed
            elapsed = (week - self.submitted[firms, mats, slots]).astype(float)
            in_review = self.due[firms, mats, slots] <= week  # not cut short by a ban
            np.add.at(decided, (firms, mats), 1.0)
            np.add.at(approved, (firms, mats), ok.astype(float))
            np.add.at(reviewed, (firms, mats), in_review.astype(float))
            np.add.at(review_sum, (firms, mats), np.where(in_review, elapsed, 0.0))
            np.add.at(review_sq, (firms, mats), np.where(in_review, elapsed**2, 0.0))
            denied = ~ok
            np.add.at(denied_qty, (firms[denied], mats[denied]), self.qty[firms, mats, slots][denied])
            self.approved[firms[ok], mats[ok], slots[ok]] = True
            self.qty[firms[denied], mats[denied], slots[denied]] = 0.0
        return Decisions(decided, approved, review_sum, review_sq, reviewed, denied_qty)

    def approved_volume(self) -> np.ndarray:
        """Approved tonnes awaiting shipment per licensed material."""
        return np.where(self.approved, self.qty, 0.0).sum(axis=(0, 2))

    def release(self, fraction: np.ndarray) -> np.ndarray:
        """Ship `fraction` (per licensed material) of approved volume; the rest waits."""
        ship = np.where(self.approved, self.qty, 0.0) * fraction[None, :, None]
        self.qty -= ship
        done = self.approved & (self.qty <= 1e-12)
        self.qty[done] = 0.0
        self.approved[done] = False
        return ship.sum(axis=2)

    def pending_volume(self) -> np.ndarray:
        """Tonnes in review or approved and waiting, per firm and licensed material."""
        return self.qty.sum(axis=2)

    def pending_count(self) -> np.ndarray:
        """Applications in review per licensed material."""
        return ((self.qty > 0) & ~self.approved).sum(axis=(0, 2)).astype(float)

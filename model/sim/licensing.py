"""China's licence process for Japan-bound orders of controlled materials.

Vectorised over firms x licensed materials x open-application slots. A firm files its
queued China orders as one application per material every `application_interval_weeks`,
with at most `max_open_applications` in review at once. Review times are lognormal and
lengthen with intensity; approval falls with intensity and with the firm's hidden
military exposure; list status and bans override it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numba import njit

from model.config.seeds.parameters import Licensing
from model.sim.kernels import clip, inner_sum
from model.sim.policy import PolicyState
from model.sim.population import ENTITY_LIST, WATCH_LIST


def whole_week_shares(median: float, sigma: float, cap: float) -> np.ndarray:
    """P(min(max(1, ceil(X)), cap) = k) for k = 1..cap, X lognormal(log median, sigma).

    This is how long a review (or a customs hold) is observed to last, in whole weeks.
    """
    cap_weeks = int(cap)
    weeks = np.arange(1, cap_weeks + 1, dtype=float)
    z = (np.log(weeks) - math.log(median)) / sigma
    cdf = np.array([0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in z])
    prob = np.diff(np.concatenate([[0.0], cdf]))
    prob[-1] += 1.0 - cdf[-1]
    return prob


def whole_week_moments(median: float, sigma: float, cap: float) -> tuple[float, float]:
    """Mean and variance of the whole weeks of `whole_week_shares`."""
    prob = whole_week_shares(median, sigma, cap)
    weeks = np.arange(1, len(prob) + 1, dtype=float)
    mean = float(prob @ weeks)
    return mean, float(prob @ weeks**2 - mean**2)


def review_week_shares(params: Licensing, intensity: float) -> np.ndarray:
    """Shares of licensed volume decided after 1..max_review_weeks weeks of review at `intensity`
    (the review distribution of one application, applied to an aggregate of many)."""
    sigma = params.review_sigma + params.review_sigma_slope * intensity
    return whole_week_shares(float(median_review_weeks(params, intensity)), sigma, params.max_review_weeks)


def median_review_weeks(params: Licensing, intensity: np.ndarray | float) -> np.ndarray | float:
    """Median review time at `intensity`: review_median_weeks x (1 + review_median_slope x I)."""
    return params.review_median_weeks * (1.0 + params.review_median_slope * intensity)


def civil_approval(params: Licensing, intensity: np.ndarray | float) -> np.ndarray | float:
    """Approval probability of a civilian buyer with no military exposure, in [0, 1]."""
    return np.clip(params.routine_approval - intensity * params.civil_denial, 0.0, 1.0)


def median_hold_weeks(params: Licensing, hold_intensity: np.ndarray | float) -> np.ndarray | float:
    """Median customs hold of an inspected shipment: customs_hold_median_weeks x (1 + slope x I)."""
    return params.customs_hold_median_weeks * (1.0 + params.customs_hold_slope * hold_intensity)


class Applications(NamedTuple):
    """Open applications: firms x licensed materials x slots (at most max_open_applications)."""

    qty: np.ndarray  # tonnes applied for; 0 in a free slot
    due: np.ndarray  # week the decision falls (int32)
    submitted: np.ndarray  # week filed (int32)
    approved: np.ndarray  # approved, awaiting shipment (bool)
    lapses: np.ndarray  # will lapse undecided at `due` (bool)


class ReviewTimes(NamedTuple):
    """Review weeks of an application: max(1, ceil(X)), X lognormal(mu, sigma) per licensed
    material; an application drawn beyond `limit` weeks lapses undecided at the limit. Before
    the licence regime begins (`required` false) there is no review: it is decided at once."""

    mu: np.ndarray
    sigma: np.ndarray
    limit: int
    required: bool


class Decisions(NamedTuple):
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
        self.applications = Applications(
            qty=np.zeros(shape),
            due=np.full(shape, -1, dtype=np.int32),
            submitted=np.zeros(shape, dtype=np.int32),
            approved=np.zeros(shape, dtype=bool),
            lapses=np.zeros(shape, dtype=bool),
        )
        self.queued = np.zeros((n_firms, n_mat))
        self._decisions = Decisions(*(np.zeros((n_firms, n_mat)) for _ in range(6)))
        # (firm, material) cells decided last week, cleared before this week's decisions: the count first
        self._touched = np.zeros(1 + n_firms * n_mat * slots, np.int64)
        self._submitted = np.zeros(
            (3, n_mat)
        )  # filed this week: count, sum and sum of squares of review weeks
        self._shipped = np.zeros((n_firms, n_mat))
        self._approved_qty = np.zeros(shape)
        self._pending = np.zeros(n_mat)  # applications in review per material (kept up to date)
        self.submitted_count = np.zeros(n_mat)
        self.submitted_review_mean = np.zeros(n_mat)
        self.submitted_review_sd = np.zeros(n_mat)

    # distributions ---------------------------------------------------------------------
    def review_parameters(self, intensity: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Lognormal (mu, sigma) of review weeks per licensed material at `intensity`."""
        p = self.params
        sigma = p.review_sigma + p.review_sigma_slope * intensity
        return np.log(median_review_weeks(p, intensity)), sigma

    def approval_probability(
        self, policy: PolicyState, exposure: np.ndarray, list_status: np.ndarray
    ) -> np.ndarray:
        """p = routine - I (civil + military x exposure), list and ban overrides; 1 before the
        licence regime begins."""
        p = self.params
        if not policy.licensing:
            return np.ones((len(exposure), len(self.columns)))
        intensity = policy.intensity_by_material[self.columns]
        prob = p.routine_approval - intensity[None, :] * (
            p.civil_denial + p.military_denial * exposure[:, None]
        )
        prob = clip(prob, 0.0, 1.0)
        if policy.lists_enforced:
            covered = policy.covered[self.columns]
            prob[np.ix_(list_status == WATCH_LIST, covered)] *= p.watch_list_factor
            prob[np.ix_(list_status == ENTITY_LIST, covered)] = 0.0
        prob[:, policy.banned[self.columns]] = 0.0
        return prob

    # weekly process ----------------------------------------------------------------------
    def submit(self, week: int, filing: np.ndarray, policy: PolicyState, rng: np.random.Generator) -> None:
        """Firms in `filing` file their queued orders as one application per material."""
        self.submitted_count[:] = 0.0
        if self.queued.shape[1] == 0:
            return
        mu, sigma = self.review_parameters(policy.intensity_by_material[self.columns])
        review = ReviewTimes(mu, sigma, int(self.params.max_review_weeks), policy.licensing)
        stats = self._submitted
        banned = policy.banned[self.columns]
        _submit(self.applications, self.queued, filing, banned, review, week, rng, self._pending, stats)
        self.submitted_count[:] = stats[0]
        count = np.maximum(stats[0], 1)
        mean = stats[1] / count
        sq = stats[2] / count
        self.submitted_review_mean[:] = mean
        self.submitted_review_sd[:] = np.sqrt(np.maximum(sq - mean**2, 0.0))

    def decide(
        self, week: int, probability: np.ndarray, policy: PolicyState, rng: np.random.Generator
    ) -> Decisions:
        """Decide applications due this week (all pending ones of banned materials)."""
        banned = policy.banned[self.columns]
        decisions, pending = self._decisions, self._pending
        _decide(self.applications, week, banned, probability, rng, decisions, pending, self._touched)
        return decisions

    def approved_volume(self) -> np.ndarray:
        """Approved tonnes awaiting shipment per licensed material."""
        apps = self.applications
        approved = np.multiply(apps.qty, apps.approved, out=self._approved_qty)  # qty >= 0: as np.where
        return approved.sum(axis=(0, 2))

    def release(self, fraction: np.ndarray) -> np.ndarray:
        """Ship `fraction` (per licensed material) of approved volume; the rest waits."""
        shipped = self._shipped
        _release(self.applications.qty, self.applications.approved, fraction, shipped)
        return shipped

    def pending_count(self) -> np.ndarray:
        """Applications in review per licensed material."""
        return self._pending.copy()

    def recount(self) -> None:
        """Recount applications in review (after they were set directly, e.g. at start-up)."""
        self._pending[:] = _pending_count(self.applications.qty, self.applications.approved)


# compiled kernels (numba): same numbers as the numpy they replace ----------------------------------
@njit(cache=True)
def _submit(apps, queued, filing, banned, review, week, rng, pending, stats):  # pragma: no cover - compiled
    """Each filing firm files its queued tonnes of each unbanned material into the first free
    slot (none free: they stay queued), with a review time drawn as `ReviewTimes` says, in
    row-major order of (firm, material); `stats` gets the count, sum and sum of squares of the
    drawn review weeks (capped at the limit) per material."""
    qty = apps.qty
    n_firms, n_mat, n_slots = qty.shape
    stats[:] = 0.0
    for f in range(n_firms):
        if not filing[f]:
            continue
        for m in range(n_mat):
            if banned[m] or not queued[f, m] > 0:
                continue
            for a in range(n_slots):
                if qty[f, m, a] <= 0:
                    draw = np.exp(review.mu[m] + review.sigma[m] * rng.standard_normal())
                    draw = draw if review.required else 0.0
                    weeks = np.int32(max(1.0, np.ceil(draw))) if review.required else np.int32(0)
                    pending[m] += 1.0
                    qty[f, m, a] = queued[f, m]
                    apps.due[f, m, a] = week + min(weeks, review.limit)
                    apps.submitted[f, m, a] = week
                    apps.approved[f, m, a] = False
                    apps.lapses[f, m, a] = weeks > review.limit
                    queued[f, m] = 0.0
                    drawn = min(draw, review.limit)
                    stats[0, m] += 1.0
                    stats[1, m] += drawn
                    stats[2, m] += drawn**2
                    break


@njit(cache=True)
def _decide(apps, week, banned, probability, rng, decisions, pending, touched):  # pragma: no cover - compiled
    """Decide every pending application due by `week` (every pending one of a banned material)
    in row-major order: approved with `probability` of its (firm, material) unless it lapses;
    a denied or lapsed one frees its slot and counts as denied tonnes. Clears the cells decided
    last week (`touched`) first, and records this week's."""
    qty, due, submitted, approved, lapses = apps
    decided, approved_count, review_sum, review_sq, reviewed, denied_qty = decisions
    n_firms, n_mat, n_slots = qty.shape
    for i in range(1, touched[0] + 1):
        f, m = touched[i] // n_mat, touched[i] % n_mat
        for array in decisions:
            array[f, m] = 0.0
    n = 0
    for f in range(n_firms):
        for m in range(n_mat):
            everything = banned[m]
            for a in range(n_slots):
                if not ((due[f, m, a] <= week or everything) and qty[f, m, a] > 0 and not approved[f, m, a]):
                    continue
                draw = rng.random()
                pending[m] -= 1.0
                in_review = due[f, m, a] <= week
                lapsed = lapses[f, m, a] and in_review
                ok = draw < probability[f, m] and not lapsed
                elapsed = float(week - submitted[f, m, a])
                decided[f, m] += 1.0
                approved_count[f, m] += 1.0 if ok else 0.0
                reviewed[f, m] += 1.0 if in_review else 0.0
                review_sum[f, m] += elapsed if in_review else 0.0
                review_sq[f, m] += elapsed * elapsed if in_review else 0.0
                if ok:
                    approved[f, m, a] = True
                else:
                    denied_qty[f, m] += qty[f, m, a]
                    qty[f, m, a] = 0.0
                n += 1
                touched[n] = f * n_mat + m
    touched[0] = n


@njit(cache=True)
def _release(qty, approved, fraction, shipped):  # pragma: no cover - compiled
    n_firms, n_mat, n_slots = qty.shape
    ship = np.empty(n_slots)
    for f in range(n_firms):
        for m in range(n_mat):
            any_approved = False
            for a in range(n_slots):
                if approved[f, m, a]:
                    any_approved = True
            if not any_approved:  # every slot ships 0.0, and qty - 0.0 == qty
                shipped[f, m] = 0.0
                continue
            for a in range(n_slots):
                ship[a] = (qty[f, m, a] if approved[f, m, a] else 0.0) * fraction[m]
                qty[f, m, a] -= ship[a]
                if approved[f, m, a] and qty[f, m, a] <= 1e-12:
                    qty[f, m, a] = 0.0
                    approved[f, m, a] = False
            shipped[f, m] = inner_sum(ship)


@njit(cache=True)
def _pending_count(qty, approved):  # pragma: no cover - compiled
    n_firms, n_mat, n_slots = qty.shape
    out = np.zeros(n_mat)
    for f in range(n_firms):
        for m in range(n_mat):
            for a in range(n_slots):
                if qty[f, m, a] > 0 and not approved[f, m, a]:
                    out[m] += 1.0
    return out

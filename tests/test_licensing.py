"""China's licence process: review times, approvals, lists, bans, lapses."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from model.sim.greyzone import GreyzoneModel
from model.sim.licensing import LicenceAuthority, whole_week_moments
from model.sim.policy import PolicyState
from model.sim.population import ENTITY_LIST, NO_LIST, WATCH_LIST
from tests.conftest import HELD, run_model, small_spec

N_FIRMS = 4000


def _authority(**changes) -> tuple[LicenceAuthority, object]:
    spec = small_spec()
    params = dataclasses.replace(spec.seeds.licensing, **changes)
    return LicenceAuthority(params, spec.seeds.materials.controlled, N_FIRMS), spec


def _policy(spec, instrument: str, intensity: float, covered: str = "controlled", **kw) -> PolicyState:
    materials = spec.seeds.materials
    mask = {"controlled": materials.controlled, "all": np.ones(len(materials.names), bool)}[covered]
    return PolicyState(
        instrument,
        intensity,
        False,
        mask.copy(),
        kw.get("customs", False),
        kw.get("lists", False),
        kw.get("clause", False),
    )


def _review_weeks(intensity: float) -> np.ndarray:
    auth, spec = _authority()
    policy = _policy(spec, "ambiguous", intensity)
    auth.queued += 1.0
    auth.submit(0, np.ones(N_FIRMS, bool), policy, np.random.default_rng(1))
    return auth.applications.due[:, :, 0].astype(float)


def test_review_times_lengthen_with_intensity() -> None:
    spec = small_spec()
    lic = spec.seeds.licensing
    calm, tight = _review_weeks(0.0), _review_weeks(1.0)
    assert np.median(calm) == pytest.approx(np.ceil(lic.review_median_weeks), abs=1)
    expected = lic.review_median_weeks * (1 + lic.review_median_slope)
    assert np.median(tight) == pytest.approx(min(expected, lic.max_review_weeks), rel=0.15)
    assert tight.std() > calm.std()


def test_whole_week_moments_match_simulated_reviews() -> None:
    lic = small_spec().seeds.licensing
    mean, var = whole_week_moments(lic.review_median_weeks, lic.review_sigma, lic.max_review_weeks)
    calm = _review_weeks(0.0)
    assert calm.mean() == pytest.approx(mean, rel=0.02)
    assert calm.var() == pytest.approx(var, rel=0.1)


def test_approval_falls_with_intensity_and_hidden_exposure() -> None:
    auth, spec = _authority()
    lic = spec.seeds.licensing
    exposure = np.linspace(0, 1, N_FIRMS)
    status = np.full(N_FIRMS, NO_LIST, dtype=np.int8)
    calm = auth.approval_probability(_policy(spec, "ambiguous", 0.0), exposure, status)
    tight = auth.approval_probability(_policy(spec, "ambiguous", 0.8), exposure, status)
    assert np.allclose(calm, lic.routine_approval)
    expected = np.clip(lic.routine_approval - 0.8 * (lic.civil_denial + lic.military_denial * exposure), 0, 1)
    assert np.allclose(tight, expected[:, None])
    assert (np.diff(tight[:, 0]) <= 0).all() and tight[-1, 0] < tight[0, 0]


def test_end_use_ban_denies_entity_listed_and_cuts_watch_listed() -> None:
    spec = small_spec()
    lic = spec.seeds.licensing
    exposure = np.zeros(3)
    status = np.array([NO_LIST, WATCH_LIST, ENTITY_LIST], dtype=np.int8)
    auth3 = LicenceAuthority(lic, spec.seeds.materials.controlled, 3)
    with_lists = auth3.approval_probability(_policy(spec, "end_use_ban", 0.3, lists=True), exposure, status)
    without = auth3.approval_probability(_policy(spec, "end_use_ban", 0.3, lists=False), exposure, status)
    assert (with_lists[2] == 0).all()
    assert np.allclose(with_lists[1], with_lists[0] * lic.watch_list_factor)
    assert (without[2] > 0).all()


def test_blanket_ban_refuses_queued_and_pending_applications_at_once() -> None:
    """The week a ban starts, the model's trade step refuses every queued and new China order
    of a licensed material and denies every application in review."""
    spec = small_spec("scenario=blanket_ban", *HELD)
    model = GreyzoneModel(spec, 0)
    start = spec.scenario.china.start_week
    model.run(start - model.week)  # routine licensing until the ban
    auth, apps = model.authority, model.authority.applications
    in_review = apps.qty[~apps.approved].sum()
    queued = auth.queued.sum()
    assert in_review > 0 and auth.pending_count().sum() > 0
    model.step()  # the ban's first week
    licensed = auth.columns
    ordered = model.firms.orders.china[:, licensed].sum()  # this week's China orders
    weekly = model.recorder.series.material
    assert auth.pending_count().sum() == 0 and (apps.qty[~apps.approved] == 0).all()
    assert auth.queued.sum() == 0 and weekly["approvals"][start, licensed].sum() == 0
    magnets = model.embedded.blocked[licensed].sum()  # magnet content refused the same week
    assert magnets > 0
    assert weekly["blocked_t"][start, licensed].sum() == pytest.approx(in_review + queued + ordered + magnets)


def test_applications_beyond_the_review_limit_lapse_as_denials() -> None:
    auth, spec = _authority(max_review_weeks=2.0, review_median_weeks=2.0)
    policy = _policy(spec, "ambiguous", 1.0)
    rng = np.random.default_rng(3)
    auth.queued += 1.0
    auth.submit(0, np.ones(N_FIRMS, bool), policy, rng)
    lapsing = auth.applications.lapses.sum()
    assert lapsing > 0
    decided = auth.decide(2, np.ones(auth.queued.shape), policy, rng)
    assert decided.decided.sum() == auth.queued.size
    assert decided.decided.sum() - decided.approved.sum() == lapsing


def test_entity_listed_firms_get_no_approvals_while_civilians_mostly_do() -> None:
    """In a full run of the end-use ban: listed defence firms get nothing, civilians ~routine."""
    spec = small_spec("scenario=end_use_ban", "run.firms=200", "run.horizon_weeks=60")
    model = GreyzoneModel(spec, 0)
    decided = np.zeros_like(model.firms.need)
    approved = np.zeros_like(model.firms.need)
    learn = model.firms.learn

    def spy(seen):  # while the ban and its lists are in force (it may be lifted later)
        if model.week >= spec.scenario.china.start_week and model.china.policy.lists_enforced:
            decided[:] += seen.decided
            approved[:] += seen.approved
        learn(seen)

    model.firms.learn = spy
    model.run()
    lic = model.spec.seeds.materials.controlled
    status = model.firms.pop.list_status
    exposure = model.firms.pop.exposure
    entity = status == ENTITY_LIST
    civil = (status == NO_LIST) & (exposure < 0.2)
    assert entity.any() and civil.sum() > 50
    assert decided[entity][:, lic].sum() > 0
    assert approved[entity][:, lic].sum() == 0
    civil_rate = approved[civil][:, lic].sum() / decided[civil][:, lic].sum()
    assert civil_rate > 0.75


def test_customs_holds_delay_the_covered_china_cargo_under_grey_zone_curbs() -> None:
    """Uncontrolled NdPr is never denied; its China lead time lengthens only when the curbs cover it."""
    base = run_model(small_spec("scenario=baseline", "run.horizon_weeks=60"))
    curbs = run_model(
        small_spec("scenario=ambiguous_curbs", "run.horizon_weeks=60", "scenario.china.intensity=1.0")
    )
    every = run_model(
        small_spec(
            "scenario=ambiguous_curbs",
            "run.horizon_weeks=60",
            "scenario.china.intensity=1.0",
            "scenario.china.covered=all",
        )
    )
    nd, dy = (base.spec.seeds.materials.index(m) for m in ("NdPr", "Dy"))
    hold = {name: m.firms.beliefs.hold_hat for name, m in (("base", base), ("curbs", curbs), ("all", every))}
    assert hold["curbs"][:, dy].mean() > 3 * hold["base"][:, dy].mean()  # Dy is covered
    assert hold["curbs"][:, nd].mean() < 1.5 * hold["base"][:, nd].mean()  # NdPr is not
    assert hold["all"][:, nd].mean() > 3 * hold["base"][:, nd].mean()
    assert every.firms.beliefs.p_hat[:, nd].min() == 1.0

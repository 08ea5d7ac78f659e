"""Subsidy claims on SQLite, PostgreSQL and memory: the working from the ledger, the
state machine with its audit, one approved claim per tracking number across stations
(held by the database too), scope, idempotent decisions, notices, locked voids, payment,
and the monthly reward job."""

from __future__ import annotations

import json

import pytest

from bot.domain.claims import ClaimState
from bot.domain.commands import (
    AddEvidence,
    DecideClaim,
    FileClaim,
    ListClaims,
    MarkClaimsPaid,
    PreviewClaim,
    ShowClaim,
    SubmitClaim,
    VoidEntry,
)
from bot.domain.errors import CunzhanError, InvalidInput, NotAllowed
from bot.domain.periods import Period
from bot.i18n import Translator
from bot.services.claims.rewards import create_reward_claims
from tests.support.backends import table_rows
from tests.support.claims import OCTOBER, claims_world, close_october, ship

SHA_A = "a" * 64


def said(caught) -> str:
    """The refusal as an English reader sees it."""
    return Translator("en")(caught.value.text)


@pytest.fixture
async def world(uow_factory, clock):
    return await claims_world(uow_factory, clock)


def file(world, keeper=None, key="f1", rule="parcel", period=OCTOBER, **extra):
    return world.services.run(
        FileClaim(rule, period, request_key=key, **extra), keeper or world.keeper
    )


def decide(world, claim_id, step, key, actor=None, reason=""):
    return world.services.run(
        DecideClaim(claim_id, step, reason, request_key=key), actor or world.staff
    )


def submit(world, claim_id, key, keeper=None, note=None):
    return world.services.run(SubmitClaim(claim_id, note, request_key=key), keeper or world.keeper)


async def test_the_working_counts_produce_parcels_and_says_why_not(world):
    for n in range(3):
        await ship(world, world.keeper, f"SF10000000{n:02d}")
    await ship(world, world.keeper, "SF2000000000", product="手机壳")
    await ship(world, world.keeper, "SF3000000000", grams=500)
    voided = await ship(world, world.keeper, "SF4000000000")
    await world.services.run(VoidEntry(voided.entry.id, "输错了", request_key="v"), world.keeper)
    with pytest.raises(InvalidInput, match="not closed yet"):
        await file(world)
    await close_october(world)
    preview = await world.services.run(PreviewClaim("parcel", OCTOBER), world.keeper)
    working = preview.computed.working
    assert (working["counted"], working["amount_fen"], working["gross_fen"]) == (3, 600, 600)
    assert working["excluded"] == {"not_produce": 1, "under_weight": 1, "voided": 1}
    filed = await file(world)
    assert filed.claim.state is ClaimState.DRAFT and filed.claim.amount_fen == 600
    again = await file(world)  # the same request: the same claim
    assert again.replay and again.claim.id == filed.claim.id
    with pytest.raises(InvalidInput, match="already covers"):
        await file(world, key="f2")
    lines = await table_rows(world.uow, "claim_lines", claim_id=filed.claim.id)
    assert len(lines) == 3 and sum(line["amount_fen"] for line in lines) == 600


async def test_over_the_cap_is_trimmed_with_the_reason(world):
    for n in range(160):
        await ship(world, world.keeper, f"YT{n:013d}")
    await close_october(world)
    filed = await file(world)
    w = filed.claim.working
    assert (w["counted"], w["gross_fen"], w["cap_fen"], w["trimmed_fen"]) == (
        160,
        32_000,
        30_000,
        2_000,
    )
    assert filed.claim.amount_fen == 30_000 and "over_cap" in filed.claim.flags
    lines = await table_rows(world.uow, "claim_lines", claim_id=filed.claim.id)
    assert sum(line["amount_fen"] for line in lines) == 30_000


async def test_review_flow_audited_notified_and_idempotent(world):
    await ship(world, world.keeper, "SF1000000000")
    await close_october(world)
    claim = (await file(world)).claim
    await world.services.run(
        AddEvidence(claim.id, SHA_A, 1234, "ev/a.jpg", "image/jpeg", request_key="e1"), world.keeper
    )
    await submit(world, claim.id, "s1")
    with pytest.raises(NotAllowed):
        await decide(world, claim.id, "approve", "k1", actor=world.keeper)
    with pytest.raises(NotAllowed):
        await decide(world, claim.id, "approve", "k2", actor=world.foreign_staff)
    with pytest.raises(InvalidInput, match="question"):
        await decide(world, claim.id, "ask_info", "q0")
    asked = await decide(world, claim.id, "ask_info", "q1", reason="请补充运单照片")
    assert asked.claim.state is ClaimState.NEEDS_INFO
    with pytest.raises(InvalidInput, match="answer"):
        await submit(world, claim.id, "s2")
    await submit(world, claim.id, "s3", note="已补充照片")
    with pytest.raises(CunzhanError, match="not possible"):
        await world.services.run(
            MarkClaimsPaid((claim.id,), "PAY-1", request_key="p0"), world.staff
        )
    approved = await decide(world, claim.id, "approve", "a1")
    twice = await decide(world, claim.id, "approve", "a1")  # the same press again
    assert approved.claim.state is ClaimState.APPROVED and twice.replay
    with pytest.raises(CunzhanError) as later:
        await decide(world, claim.id, "approve", "a2")  # another press, later
    assert said(later) == f'Claim #{claim.id} is approved: "approve" is not possible now.'
    paid = await world.services.run(
        MarkClaimsPaid((claim.id,), "2026-11-财政-0042", request_key="p1"), world.staff
    )
    assert paid.claims[0].state is ClaimState.PAID
    card = await world.services.run(ShowClaim(claim.id), world.staff)
    steps = [(e.step, e.state_after, e.by_person) for e in card.events]
    assert steps == [
        ("file", "draft", world.keeper.person_id),
        ("submit", "submitted", world.keeper.person_id),
        ("ask_info", "needs_info", world.staff.person_id),
        ("submit", "submitted", world.keeper.person_id),
        ("approve", "approved", world.staff.person_id),
        ("pay", "paid", world.staff.person_id),
    ]
    assert card.events[2].reason == "请补充运单照片" and card.events[3].reason == "已补充照片"
    notices = await table_rows(world.uow, "outbox", kind="claim_decision")
    assert [n["person_id"] for n in notices] == [world.keeper.person_id] * 3
    states = [json.loads(n["params"])["state"] for n in notices]
    assert states == ["needs_info", "approved", "paid"]


async def test_a_tracking_number_backs_one_approved_claim_across_stations(world):
    await ship(world, world.keeper, "SF1000000000")
    await ship(world, world.keeper, "SF1000000001")
    await ship(world, world.other_keeper, "SF1000000000")  # the same waybill, at A-S3
    await ship(world, world.other_keeper, "SF1000000009")
    await close_october(world)
    first = (await file(world)).claim
    second = (await file(world, keeper=world.other_keeper, key="g1")).claim
    assert "in_another_claim" in second.flags  # a person decides, nothing is dropped
    for claim, keeper, key in ((first, world.keeper, "s1"), (second, world.other_keeper, "s2")):
        await submit(world, claim.id, key, keeper=keeper)
    await decide(world, first.id, "approve", "a1")
    with pytest.raises(InvalidInput) as refused:
        await decide(world, second.id, "approve", "a2")
    assert f"SF1000000000 (and 1 parcel(s) in all) already back approved claim #{first.id}" in said(
        refused
    )
    await decide(world, second.id, "reject", "r1", reason="运单重复")
    again = await file(world, keeper=world.other_keeper, key="g2")  # filed again: excluded
    assert again.claim.working["excluded"] == {"already_claimed": 1}
    assert (again.claim.working["counted"], again.claim.amount_fen) == (1, 200)
    assert again.claim.working["claimed_elsewhere"] == {"SF1000000000": first.id}
    # The void of an entry behind the approved claim is refused, naming the claim.
    lines = await table_rows(world.uow, "claim_lines", claim_id=first.id)
    with pytest.raises(NotAllowed) as void:
        await world.services.run(
            VoidEntry(lines[0]["entry_id"], "输错了", request_key="v1"), world.keeper
        )
    assert f"backs approved subsidy claim #{first.id}" in said(void)


@pytest.mark.sql
async def test_the_database_refuses_a_second_approval_of_a_tracking_number(world):
    await ship(world, world.keeper, "SF1000000000")
    await ship(world, world.other_keeper, "SF1000000000")
    await close_october(world)
    first = (await file(world)).claim
    second = (await file(world, keeper=world.other_keeper, key="g1")).claim
    async with world.uow(write=True) as uow:
        await uow.claims.approve_lines(first.id)
        await uow.commit()
    with pytest.raises(Exception) as refused:
        async with world.uow(write=True) as uow:
            await uow.claims.approve_lines(second.id)  # bypassing the service's check
            await uow.commit()
    assert "unique" in str(refused.value).lower() or "duplicate" in str(refused.value).lower()


async def test_other_claims_need_a_description_evidence_and_stay_under_the_ceiling(world):
    await close_october(world)
    with pytest.raises(InvalidInput) as over:
        await file(world, rule="other", amount_fen=60_000, description="冷库电费十月")
    assert "at most 500.00 yuan" in said(over)
    with pytest.raises(InvalidInput, match="Describe"):
        await file(world, rule="other", amount_fen=10_000, description="")
    claim = (await file(world, rule="other", amount_fen=12_000, description="冷库电费十月")).claim
    with pytest.raises(InvalidInput, match="photo"):
        await submit(world, claim.id, "s1")
    await world.services.run(
        AddEvidence(claim.id, SHA_A, 10, "ev/a.jpg", request_key="e1"), world.keeper
    )
    other = (
        await file(
            world,
            keeper=world.other_keeper,
            rule="other",
            key="o2",
            amount_fen=100,
            description="同一张发票",
        )
    ).claim
    dup = await world.services.run(
        AddEvidence(other.id, SHA_A, 10, "ev/b.jpg", request_key="e2"), world.other_keeper
    )
    assert dup.also_in == [claim.id]
    assert (await submit(world, claim.id, "s1")).claim.state is ClaimState.SUBMITTED
    queue = await world.services.run(ListClaims(), world.staff)
    assert [c.claim.id for c in queue.cards] == [claim.id]
    assert queue.cards[0].flags == ["duplicate_evidence"]
    assert queue.cards[0].remaining_budget_fen == 2_000_000
    with pytest.raises(NotAllowed):  # another station's keeper
        await world.services.run(ShowClaim(claim.id), world.other_keeper)


async def test_the_reward_job_creates_submitted_claims_once(world):
    from decimal import Decimal

    from bot.domain.commands import RecordSale
    from bot.domain.quantities import Quantity, Unit

    for keeper, fen in ((world.keeper, 500_000), (world.other_keeper, 300_000)):
        await world.services.run(
            RecordSale("脆李", Quantity(Decimal(100), Unit.JIN), fen, request_key=f"sale:{fen}"),
            keeper,
        )
    await close_october(world)
    async with world.uow() as uow:
        county = await uow.network.county_by_id(world.net.county_a)
    for _ in range(2):
        async with world.uow(write=True) as uow:
            run = await create_reward_claims(
                uow, county, Period.parse(OCTOBER), world.clock.now(), "t", "test"
            )
            await uow.commit()
    assert not run.claimed
    claims = await table_rows(world.uow, "claims", rule_code="reward")
    assert [(c["station_id"], c["amount_fen"], c["state"]) for c in claims] == [
        (world.net.station_a1, 100_000, "submitted"),
        (world.net.station_a3, 50_000, "submitted"),
    ]


async def test_the_county_forecast_is_each_stations_working(world):
    from bot.domain.commands import ClaimForecast

    for n in range(160):
        await ship(world, world.keeper, f"YT{n:013d}")
    await ship(world, world.other_keeper, "SF1000000000")
    await ship(world, world.other_keeper, "SF1000000001", product="手机壳")
    await close_october(world)
    forecast = await world.services.run(ClaimForecast("A", "parcel", OCTOBER), world.staff)
    rows = {
        (s.station_id, s.counted, s.amount_fen, s.trimmed_fen, s.excluded)
        for s in forecast.stations
    }
    assert rows == {
        (world.net.station_a1, 160, 30_000, 2_000, 0),
        (world.net.station_a3, 1, 200, 0, 1),
    }
    for keeper in (world.keeper, world.other_keeper):
        preview = await world.services.run(PreviewClaim("parcel", OCTOBER), keeper)
        mine = next(s for s in forecast.stations if s.station_id == keeper.scope.station_id)
        assert preview.computed.amount_fen == mine.amount_fen
    with pytest.raises(NotAllowed):
        await world.services.run(ClaimForecast("A", "parcel", OCTOBER), world.foreign_staff)


async def test_approval_beyond_the_yearly_budget_is_refused_with_what_is_left(world):
    from decimal import Decimal

    from bot.services.policy import default_policy, to_json

    base = default_policy()
    small = base.subsidies[0].model_copy(update={"yearly_budget_yuan": Decimal(5)})
    policy = base.model_copy(update={"subsidies": [small, *base.subsidies[1:]]})
    async with world.uow(write=True) as uow:
        await uow.policies.put(world.net.county_a, to_json(policy), "test", world.clock.now())
        await uow.commit()
    for n in range(3):
        await ship(world, world.keeper, f"SF10000000{n:02d}")
    await close_october(world)
    claim = (await file(world)).claim  # 6.00 yuan against a 5.00 yuan budget
    await submit(world, claim.id, "s1")
    with pytest.raises(InvalidInput) as refused:
        await decide(world, claim.id, "approve", "a1")
    assert "would exceed the rule's budget for the year: 5.00 yuan remain" in said(refused)
    card = await world.services.run(ShowClaim(claim.id), world.staff)
    assert card.remaining_budget_fen == 500 and card.claim.state is ClaimState.SUBMITTED


async def test_a_township_check_first_where_the_policy_asks(world):
    from bot.domain.roles import Role
    from bot.services.policy import default_policy, to_json
    from bot.services.subsidy_rules import ClaimsPolicy
    from tests.support.scoring import register

    await ship(world, world.keeper, "SF1000000000")
    await close_october(world)
    claim = (await file(world)).claim
    await submit(world, claim.id, "s1")
    here = await register(world.services, 7, Role.TOWNSHIP_OPERATOR, "A-T1")  # A-S1's
    there = await register(world.services, 8, Role.TOWNSHIP_OPERATOR, "A-T2")
    with pytest.raises(InvalidInput, match="no township check"):
        await decide(world, claim.id, "check", "c0", actor=here)
    with pytest.raises(NotAllowed):
        await decide(world, claim.id, "check", "c0", actor=world.staff)  # staff approve
    policy = default_policy().model_copy(update={"claims": ClaimsPolicy(township_check=True)})
    async with world.uow(write=True) as uow:
        await uow.policies.put(world.net.county_a, to_json(policy), "test", world.clock.now())
        await uow.commit()
    with pytest.raises(InvalidInput, match="waits for the township"):
        await decide(world, claim.id, "approve", "a0")
    with pytest.raises(NotAllowed):
        await decide(world, claim.id, "check", "c1", actor=there)
    with pytest.raises(NotAllowed):
        await decide(world, claim.id, "approve", "a1", actor=here)  # checks, never approves
    assert [c.claim.id for c in (await world.services.run(ListClaims(), here)).cards] == [claim.id]
    assert (await world.services.run(ListClaims(), there)).cards == []
    await decide(world, claim.id, "check", "c2", actor=here)
    await decide(world, claim.id, "ask_info", "q1", reason="运单照片不清楚")
    await submit(world, claim.id, "s2", note="已重拍")
    with pytest.raises(InvalidInput, match="waits for the township"):
        await decide(world, claim.id, "approve", "a2")  # answered: checked again first
    await decide(world, claim.id, "check", "c3", actor=here)
    assert (await decide(world, claim.id, "approve", "a3")).claim.state is ClaimState.APPROVED
    notices = await table_rows(world.uow, "outbox", kind="claim_decision")
    assert [json.loads(n["params"])["state"] for n in notices] == ["needs_info", "approved"]


async def test_the_forecast_aggregate_counts_what_the_working_counts(world):
    """The forecast's one aggregate query against `per_parcel_working` parcel by parcel:
    voided, not produce, under the weight, a tracking number approved at another station."""
    from bot.services.claims.forecast import county_workings
    from bot.services.policy import default_policy

    for n in range(4):
        await ship(world, world.keeper, f"YT{n:013d}")
    await ship(world, world.keeper, "YT9000000000", grams=300)
    await ship(world, world.keeper, "YT9000000001", product="手机壳")
    voided = await ship(world, world.keeper, "YT9000000002")
    await world.services.run(VoidEntry(voided.entry.id, "输错了", request_key="v"), world.keeper)
    await ship(world, world.other_keeper, "SF1000000000")
    await ship(world, world.other_keeper, f"YT{0:013d}")  # the keeper's, approved below
    await close_october(world)
    claim = (await file(world)).claim
    await submit(world, claim.id, "s1")
    await decide(world, claim.id, "approve", "a1")

    rule = default_policy().subsidy_rule("parcel")
    terms = rule.terms()
    async with world.uow() as uow:
        counts = await uow.claims.county_parcel_counts(
            world.net.county_a, OCTOBER, terms.products, terms.min_weight_g
        )
        workings = [
            (station, len(w.counted) + len(w.excluded), len(w.counted))
            async for station, w in county_workings(uow, world.net.county_a, rule, OCTOBER)
        ]
    assert counts == workings
    assert counts == [(world.net.station_a1, 7, 0), (world.net.station_a3, 2, 1)]

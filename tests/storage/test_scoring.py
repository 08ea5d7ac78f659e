"""Monthly scoring with a frozen clock, on SQLite, PostgreSQL and memory: month boundaries in
Beijing time, exactly-once runs (two schedulers racing, re-runs, a dead claimer), the
ladder over consecutive months, grace, re-scoring, the month lock and its exceptions."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from bot.domain.commands import RecordSale, VoidEntry
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.ledger import SaleChannel
from bot.domain.periods import Period
from bot.domain.quantities import Quantity, Unit
from bot.i18n import Translator
from bot.services.scoring import ScoringService
from tests.support.backends import count, delivered, table_rows, update_rows
from tests.support.scoring import at, sell

OCT = Period(2026, 10)


async def test_scoring_counts_in_beijing_time_and_notifies(uow_factory, clock, county):
    _net, keeper, _, ledger = county
    clock._now = datetime(2026, 10, 31, 15, 30, tzinfo=UTC)  # 23:30 on 31 Oct, Beijing
    await sell(ledger, keeper, "a", 200_000)
    await ledger.run(
        RecordSale(
            product="脆李",
            quantity=Quantity(Decimal(1), Unit.JIN),
            amount_fen=100_000,
            channel=SaleChannel.LIVESTREAM,
            request_key="b",
        ),
        keeper,
    )
    clock._now = datetime(2026, 10, 31, 16, 30, tzinfo=UTC)  # 00:30 on 1 Nov: November
    await sell(ledger, keeper, "c", 999_900)
    clock._now = at("2026-11-03", 6)
    report = await ScoringService(uow_factory, clock).score("A", OCT)
    assert report.claimed and report.run_no == 1
    by_code = {v.code: v for v in report.verdicts}
    assert by_code["A-S1"].verdict == "pass"
    assert by_code["A-S1"].downstream_fen == 200_000  # the November sale is not counted
    assert by_code["A-S3"].verdict == "fail" and by_code["A-S3"].ladder_step == "warned"
    assert {v.code for v in report.verdicts} == {"A-S1", "A-S2", "A-S3"}  # county B apart
    sent = await delivered(uow_factory)
    assert [c for c, _, _ in sent] == ["verdict", "digest"]
    assert "考核" in sent[0][2] and "2 warned" in sent[1][2]


async def test_two_schedulers_racing_score_once(uow_factory, clock, county):
    clock._now = at("2026-11-03", 6)
    first, second = (
        ScoringService(uow_factory, clock, "p1"),
        ScoringService(uow_factory, clock, "p2"),
    )
    reports = await asyncio.gather(first.score("A", OCT), second.score("A", OCT))
    assert sorted(r.claimed for r in reports) == [False, True]
    again = await first.score("A", OCT, trigger="startup")
    assert not again.claimed
    assert await count(uow_factory, "station_scores") == 3
    assert await count(uow_factory, "outbox") == 2


async def test_a_dead_claim_is_taken_over_after_the_lease(uow_factory, clock, county):
    clock._now = at("2026-11-03", 6)
    async with uow_factory(write=True) as uow:  # a process claims and dies
        county_a = await uow.network.county_by_code("A")
        await uow.job_runs.claim(
            job="scoring",
            county_id=county_a.id,
            period=str(OCT),
            run_no=1,
            trigger="schedule",
            claimer="dead",
            now=clock.now(),
            stale_before=clock.now(),
        )
        await uow.commit()
    assert not (await ScoringService(uow_factory, clock).score("A", OCT)).claimed
    clock.advance(minutes=31)
    assert (await ScoringService(uow_factory, clock).score("A", OCT)).claimed


async def test_only_ended_months_are_scored(uow_factory, clock, county):
    clock._now = at("2026-10-20")
    with pytest.raises(InvalidInput, match="not ended"):
        await ScoringService(uow_factory, clock).score("A", OCT)


async def test_dry_run_writes_nothing(uow_factory, clock, county):
    clock._now = at("2026-11-03")
    report = await ScoringService(uow_factory, clock).score("A", OCT, dry_run=True)
    assert report.dry_run and len(report.verdicts) == 3
    for table in ("station_scores", "job_runs", "period_locks", "outbox"):
        assert await count(uow_factory, table) == 0


async def test_ladder_over_consecutive_months(uow_factory, clock, county):
    service = ScoringService(uow_factory, clock)
    steps = []
    for month, day in ((10, "2026-11-03"), (11, "2026-12-03"), (12, "2027-01-03")):
        clock._now = at(day)
        report = await service.score("A", Period(2026, month))
        steps.append({v.code: v.ladder_step for v in report.verdicts}["A-S3"])
    assert steps == ["warned", "probation", "candidate"]
    [station] = await table_rows(uow_factory, "stations", code="A-S3")
    assert station["status"] == "probation"
    digest = (await delivered(uow_factory, category="digest"))[-1][2]
    assert "Removal candidates: A-S1 桃园村服务站; A-S2 桃园二站; A-S3 李庄村服务站" in digest


async def test_new_stations_have_grace(uow_factory, clock, county):
    await update_rows(uow_factory, "stations", {"code": "A-S2"}, opened_on=date(2026, 9, 15))
    clock._now = at("2026-11-03")
    report = await ScoringService(uow_factory, clock).score("A", OCT)
    assert {v.code: v.verdict for v in report.verdicts}["A-S2"] == "grace"


async def test_rescore_is_explicit_and_recorded(uow_factory, clock, county):
    _, _keeper, _, _ledger = county
    service = ScoringService(uow_factory, clock)
    clock._now = at("2026-11-03")
    with pytest.raises(InvalidInput, match="never scored"):
        await service.score("A", OCT, rescore_reason="data fix")
    await service.score("A", OCT)
    report = await service.score("A", OCT, trigger="cli", rescore_reason="ledger fixed")
    assert report.claimed and report.run_no == 2
    async with uow_factory() as uow:
        county_a = await uow.network.county_by_code("A")
        runs = await uow.job_runs.runs("scoring", county_a.id, str(OCT))
        audit = await uow.audit.entries("county:A")
    assert [(r["run_no"], r["reason"]) for r in runs] == [(1, None), (2, "ledger fixed")]
    assert [a["action"] for a in audit] == ["scoring.run", "scoring.rescore"]


async def test_the_same_rescore_twice_runs_once(uow_factory, clock, county):
    service = ScoringService(uow_factory, clock)
    clock._now = at("2026-11-03")
    await service.score("A", OCT)
    together = await asyncio.gather(
        ScoringService(uow_factory, clock, "p1").score("A", OCT, rescore_reason="ledger fixed"),
        ScoringService(uow_factory, clock, "p2").score("A", OCT, rescore_reason="ledger fixed"),
    )
    assert sorted(r.claimed for r in together) == [False, True]
    again = await service.score("A", OCT, rescore_reason="ledger fixed")
    assert not again.claimed and again.run_no == 2
    assert (await service.score("A", OCT, rescore_reason="second fix")).run_no == 3
    async with uow_factory() as uow:
        county_a = await uow.network.county_by_code("A")
        runs = await uow.job_runs.runs("scoring", county_a.id, str(OCT))
    assert [r["run_no"] for r in runs] == [1, 2, 3]


async def test_month_lock_and_staff_exception(uow_factory, clock, county):
    net, keeper, staff, ledger = county
    clock._now = at("2026-10-10")
    entry = (await sell(ledger, keeper, "x", 5_000)).entry
    clock._now = at("2026-11-02")  # correction window: October still open
    other = (await sell(ledger, keeper, "y", 7_000)).entry
    assert other.period == "2026-11"
    clock._now = at("2026-11-03", 6)
    await ScoringService(uow_factory, clock).score("A", OCT)
    clock._now = at("2026-11-05")
    with pytest.raises(NotAllowed) as refused:
        await ledger.run(VoidEntry(entry_id=entry.id, reason="wrong", request_key="v1"), keeper)
    assert "2026-10 was closed on 2026-11-03 by the monthly review" in Translator("en")(
        refused.value.text
    )
    async with uow_factory(write=True) as uow:
        await uow.locks.open_exception(
            net.station_a1,
            "2026-10",
            staff.person_id,
            clock.now(),
            clock.now() + timedelta(hours=24),
            "fix",
        )
        await uow.commit()
    void = VoidEntry(entry_id=entry.id, reason="wrong", request_key="v1")
    reversal = (await ledger.run(void, keeper)).entry
    [row] = await table_rows(uow_factory, "ledger_entries", id=reversal.id)
    assert row["post_close"] in (True, 1)


async def test_a_run_commits_only_while_its_claim_is_held(uow_factory, clock, county):
    """The fence of a run taken over (tests/e2e/test_job_kills.py runs it as processes)."""
    clock._now = at("2026-11-03", 6)
    async with uow_factory(write=True) as uow:
        county_a = await uow.network.county_by_code("A")
        claim = dict(job="scoring", county_id=county_a.id, period=str(OCT), run_no=1)
        run_id = await uow.job_runs.claim(
            **claim, trigger="t", claimer="slow", now=clock.now(), stale_before=clock.now()
        )
        await uow.commit()
    async with uow_factory(write=True) as uow:
        assert await uow.job_runs.hold(run_id, "slow")
    clock.advance(minutes=31)
    async with uow_factory(write=True) as uow:
        taken = await uow.job_runs.claim(
            **claim, trigger="t", claimer="next", now=clock.now(), stale_before=clock.now()
        )
        await uow.commit()
    assert taken == run_id
    async with uow_factory(write=True) as uow:
        assert not await uow.job_runs.hold(run_id, "slow")
        assert await uow.job_runs.hold(run_id, "next")
        await uow.job_runs.finish(run_id, clock.now(), {})
        await uow.commit()
    async with uow_factory(write=True) as uow:
        assert not await uow.job_runs.hold(run_id, "next")

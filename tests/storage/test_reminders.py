"""Nudges, idle stations, stranded parcels and the due-jobs catch-up, with a frozen clock,
on SQLite, PostgreSQL and memory."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.domain.commands import CheckInAtStation, RecordIntake, RecordShipment, StationQrCode
from bot.domain.periods import Period
from bot.domain.phones import PhoneInput
from bot.domain.roles import Role
from bot.services.due import run_due
from bot.services.reminders import ReminderService
from tests.support.backends import delivered, table_rows, update_rows
from tests.support.scoring import at, register, sell


def intake(key: str, tracking_no: str, name: str, last4: str) -> RecordIntake:
    return RecordIntake(
        tracking_no=tracking_no,
        recipient_name=name,
        phone=PhoneInput(last4_only=last4),
        carrier="SF",
        request_key=key,
    )


async def test_nudge_says_exactly_what_is_missing(uow_factory, clock, county):
    _, keeper, _, ledger = county
    clock._now = at("2026-11-05")
    await sell(ledger, keeper, "a", 136_000)  # 1,360 of 2,000 yuan so far
    clock._now = at("2026-11-20")
    report = await ReminderService(uow_factory, clock).nudge("A")
    assert report.claimed and report.stations == 3
    [(category, _, message)] = await delivered(uow_factory)
    assert category == "nudge"
    assert (
        "还差" in message and "下行 640 元" in message and "上行 1,000 元，或上行 100 件" in message
    )
    again = await ReminderService(uow_factory, clock).nudge("A")
    assert not again.claimed and len(await delivered(uow_factory)) == 1


async def test_on_track_stations_are_not_nudged(uow_factory, clock, county):
    _, keeper, _, ledger = county
    clock._now = at("2026-11-02")
    await sell(ledger, keeper, "a", 200_000)
    for n in range(70):
        await ledger.run(
            RecordShipment(
                tracking_no=f"YT{n:013d}",
                product="脆李",
                weight_grams=500,
                declared_value_fen=100,
                request_key=f"s{n}",
            ),
            keeper,
        )
    clock._now = at("2026-11-20")
    await ReminderService(uow_factory, clock).nudge("A")
    assert (
        await delivered(uow_factory) == []
    )  # A-S1 projects 105 parcels; the others have no keeper


async def test_idle_station_reminder_then_staff_alert(uow_factory, clock, county):
    _, keeper, _, ledger = county
    clock._now = at("2026-11-01")
    await sell(ledger, keeper, "a", 100)
    clock._now = at("2026-11-02")
    assert (await ReminderService(uow_factory, clock).idle("A")).alerts == 0
    clock._now = at("2026-11-04", 11)
    assert (await ReminderService(uow_factory, clock).idle("A")).alerts == 1  # keeper, 3 days
    clock._now = at("2026-11-05", 11)
    assert (await ReminderService(uow_factory, clock).idle("A")).alerts == 0  # same silence
    clock._now = at("2026-11-08", 11)
    report = await ReminderService(uow_factory, clock).idle("A")
    assert report.alerts == 1 and report.stations == 1  # staff now
    staff_alert = (await delivered(uow_factory, category="idle"))[-1][2]
    assert "A-S1" in staff_alert and "7 days" in staff_alert


async def test_a_station_open_but_logging_nothing_is_still_idle_and_told_apart(
    uow_factory, clock, county
):
    """Decision (issue 11): a verified check-in is not ledger activity. A-S1 checks in every
    day but logs nothing: the keeper is still reminded and staff still alerted, under "open
    but no entries"; A-S2 (no check-in) stays "no sign of opening"; an unverified check-in
    (outside the fence) opens nothing."""
    _, keeper, _, services = county
    keeper2 = await register(services, 3, Role.KEEPER, "A-S2")
    clock._now = at("2026-11-01")
    await sell(services, keeper, "a", 100)
    await sell(services, keeper2, "b", 100)
    code = (await services.run(StationQrCode(request_key="q1"), keeper)).code
    code2 = (await services.run(StationQrCode(request_key="q2"), keeper2)).code
    for day in range(2, 8):  # A-S1 at the station, to the metre varying, every day
        clock._now = at(f"2026-11-{day:02d}", 9)
        here = CheckInAtStation(code, 29_123_456 + day, 106_654_321, request_key=f"c{day}")
        assert (await services.run(here, keeper)).checkin.verified
        if day == 4:  # A-S2 checks in far from the station: not verified, not "open"
            there = CheckInAtStation(code2, 30_500_000, 106_000_000, request_key="far")
            assert not (await services.run(there, keeper2)).checkin.verified
            clock._now = at("2026-11-04", 11)  # both keepers reminded: nothing logged
            assert (await ReminderService(uow_factory, clock).idle("A")).alerts == 2
    clock._now = at("2026-11-08", 11)
    report = await ReminderService(uow_factory, clock).idle("A")
    assert report.stations == 2  # both idle: check-ins do not quiet the alert
    staff_alert = (await delivered(uow_factory, category="idle"))[-1][2]
    closed, opened = staff_alert.split("Open but no entries")
    assert "No sign of opening" in closed and "A-S2" in closed and "A-S1" not in closed
    assert "A-S1" in opened and "6 check-in days verified by location" in opened, staff_alert
    [run] = await table_rows(uow_factory, "job_runs", job="idle", period="2026-11-08")
    assert json.loads(run["summary"])["open_without_entries"] == 1


async def test_stranded_parcels(uow_factory, clock, county):
    _, keeper, _, ledger = county
    clock._now = at("2026-11-01")
    await ledger.run(intake("i1", "SF1234567890", "张三", "1234"), keeper)
    clock._now = at("2026-11-02")
    await ledger.run(intake("i2", "SF1234567891", "李四", "5678"), keeper)
    clock._now = at("2026-11-09")
    report = await ReminderService(uow_factory, clock).stranded("A")
    assert report.alerts == 1
    [(_, _, message)] = await delivered(uow_factory)
    assert "A-001 · 张三" in message and "超过一周" in message


async def test_due_catches_up_after_downtime_and_runs_once(uow_factory, clock, county):
    clock._now = at("2026-11-25")  # the bot was down from before the 3rd until the 25th
    first, second = await asyncio.gather(
        run_due(uow_factory, clock, trigger="startup", claimer="p1"),
        run_due(uow_factory, clock, trigger="startup", claimer="p2"),
    )
    ran = sorted(first.ran + second.ran)
    assert ran == [
        "claim_rewards A 2026-10",  # subsidy claims (issue 10): once, after scoring
        "claim_rewards B 2026-10",
        "idle A 2026-11-25",
        "idle B 2026-11-25",
        "nudge A 2026-11",
        "nudge B 2026-11",
        "scoring A 2026-10",
        "scoring B 2026-10",
        "stranded A 2026-11-25",
        "stranded B 2026-11-25",
    ]
    assert (await run_due(uow_factory, clock)).ran == []


async def test_first_month_policy_skips_earlier_months(uow_factory, clock, county):
    from bot.services.policy import default_policy, to_json

    policy = default_policy().model_copy(
        update={
            "assessment": default_policy().assessment.model_copy(update={"first_month": "2026-11"})
        }
    )
    async with uow_factory(write=True) as uow:
        for code in ("A", "B"):
            c = await uow.network.county_by_code(code)
            await uow.policies.put(c.id, to_json(policy), "test", clock.now())
        await uow.commit()
    clock._now = at("2026-11-04")
    assert not any(r.startswith("scoring") for r in (await run_due(uow_factory, clock)).ran)
    clock._now = at("2026-12-04")
    assert "scoring A 2026-11" in (await run_due(uow_factory, clock)).ran
    periods = {row["period"] for row in await table_rows(uow_factory, "station_scores")}
    assert periods == {str(Period(2026, 11))}


@pytest.mark.parametrize("day", ["2026-11-02"])
async def test_scoring_waits_for_the_correction_window(uow_factory, clock, county, day):
    clock._now = at(day)
    assert not any(r.startswith("scoring") for r in (await run_due(uow_factory, clock)).ran)


async def test_months_before_the_county_was_set_up_are_not_scored(uow_factory, clock, county):
    await update_rows(uow_factory, "counties", {}, created_at=at("2026-11-10"))
    clock._now = at("2026-12-04")
    assert not any(r.startswith("scoring") for r in (await run_due(uow_factory, clock)).ran)
    clock._now = at("2027-01-04")
    assert "scoring A 2026-12" in (await run_due(uow_factory, clock)).ran

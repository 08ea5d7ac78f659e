"""A county's staff notices reach its group robots from the real jobs (stranded parcels,
the monthly review), on SQLite, PostgreSQL and memory: as well as the staff member's chat,
or instead of it; never a keeper's own notices; each once however often the job runs."""

from __future__ import annotations

from bot.domain.periods import Period
from bot.services.reminders import ReminderService
from bot.services.scoring import ScoringService
from tests.storage.test_reminders import intake
from tests.support.backends import table_rows
from tests.support.scoring import at


async def add_robot(uow_factory, clock, county_id, kind, *, instead=False, language="zh"):
    async with uow_factory(write=True) as uow:
        robot = await uow.robots.add(
            county_id, kind, "县群", f"key-{kind}-{instead}", None, language, instead, clock.now()
        )
        await uow.commit()
    return robot


async def strand_parcels(uow_factory, clock, county, n=10):
    _, keeper, _, ledger = county
    clock._now = at("2026-11-01")
    for i in range(n):
        await ledger.run(intake(f"i{i}", f"SF12345678{i:02}", "张三", "1234"), keeper)
    clock._now = at("2026-11-09")


async def staff_rows(uow_factory):
    return [r for r in await table_rows(uow_factory, "outbox") if r["kind"] == "stranded_digest"]


async def test_stranded_parcels_reach_the_robots_and_the_staff_chat(uow_factory, clock, county):
    net = county[0]
    await add_robot(uow_factory, clock, net.county_a, "wecom")
    await add_robot(uow_factory, clock, net.county_a, "dingtalk", language="en")
    await strand_parcels(uow_factory, clock, county)
    for _ in range(2):  # the same day's job twice: each notice once
        await ReminderService(uow_factory, clock).stranded("A", trigger="manual")
    rows = await staff_rows(uow_factory)
    robots = sorted((r["channel"], r["chat_id"], r["language"]) for r in rows if r["channel"])
    assert robots == [("dingtalk", "robot:2", "en"), ("wecom", "robot:1", "zh")]
    assert [r["person_id"] for r in rows if not r["channel"]] == [county[2].person_id]
    keepers_own = [r for r in await table_rows(uow_factory, "outbox") if r["kind"] == "stranded"]
    assert keepers_own and all(r["channel"] is None for r in keepers_own)


async def test_a_robot_instead_of_staff_chats(uow_factory, clock, county):
    await add_robot(uow_factory, clock, county[0].county_a, "wecom", instead=True)
    await strand_parcels(uow_factory, clock, county)
    await ReminderService(uow_factory, clock).stranded("A")
    [row] = await staff_rows(uow_factory)
    assert (row["channel"], row["person_id"]) == ("wecom", None)


async def test_the_monthly_digest_reaches_the_robot(uow_factory, clock, county):
    await add_robot(uow_factory, clock, county[0].county_a, "dingtalk")
    clock._now = at("2026-11-06")
    report = await ScoringService(uow_factory, clock).score("A", Period(2026, 10))
    assert report.claimed
    digests = [r for r in await table_rows(uow_factory, "outbox") if r["kind"] == "digest"]
    assert sorted(str(r["channel"]) for r in digests) == ["None", "dingtalk"]

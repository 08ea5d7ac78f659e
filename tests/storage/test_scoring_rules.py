"""One assessment, everywhere: a keeper's /month and the month's verdict agree; months
before the county's first scored month are refused; a dry run writes nothing, for every
job. On every backend."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.assessment import Verdict
from bot.domain.commands import RecordSale, ShowMonth
from bot.domain.errors import InvalidInput
from bot.domain.ledger import SaleChannel
from bot.domain.periods import Period
from bot.domain.quantities import Quantity, Unit
from bot.i18n import Translator
from bot.services.due import run_due
from bot.services.policy import default_policy, to_json
from bot.services.reminders import ReminderService
from bot.services.scoring import ScoringService
from tests.support.backends import count, update_rows
from tests.support.scoring import at, sell

OCT = Period(2026, 10)
WRITTEN_BY_JOBS = ("job_runs", "station_scores", "period_locks", "outbox")


async def set_policy(uow_factory, clock, **assessment) -> None:
    base = default_policy()
    policy = base.model_copy(update={"assessment": base.assessment.model_copy(update=assessment)})
    async with uow_factory(write=True) as uow:
        county = await uow.network.county_by_code("A")
        await uow.policies.put(county.id, to_json(policy), "test", clock.now())
        await uow.commit()


async def sale(services, keeper, key: str, fen: int):
    command = RecordSale(
        product="脆李",
        quantity=Quantity(Decimal(10), Unit.JIN),
        amount_fen=fen,
        channel=SaleChannel.WECHAT_GROUP,
        request_key=key,
    )
    return await services.run(command, keeper)


# (case, window months, opened on, [(day, downstream fen, upstream fen)], verdict)
AGREEMENT = [
    ("short downstream", 1, None, [("2026-10-05", 150_000, 120_000)], Verdict.FAIL),
    ("met", 1, None, [("2026-10-05", 200_000, 0), ("2026-10-31", 0, 100_000)], Verdict.PASS),
    ("nothing logged", 1, None, [], Verdict.FAIL),
    ("window of two", 2, None, [("2026-09-10", 300_000, 200_000), ("2026-10-05", 100_000, 0)],
     Verdict.PASS),
    ("window of two, short", 2, None, [("2026-09-10", 250_000, 0), ("2026-10-05", 100_000, 0)],
     Verdict.FAIL),
    ("grace", 1, date(2026, 9, 1), [("2026-10-05", 1_000, 0)], Verdict.GRACE),
]  # fmt: skip


@pytest.mark.parametrize(
    ("window", "opened", "sales", "verdict"),
    [case[1:] for case in AGREEMENT],
    ids=[case[0] for case in AGREEMENT],
)
async def test_month_view_and_monthly_verdict_agree(
    uow_factory, clock, county, window, opened, sales, verdict
):
    _, keeper, _, services = county
    await set_policy(uow_factory, clock, window_months=window)
    if opened:
        await update_rows(uow_factory, "stations", {"code": "A-S1"}, opened_on=opened)
    for n, (day, down, up) in enumerate(sales):
        clock._now = at(day)
        if down:
            await sell(services, keeper, f"d{n}", down)
        if up:
            await sale(services, keeper, f"u{n}", up)
    clock._now = at("2026-11-03", 6)
    view = await services.run(ShowMonth(period=str(OCT)), keeper)
    report = await ScoringService(uow_factory, clock).score("A", OCT)
    scored = {v.code: v for v in report.verdicts}["A-S1"]
    assert view.verdict.verdict is scored.verdict is verdict
    shown = view.verdict
    assert (
        shown.missing_downstream_fen,
        shown.missing_upstream_fen,
        shown.missing_upstream_parcels,
    ) == (
        scored.missing_downstream_fen,
        scored.missing_upstream_fen,
        scored.missing_upstream_parcels,
    )


async def test_a_month_before_the_county_was_set_up_is_refused(uow_factory, clock, county):
    # The network was set up in January 2026 (tests/support/network.py T0): February is
    # the first month with a whole month of ledger.
    clock._now = at("2026-11-03")
    service = ScoringService(uow_factory, clock)
    for dry_run in (False, True):
        with pytest.raises(InvalidInput) as refused:
            await service.score("A", Period(2026, 1), dry_run=dry_run)
        message = Translator("en")(refused.value.text)
        assert "2026-01 is never scored" in message and "2026-02" in message, message
    assert (await service.score("A", Period(2026, 2), dry_run=True)).verdicts


async def test_a_month_before_the_policy_first_month_is_refused(uow_factory, clock, county):
    await set_policy(uow_factory, clock, first_month="2026-10")
    clock._now = at("2026-11-03")
    with pytest.raises(InvalidInput) as refused:
        await ScoringService(uow_factory, clock).score("A", Period(2026, 9))
    assert "The first month that can be scored is 2026-10." in Translator("en")(refused.value.text)
    for table in WRITTEN_BY_JOBS:
        assert await count(uow_factory, table) == 0, table


async def test_dry_runs_of_the_reminders_write_nothing(uow_factory, clock, county):
    _, keeper, _, services = county
    clock._now = at("2026-11-01")
    await sell(services, keeper, "a", 100)
    clock._now = at("2026-11-20")
    reminders = ReminderService(uow_factory, clock)
    nudge = await reminders.nudge("A", dry_run=True)
    assert nudge.dry_run and nudge.claimed and nudge.alerts == 1 and nudge.stations == 3
    idle = await reminders.idle("A", dry_run=True)
    assert idle.dry_run and idle.alerts == 2  # the keeper, and staff: 19 days idle
    stranded = await reminders.stranded("A", dry_run=True)
    assert stranded.dry_run and stranded.alerts == 0
    for table in WRITTEN_BY_JOBS:
        assert await count(uow_factory, table) == 0, table
    # The real run then sends what the dry run said it would, once.
    assert (await reminders.nudge("A")).alerts == 1
    again = await reminders.nudge("A", dry_run=True)
    assert again.dry_run and not again.claimed  # already done: the dry run says so


async def test_a_dry_run_of_everything_due_writes_nothing(uow_factory, clock, county):
    clock._now = at("2026-11-25")  # scoring of October, nudges, idle and stranded are due
    dry = await run_due(uow_factory, clock, trigger="cli", dry_run=True)
    assert dry.dry_run and sorted(dry.ran) == [
        "claim_rewards A 2026-10",  # subsidy claims (issue 10): after scoring
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
    for table in WRITTEN_BY_JOBS:
        assert await count(uow_factory, table) == 0, table
    assert sorted((await run_due(uow_factory, clock)).ran) == sorted(dry.ran)
    assert (await run_due(uow_factory, clock, dry_run=True)).ran == []

"""The ladder in chat: verdicts reach keepers and one digest reaches staff through the
outbox; staff decide on removal by button with a reason; reinstatement; lock exceptions."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import text, update

from bot.domain.periods import Period
from bot.domain.roles import Role
from bot.services.scoring import ScoringService
from handlers.telegram.outbox_sender import inline_keyboard
from storage.schema import stations
from tests.support.outbox import delivered, rendered
from tests.support.scoring import at


async def setup_candidates(app, people, chat):
    async with app.engine.begin() as conn:
        await conn.execute(update(stations).values(opened_on=None))
    app.clock._now = at("2026-10-01")
    keeper = await people.register(1, Role.KEEPER, "A-S3", language="en")
    staff = await people.register(2, Role.COUNTY_STAFF, "A", language="en")
    service = ScoringService(app.uow, app.clock)
    for month, day in ((10, "2026-11-03"), (11, "2026-12-03"), (12, "2027-01-03")):
        app.clock._now = at(day)
        await service.score("A", Period(2026, month))
    return keeper, staff


async def outbox(app, where="1=1"):
    """Each notice as Telegram would get it now: chat, text, the buttons' callback data."""
    found = []
    for row, notice in zip(
        await delivered(app.engine, where), await rendered(app.engine, where), strict=True
    ):
        keyboard = inline_keyboard(notice.actions)
        buttons = [b.callback_data for r in keyboard.inline_keyboard for b in r] if keyboard else []
        found.append(SimpleNamespace(**row._asdict(), buttons=buttons))
    return found


async def test_staff_decides_removal_from_the_digest(app, chat, people):
    keeper, staff = await setup_candidates(app, people, chat)
    digest = (await outbox(app, "category='digest'"))[-1]
    names = "A-S1 桃园村服务站; A-S2 桃园二站; A-S3 李庄村服务站"  # a name beside each code
    assert digest.chat_id == "2" and f"Removal candidates: {names}" in digest.text
    a_s3 = app.net.station_a3
    assert f"dc:{a_s3}:2026-12" in digest.buttons
    card = await chat.feed(chat.callback_update(staff, f"dc:{a_s3}:2026-12"))
    assert "A-S3" in card.text and "Remove this station" in card.text
    ask = await chat.press(staff, card, "Remove")
    assert "Why?" in ask.text
    done = await chat.send(staff, "连续三个月未达标")
    assert "A-S3 is removed" in done.text
    again = await chat.press(staff, card, "Remove")  # the same button once more
    await chat.send(staff, "again")
    async with app.engine.connect() as conn:
        status = (await conn.execute(text(f"SELECT status FROM stations WHERE id={a_s3}"))).scalar()
        decisions = (await conn.execute(text("SELECT count(*) FROM station_decisions"))).scalar()
    assert status == "removed" and decisions == 1 and again
    told = await outbox(app, "category='decision'")
    assert len(told) == 1 and told[0].chat_id == "1" and "连续三个月未达标" in told[0].text
    # A removed station's keeper can no longer log anything.
    assert "removed" in (await chat.send(keeper, "代购 洗衣机 1299")).text
    done = await chat.send(staff, "/reinstate A-S3 整改完成")
    assert "reinstated" in done.text
    assert "Saved" in (await chat.send(keeper, "代购 洗衣机 1299")).text


async def test_keeper_and_other_county_cannot_decide(app, chat, people):
    keeper, _ = await setup_candidates(app, people, chat)
    sent = await chat.feed(chat.callback_update(keeper, f"dc:{app.net.station_a3}:2026-12"))
    assert "not allowed" in " ".join(sent.alerts)
    other = await people.register(3, Role.COUNTY_STAFF, "B", language="en")
    sent = await chat.feed(chat.callback_update(other, f"dc:{app.net.station_a3}:2026-12"))
    assert "outside the part" in " ".join(sent.alerts)


async def test_exception_lets_a_keeper_correct_a_closed_month(app, chat, people):
    async with app.engine.begin() as conn:
        await conn.execute(update(stations).values(opened_on=None))
    app.clock._now = at("2026-10-10")
    keeper = await people.register(1, Role.KEEPER, "A-S1", language="en")
    staff = await people.register(2, Role.COUNTY_STAFF, "A", language="en")
    saved = (await chat.send(keeper, "代购 洗衣机 1299")).text
    entry_id = saved.split("#")[1].split()[0]
    app.clock._now = at("2026-11-03", 6)
    await ScoringService(app.uow, app.clock).score("A", Period(2026, 10))
    app.clock._now = at("2026-11-05")
    refused = (await chat.send(keeper, f"/void {entry_id} 金额输错")).text
    assert "was closed on 2026-11-03 by the monthly review" in refused
    assert "not closed" in (await chat.send(staff, "/exception A-S1 2026-11 24 test")).text
    opened = await chat.send(staff, "/exception A-S1 2026-10 24 补录更正")
    assert "A-S1 may correct 2026-10 until 2026-11-06 10:00" in opened.text
    asked = await chat.send(keeper, f"/void {entry_id} 金额输错")
    assert "Voided" in (await chat.press(keeper, asked, "void it")).text
    app.clock.advance(hours=25)
    assert "Write it like" in (await chat.send(staff, "/exception A-S1")).text

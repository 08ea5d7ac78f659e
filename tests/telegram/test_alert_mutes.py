"""Muting notice categories in the chat: by command, by button, who may mute what, and
what a mute does to the outbox."""

from __future__ import annotations

from sqlalchemy import select

from bot.domain.notices import Notice, NoticeKind
from bot.domain.roles import Role
from storage.repositories.outbox import SqlOutboxRepo
from storage.schema import identities, outbox


async def person_of(app, user) -> int:
    async with app.engine.connect() as conn:
        return (
            await conn.execute(
                select(identities.c.person_id).where(identities.c.external_id == str(user.id))
            )
        ).scalar_one()


async def mutes_of(app, user) -> set[str]:
    person = await person_of(app, user)
    async with app.engine.connect() as conn:
        return await SqlOutboxRepo(conn).mutes(person)


async def test_staff_mutes_and_unmutes_by_command(app, chat, people):
    staff = await people.register(10, Role.COUNTY_STAFF, "A", language="en")
    sent = await chat.send(staff, "/mute digest")
    assert "Muted: monthly county digest" in sent.text
    assert "/unmute digest" in sent.text
    assert await mutes_of(app, staff) == {"digest"}
    sent = await chat.send(staff, "/mute removal decisions")  # the label works too
    assert "Muted: removal decisions" in sent.text
    sent = await chat.send(staff, "/unmute digest")
    assert "Unmuted: monthly county digest" in sent.text
    assert await mutes_of(app, staff) == {"decision"}


async def test_the_list_toggles_by_button(app, chat, people):
    keeper = await people.register(11, Role.KEEPER, "A-S1", language="en")
    menu = await chat.send(keeper, "/mute")
    labels = [label for label, _ in menu.buttons]
    # A keeper may mute the reminders about the station, never a removal decision.
    assert labels == [
        "🔔 monthly results",
        "🔔 mid-month reminders",
        "🔔 idle station reminders",
        "🔔 stranded parcel reminders",
    ]
    pressed = await chat.press(keeper, menu, "idle station")
    assert pressed.alerts == ["Muted: idle station reminders"]
    assert await mutes_of(app, keeper) == {"idle"}
    # The pressed message is redrawn with the new state.
    (edit,) = [c for c in pressed.calls if type(c).__name__ == "EditMessageReplyMarkup"]
    redrawn = [b.text for row in edit.reply_markup.inline_keyboard for b in row]
    assert "🔕 idle station reminders (muted)" in redrawn
    # A second press of the same (stale) button changes nothing.
    again = await chat.press(keeper, menu, "idle station")
    assert again.alerts == ["Muted: idle station reminders"]
    assert await mutes_of(app, keeper) == {"idle"}


async def test_keepers_cannot_mute_decisions_and_strangers_nothing(app, chat, people):
    keeper = await people.register(12, Role.KEEPER, "A-S1", language="en")
    sent = await chat.send(keeper, "/mute decision")
    assert "You cannot mute removal decisions" in sent.text
    forged = await chat.feed(chat.callback_update(keeper, "mu:decision:1"))
    assert "You cannot mute removal decisions" in " ".join(forged.alerts)
    assert await mutes_of(app, keeper) == set()
    stranger = chat.user(13, "en")
    assert "not registered" in (await chat.send(stranger, "/mute")).text
    assert "not registered" in " ".join(
        (await chat.feed(chat.callback_update(stranger, "mu:idle:1"))).alerts
    )


async def test_an_unknown_category_lists_the_codes(chat, people):
    operator = await people.register(14, Role.TOWNSHIP_OPERATOR, "A-T1", language="en")
    sent = await chat.send(operator, "/mute weather")
    assert "no alert category “weather”" in sent.text
    assert "verdict, digest, nudge, idle, stranded, decision" in sent.text


async def test_chinese_labels_are_understood(app, chat, people):
    staff = await people.register(15, Role.COUNTY_STAFF, "A", language="zh")
    await chat.send(staff, "/mute 月中提醒")
    assert await mutes_of(app, staff) == {"nudge"}


async def test_a_muted_category_is_never_delivered(app, chat, people):
    """Muted in the chat, kept out of the outbox's deliveries: written `muted` while the
    mute holds; a decision (not mutable for keepers) still goes out; unmuting brings back
    later notices only."""
    keeper = await people.register(16, Role.KEEPER, "A-S1", language="en")
    await chat.send(keeper, "/mute idle")
    person = await person_of(app, keeper)

    def idle(n: int) -> Notice:
        return Notice(f"idle:{n}", NoticeKind.IDLE, {"station": "A-S1", "days": n}, person)

    decision = Notice(
        "decision:1",
        NoticeKind.DECISION,
        {"decision": "keep", "station": "A-S1", "reason": "test"},
        person,
    )
    async with app.uow(write=True) as uow:
        await uow.outbox.enqueue([idle(1), decision], app.clock.now())
        await uow.commit()
    await chat.send(keeper, "/unmute idle")
    async with app.uow(write=True) as uow:
        await uow.outbox.enqueue([idle(2)], app.clock.now())
        await uow.commit()
    async with app.engine.connect() as conn:
        status = dict((await conn.execute(select(outbox.c.dedup_key, outbox.c.status))).all())
    assert status == {"idle:1": "muted", "decision:1": "pending", "idle:2": "pending"}

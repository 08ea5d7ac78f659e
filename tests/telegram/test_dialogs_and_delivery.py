"""Dialogs that survive restarts and expire; updates that count once."""

from __future__ import annotations

from aiogram import Bot
from aiogram.methods import SendPhoto

from bot.domain.roles import Role
from handlers.telegram import build_dispatcher
from jobs.dialog_expiry import expire_idle_dialogs
from tests.support.chat import ChatDriver, RecordingSession
from tests.support.outbox import delivered


def photos(sent) -> int:
    return sum(isinstance(c, SendPhoto) for c in sent.calls)


async def invites_in_db(app) -> int:
    async with app.engine.connect() as conn:
        return (
            await conn.exec_driver_sql("SELECT count(*) FROM invites WHERE created_by IS NOT NULL")
        ).scalar()


def replies(sent) -> list:
    return [c for c in sent.calls if not type(c).__name__.startswith("Get")]


async def test_redelivered_update_is_handled_once_and_gets_its_first_answer(app, chat, people):
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    update = chat.message_update(staff, "/invite A-S1", update_id=777)
    first = await chat.feed(update)
    again = await chat.feed(update)
    # Not applied again, but answered again with the very same reply (the same QR code).
    assert photos(first) == 1 and photos(again) == 1
    assert replies(again)[0].photo.data == replies(first)[0].photo.data
    assert replies(again)[0].caption == replies(first)[0].caption
    assert await invites_in_db(app) == 1


async def test_redelivery_after_restart_is_handled_once(app, chat, people):
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    update = chat.message_update(staff, "/invite A-S1", update_id=778)
    await chat.feed(update)
    session = RecordingSession()
    restarted = ChatDriver(build_dispatcher(app), Bot("42:TEST", session=session), session)
    assert photos(await restarted.feed(update)) == 1  # the stored answer, sent again
    assert await invites_in_db(app) == 1


async def test_double_tapped_confirm_creates_one_invite(app, chat, people):
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    menu = await chat.send(staff, "/menu")
    await chat.press(staff, menu, "Invite a keeper")
    confirm = await chat.send(staff, "a-s2")
    assert "Create a keeper invite" in confirm.text
    first = await chat.press(staff, confirm, "Create invite")
    second = await chat.press(staff, confirm, "Create invite")
    assert photos(first) == 1 and photos(second) == 0
    assert "already created above" in " ".join(second.alerts)
    assert await invites_in_db(app) == 1


async def test_bad_input_keeps_the_dialog_on_its_step(app, chat, people):
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    await chat.press(staff, await chat.send(staff, "/menu"), "Invite a keeper")
    assert "not a valid code" in (await chat.send(staff, "no such!")).text
    assert "No station has the code NOPE-9" in (await chat.send(staff, "nope-9")).text
    assert "outside the part" in (await chat.send(staff, "B-S1")).text
    # Still on the same step: a good code now moves on.
    assert "Create a keeper invite" in (await chat.send(staff, "A-S1")).text
    assert await invites_in_db(app) == 0


async def test_cancel_works_in_every_state(app, chat, people):
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    assert "Nothing to cancel" in (await chat.send(staff, "/cancel")).text
    await chat.press(staff, await chat.send(staff, "/menu"), "Invite a keeper")
    assert "Cancelled" in (await chat.send(staff, "/cancel")).text
    assert "did not understand" in (await chat.send(staff, "A-S1")).text
    await chat.press(staff, await chat.send(staff, "/menu"), "Invite a keeper")
    await chat.send(staff, "A-S1")
    assert "Cancelled" in (await chat.send(staff, "/cancel")).text
    assert await invites_in_db(app) == 0


async def test_dialog_survives_a_restart(app, chat, people):
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    await chat.press(staff, await chat.send(staff, "/menu"), "Invite a keeper")
    session = RecordingSession()
    restarted = ChatDriver(build_dispatcher(app), Bot("42:TEST", session=session), session)
    restarted._update_ids = chat._update_ids  # Telegram's ids keep increasing
    assert "Create a keeper invite" in (await restarted.send(staff, "A-S1")).text


async def test_idle_dialog_ends_lazily_with_a_notice(app, chat, people):
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    await chat.press(staff, await chat.send(staff, "/menu"), "Invite a keeper")
    app.clock.advance(minutes=31)
    sent = await chat.send(staff, "A-S1")
    assert "closed after 30 minutes" in sent.texts[0]
    assert "did not understand" in sent.texts[1]  # the dialog is gone


async def test_idle_dialog_is_swept_with_a_notice_once(app, chat, people):
    """The sweeper ends the dialog and writes its notice to the outbox, once: a second
    sweep (or a second process) finds nothing to end and the dedup key holds."""
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="zh")
    await chat.press(staff, await chat.send(staff, "/menu"), "邀请站长")
    sweep = lambda: expire_idle_dialogs(  # noqa: E731
        app.dialogs, app.uow, app.clock.now(), app.dialog_idle
    )
    assert await sweep() == 0
    app.clock.advance(minutes=31)
    ended, again = await sweep(), await sweep()
    assert (ended, again) == (1, 0)
    (notice,) = await delivered(app.engine)
    assert notice.chat_id == "1" and notice.category is None  # not mutable
    assert "30 分钟无回复" in notice.text and "/" not in notice.text


async def test_a_failed_update_is_not_claimed_and_its_retry_runs(app, chat, people, monkeypatch):
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    update = chat.message_update(staff, "/invite A-S1", update_id=779)
    calls = {"n": 0}
    original = app.uow.__class__.__call__

    def flaky(self, *, write=False):
        calls["n"] += 1
        if write and calls["n"] == 1:  # the update's transaction, first time only
            raise RuntimeError("database went away")
        return original(self, write=write)

    monkeypatch.setattr(app.uow.__class__, "__call__", flaky)
    try:
        await chat.feed(update)
    except RuntimeError:
        pass
    assert photos(await chat.feed(update)) == 1  # the retry is handled, once
    assert photos(await chat.feed(update)) == 1  # then answered again, not applied again
    assert await invites_in_db(app) == 1

"""A keeper edits `代购 洗衣机 1200` to `2100` and believes it changed. The bot says it did
not and how to correct; the ledger keeps the first entry. Live locations, which Telegram
sends as edits, get no answer."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from aiogram.types import Location, Message, Update
from sqlalchemy import text

from bot.domain.roles import Role

_update_ids = itertools.count(80_000)


@pytest.fixture
async def keeper(people):
    return await people.register(100, Role.KEEPER, "A-S1", language="zh")


def edited(message: Message, **changes) -> Update:
    changed = message.model_copy(
        update={"edit_date": int(datetime.now(UTC).timestamp()), **changes}
    )
    return Update(update_id=next(_update_ids), edited_message=changed)


async def amounts(app) -> list[int]:
    async with app.engine.connect() as conn:
        rows = await conn.execute(text("SELECT amount_fen FROM ledger_entries ORDER BY id"))
        return [row[0] for row in rows]


async def test_an_edited_entry_is_answered_and_changes_nothing(app, chat, keeper):
    original = chat.message_update(keeper, "代购 洗衣机 1200")
    await chat.feed(original)
    assert await amounts(app) == [120000]
    sent = await chat.feed(edited(original.message, text="代购 洗衣机 2100"))
    assert "没有任何改动" in sent.text, sent.text
    assert "/void" in sent.text and "/recent" in sent.text
    # The answer replies to the edited message, so the keeper sees which one is meant.
    assert sent.messages[0].reply_parameters.message_id == original.message.message_id
    assert await amounts(app) == [120000]


async def test_an_edit_inside_a_form_says_the_form_keeps_the_first_answer(chat, keeper):
    await chat.send(keeper, "/proxy")
    answer = chat.message_update(keeper, "洗衣机")
    await chat.feed(answer)
    sent = await chat.feed(edited(answer.message, text="电视机"))
    assert "最初的回答" in sent.text and "/cancel" in sent.text


async def test_staff_are_not_told_to_void(chat, people):
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    message = chat.message_update(staff, "/stations")
    await chat.feed(message)
    sent = await chat.feed(edited(message.message, text="/station A-S1"))
    assert "nothing was changed" in sent.text and "/void" not in sent.text


async def test_a_stranger_editing_is_told_to_register(chat):
    stranger = chat.user(999, "zh")
    message = chat.message_update(stranger, "你好")
    await chat.feed(message)
    sent = await chat.feed(edited(message.message, text="您好"))
    assert "邀请" in sent.text


async def test_live_location_updates_get_no_answer(chat, keeper):
    spot = Location(latitude=29.1, longitude=106.6, live_period=900)
    shared = Message(
        message_id=5_000,
        date=datetime.now(UTC),
        chat=chat.message_update(keeper, "x").message.chat,
        from_user=keeper,
        location=spot,
    )
    moved = Location(latitude=29.2, longitude=106.7, live_period=900)
    sent = await chat.feed(edited(shared, location=moved))
    assert sent.calls == []

"""/notify_here through aiogram's Dispatcher: a keeper who also uses WeChat pins their
notices to Telegram, and they stay there after writing on WeChat; `/notify_here 关` gives
the choice back to "the app used last". A channel without a chat cannot be chosen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.commands import ChooseNoticeChannel
from bot.domain.errors import InvalidInput
from bot.domain.notices import Notice, NoticeKind
from bot.domain.roles import Role
from storage.engine import write_transaction
from storage.repositories.outbox import SqlOutboxRepo
from storage.schema import identities
from storage.schema import people as people_table


async def on_wechat_too(app, telegram_user_id: int) -> tuple[int, str]:
    """The same person follows the Official Account (linking is the WeChat front end's)."""
    async with app.uow(write=True) as uow:
        person = await uow.people.by_identity("telegram", str(telegram_user_id))
        await uow.people.link_identity(person.id, "wechat", "oWx-1", "oWx-1", app.clock.now())
        await uow.commit()
    return person.id, "oWx-1"


async def claimed_by(app, person_id: int, key: str) -> str | None:
    """Which channel's worker takes a new notice to the person."""
    notice = Notice(key, NoticeKind.IDLE, {"station": "A-S1", "days": 3}, person_id=person_id)
    async with write_transaction(app.engine) as conn:
        await SqlOutboxRepo(conn).enqueue([notice], app.clock.now())
    for channel in ("telegram", "wechat"):
        async with write_transaction(app.engine) as conn:
            got = await SqlOutboxRepo(conn).claim(channel, app.clock.now(), app.clock.now(), 10)
        if got:
            return channel
    return None


async def test_notices_follow_the_app_used_last_unless_pinned_here(app, chat, people, clock):
    from datetime import timedelta

    keeper = await people.register(100, Role.KEEPER, "A-S1", language="zh")
    person, openid = await on_wechat_too(app, 100)
    clock._now += timedelta(minutes=20)
    await chat.send(keeper, "/menu")  # wrote on Telegram
    assert await claimed_by(app, person, "n1") == "telegram"
    clock._now += timedelta(minutes=20)
    async with app.uow(write=True) as uow:  # writes on WeChat (its front end resolves them)
        await app.services.who("wechat", openid, uow)
        await uow.commit()
    assert await claimed_by(app, person, "n2") == "wechat"

    answer = await chat.send(keeper, "/notify_here")
    assert "今后无论您使用哪个应用，通知都会发到这里" in answer.text
    clock._now += timedelta(minutes=20)
    async with app.uow(write=True) as uow:
        await app.services.who("wechat", openid, uow)
        await uow.commit()
    assert await claimed_by(app, person, "n3") == "telegram"  # pinned

    answer = await chat.send(keeper, "/notify_here 关")
    assert "最近使用的应用" in answer.text
    async with app.engine.connect() as conn:
        choice = await conn.execute(
            select(people_table.c.notice_channel).where(people_table.c.id == person)
        )
        assert choice.scalar_one() is None
    assert await claimed_by(app, person, "n4") == "wechat"  # WeChat was used last

    wrong = await chat.send(keeper, "/notify_here wechat")
    assert "/notify_here 关" in wrong.text


async def test_a_channel_without_a_chat_cannot_be_chosen(app, chat, people):
    await people.register(101, Role.KEEPER, "A-S1")
    actor = await app.services.who("telegram", "101")
    with pytest.raises(InvalidInput):
        await app.services.run(ChooseNoticeChannel("wechat", request_key="t:1"), actor)
    async with app.engine.connect() as conn:
        assert (await conn.execute(select(identities.c.channel))).scalars().all() == ["telegram"]

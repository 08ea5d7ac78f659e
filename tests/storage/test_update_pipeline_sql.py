"""The update's transaction on both engines: a keeper's intake through the real
Dispatcher commits once with its replies, and a redelivery is answered, not applied."""

from __future__ import annotations

from aiogram import Bot
from sqlalchemy import text

from bot.bootstrap import App
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.bus import Services
from bot.services.env import Env
from bot.services.invites import CLI_ACTOR
from handlers.telegram import build_dispatcher
from storage.repositories.dialogs import SqlDialogStore
from storage.repositories.updates import SqlUpdateLedger
from storage.uow import SqlUnitOfWorkFactory
from tests.support.chat import ChatDriver, RecordingSession
from tests.support.network import seed_network


async def scalar(engine, sql: str):
    async with engine.connect() as conn:
        return (await conn.execute(text(sql))).scalar()


async def test_an_intake_commits_once_and_a_redelivery_is_answered_again(engine, clock):
    uow = SqlUnitOfWorkFactory(engine)
    app = App(
        settings=Settings(_env_file=None),
        engine=engine,
        uow=uow,
        dialogs=SqlDialogStore(engine),
        updates=SqlUpdateLedger(engine),
        services=Services(uow, Env(clock, b"k")),
        clock=clock,
    )
    await seed_network(engine)
    session = RecordingSession()
    chat = ChatDriver(build_dispatcher(app), Bot("42:TEST", session=session), session)
    invite = await app.services.run(
        CreateInvite(Role.KEEPER, "A-S1", request_key=cli_key("invite")), CLI_ACTOR
    )
    keeper = chat.user(100)
    assert "欢迎" in (await chat.send(keeper, f"/start {invite.token}")).text
    update = chat.message_update(keeper, "入 SF1234567890 张三 1234", update_id=9100)
    first = await chat.feed(update)
    again = await chat.feed(update)
    assert "A-001" in first.text and again.texts == first.texts
    assert await scalar(engine, "SELECT count(*) FROM ledger_entries") == 1
    await chat.dp.transactions.flush_marks()
    unsent = "SELECT count(*) FROM processed_updates WHERE replies_sent_at IS NULL"
    assert await scalar(engine, unsent) == 0

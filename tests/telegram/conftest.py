from __future__ import annotations

import pytest
from aiogram import Bot

from bot.bootstrap import build_app
from bot.commands.keys import cli_key
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from handlers.telegram import build_dispatcher
from tests.support.chat import ChatDriver, RecordingSession
from tests.support.network import seed_network


@pytest.fixture
async def app(tmp_path, clock):
    settings = Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    application = await build_app(settings, clock=clock)
    application.net = await seed_network(application.engine)
    yield application
    await application.close()


@pytest.fixture
async def chat(app):
    session = RecordingSession()
    bot = Bot("42:TEST", session=session)
    return ChatDriver(build_dispatcher(app), bot, session)


class People:
    """Registered users for the tests, each bound through a real invite."""

    def __init__(self, app, chat: ChatDriver) -> None:
        self.app, self.chat = app, chat

    async def register(self, user_id: int, role: Role, code: str | None, language="zh"):
        created = await self.app.services.run(
            CreateInvite(role, code, request_key=cli_key("invite")), CLI_ACTOR
        )
        user = self.chat.user(user_id, language)
        sent = await self.chat.send(user, f"/start {created.token}")
        assert "Welcome" in sent.text or "欢迎" in sent.text, sent.text
        return user


@pytest.fixture
async def people(app, chat):
    return People(app, chat)

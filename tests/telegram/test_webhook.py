"""Webhook mode over real HTTP: the secret is enforced; a retried POST is applied once
and answered again with the same reply."""

from __future__ import annotations

import aiohttp
from aiogram import Bot
from aiogram.methods import SendPhoto
from aiohttp import web

from bot.domain.roles import Role
from handlers.telegram import build_dispatcher
from handlers.telegram.runner import WEBHOOK_PATH, webhook_app
from tests.support.chat import RecordingSession


async def test_webhook_checks_the_secret_and_dedups(app, chat, people):
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    session = RecordingSession()
    bot = Bot("42:TEST", session=session)
    runner = web.AppRunner(webhook_app(build_dispatcher(app), bot, "s3cret"))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}{WEBHOOK_PATH}"
    body = chat.message_update(staff, "/invite A-S1", update_id=9001).model_dump(
        mode="json", by_alias=True, exclude_none=True
    )
    try:
        async with aiohttp.ClientSession() as client:
            async with client.post(url, json=body) as response:
                assert response.status == 401  # no secret header
            headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
            for _ in range(2):  # Telegram retries when it saw no answer in time
                async with client.post(url, json=body, headers=headers) as response:
                    assert response.status == 200
    finally:
        await runner.cleanup()
    photos = [c for c in session.calls if isinstance(c, SendPhoto)]
    assert len(photos) == 2 and photos[0].photo.data == photos[1].photo.data
    async with app.engine.connect() as conn:
        invites = "SELECT count(*) FROM invites WHERE created_by IS NOT NULL"
        assert (await conn.exec_driver_sql(invites)).scalar() == 1

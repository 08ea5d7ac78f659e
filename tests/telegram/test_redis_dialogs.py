"""With CUNZHAN_REDIS_URL set, dialog state lives in Redis and still survives a restart and
expires with a notice. Skipped when no Redis answers (CI starts one and requires it)."""

from __future__ import annotations

import os

import pytest
from aiogram import Bot

from bot.domain.roles import Role
from handlers.telegram import build_dispatcher, build_fsm_storage
from tests.support.chat import ChatDriver, RecordingSession

REDIS_URL = os.environ.get("CUNZHAN_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
async def redis_app(app):
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        await client.flushdb()
    except Exception:
        await client.aclose()
        if os.environ.get("CUNZHAN_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"Redis required in CI but unreachable at {REDIS_URL}")
        pytest.skip("Redis unreachable")
    app.settings = app.settings.model_copy(update={"redis_url": REDIS_URL})
    yield app
    await client.flushdb()
    await client.aclose()


def driver(app) -> ChatDriver:
    session = RecordingSession()
    storage = build_fsm_storage(app)
    return ChatDriver(
        build_dispatcher(app, fsm_storage=storage), Bot("42:TEST", session=session), session
    )


async def test_dialog_in_redis_survives_restart_and_expires(redis_app, people):
    chat = driver(redis_app)
    people.chat = chat
    staff = await people.register(1, Role.COUNTY_STAFF, "A", language="en")
    await chat.press(staff, await chat.send(staff, "/menu"), "Invite a keeper")
    restarted = driver(redis_app)
    restarted._update_ids = chat._update_ids
    assert "Create a keeper invite" in (await restarted.send(staff, "A-S1")).text
    redis_app.clock.advance(minutes=31)
    sent = await restarted.send(staff, "A-S1")
    assert "closed after 30 minutes" in sent.text
    await chat.dp.storage.close()
    await restarted.dp.storage.close()

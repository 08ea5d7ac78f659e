"""Outages are waited out, never a reason to exit; SIGTERM drains and stops.

The bot runs as its own process (`python -m bot run`): against a Bot API that is not
there yet, one that answers 502 for a while, and a database server that is not up; each
time it keeps trying (logged) and serves as soon as the other side is back.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

from devtools.harness import BotProcess
from devtools.telegram_double.server import FakeTelegram
from tests.support.crashes import PHONE_KEY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bot_process(fake: FakeTelegram, tmp_path, **env: str) -> BotProcess:
    return BotProcess(
        fake,
        f"sqlite+aiosqlite:///{tmp_path}/outage.db",
        str(tmp_path / "bot.log"),
        env={"CUNZHAN_PHONE_HASH_KEY": PHONE_KEY, "CUNZHAN_LOG_LEVEL": "INFO", **env},
    )


async def logged(bot: BotProcess, text: str, times: int = 1, timeout: float = 60) -> str:  # noqa: ASYNC109
    """Until the bot's log has `text` `times` times (it is still running then)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        log = Path(bot.log_path).read_text(errors="replace")  # noqa: ASYNC240 - small, local
        if log.count(text) >= times:
            assert not bot.exited(), log[-3000:]
            return log
        assert not bot.exited(), log[-3000:]
        assert asyncio.get_running_loop().time() < deadline, f"no {text!r} in\n{log[-3000:]}"
        await asyncio.sleep(0.1)


async def answered_hello(fake: FakeTelegram, timeout: float = 30) -> str:  # noqa: ASYNC109
    stranger = fake.create_user("路人")
    fake.send_text(stranger, "/help")
    return (await fake.wait_for_message(stranger.id, timeout=timeout)).body


async def test_a_bot_api_that_is_not_there_yet_is_waited_for(tmp_path):
    port = free_port()
    fake = FakeTelegram(port=port)
    bot = bot_process(fake, tmp_path, CUNZHAN_TELEGRAM_API_BASE=f"http://127.0.0.1:{port}")
    await bot.start()
    try:
        # Nothing listens: it must keep trying, not exit.
        await logged(bot, "setting the command menus failed", times=3)
        async with fake:
            await bot.wait_polling(timeout=60)
            assert await answered_hello(fake)
            assert await bot.terminate() == 0
    finally:
        if not bot.exited():
            await bot.kill()


async def test_a_bot_api_answering_502_is_retried_at_start_and_later(tmp_path):
    async with FakeTelegram() as fake:
        for method in ("setMyCommands", "deleteWebhook", "getUpdates"):
            fake.fail_next(method, 3, error_code=502)
        bot = bot_process(fake, tmp_path)
        await bot.start()
        try:
            assert await answered_hello(fake, timeout=60)
            fake.fail_next("getUpdates", 4, error_code=502)  # an outage while running
            assert await answered_hello(fake, timeout=60)
            assert await bot.terminate() == 0
        finally:
            if not bot.exited():
                await bot.kill()
    assert "getUpdates failed" in (tmp_path / "bot.log").read_text()


async def test_a_database_server_that_is_down_is_waited_for(tmp_path):
    """PostgreSQL refusing connections at start: the bot keeps trying; SIGTERM ends it."""
    async with FakeTelegram() as fake:
        bot = bot_process(
            fake,
            tmp_path,
            CUNZHAN_DATABASE_URL=f"postgresql+asyncpg://nobody@127.0.0.1:{free_port()}/none",
        )
        await bot.start()
        try:
            await logged(bot, "failed", times=3)
            assert await bot.terminate() == 0
        finally:
            if not bot.exited():
                await bot.kill()
    assert "opening the database" in (tmp_path / "bot.log").read_text()

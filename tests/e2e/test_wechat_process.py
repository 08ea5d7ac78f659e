"""`python -m bot run` serves the WeChat webhook as its own process: alone (no Telegram
token), and beside Telegram in the same process. Real signed, encrypted requests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain.commands import CreateInvite
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from devtools.harness import BotProcess
from devtools.telegram_double.server import FakeTelegram
from devtools.wechat_double import WeChatPhone
from handlers.wechat.protocol import MessageCipher
from tests.support.backends import seed_network
from tests.support.wechat import AES_KEY, APPID, SECRET, TOKEN

PHONE_KEY = "e2e-phone-key"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wechat_env(port: int) -> dict[str, str]:
    return {
        "CUNZHAN_WECHAT_APPID": APPID,
        "CUNZHAN_WECHAT_SECRET": SECRET,
        "CUNZHAN_WECHAT_TOKEN": TOKEN,
        "CUNZHAN_WECHAT_AES_KEY": AES_KEY,
        "CUNZHAN_WECHAT_LISTEN_PORT": str(port),
        "CUNZHAN_PHONE_HASH_KEY": PHONE_KEY,
    }


async def seeded(tmp_path: Path) -> tuple[str, str]:
    url = f"sqlite+aiosqlite:///{tmp_path}/wx.db"
    app = await build_app(Settings(_env_file=None, database_url=url, phone_hash_key=PHONE_KEY))
    try:
        await seed_network(app.uow)
        created = await app.services.run(
            CreateInvite(Role.KEEPER, "A-S1", request_key="cli:e2e"), CLI_ACTOR
        )
    finally:
        await app.close()
    return url, created.token


async def wait_listening(url: str, phone: WeChatPhone) -> None:
    query, _ = phone.signed_query("")
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(url, params={**query, "echostr": "up"}) as answer:
                    if await answer.text() == "up":
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("the WeChat webhook never answered")


@asynccontextmanager
async def phone_for(port: int):
    url = f"http://127.0.0.1:{port}/wechat"
    async with WeChatPhone(url, TOKEN, cipher=MessageCipher(AES_KEY, APPID)) as phone:
        await wait_listening(url, phone)
        yield phone


async def keeper_binds_and_logs(phone: WeChatPhone, token: str) -> None:
    welcome = await phone.post(phone.event("o-e2e", "subscribe", f"qrscene_{token}"))
    assert "桃园村服务站" in welcome.text
    saved = await phone.say("o-e2e", "售 脆李 20斤 400")
    assert "已保存" in saved


async def test_wechat_alone(tmp_path):
    url, token = await seeded(tmp_path)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CUNZHAN_")},
        "CUNZHAN_DATABASE_URL": url,
        "CUNZHAN_LOG_LEVEL": "WARNING",
        **wechat_env(port),
    }
    log = (tmp_path / "bot.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, stdout=log, stderr=log,
        start_new_session=True,
    )  # fmt: skip
    try:
        async with phone_for(port) as phone:
            await keeper_binds_and_logs(phone, token)
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        log.close()
    logged = (tmp_path / "bot.log").read_text()
    assert SECRET not in logged and AES_KEY not in logged and TOKEN not in logged


async def test_wechat_beside_telegram_in_one_process(tmp_path):
    url, token = await seeded(tmp_path)
    port = free_port()
    async with FakeTelegram() as fake:
        bot = BotProcess(fake, url, str(tmp_path / "bot.log"), env=wechat_env(port))
        await bot.start()
        try:
            await bot.wait_polling()
            async with phone_for(port) as phone:
                await keeper_binds_and_logs(phone, token)
            assert await bot.terminate() == 0
        finally:
            if not bot.exited():
                await bot.kill()

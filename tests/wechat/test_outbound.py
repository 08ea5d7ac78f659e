"""The outbound API against the double on 127.0.0.1: one token shared through the
database, refreshed early, one retry when WeChat refuses it; notices as customer-service
messages in the 48-hour window, template messages outside it, undeliverable otherwise;
the menu and invite QR codes from the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.domain.notices import Notice, NoticeKind
from handlers.wechat.client import Account, WeChatApi, WeChatError
from handlers.wechat.sender import WeChatSender
from jobs.outbox_worker import OutboxWorker
from storage.schema import outbox
from storage.uow import SqlUnitOfWorkFactory
from tests.support.backends import seed_network
from tests.support.wechat import APPID, SECRET, running_wechat

pytestmark = pytest.mark.sql
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def stack(engine, clock):
    await seed_network(SqlUnitOfWorkFactory(engine))
    async with running_wechat(engine, clock) as running:
        yield running


def second_process(stack, clock) -> WeChatApi:
    """Another bot process's client: its own memory, the same database."""
    return WeChatApi(Account(APPID, SECRET, stack.fake.base_url), stack.api.uow, clock)


async def test_one_token_for_every_process_refreshed_early(stack, clock):
    fake, other = stack.fake, second_process(stack, clock)
    fake.opened_window("o-1")
    try:
        await stack.api.send_text("o-1", "a")
        await other.send_text("o-1", "b")
        assert fake.token_requests == 1  # the second process took the stored token
        clock.advance(seconds=7200 - 200)  # inside the early margin (5 min)
        await other.send_text("o-1", "c")
        await stack.api.send_text("o-1", "d")
        assert fake.token_requests == 2
        assert [s.text for s in fake.sent] == ["a", "b", "c", "d"]
    finally:
        await other.close()


async def test_a_refused_token_is_refreshed_once(stack):
    fake = stack.fake
    fake.opened_window("o-1")
    await stack.api.send_text("o-1", "a")
    fake.revoke_tokens()  # 40001: another process forced a refresh
    await stack.api.send_text("o-1", "b")
    assert fake.token_requests == 2
    for token in fake.tokens:  # 42001: expired early on WeChat's side
        fake.tokens[token] = time.monotonic() - 1
    await stack.api.send_text("o-1", "c")
    assert fake.token_requests == 3 and len(fake.sent) == 3
    with pytest.raises(WeChatError) as refused:  # outside the window: no retry loop
        await stack.api.send_text("o-stranger", "d")
    assert refused.value.errcode == 45015 and fake.token_requests == 3


async def _keeper(stack) -> int:
    phone = stack.phone
    token = await stack.invite()
    await phone.post(phone.event("o-keeper", "subscribe", f"qrscene_{token}"))
    async with stack.api.uow() as uow:
        actor = await stack.services.who("wechat", "o-keeper", uow)
    return actor.person_id


async def _deliver(engine, stack, clock, notices, template_id=None) -> dict[str, str]:
    async with SqlUnitOfWorkFactory(engine)(write=True) as uow:
        await uow.outbox.enqueue(notices, clock.now())
        await uow.commit()
    sender = WeChatSender(stack.api, stack.api.uow, clock, APPID, template_id)
    worker = OutboxWorker(engine, sender, channel="wechat", clock=clock)
    worker.start()
    try:
        for _ in range(200):
            async with engine.connect() as conn:
                rows = (await conn.execute(select(outbox.c.dedup_key, outbox.c.status))).all()
            if all(row.status != "pending" for row in rows):
                break
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()
    return {row.dedup_key: row.status for row in rows}


def idle(key: str, person: int) -> Notice:
    return Notice(key, NoticeKind.IDLE, {"station": "桃园村服务站", "days": 4}, person)


async def test_notices_reach_a_wechat_keeper_or_are_recorded_undeliverable(stack, engine, clock):
    person = await _keeper(stack)
    stack.fake.opened_window("o-keeper")
    statuses = await _deliver(engine, stack, clock, [idle("n1", person)])
    assert statuses == {"n1": "sent"}
    assert stack.fake.sent[-1].kind == "custom" and "桃园村服务站" in stack.fake.sent[-1].text
    # Two days later the window is closed: without a template there is no way to reach.
    clock.advance(hours=49)
    statuses = await _deliver(engine, stack, clock, [idle("n2", person)])
    assert statuses["n2"] == "undeliverable"
    async with engine.connect() as conn:
        error = (await conn.execute(select(outbox.c.last_error).where(
            outbox.c.dedup_key == "n2"))).scalar_one()  # fmt: skip
    assert "48-hour window" in error
    # With the account's notice template it goes as a template message.
    statuses = await _deliver(engine, stack, clock, [idle("n3", person)], template_id="T-1")
    assert statuses["n3"] == "sent"
    assert stack.fake.sent[-1].kind == "template"
    assert stack.fake.sent[-1].payload["template_id"] == "T-1"
    assert len(stack.fake.sent) == 2


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip


async def test_the_menu_and_an_invite_qr_from_the_cli(tmp_path, clock):
    from bot.bootstrap import build_app
    from bot.config import Settings

    url = f"sqlite+aiosqlite:///{tmp_path}/cli.db"
    app = await build_app(Settings(_env_file=None, database_url=url, phone_hash_key="k"))
    await seed_network(app.uow)
    await app.close()
    async with running_wechat(app.engine, clock, group=app.commit_group) as stack:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("CUNZHAN_")},
            "CUNZHAN_DATABASE_URL": url,
            "CUNZHAN_PHONE_HASH_KEY": "k",
            "CUNZHAN_WECHAT_APPID": APPID,
            "CUNZHAN_WECHAT_SECRET": SECRET,
            "CUNZHAN_WECHAT_API_BASE": stack.fake.base_url,
        }
        done = await asyncio.to_thread(cli, env, "wechat", "menu")
        assert done.returncode == 0, done.stdout + done.stderr
        menu = stack.fake.menus[-1]["button"]
        assert [b["name"] for b in menu] == ["记账", "待取", "本月"]
        assert menu[0]["sub_button"][0] == {"type": "click", "name": "入库", "key": "intake"}
        done = await asyncio.to_thread(cli, env, "wechat", "invite", "keeper", "A-S1")
        assert done.returncode == 0 and "showqrcode?ticket=ticket-1" in done.stdout
        assert SECRET not in done.stdout + done.stderr
        # The scene is the invite: a follower who scans it (SCAN) is bound.
        scene = stack.fake.qr_scenes[-1]
        bound = await stack.phone.post(stack.phone.event("o-new", "SCAN", scene))
        assert "桃园村服务站" in bound.text and "欢迎" in bound.text
        # A menu click is the word it stands for; a form left open stays open.
        phone = stack.phone
        opened = await phone.post(phone.event("o-new", "CLICK", "sale"))
        assert "上行销售" in opened.text
        month = await phone.post(phone.event("o-new", "CLICK", "month"))
        assert "桃园村服务站" in month.text and "上行" in month.text
        assert "数量" in await phone.say("o-new", "脆李")  # the sale goes on
        # A station's notice-board code as a permanent WeChat QR code: the scene is the
        # station's public code; a villager who scans it sees the public card.
        done = await asyncio.to_thread(cli, env, "wechat", "station-qr", "A-S1")
        assert done.returncode == 0 and "showqrcode?ticket=" in done.stdout, done.stderr
        assert "桃园村服务站" in done.stdout and SECRET not in done.stdout + done.stderr
        scene = stack.fake.qr_scenes[-1]
        assert scene.startswith("s_")
        card = await phone.post(phone.event("o-villager", "subscribe", f"qrscene_{scene}"))
        assert "桃园村服务站" in card.text and "A-S1" not in card.text
        # The menu's check-in and claims buttons are their words too.
        assert {"checkin", "claims"} <= {b["key"] for b in menu[2]["sub_button"]}
        assert "扫一扫" in (await phone.post(phone.event("o-new", "CLICK", "checkin"))).text
        listed = await phone.post(phone.event("o-new", "CLICK", "claims"))
        assert "您还没有补贴申请" in listed.text, listed.text
        unknown = await asyncio.to_thread(cli, env, "wechat", "station-qr", "A-S99")
        assert unknown.returncode == 1

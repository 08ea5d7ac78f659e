"""Real HTTP requests, signed and encrypted as WeChat's servers make them, posted to the
running webhook: the vectors, forgeries, replays, stale timestamps, hostile XML, control
characters, a slow answer delivered through the customer-service API."""

from __future__ import annotations

import sqlite3
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import text

from devtools.wechat_double.phone import WeChatPhone
from handlers.wechat.protocol import MessageCipher, sign
from storage.group_commit import commit_group_for
from storage.uow import SqlUnitOfWorkFactory
from tests.support.backends import count, seed_network
from tests.support.wechat import AES_KEY, APPID, TOKEN, running_wechat

pytestmark = pytest.mark.sql


@asynccontextmanager
async def hold_writes(engine):
    """Another writer holds the database (a SQLite file lock from another process's
    connection; on PostgreSQL a lock on the claim table)."""
    if engine.dialect.name == "sqlite":
        other = sqlite3.connect(engine.url.database, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()
        return
    async with engine.connect() as other:
        await other.execute(text("LOCK TABLE wechat_messages IN EXCLUSIVE MODE"))
        try:
            yield
        finally:
            await other.rollback()


@pytest.fixture
async def stack(engine, clock):
    await seed_network(SqlUnitOfWorkFactory(engine))
    async with running_wechat(engine, clock) as running:
        yield running


async def test_url_verification_echoes_only_a_signed_request(stack):
    phone = stack.phone
    query, _ = phone.signed_query("")
    answer = await phone._session.get(stack.url, params={**query, "echostr": "e-42"})
    assert answer.status == 200 and await answer.text() == "e-42"
    forged = {**query, "signature": "0" * 40, "echostr": "e-42"}
    assert (await phone._session.get(stack.url, params=forged)).status == 403


async def test_the_published_vector_over_http(engine, clock):
    """wechatpy's safe-mode request, posted as it was captured: its signature is good but its
    timestamp is from 2014, so the replay window refuses it; with the clock at that moment
    it is decrypted (appid checked) and answered."""
    from datetime import UTC, datetime

    from tests.wechat.test_protocol import VECTOR_BODY

    query = {
        "signature": sign("123456", "1411525903", "461056294"),
        "timestamp": "1411525903",
        "nonce": "461056294",
        "encrypt_type": "aes",
        "msg_signature": "74d92dfeb87ba7c714f89d98870ae5eb62dff26d",
    }
    await seed_network(SqlUnitOfWorkFactory(engine))
    async with running_wechat(engine, clock) as stack:
        assert (await stack.phone.post_raw(query, VECTOR_BODY)).status == 403  # stale
        clock._now = datetime.fromtimestamp(1411525903, UTC)
        stack.webhook.config.token = stack.phone.token = "123456"  # the vector's token
        answer = await stack.phone.post_raw(query, VECTOR_BODY)
        assert answer.status == 200 and "还没有注册" in answer.text  # "messense" is nobody yet


async def test_forged_replayed_stale_and_hostile_requests_change_nothing(stack, engine):
    phone = stack.phone
    body = phone.text("o-keeper", "本月")
    query, posted = phone.signed_query(body)
    assert (await phone.post_raw({**query, "signature": "f" * 40}, posted)).status == 403
    assert (await phone.post_raw({**query, "msg_signature": "f" * 40}, posted)).status == 403
    stale = int(phone.now()) - 600
    assert (await phone.post(body, timestamp=stale)).status == 403
    other = WeChatPhone(stack.url, TOKEN, cipher=MessageCipher(AES_KEY, "wx_other_app_id"),
                        now=phone.now, session=phone._session)  # fmt: skip
    assert (await other.post(body)).status == 403  # encrypted for another appid
    plain = WeChatPhone(stack.url, TOKEN, now=phone.now, session=phone._session)
    assert (await plain.post(body)).status == 403  # safe mode: plain text refused
    doctype = '<!DOCTYPE xml [<!ENTITY x "y">]><xml><Content>&x;</Content></xml>'
    assert (await phone.post(doctype)).status == 400
    huge = phone.text("o-keeper", "x" * 70_000)
    assert (await phone.post(huge)).status == 413
    assert await count(SqlUnitOfWorkFactory(engine), "wechat_messages") == 0
    # The genuine request works, and its exact replay is answered the same, applied once.
    first = await phone.post_raw(query, posted)
    again = await phone.post_raw(query, posted)
    assert first.status == again.status == 200 and first.text == again.text
    assert "还没有注册" in first.text
    assert await count(SqlUnitOfWorkFactory(engine), "wechat_messages") == 1


async def test_control_characters_and_cdata_in_a_keepers_line(stack):
    token = await stack.invite()
    phone = stack.phone
    await phone.post(phone.event("o-k", "subscribe", f"qrscene_{token}"))
    reply = await phone.say("o-k", "售 脆李\x08 20斤 400")
    assert "已保存" in reply and "脆李" in reply
    reply = await phone.say("o-k", "售 ]]>脆李 20斤 400")
    assert "]]>脆李" in reply


async def test_a_slow_answer_is_success_then_a_customer_service_message(engine, clock):
    """The message's transaction waits on a database held by another writer for longer than
    the window: WeChat gets `success` at once, the keeper gets the answer through the
    customer-service API once it committed; WeChat's retry meanwhile is `success` too, and
    the entry is written once."""
    import asyncio

    await seed_network(SqlUnitOfWorkFactory(engine))
    async with running_wechat(engine, clock, reply_within=0.3) as stack:
        token = await stack.invite()
        phone = stack.phone
        await phone.post(phone.event("o-slow", "subscribe", f"qrscene_{token}"))
        stack.fake.opened_window("o-slow")
        body = phone.text("o-slow", "售 脆李 20斤 400", msg_id=777)
        async with hold_writes(engine):
            first = await phone.post(body)
            retry = await phone.post(body)
            await asyncio.sleep(0.5)
        assert first.body == "success" and retry.body == "success"
        sent = await stack.fake.wait_sent(1)
        assert sent[0].kind == "custom" and sent[0].openid == "o-slow"
        assert "已保存" in sent[0].text and "脆李" in sent[0].text
        # After the commit WeChat's last retry finds it sent: `success`, nothing doubled.
        assert (await phone.post(body)).body == "success"
        uow = SqlUnitOfWorkFactory(engine)
        assert await count(uow, "ledger_entries") == 1
        assert len(stack.fake.sent) == 1 and stack.webhook.late_replies == 1


async def test_a_retry_reaching_another_process_is_answered_once(engine, clock):
    """Two processes behind one URL: the first is slow (past the window, `success`), WeChat's
    retry lands on the second. Whichever claims the message does the work; the reply reaches
    the keeper once — through the API or in the HTTP answer, never both — and the entry is
    written once."""
    import asyncio

    from bot.services.bus import Services
    from bot.services.env import Env
    from handlers.wechat.inbound import WeChatInbound
    from handlers.wechat.webhook import WebhookConfig, WeChatWebhook

    await seed_network(SqlUnitOfWorkFactory(engine))
    async with running_wechat(engine, clock, reply_within=0.3) as first:
        token = await first.invite()
        phone = first.phone
        await phone.post(phone.event("o-two", "subscribe", f"qrscene_{token}"))
        first.fake.opened_window("o-two")
        uow = SqlUnitOfWorkFactory(engine)
        services = Services(uow, Env(clock, b"wechat-test-key"))
        config = first.webhook.config
        other = WeChatWebhook(
            WebhookConfig(TOKEN, config.cipher, reply_within=4.0, now=config.now),
            # Another process: a commit group of its own on SQLite.
            WeChatInbound(
                uow, services, clock, APPID, "zh", api=first.api, group=commit_group_for(engine)
            ),
            first.api,
        )
        from aiohttp import web

        runner = web.AppRunner(other.app())
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        second = WeChatPhone(f"http://127.0.0.1:{port}/wechat", TOKEN, cipher=config.cipher,
                             now=config.now, session=phone._session)  # fmt: skip
        body = phone.text("o-two", "售 脆李 20斤 400", msg_id=9001)
        try:
            async with hold_writes(engine):
                late = await phone.post(body)
                assert late.body == "success"
                retry = asyncio.create_task(second.post(body))
                await asyncio.sleep(0.3)
            answer = await retry
            await asyncio.sleep(0.5)  # the first process's late reply, if it has one
        finally:
            await runner.cleanup()
        passive = [answer.text] if answer.text else []
        by_api = [s.text for s in first.fake.sent if "脆李" in s.text]
        assert len(passive) + len(by_api) == 1, (passive, by_api)
        assert "已保存" in (passive + by_api)[0]
        assert await count(SqlUnitOfWorkFactory(engine), "ledger_entries") == 1

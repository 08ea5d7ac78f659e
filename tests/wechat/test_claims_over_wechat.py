"""Subsidy claims over the WeChat webhook, on the same use cases as Telegram
(tests/telegram/test_claims_chat.py): the claim form as numbered text with the ledger's
working, evidence photos downloaded by MediaId at full size into the evidence store,
submitting, the keeper's list; staff decide in Telegram and the decision reaches the keeper
on WeChat through the outbox; a question from staff answered on WeChat."""

from __future__ import annotations

import asyncio
import hashlib
import re
from types import SimpleNamespace

import pytest
from aiogram import Bot
from sqlalchemy import select, text

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain.commands import RecordShipment
from bot.domain.roles import Role
from handlers.telegram import build_dispatcher
from handlers.wechat.sender import WeChatSender
from jobs.outbox_worker import OutboxWorker
from storage.schema import outbox
from tests.support.chat import ChatDriver, RecordingSession
from tests.support.network import seed_network
from tests.support.scoring import at
from tests.support.wechat import APPID, running_wechat
from tests.telegram.conftest import People

OCTOBER = "2026-10"
# A photo bigger than a thumbnail: what is kept must be every byte of it.
PHOTO = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 600


@pytest.fixture
async def app(tmp_path, clock):
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/bot.db",
        evidence_dir=str(tmp_path / "evidence"),
    )
    application = await build_app(settings, clock=clock)
    application.net = await seed_network(application.engine)
    yield application
    await application.close()


@pytest.fixture
async def wechat(app, clock):
    async with running_wechat(
        app.engine,
        clock,
        services=app.services,
        evidence_dir=app.settings.evidence_dir,
        group=app.commit_group,
    ) as stack:
        yield stack


@pytest.fixture
async def chat(app):
    session = RecordingSession()
    return ChatDriver(build_dispatcher(app), Bot("42:TEST", session=session), session)


@pytest.fixture
async def people(app, chat):
    return People(app, chat)


async def rows(app, sql: str) -> list:
    async with app.engine.connect() as conn:
        return list((await conn.execute(text(sql))).mappings())


def number_of(option: str, prompt: str) -> str:
    """The number a keeper replies to pick `option` from a numbered question."""
    found = re.search(rf"(\d+)\. {re.escape(option)}", prompt)
    assert found, prompt
    return found.group(1)


async def keeper_with_october(app, wechat, clock, me: str) -> None:
    """Bound on WeChat, three farm-produce shipments in October, October closed.
    `app`: anything with `services`, `uow` (a unit-of-work factory) and `net`."""
    clock._now = at("2026-10-12")
    token = await wechat.invite("A-S1", key=f"cli:{me}")
    await wechat.phone.post(wechat.phone.event(me, "subscribe", f"qrscene_{token}"))
    actor = await app.services.who("wechat", me)
    for n in range(3):
        number = f"SF10000000{n:02d}"
        await app.services.run(
            RecordShipment(number, "脆李", 2500, 8500, request_key=f"s:{number}"), actor
        )
    clock._now = at("2026-11-05")
    async with app.uow(write=True) as uow:
        await uow.locks.lock(app.net.county_a, OCTOBER, clock.now(), None)
        await uow.commit()


async def file_claim(wechat, me: str) -> tuple[int, str]:
    say = wechat.phone.say
    rules = await say(me, "补贴")
    months = await say(me, number_of("农产品上行物流补贴", rules))
    summary = await say(me, number_of(OCTOBER, months))
    saved = await say(me, "1")
    assert "草稿" in saved, saved
    return int(saved.split("#")[1].split()[0]), summary


async def deliver_wechat_notices(app, wechat, clock) -> None:
    sender = WeChatSender(wechat.api, wechat.api.uow, clock, APPID, None)
    worker = OutboxWorker(app.engine, sender, channel="wechat", clock=clock)
    worker.start()
    try:
        for _ in range(200):
            async with app.engine.connect() as conn:
                statuses = (await conn.execute(select(outbox.c.status))).scalars().all()
            if "pending" not in statuses:
                break
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()


async def test_a_keeper_files_with_a_photo_and_hears_staffs_decision_on_wechat(
    app, wechat, clock, chat, people
):
    phone, me = wechat.phone, "o-claims"
    await keeper_with_october(app, wechat, clock, me)
    number, summary = await file_claim(wechat, me)
    assert "3 件 × 2.00 元 = 6.00 元，封顶 300.00 元" in summary, summary
    assert "回复 1" in summary  # confirmed by number, as the ledger forms
    # A photo while the draft takes evidence: fetched by MediaId, every byte kept.
    photo = wechat.fake.add_media(PHOTO)
    kept = (await phone.post(phone.image(me, photo))).text
    assert (f"#{number}" in kept and "第 1 份" in kept) or "1" in kept, kept
    [evidence] = await rows(app, "SELECT * FROM claim_evidence")
    assert evidence["sha256"] == hashlib.sha256(PHOTO).hexdigest()
    assert evidence["size"] == len(PHOTO)
    stored = app.settings.evidence_dir + "/" + evidence["path"]
    assert open(stored, "rb").read() == PHOTO  # noqa: ASYNC230 - a test reading a small file
    # A photo WeChat no longer has (an expired MediaId): said so, nothing kept, still open.
    lost = (await phone.post(phone.image(me, "media-expired"))).text
    assert "未能从微信取得这张照片" in lost, lost
    assert len(await rows(app, "SELECT * FROM claim_evidence")) == 1
    # The month is still there mid-claim; then 提交 submits the draft.
    assert "入库" in await phone.say(me, "本月")
    assert "已提交" in await phone.say(me, "提交")
    mine = await phone.say(me, "我的申请")
    assert f"#{number}" in mine and "已提交" in mine, mine
    card = await phone.say(me, f"申请 {number}")
    assert "凭证：1 个文件" in card and "3 件 × 2.00 元" in card, card
    missing = await phone.say(me, "申请 999")
    assert missing == "没有 #999 号申请。", missing
    # Staff approve in Telegram; the decision reaches the keeper on WeChat (the outbox).
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    queue = await chat.send(staff, "/claims")
    assert "Approved" in (await chat.press(staff, queue, "Approve")).text
    wechat.fake.opened_window(me)
    await deliver_wechat_notices(app, wechat, clock)
    [sent] = await wechat.fake.wait_sent(1)
    assert sent.openid == me and f"#{number}" in sent.text and "批准" in sent.text, sent.text
    assert "6.00" in sent.text


async def test_staffs_question_is_answered_on_wechat(app, wechat, clock, chat, people):
    phone, me = wechat.phone, "o-asked"
    await keeper_with_october(app, wechat, clock, me)
    number, _ = await file_claim(wechat, me)
    assert "提交" in await phone.say(me, "取消")  # leaving: the draft stays, how to submit
    assert "已提交" in await phone.say(me, f"提交 {number}")
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    queue = await chat.send(staff, "/claims")
    await chat.press(staff, queue, "Ask")
    await chat.send(staff, "Which lorry took them?")
    # The question reaches the keeper on WeChat; their list says how to answer.
    wechat.fake.opened_window(me)
    await deliver_wechat_notices(app, wechat, clock)
    [sent] = await wechat.fake.wait_sent(1)
    assert "Which lorry took them?" in sent.text and f"#{number}" in sent.text, sent.text
    mine = await phone.say(me, "我的申请")
    assert "待补充材料" in mine and f"答复 {number}" in mine, mine
    answered = await phone.say(me, f"答复 {number} 顺丰的车，运单已附")
    assert f"申请 #{number} 已重新提交" in answered, answered
    [claim] = await rows(app, f"SELECT state FROM claims WHERE id = {number}")
    assert claim["state"] == "submitted"
    # Another station's keeper sees neither the claim nor it in their list.
    token = await wechat.invite("A-S2", key="cli:o-other")
    await phone.post(phone.event("o-other", "subscribe", f"qrscene_{token}"))
    assert (peek := await phone.say("o-other", f"申请 {number}")) == "这不在您负责的范围内。", peek
    assert "您还没有补贴申请" in await phone.say("o-other", "我的申请")
    assert (
        other := await phone.say("o-other", f"答复 {number} 我来答")
    ) == "这不在您负责的范围内。", other
    # A bad number is explained; a photo with no draft open is not taken for anything.
    assert "/submit 12" in await phone.say(me, "提交 x")
    assert "答复 12" in await phone.say(me, "答复 x 好的")
    photo = wechat.fake.add_media(b"\xff\xd8 late photo")
    assert "不能处理图片" in (await phone.post(phone.image(me, photo))).text
    assert len(await rows(app, "SELECT * FROM claim_evidence")) == 0


async def test_a_claim_with_a_photo_on_each_database(engine, clock, tmp_path):
    """The claim's writes (draft, evidence, submit) run in the message's savepoints on
    SQLite and PostgreSQL alike; a redelivered photo is one piece of evidence."""
    from storage.uow import SqlUnitOfWorkFactory
    from tests.support.backends import seed_network as seed_any_backend

    net = await seed_any_backend(SqlUnitOfWorkFactory(engine))
    evidence_dir = str(tmp_path / "evidence")
    async with running_wechat(engine, clock, evidence_dir=evidence_dir) as stack:
        me = "o-db"
        world = SimpleNamespace(services=stack.services, uow=SqlUnitOfWorkFactory(engine), net=net)
        await keeper_with_october(world, stack, clock, me)
        number, _ = await file_claim(stack, me)
        body = stack.phone.image(me, stack.fake.add_media(PHOTO))
        first, again = await stack.phone.post(body), await stack.phone.post(body)
        assert first.text == again.text and f"#{number}" in first.text
        assert "已提交" in await stack.phone.say(me, "提交")
        async with engine.connect() as conn:
            kept = (await conn.execute(text("SELECT count(*) FROM claim_evidence"))).scalar()
            state = (await conn.execute(text("SELECT state FROM claims"))).scalar()
        assert kept == 1 and state == "submitted"

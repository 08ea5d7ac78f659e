"""A keeper's day over the WeChat webhook, on the same services as Telegram: bound by the
QR event, parcels in (step by step and in one line), a pickup, a sale, corrections, the
month — and the same entries in Telegram's /month for the same station."""

from __future__ import annotations

import pytest
from aiogram import Bot

from bot.bootstrap import build_app
from bot.config import Settings
from bot.domain.commands import StationQrCode
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from handlers.telegram import build_dispatcher
from tests.support.chat import ChatDriver, RecordingSession
from tests.support.network import seed_network
from tests.support.wechat import running_wechat
from tests.telegram.conftest import People


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
    return ChatDriver(build_dispatcher(app), Bot("42:TEST", session=session), session)


@pytest.fixture
async def people(app, chat):
    return People(app, chat)


@pytest.fixture
async def wechat(app, clock):
    async with running_wechat(
        app.engine, clock, services=app.services, group=app.commit_group
    ) as stack:
        yield stack


async def test_a_keepers_day_over_wechat_shows_in_telegram(app, wechat, chat, people: People):
    phone, me = wechat.phone, "o-wang"

    async def say(text: str) -> str:
        return await phone.say(me, text)

    # Not bound yet: told how to register; nothing else works.
    assert "还没有注册" in await say("本月")
    token = await wechat.invite("A-S1")
    bound = await phone.post(phone.event(me, "subscribe", f"qrscene_{token}"))
    assert "欢迎" in bound.text and "桃园村服务站" in bound.text
    # Scanning again (a follower's SCAN) says so and binds nothing new.
    again = await phone.post(phone.event(me, "SCAN", token))
    assert "已登记为站长" in again.text
    # Parcels in, step by step: numbered choices, a pickup code, straight on to the next.
    for line in ["入库", "SF1234567890123", "张三"]:
        await say(line)
    assert "1. 尚未通知" in await say("1234")
    saved = await say("1")
    assert "取件码 A-001" in saved and "运单号" in saved  # the next parcel's first question
    assert "收件人" in await say("SF1234567890999")  # a second parcel begun…
    assert "1 件包裹都已保留" in await say("取消")  # …cancelled: the first stays
    for line in ["入库", "SF1234567890555", "王五", "0000"]:
        await say(line)
    await say("1")
    assert "已保存 1 条" in await say("完成")
    assert "入库：2" in await say("本月")  # the batch is over: 本月 is the month again
    # …and in one line, mid-day; the same waybill again is refused, naming the entry.
    assert "A-003" in await say("入 YT9876543210123 李四 5678")
    assert "已登记（记录 #3），未重复登记" in await say("入 YT9876543210123 李四 5678")
    # A pickup: found by the phone's last four, confirmed by number; asked again, it says
    # when it left.
    found = await say("取 1234")
    assert "A-001" in found and "已取走回复 1" in found
    assert "包裹已取 A-001" in await say("1")
    assert "已于" in await say("取 1234")
    shelf = await say("待取")  # the shelf: what still waits, oldest first
    assert "A-002" in shelf and "A-003" in shelf and "A-001" not in shelf
    assert "待取：2 件" in shelf and "第 1/1 页" in shelf
    # A sale through the form: the channel and the confirmation by number.
    for line in ["销售", "脆李", "20斤"]:
        await say(line)
    assert "1. 电商平台" in await say("400")
    assert "金额：400 元" in await say("2")
    assert "脆李 20斤 400 元 直播" in await say("1")
    # A check-in: the station's notice-board code scanned in WeChat, then a location.
    qr = await app.services.run(StationQrCode("A-S1", request_key="cli:qr"), CLI_ACTOR)
    await phone.post(phone.event(me, "SCAN", qr.code))
    checked = (await phone.post(phone.location(me, "29.124000", "106.655000"))).text
    assert "已通过位置核验" in checked, checked
    # A wrong sale, corrected: the void shows the entry and waits for 1; 9 is not an answer.
    assert "#6" in await say("售 苹果 10斤 80")
    preview = await say("作废 6 金额输错")
    assert "苹果" in preview and "确认作废回复 1" in preview
    assert "确认作废回复 1" in await say("9")
    assert "#7" in await say("1")
    assert "作废" in await say("最近")
    # The month: three parcels in, one out, the sale counted, the voided one not.
    month = await say("本月")
    assert "入库：3 · 已取：1" in month and "上行：400 / 1,000 元" in month
    assert "营业天数（扫码签到）：1 天，其中 1 天通过位置核验" in month, month
    assert "2026-10" in await say("本月 2026-10")  # an earlier month
    assert "这不在您负责的范围内" in await say("本月 A-S3")  # another station: refused
    # English on request, the same texts as Telegram's.
    assert "Language set: English." in await say("/lang en")
    assert "Upstream" in await say("本月")
    # The same entries in Telegram's /month for the same station, read by county staff.
    staff = await people.register(7001, Role.COUNTY_STAFF, "A")
    sent = await chat.send(staff, "/month A-S1")
    assert "入库：3 · 已取：1" in sent.text and "上行：400 / 1,000 元" in sent.text
    assert "营业天数（扫码签到）：1 天，其中 1 天通过位置核验" in sent.text  # the same check-in


async def test_one_keeper_on_telegram_and_wechat_is_one_person(app, wechat, chat, people):
    """Linked by a one-time code from Telegram: on WeChat the same station, entries and
    language; the code works once; Telegram's /month counts what was logged on WeChat."""
    keeper = await people.register(5001, Role.KEEPER, "A-S1", language="en")
    sent = await chat.send(keeper, "/lang en")
    sent = await chat.send(keeper, "/link")
    code = sent.text.split("Your link code: ")[1].split(".")[0]
    phone = wechat.phone
    linked = await phone.say("o-same", f"绑定 {code}")
    assert "Linked" in linked  # in the language the person chose on Telegram
    assert "Saved" in await phone.say("o-same", "售 脆李 20斤 400")
    # The code is spent: another WeChat user gets nothing with it.
    assert "已经用过" in await phone.say("o-other", f"绑定 {code}")
    assert "还没有注册" in await phone.say("o-other", "本月")
    month = await chat.send(keeper, "/month")
    assert "Upstream: 400 of 1,000 yuan" in month.text
    recent = await chat.send(keeper, "/recent")
    assert "脆李 20斤 400" in recent.text
    # A stranger on Telegram cannot ask for a code.
    stranger = chat.user(5999, "en")
    assert "not registered" in (await chat.send(stranger, "/link")).text


async def test_a_form_left_alone_is_over_and_a_redelivery_is_not_applied_twice(app, wechat, clock):
    phone, me = wechat.phone, "o-idle"
    token = await wechat.invite("A-S1")
    await phone.post(phone.event(me, "subscribe", f"qrscene_{token}"))
    assert "产品" in await phone.say(me, "销售")
    clock.advance(minutes=31)  # past CUNZHAN_DIALOG_IDLE_MINUTES: the form is over
    assert "没看懂" in await phone.say(me, "脆李")
    # WeChat redelivers a message (same MsgId): the stored answer, one entry.
    body = phone.text(me, "售 苹果 10斤 80", msg_id=4242)
    first, again = await phone.post(body), await phone.post(body)
    assert first.text == again.text and "已保存" in first.text
    # An unusual price waits for 1; anything else repeats the question; 0 writes nothing.
    asked = await phone.say(me, "售 脆李 20斤 40000")
    assert "⚠️" in asked and "回复 1 保存" in asked
    assert "⚠️" in await phone.say(me, "好的")
    assert "已取消" in await phone.say(me, "0")
    await phone.say(me, "售 脆李 20斤 40000")
    assert "40,000 元" in await phone.say(me, "1")
    async with app.engine.connect() as conn:
        from sqlalchemy import func, select

        from storage.schema import ledger_entries

        total = (await conn.execute(select(func.count()).select_from(ledger_entries))).scalar()
    assert total == 2


async def test_a_photographed_waybill_answers_the_tracking_step(app, wechat):
    """The picture is downloaded at full size by its MediaId and its barcode read, as on
    Telegram; a picture with no barcode says what to do and the step stays."""
    from tests.support.waybills import blank_waybill, code128_waybill

    phone, me = wechat.phone, "o-photo"
    token = await wechat.invite("A-S1")
    await phone.post(phone.event(me, "subscribe", f"qrscene_{token}"))
    await phone.say(me, "入库")
    blank = wechat.fake.add_media(blank_waybill())
    refused = (await phone.post(phone.image(me, blank))).text
    assert "没能识别出条码" in refused and "运单号" in refused  # the step is asked again
    photo = wechat.fake.add_media(code128_waybill("YT1234567890123", angle=7))
    answered = (await phone.post(phone.image(me, photo))).text
    assert "收件人" in answered  # on to the next step
    assert "不能用照片回答" in (await phone.post(phone.image(me, photo))).text  # not here
    for line in ["张三", "1234"]:
        await phone.say(me, line)
    saved = await phone.say(me, "1")
    assert "YT1234567890123" in saved and "取件码 A-001" in saved
    # Outside a form (the batch left) a picture is not taken for anything.
    await phone.say(me, "完成")
    assert "不能处理图片" in (await phone.post(phone.image(me, photo))).text

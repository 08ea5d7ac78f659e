"""A busy counter: one-line forms answered in the middle of a step-by-step form, which then
goes on where it was."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.domain.roles import Role
from tests.support.chat import Sent
from tests.support.waybills import code128_waybill


@pytest.fixture
async def keeper(people):
    return await people.register(100, Role.KEEPER, "A-S1", language="zh")


async def kinds(app) -> list[str]:
    async with app.engine.connect() as conn:
        rows = await conn.execute(text("SELECT kind FROM ledger_entries ORDER BY id"))
        return [kind for (kind,) in rows.all()]


async def test_a_batch_intake_interrupted_by_two_pickups(app, chat, keeper):
    await chat.send(keeper, "入 SF1234567890123 张三 1234")
    await chat.send(keeper, "入 YT9876543210123 李四 5678")
    await chat.send(keeper, "/intake")
    sent = await chat.send(keeper, "JT0001234567890")
    assert "收件人" in sent.text
    # A villager walks in: the pickup is answered at once …
    sent = await chat.send(keeper, "取 A-001")
    assert "A-001" in sent.texts[0] and "表单继续" in sent.text and "收件人" in sent.text
    sent = await chat.press(keeper, Sent(sent.calls[:1]), "确认取件")
    assert "已保存" in sent.text
    # … and another, by phone tail.
    sent = await chat.send(keeper, "取 5678")
    sent = await chat.press(keeper, Sent(sent.calls[:1]), "确认取件")
    assert "已保存" in sent.text
    # The intake goes on at the recipient's name.
    await chat.send(keeper, "王五")
    sent = await chat.send(keeper, "9012")
    sent = await chat.press(keeper, sent, "当面")
    assert "A-003" in sent.text
    assert await kinds(app) == [
        "parcel_in",
        "parcel_in",
        "parcel_pickup",
        "parcel_pickup",
        "parcel_in",
    ]


async def test_a_line_that_needs_confirming_waits_for_the_form(app, chat, keeper):
    await chat.send(keeper, "/proxy")
    sent = await chat.send(keeper, "代购 挖掘机 980000")
    assert "确认" in sent.text and "表单" in sent.text
    assert await kinds(app) == []


async def test_cancel_after_a_batch_says_the_saved_parcels_stay(app, chat, keeper):
    await chat.send(keeper, "/intake")
    for number, name, tail in (
        ("SF1234567890123", "张三", "1234"),
        ("YT9876543210123", "李四", "5678"),
    ):
        await chat.send(keeper, number)
        await chat.send(keeper, name)
        sent = await chat.send(keeper, tail)
        await chat.press(keeper, sent, "电话")
    await chat.send(keeper, "JT0001234567890")
    sent = await chat.send(keeper, "/cancel")
    assert "2 件" in sent.text and "保留" in sent.text
    assert await kinds(app) == ["parcel_in", "parcel_in"]


async def carriers(app) -> list[tuple[str, str]]:
    async with app.engine.connect() as conn:
        rows = await conn.execute(
            text("SELECT tracking_no, carrier FROM ledger_entries WHERE kind = 'parcel_in'")
        )
        return [tuple(row) for row in rows.all()]


async def test_a_misread_photo_is_seen_and_corrected_without_restarting(app, chat, keeper):
    await chat.send(keeper, "/intake")
    # The photo decodes to a number: it is shown, with its carrier, before the next question.
    sent = await chat.send_photo(keeper, code128_waybill("SF1234567890123", angle=3))
    assert "识别为 顺丰速运 SF1234567890123，不对请重新发送单号" in sent.text
    assert "收件人" in sent.text
    # The label really said YT…: sent again, it replaces the misread one; the form goes on.
    sent = await chat.send(keeper, "yt 9876 5432 1012 3")
    assert "识别为 圆通速递 YT9876543210123" in sent.text and "收件人" in sent.text
    # The carrier guessed wrong can be named as well (the short name keepers say).
    sent = await chat.send(keeper, "中通")
    assert "识别为 中通快递 YT9876543210123" in sent.text and "收件人" in sent.text
    # A name answers the question; the window to correct the number closes with it.
    sent = await chat.send(keeper, "张三")
    assert "电话" in sent.text and "识别为" not in sent.text
    sent = await chat.press(keeper, await chat.send(keeper, "1234"), "当面")
    assert "A-001" in sent.text
    assert await carriers(app) == [("YT9876543210123", "ZTO")]


async def test_a_number_sent_again_at_the_carrier_question_replaces_it(app, chat, keeper):
    await chat.send(keeper, "/intake")
    sent = await chat.send(keeper, "773194917396313")  # numeric: the carrier is asked
    assert "识别为 773194917396313，不对请重新发送单号" in sent.text and "哪家快递" in sent.text
    # A photo of the right label, at the carrier question: SF is certain, no question now.
    sent = await chat.send_photo(keeper, code128_waybill("SF1234567890123"))
    assert "识别为 顺丰速运 SF1234567890123" in sent.text and "收件人" in sent.text
    # A misread that is already logged is refused at once, and the form stays where it was.
    await chat.send(keeper, "/cancel")
    await chat.send(keeper, "入 JT0001234567890 李四 5678")
    await chat.send(keeper, "/intake")
    await chat.send(keeper, "SF1234567890123")
    sent = await chat.send(keeper, "JT0001234567890")
    assert "已经登记过" in sent.text
    sent = await chat.send(keeper, "王五")
    assert "电话" in sent.text
    assert await kinds(app) == ["parcel_in"]


async def test_the_shelf_and_a_search_mid_form_then_the_form_goes_on(app, chat, keeper):
    await chat.send(keeper, "入 SF1234567890123 李四 5678")
    await chat.send(keeper, "/intake")
    await chat.send(keeper, "JT0001234567890")
    sent = await chat.send(keeper, "待取")
    assert "A-001" in sent.texts[0] and "表单继续" in sent.text and "收件人" in sent.text
    sent = await chat.send(keeper, "查 李四")
    assert "SF1234567890123" in sent.texts[0] and "收件人" in sent.text
    # 查 is also a surname: glued to a name it is the recipient, not a search.
    sent = await chat.send(keeper, "查良镛")
    assert "电话" in sent.text
    sent = await chat.press(keeper, await chat.send(keeper, "1234"), "当面")
    assert "A-002" in sent.text
    async with app.engine.connect() as conn:
        names = (await conn.execute(text("SELECT recipient_name FROM ledger_entries"))).all()
    assert [name for (name,) in names] == ["李四", "查良镛"]

"""The keeper's day in the chat, through the real Dispatcher: intake (typed, photographed,
in batches), pickup, returns, upstream shipments and sales, proxy purchases, services,
one-line forms, bad input, corrections and the month."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.domain.roles import Role
from tests.support.waybills import code128_waybill, qr_waybill


@pytest.fixture
async def keeper(people):
    return await people.register(100, Role.KEEPER, "A-S1", language="zh")


@pytest.fixture
async def keeper_en(people):
    return await people.register(101, Role.KEEPER, "A-S2", language="en")


async def count(app, where: str = "1=1") -> int:
    async with app.engine.connect() as conn:
        return (
            await conn.execute(text(f"SELECT count(*) FROM ledger_entries WHERE {where}"))
        ).scalar()


async def test_intake_dialog_in_batches_with_typed_and_photographed_numbers(app, chat, keeper):
    menu = await chat.send(keeper, "/menu")
    sent = await chat.press(keeper, menu, "入库")
    assert "运单号" in sent.text
    sent = await chat.send(keeper, "SF1234567890123")  # SF: carrier known, no question
    assert "收件人" in sent.text
    sent = await chat.send(keeper, "张三")
    sent = await chat.send(keeper, "138 1234 5678")
    sent = await chat.press(keeper, sent, "电话")
    assert "A-001" in sent.text and "下一件" in sent.text
    # Next parcel, from a rotated photo of its waybill barcode.
    photo = code128_waybill("YT1234567890123", angle=7)
    sent = await chat.send_photo(keeper, photo)
    assert "收件人" in sent.text, sent.text
    await chat.send(keeper, "李四")
    sent = await chat.send(keeper, "5678")
    sent = await chat.press(keeper, sent, "当面")
    assert "A-002" in sent.text
    assert "完成" in (await chat.send(keeper, "/done")).text
    assert await count(app, "kind = 'parcel_in'") == 2
    async with app.engine.connect() as conn:
        dump = str((await conn.exec_driver_sql("SELECT * FROM ledger_entries")).all())
        dump += str((await conn.exec_driver_sql("SELECT * FROM dialog_states")).all())
    assert "13812345678" not in dump and "YT1234567890123" in dump


async def test_qr_waybill_sent_as_file(app, chat, keeper):
    await chat.send(keeper, "/intake")
    sent = await chat.send_photo(
        keeper, qr_waybill("https://m.kuaidi.example/q?no=JT1234567890123"), as_file=True
    )
    assert "收件人" in sent.text, sent.text


async def test_ambiguous_number_asks_the_carrier(app, chat, keeper_en):
    await chat.send(keeper_en, "/intake")
    sent = await chat.send(keeper_en, "773194917396313")
    assert "Which carrier" in sent.text
    sent = await chat.press(keeper_en, sent, "STO")
    assert "Recipient's name" in sent.text


async def test_bad_input_stays_on_the_step_and_writes_nothing(app, chat, keeper_en):
    await chat.send(keeper_en, "/proxy")
    await chat.send(keeper_en, "洗衣机")
    for bad, says in [
        ("abc", "is not an amount"),
        ("0", "more than 0"),
        ("-5", "minus"),
        ("1,20", "groups of three"),
        ("12.345", "2 decimals"),
    ]:
        sent = await chat.send(keeper_en, bad)
        assert says in sent.text, (bad, sent.text)
    sent = await chat.send(keeper_en, "１，２９９元")
    assert "Service fee" in sent.text
    sent = await chat.press(keeper_en, sent, "No fee")
    assert "1,299 yuan" in sent.text
    assert await count(app) == 0
    confirm = sent
    sent = await chat.press(keeper_en, confirm, "Save")
    assert "Saved" in sent.text
    again = await chat.press(keeper_en, confirm, "Save")  # a double tap
    assert "Saved" not in again.text
    assert await count(app) == 1


async def test_shipment_and_sale_dialogs(app, chat, keeper):
    await chat.send(keeper, "/ship")
    await chat.send(keeper, "YT1234567890123")
    await chat.send(keeper, "脆李")
    assert "不是" in (await chat.send(keeper, "3箱")).text  # a box is not a weight
    await chat.send(keeper, "10斤")
    sent = await chat.send(keeper, "85")
    sent = await chat.press(keeper, sent, "保存")
    assert "上行寄件" in sent.text
    await chat.send(keeper, "/sale")
    sent = await chat.send(keeper, "/sale")
    sent = await chat.press(keeper, sent, "脆李")  # the catalogue now has it
    await chat.send(keeper, "20斤")
    sent = await chat.send(keeper, "¥400")
    sent = await chat.press(keeper, sent, "直播")
    sent = await chat.press(keeper, sent, "保存")
    assert "400" in sent.text
    month = (await chat.send(keeper, "/month")).text
    assert "上行：400" in month and "1/100" not in month


async def test_one_line_forms(app, chat, keeper):
    lines = [
        ("入 SF1234567890 张三 1234", "A-001"),
        ("寄 YT123456789012 脆李 10斤 85", "上行寄件"),
        ("售 脆李 20斤 400 直播", "上行销售"),
        ("代购 洗衣机 1299 费20", "代购"),
        ("话费 100", "话费"),
        ("取现 500 费2", "取现"),
    ]
    for line, expect in lines:
        sent = await chat.send(keeper, line)
        assert expect in sent.text, (line, sent.text)
    assert await count(app) == 6
    sent = await chat.send(keeper, "入 SF1234567890 张三 1234")
    assert "已登记" in sent.text and await count(app) == 6  # duplicate shown, not logged
    sent = await chat.send(keeper, "代购 洗衣机")
    assert "代购 洗衣机 1299" in sent.text  # says how to write it


async def test_unusual_amount_needs_a_button(app, chat, keeper_en):
    sent = await chat.send(keeper_en, "代购 拖拉机 3万")
    assert "more than usual" in sent.text and await count(app) == 0
    sent = await chat.press(keeper_en, sent, "Yes, save")
    assert "30,000 yuan" in sent.text and await count(app) == 1


async def test_pickup_by_code_and_by_last_four_once(app, chat, keeper_en):
    await chat.send(keeper_en, "入 SF1234567890 张三 1234")
    await chat.send(keeper_en, "入 SF1234567891 张三 1234")
    sent = await chat.send(keeper_en, "取 A-001")
    first = await chat.press(keeper_en, sent, "Picked up")
    second = await chat.press(keeper_en, sent, "Picked up")
    assert "Saved" in first.text and "Already recorded" in second.text
    assert await count(app, "kind = 'parcel_pickup'") == 1
    sent = await chat.send(keeper_en, "/pickup")
    sent = await chat.send(keeper_en, "1234")
    assert "A-002" in sent.text  # only the waiting one is left
    sent = await chat.press(keeper_en, sent, "Return")
    sent = await chat.send(keeper_en, "无人认领")
    assert "parcel returned" in sent.text
    gone = (await chat.send(keeper_en, "取 1234")).text
    assert "A-001 (SF1234567890, 张三) was picked up on 2026-11-24 10:00 Beijing time" in gone
    assert "A-002" in gone and "returned to sender" in gone and "无人认领" in gone
    assert "No waiting parcel" in (await chat.send(keeper_en, "取 9999")).text


async def test_void_and_history(app, chat, keeper_en):
    saved = (await chat.send(keeper_en, "代购 洗衣机 1299")).text
    entry_id = saved.split("#")[1].split()[0]
    assert "why" in (await chat.send(keeper_en, f"/void {entry_id}")).text
    asked = await chat.send(keeper_en, f"/void {entry_id} 金额输错")
    assert "洗衣机 1,299 yuan" in asked.text and await count(app) == 1  # asks first
    sent = await chat.press(keeper_en, asked, "void it")
    assert "Voided" in sent.text and f"void of #{entry_id}" in sent.text
    again = await chat.press(keeper_en, asked, "void it")
    assert "nothing more was done" in " ".join(again.alerts) and await count(app) == 2
    history = (await chat.send(keeper_en, f"/history {entry_id}")).text
    assert "金额输错" in history and "voided by" in history
    month = (await chat.send(keeper_en, "/month")).text
    assert "Downstream: 0 of 8,000 yuan" in month  # A-S2 is a demonstration station


async def test_staff_cannot_record(chat, people):
    staff = await people.register(200, Role.COUNTY_STAFF, "A", language="en")
    assert "not allowed" in (await chat.send(staff, "代购 洗衣机 1299")).text
    assert "not allowed" in (await chat.send(staff, "/intake")).text


async def test_redelivered_intakes_are_logged_once(app, chat, keeper):
    updates = [
        chat.message_update(keeper, f"入 SF{n:012d} 张三 1234", update_id=10_000 + n)
        for n in range(500)
    ]
    for update in updates:
        await chat.feed(update)
    for update in updates:
        await chat.feed(update)
    assert await count(app, "kind = 'parcel_in'") == 500


async def test_help_documents_the_one_line_forms(chat, keeper, keeper_en):
    assert "入 SF1234567890 张三 1234 — 入库" in (await chat.send(keeper, "/help")).text
    english = (await chat.send(keeper_en, "/help")).text
    assert "Quick one-line forms" in english and "售 脆李 20斤 400 直播 — sale" in english


async def test_a_waybill_photo_alone_starts_an_intake(app, chat, keeper_en):
    sent = await chat.send_photo(keeper_en, code128_waybill("SF1234567890123", angle=90))
    assert "Recipient's name" in sent.text
    await chat.send(keeper_en, "王五")
    sent = await chat.send(keeper_en, "4321")
    sent = await chat.press(keeper_en, sent, "phoned")
    assert "A-001" in sent.text and await count(app, "kind = 'parcel_in'") == 1

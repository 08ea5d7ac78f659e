"""A busy counter: one-line forms answered in the middle of a step-by-step form, which then
goes on where it was."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.domain.roles import Role
from tests.support.chat import Sent


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
    sent = await chat.press(keeper, Sent(sent.calls[:1]), "已取")
    assert "已保存" in sent.text
    # … and another, by phone tail.
    sent = await chat.send(keeper, "取 5678")
    sent = await chat.press(keeper, Sent(sent.calls[:1]), "已取")
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

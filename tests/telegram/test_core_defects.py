"""Defects found when the core was tried as a new user would, each through the Dispatcher."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from bot.domain.roles import Role


@pytest.fixture
async def keeper(people):
    return await people.register(100, Role.KEEPER, "A-S1", language="zh")


async def rows(app, sql: str) -> list[tuple]:
    async with app.engine.connect() as conn:
        return [tuple(r) for r in (await conn.execute(text(sql))).all()]


async def test_intake_of_a_logged_number_is_refused_at_its_step(chat, keeper):
    """It used to fail silently at the last button, and every further press failed."""
    await chat.send(keeper, "入 SF1234567890123 张三 1234")
    await chat.send(keeper, "/intake")
    sent = await chat.send(keeper, "SF1234567890123")
    assert "已经登记过（第 1 条" in sent.text
    # The dialog stays on the tracking-number step: another number goes on.
    sent = await chat.send(keeper, "YT9876543210123")
    assert "收件人" in sent.text
    await chat.send(keeper, "李四")
    sent = await chat.send(keeper, "5678")
    sent = await chat.press(keeper, sent, "电话")
    assert "A-002" in sent.text


async def test_an_entry_counts_in_the_month_the_keeper_sent_it(app, chat, keeper):
    """23:30 on the last day of the month, handled at 01:00 (the bot was down): the entry
    belongs to the month it was sent in; both times are kept."""
    app.clock._now = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)  # 01:00 on 1 Dec, Beijing
    sent_at = datetime(2026, 11, 30, 15, 30, tzinfo=UTC)  # 23:30 on 30 Nov, Beijing
    update = chat.message_update(keeper, "代购 洗衣机 1299", date=sent_at)
    reply = await chat.feed(update)
    assert "已保存" in reply.text
    [(period, occurred, recorded)] = await rows(
        app, "SELECT period, occurred_at, recorded_at FROM ledger_entries"
    )
    assert period == "2026-11"
    assert str(occurred).startswith("2026-11-30 15:30") and str(recorded).startswith(
        "2026-11-30 17:00"
    )


async def test_forged_button_data_with_a_huge_id_is_answered_not_crashed(chat, keeper):
    """Button data comes from the client: an id past the database's integer range must be
    "not found", not an overflow that leaves the keeper without an answer."""
    for data in ("pc:99999999999999999999999:out:abcd", "pc:0:out:abcd"):
        sent = await chat.feed(chat.callback_update(keeper, data))
        assert any("没有这个包裹" in alert or "No such parcel" in alert for alert in sent.alerts)

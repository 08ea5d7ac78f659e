"""Numbers typed after a command, as a new user types them: `²` passes `str.isdigit()` but
not `int()`, a twenty-digit number overflows the database. Each gets an answer saying what
to type instead, writes nothing and leaves the dialog on its step. And when a handler
fails for a reason nobody foresaw, the user is still told, once, and the update is retried."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.domain.roles import Role
from bot.presenters import texts as render


@pytest.fixture
async def keeper(people):
    return await people.register(100, Role.KEEPER, "A-S1", language="zh")


async def count(app) -> int:
    async with app.engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM ledger_entries"))).scalar()


@pytest.mark.parametrize(
    ("command", "usage"),
    [
        ("/history ²", "/history 12"),
        ("/history ①", "/history 12"),
        ("/history 99999999999999999999999", "/history 12"),
        ("/history 12345678901234567890", "/history 12"),
        ("/history " + "1" * 5000, "/history 12"),  # past int()'s 4300-digit limit
        ("/history -3", "/history 12"),
        ("/history 0", "/history 12"),
        ("/void ² 原因", "/void 12 金额输错"),
        ("/void 99999999999999999999999 原因", "/void 12 金额输错"),
        ("/void #x 原因", "/void 12 金额输错"),
    ],
)
async def test_a_bad_entry_number_is_answered_and_the_dialog_stays(
    app, chat, keeper, command, usage
):
    asked = await chat.send(keeper, "/proxy")
    assert "代购了什么" in asked.text, asked.text
    sent = await chat.send(keeper, command)
    assert "不是记录编号" in sent.text and usage in sent.text and "/recent" in sent.text, sent.text
    assert await count(app) == 0
    # The form is still on its first step: the next answer moves it on.
    sent = await chat.send(keeper, "洗衣机")
    assert "金额" in sent.text or "元" in sent.text, sent.text


async def test_full_width_and_hash_numbers_are_read(app, chat, keeper):
    saved = (await chat.send(keeper, "代购 洗衣机 1299")).text
    entry_id = int(saved.split("#")[1].split()[0])
    wide = str(entry_id).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for written in (wide, f"#{entry_id}", f"＃{wide}"):
        assert "洗衣机" in (await chat.send(keeper, f"/history {written}")).text, written
    # The largest number the database holds is a number; there is just no such entry.
    assert "#9223372036854775807" in (await chat.send(keeper, "/history 9223372036854775807")).text


async def test_without_a_number_the_commands_say_how(chat, keeper):
    assert "/history 12" in (await chat.send(keeper, "/history")).text
    assert "/void 12 金额输错" in (await chat.send(keeper, "/void 3")).text


async def test_exception_hours_that_are_not_a_number(chat, people):
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    for hours in ("²", "99999999999999999999999"):
        sent = await chat.send(staff, f"/exception A-S1 2026-10 {hours} 补录")
        assert "Write it like: /exception" in sent.text, sent.text


async def test_an_unexpected_failure_is_told_once_and_retried(chat, keeper, monkeypatch):
    def broken(card, t):
        raise RuntimeError("a bug nobody foresaw")

    monkeypatch.setattr(render, "station_card", broken)
    update = chat.message_update(keeper, "/station", update_id=70_001)
    start = len(chat.session.calls)
    with pytest.raises(RuntimeError):  # the update is not marked handled
        await chat.feed(update)
    told = [getattr(c, "text", "") for c in chat.session.calls[start:]]
    assert told == ["抱歉，系统出了点问题，请过一分钟再试。"]
    # Telegram redelivers it (webhook 500): it runs again, but the apology is not repeated.
    start = len(chat.session.calls)
    with pytest.raises(RuntimeError):
        await chat.feed(update)
    assert chat.session.calls[start:] == []
    # Once the cause is gone, the same update is handled: the failed claim was released.
    monkeypatch.undo()
    assert "桃园村服务站" in (await chat.feed(update)).text


async def test_a_known_error_is_not_an_apology(chat, keeper):
    sent = await chat.send(keeper, "/station NO-SUCH-1")
    assert "NO-SUCH-1" in sent.text and "出了点问题" not in sent.text

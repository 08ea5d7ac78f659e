"""A county in Xinjiang keeps Urumqi time (UTC+6). Its keeper's screens show entry times in
that zone and name it in words (乌鲁木齐时间), carriers by name (圆通速递, not YTO), and
never an IANA name such as Asia/Shanghai."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from bot.domain.roles import Role
from storage.schema import counties, ledger_entries

URUMQI = ZoneInfo("Asia/Urumqi")
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
async def xinjiang(app):
    async with app.engine.begin() as conn:
        await conn.execute(
            update(counties).where(counties.c.code == "B").values(timezone="Asia/Urumqi")
        )


@pytest.fixture
async def keeper(xinjiang, people):
    return await people.register(100, Role.KEEPER, "B-S1", language="zh")


async def entry_times(app) -> dict[int, tuple[str, str]]:
    """Each entry's time as the screens write it: (Urumqi, Beijing)."""
    async with app.engine.connect() as conn:
        rows = await conn.execute(select(ledger_entries.c.id, ledger_entries.c.occurred_at))
        return {
            entry_id: (
                f"{at.astimezone(URUMQI):%m-%d %H:%M}",
                f"{at.astimezone(BEIJING):%m-%d %H:%M}",
            )
            for entry_id, at in rows
        }


def assert_chinese_words(screen: str) -> None:
    assert "Asia/" not in screen and "YTO" not in screen, screen


async def test_entry_month_and_station_screens_use_the_countys_zone(app, chat, keeper):
    await chat.send(keeper, "入 YT1234567890123 张三 1234")
    await chat.send(keeper, "代购 洗衣机 1299")
    times = await entry_times(app)
    assert len(times) == 2

    recent = (await chat.send(keeper, "/recent")).text
    assert "乌鲁木齐时间" in recent and "圆通速递" in recent, recent
    for urumqi, beijing in times.values():
        assert urumqi in recent and beijing not in recent, recent
    assert_chinese_words(recent)

    first = min(times)
    history = (await chat.send(keeper, f"/history {first}")).text
    assert times[first][0] in history and "圆通速递" in history, history
    assert_chinese_words(history)

    month = (await chat.send(keeper, "/month")).text
    assert "本月截止到乌鲁木齐时间 2026-11-30 24:00" in month, month
    assert_chinese_words(month)

    card = (await chat.send(keeper, "/station")).text
    assert "时区：乌鲁木齐时间" in card, card
    assert_chinese_words(card)

    # The shelf shows when the parcel arrived, in the county's zone too.
    typed = await chat.send(keeper, "取 A-001")
    assert times[first][0] in typed.text, typed.text
    await chat.send(keeper, "/pickup")
    found = await chat.send(keeper, "A-001")
    assert times[first][0] in found.text, found.text
    picked = await chat.press(keeper, found, "取件")
    pickup_id = max(await entry_times(app))
    assert (await entry_times(app))[pickup_id][0] in picked.text, picked.text

    asked = await chat.send(keeper, f"/void {max(times)} 测试")
    voided = (await chat.press(keeper, asked, "作废")).text
    reversal = max(await entry_times(app))
    assert (await entry_times(app))[reversal][0] in voided, voided
    assert_chinese_words(voided)


async def test_english_reader_and_a_beijing_county(app, chat, xinjiang, people):
    english = await people.register(101, Role.KEEPER, "B-S1", language="en")
    assert "Time zone: Urumqi time" in (await chat.send(english, "/station")).text
    month = (await chat.send(english, "/month")).text
    assert "The month ends 2026-11-30 at 24:00 Urumqi time." in month, month
    beijing = await people.register(102, Role.KEEPER, "A-S1", language="zh")
    card = (await chat.send(beijing, "/station")).text
    assert "时区：北京时间" in card and "Asia/" not in card

"""Issue 9's "done when", as one morning through the real Dispatcher, in Chinese: a busy
counter (a batch intake interrupted by two pickups — one of them a person taking three
parcels at once — a search by name, a misread number corrected, a back-dated sale in
Chinese numerals, a mistyped void cancelled at its confirmation), then the county
clerk's morning (the stations below threshold in one township, one station's card, the
history of one of its entries). Each part has its own focused test beside it
(test_counter_flow.py, test_counter_and_desk.py); this one checks they hold together."""

from __future__ import annotations

from sqlalchemy import text

from bot.domain.roles import Role
from tests.support.chat import Sent


async def rows(app, sql: str) -> list[tuple]:
    async with app.engine.connect() as conn:
        return [tuple(row) for row in (await conn.execute(text(sql))).all()]


async def test_a_busy_counter_then_a_clerks_morning(app, chat, people, clock):
    keeper = await people.register(200, Role.KEEPER, "A-S1")
    # Yesterday's parcels: 张三 has three waiting, 李四 one with the same phone tail.
    for line in (
        "入 SF1000000000001 张三 1234",
        "入 YT1000000000001 张三 1234",
        "入 SF1000000000002 李四 1234",
        "入 JT1000000000001 张三 1234",
    ):
        assert "取件码" in (await chat.send(keeper, line)).text
    clock.advance(hours=16)

    # This morning's delivery, parcel after parcel.
    await chat.send(keeper, "/intake")
    sent = await chat.send(keeper, "SF2000000000001")
    assert "识别为 顺丰速运 SF2000000000001" in sent.text and "收件人" in sent.text
    # 张三 walks in for his three parcels: one confirmation for all, the form waits.
    sent = await chat.send(keeper, "取 1234")
    offer = await chat.press(keeper, Sent(sent.calls[:1]), "全部 3 件")
    assert all(code in offer.text for code in ("A-001", "A-002", "A-004"))
    taken = await chat.press(keeper, offer, "全部取走")
    assert taken.text.count("已保存") == 3
    # 李四 asks by name; hers is found and handed over.
    found = await chat.send(keeper, "查 李四")
    assert "SF1000000000002" in found.texts[0] and "表单继续" in found.text
    picked = await chat.press(keeper, Sent(found.calls[:1]), "确认取件")
    assert "已保存" in picked.text and "李四 *1234" in picked.text
    # The intake goes on where it was: the number was misread; sent again, it is fixed.
    sent = await chat.send(keeper, "SF2000000000009")
    assert "识别为 顺丰速运 SF2000000000009" in sent.text and "收件人" in sent.text
    await chat.send(keeper, "王五")
    sent = await chat.press(keeper, await chat.send(keeper, "5678"), "当面")
    assert "A-005" in sent.text and "下一件" in sent.text
    # A farmer settles yesterday's sale, said in Chinese numerals.
    sale = await chat.send(keeper, "售 脆李 十斤 一百二 昨天")
    assert "脆李 10斤 120 元" in sale.texts[0] and "11-24" in sale.texts[0], sale.text
    left = await chat.send(keeper, "/done")
    assert "已保存 1 条" in left.text
    # A void with the wrong number is caught at its confirmation.
    asked = await chat.send(keeper, "/void 1 录错了")
    assert "#1" in asked.text and "SF1000000000001" in asked.text
    assert "未保存" in (await chat.press(keeper, asked, "取消")).text

    assert await rows(
        app, "SELECT kind, count(*) FROM ledger_entries GROUP BY kind ORDER BY kind"
    ) == [
        ("parcel_in", 5),
        ("parcel_pickup", 4),
        ("upstream_sale", 1),
    ]
    assert await rows(app, "SELECT count(*) FROM ledger_entries WHERE reverses_id IS NOT NULL") == [
        (0,)
    ]
    assert await rows(
        app, "SELECT tracking_no FROM ledger_entries WHERE tracking_no LIKE 'SF2%'"
    ) == [("SF2000000000009",)]
    (sale_id,) = (await rows(app, "SELECT id FROM ledger_entries WHERE kind = 'upstream_sale'"))[0]

    # The clerk's morning.
    clerk = await people.register(210, Role.COUNTY_STAFF, "A")
    below = (await chat.send(clerk, "/stations A-T1 未达标")).text
    assert "A-S1" in below and "A-S2" in below and "A-S3" not in below, below
    card = (await chat.send(clerk, "/station A-S1")).text
    assert "桃园村服务站" in card and "A-S1" in card, card
    assert "待取包裹：1" in card, card  # 王五's, the only one left
    history = (await chat.send(clerk, f"/history {sale_id}")).text
    assert "脆李 10斤" in history and "桃园村服务站（A-S1）" in history, history
    assert f"#{sale_id} 11-24 12:00（补记于 11-25 02:00）上行销售 脆李 10斤" in history
    assert "/void" not in history  # staff read; only the keeper writes

"""The other two kinds of scan, and what villagers do from the public card, through the
real Dispatcher: staff in scope inspect (location, checklist, notes, photo, a failed result
alerting staff, shown on the station card); a villager rates the station and files a
complaint (anonymous, with a photo) that gets a number, reaches staff, is answered and the
answer goes back; a flood of complaints is refused politely; a villager subscribes to
arrival notices with their own contact (someone else's is refused), a parcel logged for
that number tells them and the keeper, and after /unsubscribe nothing is sent."""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.methods import EditMessageReplyMarkup
from aiogram.types import Update
from sqlalchemy import text

from adapters.qr import qr_png
from bot.domain.roles import Role
from bot.services.reminders import ReminderService
from tests.support.outbox import delivered, rendered
from tests.telegram.test_notice_board_scans import AT_STATION, count, location_update, station_code


def contact_update(chat, user, phone: str, owner: int) -> Update:
    return Update.model_validate(
        {
            "update_id": next(chat._update_ids),
            "message": {
                "message_id": next(chat._message_ids),
                "date": datetime.now(UTC),
                "chat": {"id": user.id, "type": "private"},
                "from": user.model_dump(),
                "contact": {"phone_number": phone, "first_name": "x", "user_id": owner},
            },
        }
    )


async def test_staff_inspect_and_a_failure_alerts_the_county(app, chat, people):
    code = await station_code(app)
    other_staff = await people.register(301, Role.COUNTY_STAFF, "A", language="en")
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    asked = await chat.send(staff, f"/start {code}")
    assert "Inspection of 桃园村服务站" in asked.text
    listed = await chat.feed(location_update(chat, staff, *AT_STATION))
    assert "Checklist" in listed.text
    labels = [label for label, _ in listed.buttons]
    assert labels[:5] == [
        "✅ signage",
        "✅ notice board",
        "✅ fee list",
        "✅ equipment",
        "✅ ledger",
    ]
    ticked = await chat.press(staff, listed, "fee list")
    [edit] = [c for c in ticked.calls if isinstance(c, EditMessageReplyMarkup)]
    edited = [b.text for row in edit.reply_markup.inline_keyboard for b in row]
    assert "❌ fee list" in edited and "✅ signage" in edited
    await chat.feed(chat.callback_update(staff, listed.buttons[-1][1]))  # Next
    notes = await chat.send(staff, "价目表未张贴")
    photo = await chat.send_photo(staff, qr_png("photo"))
    assert "Photo 1 added" in photo.text
    saved = await chat.press(staff, notes, "Failed")
    assert "saved: failed" in saved.text and "fee list" in saved.text, saved.text
    assert "m from the station" in saved.text and "alerted" in saved.text
    alerts = [d.text for d in await delivered(app.engine, "kind = 'inspection_failed'")]
    assert len(alerts) == 2 and "fee list" in alerts[0] and "价目表未张贴" in alerts[0]
    card = await chat.send(staff, "/station A-S1")
    assert "Inspection" in card.text and "failed" in card.text
    assert await count(app, "station_inspections") == 1
    # Staff of another county see only the public card; nothing recorded.
    far = await people.register(302, Role.COUNTY_STAFF, "B", language="en")
    seen = await chat.send(far, f"/start {code}")
    assert "Opening hours" in seen.text and "Inspection" not in seen.text
    assert other_staff


async def test_a_villager_rates_and_complains_and_hears_back(app, chat, people):
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    code = await station_code(app)
    villager = chat.user(900, "en", name="李大妈")
    card = await chat.send(villager, f"/start {code}")
    stars = await chat.press(villager, card, "Rate")
    rated = await chat.press(villager, stars, "⭐⭐⭐⭐")
    assert "4 stars" in rated.text and "Average 4.0 from 1" in rated.text
    again = await chat.press(villager, stars, "⭐⭐")  # changes the rating, not the count
    assert "Average 2.0 from 1" in again.text
    asked = await chat.press(villager, card, "Complaint")
    assert "Write your complaint" in asked.text
    await chat.send(villager, "站长收快递费 2 元一件，公示栏写的免费")
    photo = await chat.send_photo(villager, qr_png("photo"))
    assert "Photo 1 added" in photo.text
    received = await chat.press(villager, photo, "anonymously")
    reference = received.text.split("number is ")[1].split(";")[0]
    assert reference.startswith("TS-") and "/complaint" in received.text
    told = [d.text for d in await delivered(app.engine, "kind = 'complaint'")]
    assert len(told) == 1 and reference in told[0] and "anonymous" in told[0]
    assert "李大妈" not in told[0] and "Photos: 1" in told[0]
    mine = await chat.send(villager, f"/complaint {reference}")
    assert "received" in mine.text and "李大妈" not in mine.text
    nosy = chat.user(901, "en")
    assert "No complaint has the number" in (await chat.send(nosy, f"/complaint {reference}")).text
    seen = await chat.send(staff, f"/complaint {reference}")
    assert "From: anonymous" in seen.text and len(seen.messages) == 2  # the text and the photo
    answered = await chat.send(staff, f"/answer {reference} 已联系站长退还费用")
    assert "handled" in answered.text
    back = await delivered(app.engine, "kind = 'complaint_answered'")
    assert back[0].chat_id == "900" and "已联系站长退还费用" in back[0].text
    assert "handled" in (await chat.send(villager, f"/complaint {reference}")).text
    assert "already answered" in (await chat.send(staff, f"/answer {reference} 再说一次")).text


async def test_a_flood_of_complaints_is_refused_politely(app, chat):
    code = await station_code(app)
    villager = chat.user(900, "en")
    card = await chat.send(villager, f"/start {code}")
    for n in range(3):
        await chat.press(villager, card, "Complaint")
        step = await chat.send(villager, f"第 {n} 次投诉")
        assert "Received" in (await chat.press(villager, step, "with my name")).text
    # The fourth is refused politely when the button is pressed, before any writing.
    refused = await chat.press(villager, card, "Complaint")
    assert "already sent 3 complaints today" in " ".join(refused.alerts), refused
    assert "Please try again tomorrow" in " ".join(refused.alerts)
    assert "Write your complaint" not in refused.text
    assert await count(app, "station_complaints") == 3


async def test_arrival_notices_from_subscription_to_unsubscribe(app, chat, people):
    code = await station_code(app)
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    villager = chat.user(900, "en")
    card = await chat.send(villager, f"/start {code}")
    asked = await chat.press(villager, card, "Parcel-arrival")
    assert asked.messages[-1].reply_markup.keyboard[0][0].request_contact is True
    forged = await chat.feed(contact_update(chat, villager, "13812345678", owner=555))
    assert "your own number" in forged.text and await count(app, "arrival_subscriptions") == 0
    done = await chat.feed(contact_update(chat, villager, "+86 138 1234 5678", owner=900))
    assert "*5678" in done.text and "/unsubscribe" in done.text
    async with app.engine.connect() as conn:
        stored = str((await conn.execute(text("SELECT * FROM arrival_subscriptions"))).all())
    assert "13812345678" not in stored and "5678" in stored
    logged = await chat.send(keeper, "入 SF1234567890 张三 13812345678")
    assert "recipient was notified" in logged.text, logged.text
    [notice] = await delivered(app.engine, "kind = 'parcel_arrived'")
    assert notice.chat_id == "900" and "桃园村服务站" in notice.text and "A-001" in notice.text
    only_tail = await chat.send(keeper, "入 SF1234567891 张三 5678")  # not enough to match
    assert "notified" not in only_tail.text
    gone = await chat.send(villager, "/unsubscribe")
    assert "no more parcel-arrival notices" in gone.text
    after = await chat.send(keeper, "入 SF1234567892 张三 13812345678")
    assert "notified" not in after.text
    assert len(await delivered(app.engine, "kind = 'parcel_arrived'")) == 1


async def test_check_ins_count_as_operating_days_in_month(app, chat, people):
    code = await station_code(app)
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    await chat.send(keeper, f"/start {code}")
    await chat.feed(location_update(chat, keeper, *AT_STATION))
    month = await chat.send(keeper, "/month")
    assert "Operating days (check-ins by scanning the poster): 1, 1 verified" in month.text
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    card = await chat.send(staff, "/station A-S1")
    assert "Last check-in" in card.text and "verified by location" in card.text


async def test_the_county_desk_lists_check_ins_and_filters_silent_stations(
    app, chat, people, clock
):
    """`/stations` shows each station's check-in days this month and its last check-in;
    `/stations nocheckin` keeps those without one for the idle days, and the card agrees."""
    code = await station_code(app)
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    await chat.send(keeper, f"/start {code}")
    await chat.feed(location_update(chat, keeper, *AT_STATION))
    listed = (await chat.send(staff, "/stations")).text
    [row] = [line for line in listed.splitlines() if "A-S1" in line]
    assert "check-ins 1 (1 verified), last check-in just now" in row, row
    [other] = [line for line in listed.splitlines() if "A-S2" in line]
    assert "📵 check-ins 0 (0 verified), never checked in" in other, other
    silent = (await chat.send(staff, "/stations 未签到")).text
    assert "A-S2" in silent and "A-S3" in silent and "A-S1" not in silent
    assert "📵" not in (await chat.send(staff, "/station A-S1")).text
    clock.advance(days=4)  # past the idle days (3) without another check-in
    silent = (await chat.send(staff, "/stations nocheckin")).text
    assert "A-S1" in silent, silent
    card = (await chat.send(staff, "/station A-S1")).text
    assert "No check-in for 3 days or more" in card and "Last check-in" in card, card


async def test_a_keeper_checking_in_but_logging_nothing_is_open_but_idle(app, chat, people, clock):
    """Check-ins made through the chat reach the real idle job: they do not quiet staff's
    alert (idle is about the ledger) but put the station under "open but no entries"."""
    code = await station_code(app)
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    await chat.send(keeper, "入 SF1234567892 张三 13812345678")  # the last ledger entry
    for day in range(1, 9):
        clock.advance(days=1)
        await chat.send(keeper, f"/start {code}")
        lat, lon = AT_STATION
        done = await chat.feed(location_update(chat, keeper, lat + day / 100_000, lon))
        assert "Verified by location" in done.text, done.text
    report = await ReminderService(app.uow, clock).idle("A")
    assert report.stations == 1  # still idle: eight days without an entry
    [digest] = [n.text for n in await rendered(app.engine, "kind = 'idle_digest'")]
    assert "Open but no entries" in digest and "A-S1" in digest, digest
    assert "7 check-in days verified by location" in digest


async def test_the_nocheckin_filter_survives_the_next_page(app, chat, people, clock):
    """Twenty stations more, none checked in: `/stations nocheckin` takes two pages and
    the ▶ button keeps the filter (only A-S1, checked in, stays out of both)."""
    async with app.engine.begin() as conn:
        village = (await conn.execute(text("SELECT id FROM villages WHERE code='A-V1'"))).scalar()
        for n in range(20):
            await conn.execute(
                text(
                    "INSERT INTO stations (code, name, village_id, tier, status, created_at,"
                    " updated_at) VALUES (:code, :name, :village, 'ordinary', 'active', :at, :at)"
                ),
                {"code": f"A-X{n:02d}", "name": f"站{n}", "village": village, "at": clock.now()},
            )
    code = await station_code(app)
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    await chat.send(keeper, f"/start {code}")
    await chat.feed(location_update(chat, keeper, *AT_STATION))
    first = await chat.send(staff, "/stations nocheckin")
    assert "Stations: 22 (page 1 of 2)" in first.text, first.text  # 24 less A-S1 and B-S1
    second = await chat.press(staff, first, "Next")
    assert "Stations: 22 (page 2 of 2)" in second.text, second.text
    assert "A-S1" not in first.text + second.text

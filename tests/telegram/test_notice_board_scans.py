"""The station's poster QR code, scanned through the real Dispatcher: a villager sees the
public card, a keeper of another station is told it is not theirs, the station's own
keeper checks in (inside and outside the geofence, once a day), staff revoke a printed code
and the old poster then answers "no longer valid" with whom to call. Invites keep working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiogram.types import Update
from sqlalchemy import text

from bot.commands.keys import cli_key
from bot.domain.board import is_station_code
from bot.domain.commands import StationQrCode
from bot.domain.roles import Role
from bot.services.invites import CLI_ACTOR
from tests.support.outbox import rendered

# A-S1 is at 29.123456, 106.654321 (tests/support/network.py).
AT_STATION = (29.124, 106.655)  # ~90 m away
FAR = (29.140, 106.654321)  # ~1.8 km north


async def station_code(app, code="A-S1") -> str:
    qr = await app.services.run(StationQrCode(code, request_key=cli_key("qr")), CLI_ACTOR)
    return qr.code


def location_update(chat, user, lat: float, lon: float, live_period: int | None = None) -> Update:
    location = {"latitude": lat, "longitude": lon}
    if live_period:
        location["live_period"] = live_period
    return Update.model_validate(
        {
            "update_id": next(chat._update_ids),
            "message": {
                "message_id": next(chat._message_ids),
                "date": datetime.now(UTC),
                "chat": {"id": user.id, "type": "private"},
                "from": user.model_dump(),
                "location": location,
            },
        }
    )


def live_edit(chat, user, message_id: int, lat: float, lon: float, minute: int) -> Update:
    """The client updating a live location: the same message, edited."""
    started = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    return Update.model_validate(
        {
            "update_id": next(chat._update_ids),
            "edited_message": {
                "message_id": message_id,
                "date": started,
                "edit_date": int((started + timedelta(minutes=minute)).timestamp()),
                "chat": {"id": user.id, "type": "private"},
                "from": user.model_dump(),
                "location": {"latitude": lat, "longitude": lon, "live_period": 3600},
            },
        }
    )


async def count(app, table: str) -> int:
    async with app.engine.connect() as conn:
        return (await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar()


async def test_the_code_is_opaque_stable_and_issued_once(app):
    first = await station_code(app)
    assert is_station_code(first) and "A-S1" not in first
    assert len(first) == 2 + 22  # "s_" and 128 random bits, URL-safe: no id in it
    assert await station_code(app) == first  # a reprint carries the same code
    assert await station_code(app, "A-S2") != first
    assert await count(app, "station_codes") == 2


async def test_a_villager_sees_the_public_card_and_nothing_more(app, chat, people):
    await people.register(200, Role.KEEPER, "A-S1")  # named 测试, who has not chosen yet
    code = await station_code(app)
    villager = chat.user(900, "en")
    seen = await chat.send(villager, f"/start {code}")
    assert "桃园村服务站" in seen.text and "桃园村" in seen.text and "Opening hours" in seen.text
    for private in ("Tier", "A-S1", "downstream", "ledger", "Check-in", "Keeper"):
        assert private not in seen.text, private
    assert "测试" not in seen.text  # no name before the keeper chooses what to show


async def test_a_keeper_of_another_station_is_told_it_is_not_theirs(app, chat, people):
    code = await station_code(app)
    other = await people.register(201, Role.KEEPER, "A-S2", language="en")
    seen = await chat.send(other, f"/start {code}")
    assert "not your station" in seen.text and "桃园村服务站" in seen.text
    assert await count(app, "station_checkins") == 0


async def test_the_keeper_checks_in_once_a_day_verified_by_location(app, chat, people, clock):
    code = await station_code(app)
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    asked = await chat.send(keeper, f"/start {code}")
    assert "share your location" in asked.text
    button = asked.messages[-1].reply_markup.keyboard[0][0]
    assert button.request_location is True
    typed = await chat.send(keeper, "I am here")  # not a location: asked again, nothing saved
    assert "share your location" in typed.text and await count(app, "station_checkins") == 0
    done = await chat.feed(location_update(chat, keeper, *AT_STATION))
    assert "Verified by location" in done.text and "within 300 m" in done.text, done.text
    # A second scan the same day answers with the first check-in.
    await chat.send(keeper, f"/start {code}")
    again = await chat.feed(location_update(chat, keeper, *FAR))
    assert "already checked in today" in again.text and "Verified by location" in again.text
    assert await count(app, "station_checkins") == 1
    # Next day, outside the fence: kept, unverified, with the distance.
    clock.advance(days=1)
    await chat.send(keeper, f"/start {code}")
    far = await chat.feed(location_update(chat, keeper, *FAR))
    assert "Not verified" in far.text and "m from the station" in far.text, far.text
    assert "more than 300 m" in far.text
    assert await count(app, "station_checkins") == 2


async def test_an_impossible_move_is_flagged_to_staff(app, chat, people, clock):
    await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    code = await station_code(app)
    await chat.send(keeper, f"/start {code}")
    await chat.feed(location_update(chat, keeper, 30.5, 106.654321))  # ~150 km north
    clock.advance(days=1)  # local midnight passed… but only minutes of real time:
    async with app.engine.begin() as conn:  # the first check-in was 10 minutes before
        await conn.execute(text("UPDATE station_checkins SET at = :at"), {"at": clock.now()})
    clock.advance(minutes=10)
    await chat.send(keeper, f"/start {code}")
    flagged = await chat.feed(location_update(chat, keeper, *AT_STATION))
    assert "Flagged" in flagged.text and "Verified by location" not in flagged.text
    notices = [n.text for n in await rendered(app.engine, "kind = 'checkin_flagged'")]
    assert notices and "km" in notices[0] and "what the phone claims" in notices[0]


async def test_staff_revoke_a_code_and_the_old_poster_says_whom_to_call(app, chat, people):
    old = await station_code(app)
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    revoked = await chat.send(staff, "/revoke_qr A-S1")
    assert revoked.messages and "no longer works" in revoked.text, revoked.text
    new = await station_code(app)
    assert new != old and is_station_code(new)
    villager = chat.user(900, "en")
    stale = await chat.send(villager, f"/start {old}")
    assert "no longer valid" in stale.text and "甲县" in stale.text, stale.text
    assert "county e-commerce office" in stale.text and "桃园村服务站" in stale.text
    assert "桃园村服务站" in (await chat.send(villager, f"/start {new}")).text
    # Out of scope, and not for keepers.
    assert "outside" in (await chat.send(staff, "/revoke_qr B-S1")).text
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    assert "not allowed" in (await chat.send(keeper, "/revoke_qr A-S1")).text
    assert await station_code(app) == new


async def test_unknown_station_codes_and_invites_still_dispatch(app, chat, people):
    stranger = chat.user(901, "en")
    fake = "s_" + "A" * 22
    assert "not recognised" in (await chat.send(stranger, f"/start {fake}")).text
    assert "not recognised" in (await chat.send(stranger, "/start s_1")).text
    # An invite payload (i_…) still registers (people.register asserts the welcome).
    await people.register(202, Role.KEEPER, "A-S3", language="en")


async def test_a_position_that_never_moves_is_flagged(app, chat, people, clock):
    await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    code = await station_code(app)
    await chat.send(keeper, f"/start {code}")
    first = await chat.feed(location_update(chat, keeper, *AT_STATION))
    assert "Verified by location" in first.text
    clock.advance(days=1)
    await chat.send(keeper, f"/start {code}")
    same = await chat.feed(location_update(chat, keeper, *AT_STATION))  # to the 0.1 m
    assert "exactly the same position" in same.text and "Verified" not in same.text
    clock.advance(days=1)
    await chat.send(keeper, f"/start {code}")
    moved = await chat.feed(location_update(chat, keeper, 29.12401, 106.65501))  # ~1.5 m
    assert "Verified by location" in moved.text
    notices = [n.text for n in await rendered(app.engine, "kind = 'checkin_flagged'")]
    assert len(notices) == 1 and "never moves" in notices[0]


async def test_a_station_without_position_has_its_first_check_in_proposed(app, chat, people, clock):
    staff = await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    nothing = await chat.send(staff, "/set_position A-S2")
    assert "no check-in yet" in nothing.text
    keeper = await people.register(201, Role.KEEPER, "A-S2", language="en")  # no GPS on file
    code = await station_code(app, "A-S2")
    await chat.send(keeper, f"/start {code}")
    done = await chat.feed(location_update(chat, keeper, 29.2, 106.7))
    assert "Not verified" in done.text and "no position on file" in done.text
    [proposed] = [n.text for n in await rendered(app.engine, "kind = 'position_proposed'")]
    assert "29.200000, 106.700000" in proposed and "桃园二站" in proposed
    # Staff confirm it: from the next day, check-ins there are verified by location.
    confirmed = await chat.send(staff, "/set_position A-S2")
    assert "is now at 29.200000, 106.700000" in confirmed.text, confirmed.text
    assert "already has a position" in (await chat.send(staff, "/set_position A-S2")).text
    assert "outside" in (await chat.send(staff, "/set_position B-S1")).text
    assert "not allowed" in (await chat.send(keeper, "/set_position A-S2")).text
    clock.advance(days=1)
    await chat.send(keeper, f"/start {code}")
    verified = await chat.feed(location_update(chat, keeper, 29.2001, 106.7001))
    assert "Verified by location" in verified.text, verified.text


async def checkin_row(app):
    async with app.engine.connect() as conn:
        return (await conn.execute(text("SELECT id, verified, flag FROM station_checkins"))).one()


async def test_a_live_location_that_never_moves_is_flagged_to_staff(app, chat, people, clock):
    await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    code = await station_code(app)
    await chat.send(keeper, f"/start {code}")
    shared = location_update(chat, keeper, *AT_STATION, live_period=3600)
    done = await chat.feed(shared)
    assert "Verified by location" in done.text
    message_id = shared.message.message_id
    for minute in (5, 10):  # the same position, to the micro-degree: not yet a period's worth
        clock.advance(minutes=5)
        quiet = await chat.feed(live_edit(chat, keeper, message_id, *AT_STATION, minute))
        assert quiet.messages == []  # the phone sends these by itself: no answer
    again = live_edit(chat, keeper, message_id, *AT_STATION, 10)  # redelivered: counts once
    await chat.feed(again)
    assert await rendered(app.engine, "kind = 'checkin_flagged'") == []
    assert (await checkin_row(app)).verified
    clock.advance(minutes=5)
    await chat.feed(live_edit(chat, keeper, message_id, *AT_STATION, 15))
    [notice] = [n.text for n in await rendered(app.engine, "kind = 'checkin_flagged'")]
    assert "never moved" in notice and "3 updates over 15 minutes" in notice, notice
    assert "what the phone claims" in notice and "verified by location" in notice
    row = await checkin_row(app)
    assert row.flag == "frozen_live" and not row.verified
    clock.advance(minutes=5)  # later updates flag nothing more
    await chat.feed(live_edit(chat, keeper, message_id, *AT_STATION, 20))
    assert len(await rendered(app.engine, "kind = 'checkin_flagged'")) == 1
    await chat.send(keeper, f"/start {code}")  # the day's check-in now says so
    told = await chat.feed(location_update(chat, keeper, *AT_STATION))
    assert "never moved" in told.text and "Verified by location" not in told.text, told.text


async def test_a_live_location_that_moves_is_not_flagged(app, chat, people, clock):
    await people.register(300, Role.COUNTY_STAFF, "A", language="en")
    keeper = await people.register(200, Role.KEEPER, "A-S1", language="en")
    other = await people.register(201, Role.KEEPER, "A-S2", language="en")
    code = await station_code(app)
    await chat.send(keeper, f"/start {code}")
    shared = location_update(chat, keeper, *AT_STATION, live_period=900)
    await chat.feed(shared)
    lat, lon = AT_STATION
    for minute in range(5, 35, 5):  # a phone's fix wanders by a metre or two
        clock.advance(minutes=5)
        wander = (lat + (minute % 2) / 100_000, lon)
        await chat.feed(live_edit(chat, keeper, shared.message.message_id, *wander, minute))
    # Someone else's update of a message with the same id in their own chat moves nothing.
    for minute in range(40, 60, 5):
        await chat.feed(live_edit(chat, other, shared.message.message_id, *AT_STATION, minute))
    assert await rendered(app.engine, "kind = 'checkin_flagged'") == []
    row = await checkin_row(app)
    assert row.verified and row.flag is None

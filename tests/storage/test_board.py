"""The notice board's storage through its use cases, on SQLite, PostgreSQL and memory:
one code per station however often or concurrently it is asked for; a revoke retried
revokes once; a profile save retried tells staff once; one check-in per station and day
even when two arrive at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.board import ContactShown
from bot.domain.commands import (
    AnswerComplaint,
    CheckInAtStation,
    ConfirmPosition,
    FileComplaint,
    ListStations,
    RateStation,
    RecordIntake,
    RevokeStationQr,
    SaveProfile,
    ScanStation,
    StationQrCode,
    SubscribeArrivals,
    TrackLiveLocation,
    UnsubscribeArrivals,
)
from bot.domain.errors import CunzhanError, InvalidInput
from bot.domain.phones import PhoneInput
from bot.domain.roles import Role
from bot.services.authz import Actor
from bot.services.bus import Services
from bot.services.env import Env
from bot.services.invites import CLI_ACTOR
from tests.storage.test_invites import TTL, invite, redeem
from tests.support.backends import count, seed_network, table_rows


@pytest.fixture
def services(uow_factory, clock) -> Services:
    return Services(uow_factory, Env(clock, b"k", invite_ttl=TTL))


async def keeper(services, user: int, code: str):
    created = await invite(services, Role.KEEPER, code)
    return (await redeem(services, user, created.token)).actor


async def test_one_code_per_station_even_when_asked_at_once(uow_factory, services):
    await seed_network(uow_factory)
    asks = [StationQrCode("A-S1", request_key=f"cli:qr:{n}") for n in range(8)]
    if uow_factory.__class__.__name__.startswith("Memory"):
        results = [await services.run(a, CLI_ACTOR) for a in asks]
    else:
        results = await asyncio.gather(*(services.run(a, CLI_ACTOR) for a in asks))
    assert len({r.code for r in results}) == 1, [(r.code, r.generation) for r in results]
    assert await count(uow_factory, "station_codes") == 1


async def test_a_retried_revoke_revokes_once(uow_factory, services):
    await seed_network(uow_factory)
    old = (await services.run(StationQrCode("A-S1", request_key="k0"), CLI_ACTOR)).code
    first = await services.run(RevokeStationQr("A-S1", request_key="cli:revoke:1"), CLI_ACTOR)
    again = await services.run(RevokeStationQr("A-S1", request_key="cli:revoke:1"), CLI_ACTOR)
    assert first.new.code == again.new.code != old
    rows = await table_rows(uow_factory, "station_codes")
    assert len(rows) == 2 and sum(r["revoked_at"] is None for r in rows) == 1
    stale = await services.run(ScanStation(old), CLI_ACTOR)
    assert stale.kind == "revoked"


async def test_a_retried_profile_save_tells_staff_once(uow_factory, services):
    await seed_network(uow_factory)
    staff_invite = await invite(services, Role.COUNTY_STAFF, "A")
    await redeem(services, 600, staff_invite.token)
    me = await keeper(services, 601, "A-S1")
    save = SaveProfile("8:00-20:00", "快递收发", "免费", ContactShown.NAME, request_key="tg:s:1")
    assert (await services.run(save, me)).saved
    assert not (await services.run(save, me)).saved
    assert await count(uow_factory, "outbox") == 1
    with pytest.raises(InvalidInput):
        await services.run(SaveProfile("x" * 200, "", "", "name", request_key="tg:s:2"), me)


async def test_one_check_in_per_station_and_day(uow_factory, services):
    await seed_network(uow_factory)
    me = await keeper(services, 602, "A-S1")
    code = (await services.run(StationQrCode(request_key="k"), me)).code
    tries = [
        CheckInAtStation(code, 29_123_456, 106_654_321, request_key=f"tg:c:{n}") for n in range(3)
    ]
    results = [await services.run(c, me) for c in tries]
    assert [r.already for r in results] == [False, True, True]
    assert results[0].checkin.verified and results[0].checkin.distance_m == 0
    assert await count(uow_factory, "station_checkins") == 1


async def test_complaints_retry_once_limit_per_person_and_are_answered_once(uow_factory, services):
    await seed_network(uow_factory)
    staff_invite = await invite(services, Role.COUNTY_STAFF, "A")
    staff = (await redeem(services, 600, staff_invite.token)).actor
    code = (await services.run(StationQrCode("A-S1", request_key="k"), CLI_ACTOR)).code
    villager = Actor(channel="telegram", external_id="900")
    file = FileComplaint(code, "不开门", chat_id="900", request_key="tg:900:1")
    first = await services.run(file, villager)
    assert (await services.run(file, villager)).reference == first.reference  # a retry
    for n in range(2, 4):
        await services.run(FileComplaint(code, "又不开门", request_key=f"tg:900:{n}"), villager)
    with pytest.raises(CunzhanError, match="already sent"):
        await services.run(FileComplaint(code, "再投诉", request_key="tg:900:9"), villager)
    assert await count(uow_factory, "station_complaints") == 3
    answer = AnswerComplaint(first.reference, "已整改", request_key="tg:600:1")
    assert (await services.run(answer, staff)).complaint.status == "handled"
    with pytest.raises(InvalidInput, match="already answered"):
        await services.run(AnswerComplaint(first.reference, "x", request_key="tg:600:2"), staff)
    rows = await table_rows(uow_factory, "outbox", kind="complaint_answered")
    assert len(rows) == 1


async def test_arrival_subscriptions_keep_no_number_and_intake_notifies(uow_factory, services):
    await seed_network(uow_factory)
    me = await keeper(services, 602, "A-S1")
    villager = Actor(channel="telegram", external_id="900")
    subscribe = SubscribeArrivals("+86 138-1234-5678", chat_id="900", request_key="tg:900:1")
    assert (await services.run(subscribe, villager)).new
    assert not (await services.run(subscribe, villager)).new
    assert "13812345678" not in str(await table_rows(uow_factory, "arrival_subscriptions"))
    intake = RecordIntake(
        "SF1234567890", "张三", PhoneInput(full="13812345678"), request_key="tg:602:1"
    )
    assert (await services.run(intake, me)).notified == 1
    assert (await services.run(intake, me)).notified == 0  # a retry notifies no one again
    assert len(await table_rows(uow_factory, "outbox", kind="parcel_arrived")) == 1
    assert await services.run(UnsubscribeArrivals(request_key="tg:900:2"), villager) == 1
    assert await count(uow_factory, "arrival_subscriptions") == 0


async def test_staff_confirm_a_proposed_position_once(uow_factory, services):
    await seed_network(uow_factory)
    staff_invite = await invite(services, Role.COUNTY_STAFF, "A")
    staff = (await redeem(services, 600, staff_invite.token)).actor
    me = await keeper(services, 603, "A-S2")  # A-S2 has no position on file
    code = (await services.run(StationQrCode(request_key="k"), me)).code
    await services.run(CheckInAtStation(code, 29_200_000, 106_700_000, request_key="c1"), me)
    done = await services.run(ConfirmPosition("A-S2", request_key="p1"), staff)
    assert done.position.text() == "29.200000, 106.700000"
    [row] = await table_rows(uow_factory, "stations", code="A-S2")
    assert (row["lat_e6"], row["lon_e6"]) == (29_200_000, 106_700_000)
    with pytest.raises(InvalidInput, match="already has a position"):
        await services.run(ConfirmPosition("A-S2", request_key="p2"), staff)


async def test_a_keeper_does_not_rate_their_own_station(uow_factory, services):
    await seed_network(uow_factory)
    me = await keeper(services, 604, "A-S1")
    code = (await services.run(StationQrCode(request_key="k"), me)).code
    with pytest.raises(InvalidInput, match="your own station"):
        await services.run(RateStation(code, 5, request_key="r1"), me)
    assert await count(uow_factory, "station_ratings") == 0


async def test_the_desk_lists_check_ins_in_one_read_per_county(uow_factory, services, clock):
    """`/stations`: this month's check-in days (verified ones) and the last check-in ever,
    per station; `nocheckin` keeps stations silent for the county's idle days (3)."""
    await seed_network(uow_factory)
    one, two = await keeper(services, 602, "A-S1"), await keeper(services, 603, "A-S2")
    code1 = (await services.run(StationQrCode(request_key="k1"), one)).code
    code2 = (await services.run(StationQrCode(request_key="k2"), two)).code
    clock.advance(days=-30)  # 25 October: last month, for both
    await services.run(CheckInAtStation(code1, 29_123_400, 106_654_300, request_key="a"), one)
    await services.run(CheckInAtStation(code2, 29_000_000, 106_000_000, request_key="b"), two)
    clock.advance(days=28)  # 22 November: A-S1 verified
    await services.run(CheckInAtStation(code1, 29_123_456, 106_654_321, request_key="c"), one)
    clock.advance(days=1)  # 23 November: A-S1 outside the fence
    await services.run(CheckInAtStation(code1, 29_140_000, 106_654_321, request_key="d"), one)
    clock.advance(days=1)
    staff = await redeem(services, 700, (await invite(services, Role.COUNTY_STAFF, "A")).token)
    page = await services.run(ListStations(), staff.actor)
    rows = {r.card.code: r for r in page.rows}
    assert (rows["A-S1"].checkins.days, rows["A-S1"].checkins.verified_days) == (2, 1)
    assert rows["A-S1"].checkins.last_at == clock.now() - timedelta(days=1)
    assert not rows["A-S1"].no_checkin
    assert (rows["A-S2"].checkins.days, rows["A-S2"].checkins.last_at is not None) == (0, True)
    assert rows["A-S2"].no_checkin and rows["A-S3"].no_checkin  # last month; never
    silent = await services.run(ListStations(no_checkin=True), staff.actor)
    assert [r.card.code for r in silent.rows] == ["A-S2", "A-S3"]
    assert "B-S1" not in {r.card.code for r in page.rows}  # another county's stations


async def test_a_live_location_is_followed_once_per_update(uow_factory, services, clock):
    """A frozen live location is flagged once, whatever the retries and concurrency; a
    redelivered update (same edit time) counts once; a moved one stops the count."""
    await seed_network(uow_factory)
    me = await keeper(services, 602, "A-S1")
    code = (await services.run(StationQrCode(request_key="k"), me)).code
    start = clock.now()
    here = CheckInAtStation(code, 29_123_456, 106_654_321, live_period_s=600, request_key="m1")
    assert (await services.run(here, me)).checkin.verified

    def update(minute: int, lat: int = 29_123_456) -> TrackLiveLocation:
        at = start + timedelta(minutes=minute)
        return TrackLiveLocation("m1", lat, 106_654_321, at, request_key="m1")

    clock.advance(minutes=4)
    assert (await services.run(update(4), me)).counted
    assert not (await services.run(update(4), me)).counted  # redelivered
    clock.advance(minutes=4)
    assert not (await services.run(update(8), me)).flagged
    clock.advance(minutes=4)  # past the 10-minute period: three identical updates
    results = await asyncio.gather(*(services.run(update(12 + n), me) for n in range(3)))
    assert sum(r.flagged for r in results) == 1
    [row] = await table_rows(uow_factory, "station_checkins")
    assert row["flag"] == "frozen_live" and not row["verified"]
    # Another check-in (next day) whose live location moves is never flagged.
    clock.advance(days=1)
    there = CheckInAtStation(code, 29_123_460, 106_654_321, live_period_s=60, request_key="m2")
    await services.run(there, me)
    moved = TrackLiveLocation("m2", 29_123_470, 106_654_321, clock.now(), request_key="m2")
    assert (await services.run(moved, me)).counted
    for _ in range(4):
        clock.advance(minutes=1)
        again = TrackLiveLocation("m2", 29_123_460, 106_654_321, clock.now(), request_key="m2")
        assert not (await services.run(again, me)).counted  # moved once: no longer followed
    rows = await table_rows(uow_factory, "station_checkins")
    assert [r["flag"] for r in rows] == ["frozen_live", None]

"""The notice board's storage through its use cases, on SQLite, PostgreSQL and memory:
one code per station however often or concurrently it is asked for; a revoke retried
revokes once; a profile save retried tells staff once; one check-in per station and day
even when two arrive at once."""

from __future__ import annotations

import asyncio

import pytest

from bot.domain.board import ContactShown
from bot.domain.commands import (
    CheckInAtStation,
    RevokeStationQr,
    SaveProfile,
    ScanStation,
    StationQrCode,
)
from bot.domain.errors import InvalidInput
from bot.domain.roles import Role
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
    asks = [StationQrCode("A-S1", request_key=f"cli:qr:{n}") for n in range(4)]
    if uow_factory.__class__.__name__.startswith("Memory"):
        results = [await services.run(a, CLI_ACTOR) for a in asks]
    else:
        results = await asyncio.gather(*(services.run(a, CLI_ACTOR) for a in asks))
    assert len({r.code for r in results}) == 1
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

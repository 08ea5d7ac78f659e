"""County staff on the retention ladder (bot.services.ladder), on the memory backend:
remove, keep, reinstate, each once per button press, audited, and the keeper told."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from bot.domain.commands import DecideRemoval, OpenLockException, ReinstateStation
from bot.domain.errors import InvalidInput, NotAllowed, NotFound
from bot.domain.network import StationStatus
from bot.domain.roles import Role
from storage.memory import MemoryUnitOfWorkFactory
from tests.support.backends import seed_network, table_rows, update_rows
from tests.support.scoring import register


def remove(world, reason="连续三个月未达标", key="tg:2:rm", decision="remove", period="2026-10"):
    command = DecideRemoval(
        station_id=world.net.station_a3,
        period=period,
        decision=decision,
        reason=reason,
        request_key=key,
    )
    return world.services.run(command, world.staff)


async def status(world, code="A-S3") -> StationStatus:
    async with world.uow() as uow:
        return (await uow.network.station_by_code(code)).status


async def test_removal_is_recorded_audited_and_told_to_the_keeper_once(world):
    decided = await remove(world)
    assert (decided.status_after, decided.already) == ("removed", False)
    assert await status(world) is StationStatus.REMOVED
    again = await remove(world)  # the same button, pressed twice
    assert again.already
    async with world.uow() as uow:
        [decision] = await uow.decisions.of_station(world.net.station_a3)
        audit = await uow.audit.entries("station:A-S3")
    assert (decision["decision"], decision["status_before"], decision["period"]) == (
        "remove",
        "active",
        "2026-10",
    )
    assert decision["decided_by"] == world.staff.person_id
    assert [a["action"] for a in audit] == ["station.remove"]
    [notice] = await table_rows(world.uow, "outbox")
    assert (notice["kind"], notice["person_id"], notice["status"]) == (
        "decision",
        world.keeper.person_id,
        "pending",
    )
    assert '"decision":"remove"' in notice["params"]


async def test_a_removed_station_is_not_removed_twice_by_another_press(world):
    await remove(world, key="k1")
    later = await remove(world, key="k2")
    assert later.already and len(await table_rows(world.uow, "station_decisions")) == 1


async def test_keep_leaves_the_station_on_probation(world):
    await update_rows(world.uow, "stations", {"code": "A-S3"}, status="probation")
    decided = await remove(world, decision="keep", reason="再观察一个月")
    assert decided.status_after == "probation" and not decided.already
    assert await status(world) is StationStatus.PROBATION


async def test_reinstate_only_what_was_removed(world):
    reinstate = ReinstateStation(code="a-s3", reason="整改完成", request_key="tg:2:back")
    with pytest.raises(InvalidInput, match="nothing to reinstate"):
        await world.services.run(reinstate, world.staff)
    await remove(world)
    back = await world.services.run(reinstate, world.staff)
    assert back.status_after == "active" and await status(world) is StationStatus.ACTIVE
    kinds = [d["decision"] for d in await table_rows(world.uow, "station_decisions")]
    assert kinds == ["remove", "reinstate"]


async def test_refusals_write_nothing(world):
    with pytest.raises(InvalidInput, match="Give a reason"):
        await remove(world, reason=" x ")
    with pytest.raises(InvalidInput, match="remove or keep"):
        await remove(world, decision="maybe")
    with pytest.raises(NotAllowed):  # a keeper cannot decide
        await world.services.run(
            DecideRemoval(world.net.station_a3, "2026-10", "remove", "原因", request_key="x"),
            world.keeper,
        )
    with pytest.raises(NotAllowed):  # staff of A cannot decide on county B
        await world.services.run(
            DecideRemoval(world.net.station_b1, "2026-10", "remove", "原因", request_key="y"),
            world.staff,
        )
    with pytest.raises(NotFound):
        await world.services.run(
            ReinstateStation(code="NOPE-1", reason="原因", request_key="z"), world.staff
        )
    for table in ("station_decisions", "outbox"):
        assert await table_rows(world.uow, table) == []
    assert await status(world) is StationStatus.ACTIVE


async def test_a_use_case_joins_the_callers_unit_of_work(world):
    """The update pipeline runs a use case inside its own transaction and commits it."""
    async with world.uow(write=True) as uow:
        await world.services.run(
            DecideRemoval(world.net.station_a3, "2026-10", "remove", "原因", request_key="j"),
            world.staff,
            uow,
        )
        assert (await uow.network.station_by_code("A-S3")).status is StationStatus.REMOVED
    # Not committed by the caller: nothing happened.
    assert await status(world) is StationStatus.ACTIVE
    assert await table_rows(world.uow, "outbox") == []


async def test_lock_exception_needs_a_closed_month(world, clock):
    ask = OpenLockException(code="A-S3", period="2026-10", hours=4, reason="补录", request_key="e")
    with pytest.raises(InvalidInput, match="not closed"):
        await world.services.run(ask, world.staff)
    with pytest.raises(InvalidInput, match="1 to 168 hours"):
        await world.services.run(
            OpenLockException("A-S3", "2026-10", 0, "补录", request_key="e0"), world.staff
        )
    with pytest.raises(InvalidInput, match="YYYY-MM"):
        await world.services.run(
            OpenLockException("A-S3", "10/2026", 4, "补录", request_key="e1"), world.staff
        )
    async with world.uow(write=True) as uow:
        await uow.locks.lock(world.net.county_a, "2026-10", clock.now(), None)
        await uow.commit()
    card, expires = await world.services.run(ask, world.staff)
    assert card.code == "A-S3" and expires == clock.now() + timedelta(hours=4)
    async with world.uow() as uow:
        is_open = uow.locks.exception_open
        assert await is_open(card.id, "2026-10", clock.now() + timedelta(hours=3))
        assert not await is_open(card.id, "2026-10", expires)
        assert [a["action"] for a in await uow.audit.entries("station:")] == ["lock.exception"]


async def test_a_hundred_decisions_take_well_under_a_second(services):
    """Each its own write unit of work: service tests on memory cost milliseconds."""
    uow = services.uow
    assert isinstance(uow, MemoryUnitOfWorkFactory)
    net = await seed_network(uow)
    staff = await register(services, 9, Role.COUNTY_STAFF, "A")
    started = time.perf_counter()
    for n in range(100):
        decision = "remove" if n % 2 == 0 else "reinstate"
        if decision == "remove":
            command = DecideRemoval(net.station_a1, "2026-10", "remove", "原因", request_key=f"{n}")
        else:
            command = ReinstateStation(code="A-S1", reason="原因", request_key=f"{n}")
        await services.run(command, staff)
    assert time.perf_counter() - started < 1.0
    assert len(await table_rows(uow, "station_decisions")) == 100

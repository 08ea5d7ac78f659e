"""A county with subsidy claims to file, on any backend: keepers of A-S1 and A-S3, staff
of A and of B, shipments logged in October 2026, and October closed by the review."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.domain.commands import RecordShipment
from bot.domain.roles import Role
from bot.services.authz import Actor
from bot.services.bus import Services
from bot.services.env import Env
from tests.support.backends import seed_network
from tests.support.network import Net
from tests.support.scoring import at, register

OCTOBER = "2026-10"


@dataclass
class ClaimsWorld:
    uow: object
    services: Services
    net: Net
    clock: object
    keeper: Actor  # A-S1
    other_keeper: Actor  # A-S3, same county
    staff: Actor  # county A
    foreign_staff: Actor  # county B


async def claims_world(uow_factory, clock) -> ClaimsWorld:
    net = await seed_network(uow_factory, opened_on=date(2025, 1, 1))
    clock._now = at("2026-10-10")
    services = Services(uow_factory, Env(clock, b"k"))
    keeper = await register(services, 1, Role.KEEPER, "A-S1", lang="zh")
    other = await register(services, 3, Role.KEEPER, "A-S3", lang="zh")
    staff = await register(services, 2, Role.COUNTY_STAFF, "A")
    foreign = await register(services, 4, Role.COUNTY_STAFF, "B")
    return ClaimsWorld(uow_factory, services, net, clock, keeper, other, staff, foreign)


async def ship(world: ClaimsWorld, keeper: Actor, tracking: str, product="脆李", grams=2500):
    return await world.services.run(
        RecordShipment(
            tracking, product, grams, 8500, request_key=f"ship:{keeper.external_id}:{tracking}"
        ),
        keeper,
    )


async def close_october(world: ClaimsWorld) -> None:
    world.clock._now = at("2026-11-05")
    async with world.uow(write=True) as uow:
        await uow.locks.lock(world.net.county_a, OCTOBER, world.clock.now(), None)
        await uow.commit()

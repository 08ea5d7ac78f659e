"""Service tests on the in-memory unit of work: the core as the front ends call it
(`Services.run`), over a database that lives in a dict, so a story costs milliseconds.

The memory backend passes the same storage contract tests as SQLite and PostgreSQL
(tests/storage, the `memory` case), so what these tests see is what SQL would do.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain.roles import Role
from bot.services.authz import Actor
from bot.services.bus import Services
from bot.services.env import Env
from storage.memory import MemoryUnitOfWorkFactory
from tests.support.backends import seed_network
from tests.support.network import Net
from tests.support.scoring import register


@dataclass
class World:
    uow: MemoryUnitOfWorkFactory
    services: Services
    net: Net
    staff: Actor  # county staff of A
    keeper: Actor  # keeper of A-S3


@pytest.fixture
def uow() -> MemoryUnitOfWorkFactory:
    return MemoryUnitOfWorkFactory()  # a new, empty database per test


@pytest.fixture
def services(uow, clock) -> Services:
    return Services(uow, Env(clock, b"test-key"))


@pytest.fixture
async def world(uow, services) -> World:
    """The two-county test network, county staff of A (en) and the keeper of A-S3 (zh)."""
    net = await seed_network(uow)
    staff = await register(services, 2, Role.COUNTY_STAFF, "A")
    keeper = await register(services, 3, Role.KEEPER, "A-S3", lang="zh")
    return World(uow, services, net, staff, keeper)

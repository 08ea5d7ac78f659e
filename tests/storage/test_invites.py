"""Onboarding invites, through the services, on SQLite, PostgreSQL and memory."""

from __future__ import annotations

import asyncio
import itertools
from datetime import timedelta

import pytest

from bot.domain.commands import CreateInvite, RedeemInvite
from bot.domain.errors import InviteRefused, NotAllowed, NotFound
from bot.domain.invites import DEEP_LINK_RE, hash_token
from bot.domain.roles import Role, Scope
from bot.services.authz import Actor
from bot.services.bus import Services
from bot.services.env import Env
from bot.services.invites import CLI_ACTOR
from tests.support.backends import count, seed_network, table_rows

TTL = timedelta(hours=72)
_runs = itertools.count()


@pytest.fixture
def services(uow_factory, clock) -> Services:
    return Services(uow_factory, Env(clock, b"k", invite_ttl=TTL))


async def invite(services, role: Role, code: str | None, key: str = "", actor=CLI_ACTOR):
    key = key or f"cli:invite:{next(_runs)}"  # each CLI run is its own request
    return await services.run(CreateInvite(role, code, request_key=key), actor)


async def redeem(services, user: int, token: str):
    return await services.run(
        RedeemInvite(
            token=token,
            display_name=f"user {user}",
            language="zh",
            chat_id=str(user),
            request_key=f"tg:{user}:start",
        ),
        Actor(channel="telegram", external_id=str(user)),
    )


async def test_keeper_invite_binds_the_keeper(uow_factory, services):
    net = await seed_network(uow_factory)
    created = await invite(services, Role.KEEPER, "a-s1")
    assert DEEP_LINK_RE.match(created.token) and len(created.token) <= 64
    assert created.scope_label == "桃园村服务站 (A-S1)"
    redeemed = await redeem(services, 501, created.token)
    assert not redeemed.already
    actor = await services.who("telegram", "501")
    assert actor.role is Role.KEEPER
    assert actor.scope == Scope(net.county_a, net.township_a1, net.station_a1)
    async with uow_factory() as uow:
        entries = await uow.audit.entries("invite:")
    assert [e["action"] for e in entries] == ["invite.create", "invite.redeem"]


async def test_only_the_hash_is_stored(uow_factory, services):
    await seed_network(uow_factory)
    created = await invite(services, Role.KEEPER, "A-S1")
    dump = str(await table_rows(uow_factory, "invites"))
    assert created.token not in dump
    assert hash_token(created.token) in dump


async def test_pressing_start_again_is_harmless(uow_factory, services):
    await seed_network(uow_factory)
    created = await invite(services, Role.KEEPER, "A-S1")
    await redeem(services, 501, created.token)
    again = await redeem(services, 501, created.token)
    assert again.already
    async with uow_factory() as uow:
        assert len(await uow.audit.entries("invite:")) == 2  # nothing new written


async def test_someone_elses_used_invite_is_refused(uow_factory, services):
    await seed_network(uow_factory)
    created = await invite(services, Role.KEEPER, "A-S1")
    await redeem(services, 501, created.token)
    with pytest.raises(InviteRefused, match="already been used"):
        await redeem(services, 502, created.token)
    assert (await services.who("telegram", "502")).person_id is None


async def test_expired_invite_is_refused(uow_factory, services, clock):
    await seed_network(uow_factory)
    created = await invite(services, Role.KEEPER, "A-S1")
    clock.advance(hours=72)
    with pytest.raises(InviteRefused, match="expired"):
        await redeem(services, 501, created.token)
    assert (await services.who("telegram", "501")).person_id is None


@pytest.mark.parametrize("token", ["", "hello", "i_short", "i_" + "a" * 31 + "!", "i_" + "A" * 32])
async def test_malformed_or_unknown_token_is_refused(services, token):
    with pytest.raises(InviteRefused, match="not valid"):
        await redeem(services, 501, token)


async def test_a_registered_person_cannot_take_a_second_role(uow_factory, services):
    await seed_network(uow_factory)
    first = await invite(services, Role.KEEPER, "A-S1")
    second = await invite(services, Role.KEEPER, "A-S2")
    await redeem(services, 501, first.token)
    with pytest.raises(InviteRefused, match="already registered"):
        await redeem(services, 501, second.token)
    # The second invite is still good for the person it was meant for.
    assert not (await redeem(services, 502, second.token)).already


async def test_two_people_racing_for_one_invite(uow_factory, services):
    await seed_network(uow_factory)
    created = await invite(services, Role.KEEPER, "A-S1")
    results = await asyncio.gather(
        *(redeem(services, 600 + i, created.token) for i in range(5)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert all(isinstance(r, InviteRefused) for r in results if r not in winners)


async def test_request_key_makes_a_double_tap_create_one_invite(uow_factory, services):
    await seed_network(uow_factory)
    first = await invite(services, Role.KEEPER, "A-S1", key="tg:1:abc")
    second = await invite(services, Role.KEEPER, "A-S1", key="tg:1:abc")
    assert first.token and second.duplicate
    assert await count(uow_factory, "invites") == 1


async def test_staff_invite_scope_is_checked(uow_factory, services):
    await seed_network(uow_factory)
    staff_invite = await invite(services, Role.COUNTY_STAFF, "A")
    await redeem(services, 700, staff_invite.token)
    staff = await services.who("telegram", "700")
    assert staff.role is Role.COUNTY_STAFF
    own = await invite(services, Role.KEEPER, "A-S3", actor=staff)
    assert own.token
    with pytest.raises(NotAllowed):
        await invite(services, Role.KEEPER, "B-S1", actor=staff)
    with pytest.raises(NotAllowed):
        await invite(services, Role.COUNTY_STAFF, "A", actor=staff)
    with pytest.raises(NotFound):
        await invite(services, Role.KEEPER, "NOPE-1", actor=staff)

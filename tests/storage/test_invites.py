"""Onboarding invites, through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.domain.errors import InviteRefused, NotAllowed, NotFound
from bot.domain.invites import DEEP_LINK_RE, hash_token
from bot.domain.roles import Role, Scope
from bot.services.identity import resolve_actor
from bot.services.invites import CLI_ACTOR, create_invite, redeem_invite
from tests.support.network import seed_network

TTL = timedelta(hours=72)


async def redeem(uow_factory, clock, user: int, token: str):
    return await redeem_invite(
        uow_factory,
        clock,
        channel="telegram",
        external_id=str(user),
        chat_id=str(user),
        display_name=f"user {user}",
        language="zh",
        token=token,
    )


async def test_keeper_invite_binds_the_keeper(engine, uow_factory, clock):
    net = await seed_network(engine)
    created = await create_invite(uow_factory, clock, CLI_ACTOR, Role.KEEPER, "a-s1", ttl=TTL)
    assert DEEP_LINK_RE.match(created.token) and len(created.token) <= 64
    assert created.scope_label == "桃园村服务站 (A-S1)"
    redeemed = await redeem(uow_factory, clock, 501, created.token)
    assert not redeemed.already
    actor = await resolve_actor(uow_factory, "telegram", "501")
    assert actor.role is Role.KEEPER
    assert actor.scope == Scope(net.county_a, net.township_a1, net.station_a1)
    async with uow_factory() as uow:
        entries = await uow.audit.entries("invite:")
    assert [e["action"] for e in entries] == ["invite.create", "invite.redeem"]


async def test_only_the_hash_is_stored(engine, uow_factory, clock):
    await seed_network(engine)
    created = await create_invite(uow_factory, clock, CLI_ACTOR, Role.KEEPER, "A-S1", ttl=TTL)
    async with engine.connect() as conn:
        dump = str((await conn.exec_driver_sql("SELECT * FROM invites")).all())
    assert created.token not in dump
    assert hash_token(created.token) in dump


async def test_pressing_start_again_is_harmless(engine, uow_factory, clock):
    await seed_network(engine)
    created = await create_invite(uow_factory, clock, CLI_ACTOR, Role.KEEPER, "A-S1", ttl=TTL)
    await redeem(uow_factory, clock, 501, created.token)
    again = await redeem(uow_factory, clock, 501, created.token)
    assert again.already
    async with uow_factory() as uow:
        assert len(await uow.audit.entries("invite:")) == 2  # nothing new written


async def test_someone_elses_used_invite_is_refused(engine, uow_factory, clock):
    await seed_network(engine)
    created = await create_invite(uow_factory, clock, CLI_ACTOR, Role.KEEPER, "A-S1", ttl=TTL)
    await redeem(uow_factory, clock, 501, created.token)
    with pytest.raises(InviteRefused, match="already been used"):
        await redeem(uow_factory, clock, 502, created.token)
    assert (await resolve_actor(uow_factory, "telegram", "502")).person_id is None


async def test_expired_invite_is_refused(engine, uow_factory, clock):
    await seed_network(engine)
    created = await create_invite(uow_factory, clock, CLI_ACTOR, Role.KEEPER, "A-S1", ttl=TTL)
    clock.advance(hours=72)
    with pytest.raises(InviteRefused, match="expired"):
        await redeem(uow_factory, clock, 501, created.token)
    assert (await resolve_actor(uow_factory, "telegram", "501")).person_id is None


@pytest.mark.parametrize("token", ["", "hello", "i_short", "i_" + "a" * 31 + "!", "i_" + "A" * 32])
async def test_malformed_or_unknown_token_is_refused(engine, uow_factory, clock, token):
    with pytest.raises(InviteRefused, match="not valid"):
        await redeem(uow_factory, clock, 501, token)


async def test_a_registered_person_cannot_take_a_second_role(engine, uow_factory, clock):
    await seed_network(engine)
    first = await create_invite(uow_factory, clock, CLI_ACTOR, Role.KEEPER, "A-S1", ttl=TTL)
    second = await create_invite(uow_factory, clock, CLI_ACTOR, Role.KEEPER, "A-S2", ttl=TTL)
    await redeem(uow_factory, clock, 501, first.token)
    with pytest.raises(InviteRefused, match="already registered"):
        await redeem(uow_factory, clock, 501, second.token)
    # The second invite is still good for the person it was meant for.
    assert not (await redeem(uow_factory, clock, 502, second.token)).already


async def test_two_people_racing_for_one_invite(engine, uow_factory, clock):
    await seed_network(engine)
    created = await create_invite(uow_factory, clock, CLI_ACTOR, Role.KEEPER, "A-S1", ttl=TTL)
    results = await asyncio.gather(
        *(redeem(uow_factory, clock, 600 + i, created.token) for i in range(5)),
        return_exceptions=True,
    )
    winners = [r for r in results if not isinstance(r, BaseException)]
    assert len(winners) == 1, results
    assert all(isinstance(r, InviteRefused) for r in results if r not in winners)


async def test_request_key_makes_a_double_tap_create_one_invite(engine, uow_factory, clock):
    await seed_network(engine)
    first = await create_invite(
        uow_factory, clock, CLI_ACTOR, Role.KEEPER, "A-S1", ttl=TTL, request_key="tg:1:abc"
    )
    second = await create_invite(
        uow_factory, clock, CLI_ACTOR, Role.KEEPER, "A-S1", ttl=TTL, request_key="tg:1:abc"
    )
    assert first.token and second.duplicate
    async with engine.connect() as conn:
        assert (await conn.exec_driver_sql("SELECT count(*) FROM invites")).scalar() == 1


async def test_staff_invite_scope_is_checked(engine, uow_factory, clock):
    await seed_network(engine)
    staff_invite = await create_invite(
        uow_factory, clock, CLI_ACTOR, Role.COUNTY_STAFF, "A", ttl=TTL
    )
    await redeem(uow_factory, clock, 700, staff_invite.token)
    staff = await resolve_actor(uow_factory, "telegram", "700")
    assert staff.role is Role.COUNTY_STAFF
    own = await create_invite(uow_factory, clock, staff, Role.KEEPER, "A-S3", ttl=TTL)
    assert own.token
    with pytest.raises(NotAllowed):
        await create_invite(uow_factory, clock, staff, Role.KEEPER, "B-S1", ttl=TTL)
    with pytest.raises(NotAllowed):
        await create_invite(uow_factory, clock, staff, Role.COUNTY_STAFF, "A", ttl=TTL)
    with pytest.raises(NotFound):
        await create_invite(uow_factory, clock, staff, Role.KEEPER, "NOPE-1", ttl=TTL)

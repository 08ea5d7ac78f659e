"""One person, several channels (bot.services.links) on every backend: a one-time code
from the first channel binds an account of another channel to the same person; used,
expired, malformed and foreign codes change nothing."""

from __future__ import annotations

import pytest

from bot.domain.commands import CreateLinkCode, RedeemLinkCode
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.links import normalise_link_code
from bot.domain.roles import Role
from bot.services.authz import Actor
from bot.services.bus import Services
from bot.services.env import Env
from tests.support.backends import count, seed_network
from tests.support.scoring import register


@pytest.fixture
async def world(uow_factory, clock):
    services = Services(uow_factory, Env(clock, b"test-key"))
    await seed_network(uow_factory)
    keeper = await register(services, 3, Role.KEEPER, "A-S1", lang="zh")
    return services, keeper


def wechat(openid: str) -> Actor:
    return Actor(channel="wechat", external_id=openid)


def redeem(code: str, key: str = "wx:1") -> RedeemLinkCode:
    return RedeemLinkCode(code, chat_id="o-1", request_key=key)


async def test_a_code_links_a_second_channel_once(world, uow_factory, clock):
    services, keeper = world
    made = await services.run(CreateLinkCode(request_key="tg:3:9"), keeper)
    assert normalise_link_code(made.code) == made.code
    # Typed loosely on the phone: lower case, no dash, full-width.
    typed = made.code.lower().replace("-", " ")
    linked = await services.run(redeem(typed), wechat("o-1"))
    assert not linked.already and linked.actor.person_id == keeper.person_id
    assert linked.actor.role is Role.KEEPER and linked.actor.scope == keeper.scope
    assert linked.actor.language == "zh"
    again = await services.run(redeem(made.code, "wx:2"), wechat("o-1"))
    assert again.already
    with pytest.raises(InvalidInput, match="used"):  # someone else with the same code
        await services.run(redeem(made.code, "wx:3"), wechat("o-2"))
    assert (await services.who("wechat", "o-2")).person_id is None
    # A retried /link (the same request key) makes no second code.
    assert (await services.run(CreateLinkCode(request_key="tg:3:9"), keeper)).code is None


async def test_refused_codes_change_nothing(world, uow_factory, clock):
    services, keeper = world
    for bad in ("12345", "SF1234567890", "ABCD-EFGH"):  # malformed, or nobody's
        with pytest.raises(InvalidInput):
            await services.run(redeem(bad), wechat("o-1"))
    made = await services.run(CreateLinkCode(request_key="tg:3:1"), keeper)
    clock.advance(minutes=11)
    with pytest.raises(InvalidInput, match="expired"):
        await services.run(redeem(made.code), wechat("o-1"))
    # An account that belongs to someone else is not taken over.
    other = await register(services, 4, Role.KEEPER, "A-S2", lang="zh")
    fresh = await services.run(CreateLinkCode(request_key="tg:3:2"), keeper)
    with pytest.raises(NotAllowed):
        await services.run(redeem(fresh.code), Actor("telegram", "4", other.person_id))
    # A stranger cannot ask for a code.
    with pytest.raises(NotAllowed):
        await services.run(CreateLinkCode(request_key="x"), wechat("o-9"))
    assert await count(uow_factory, "identities") == 2


async def test_one_account_per_channel(world, uow_factory):
    services, keeper = world
    first = await services.run(CreateLinkCode(request_key="tg:3:1"), keeper)
    await services.run(redeem(first.code), wechat("o-1"))
    second = await services.run(CreateLinkCode(request_key="tg:3:2"), keeper)
    with pytest.raises(NotAllowed, match="another account"):
        await services.run(redeem(second.code, "wx:9"), wechat("o-2"))
    assert await count(uow_factory, "identities") == 2

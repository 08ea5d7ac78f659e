"""Onboarding (bot.services.invites) on the memory backend, as the update pipeline will
run it: who is talking, the redemption and its audit in the caller's one transaction."""

from __future__ import annotations

import pytest

from bot.domain.commands import CreateInvite, RedeemInvite
from bot.domain.errors import InviteRefused
from bot.domain.roles import Role
from bot.services.authz import Actor
from bot.services.invites import CLI_ACTOR
from tests.support.backends import seed_network, table_rows


@pytest.fixture
async def token(uow, services) -> str:
    await seed_network(uow)
    created = await services.run(CreateInvite(Role.KEEPER, "A-S1", request_key="cli:1"), CLI_ACTOR)
    return created.token


def start(token: str, user: int = 501) -> RedeemInvite:
    return RedeemInvite(token, f"user {user}", "zh", str(user), request_key=f"tg:{user}:1")


async def test_redeeming_in_the_pipelines_transaction_counts_only_when_it_commits(
    uow, services, token
):
    someone = Actor(channel="telegram", external_id="501")
    async with uow(write=True) as tx:
        assert (await services.who("telegram", "501", tx)).person_id is None
        await services.run(start(token), someone, tx)
        assert (await services.who("telegram", "501", tx)).role is Role.KEEPER
        assert (await services.who("telegram", "501")).role is None  # not committed yet
        await tx.commit()
    assert (await services.who("telegram", "501")).role is Role.KEEPER
    actions = [e["action"] for e in await table_rows(uow, "audit_log")]
    assert actions == ["invite.create", "invite.redeem"]


async def test_a_refused_redemption_leaves_no_trace(uow, services, token, clock):
    clock.advance(hours=72)  # the invite expired
    with pytest.raises(InviteRefused, match="expired"):
        await services.run(start(token), Actor(channel="telegram", external_id="501"))
    assert await table_rows(uow, "people") == [] and await table_rows(uow, "identities") == []
    [invite] = await table_rows(uow, "invites")
    assert invite["redeemed_at"] is None


async def test_a_double_tap_on_the_invite_button_makes_one_invite(uow, services, token):
    staff_invite = await services.run(
        CreateInvite(Role.COUNTY_STAFF, "A", request_key="cli:2"), CLI_ACTOR
    )
    await services.run(start(staff_invite.token, 700), Actor("telegram", "700"))
    staff = await services.who("telegram", "700")
    press = CreateInvite(Role.KEEPER, "A-S2", request_key="tg:700:cb:42")
    first, second = await services.run(press, staff), await services.run(press, staff)
    assert first.token and second.duplicate and second.scope_label == first.scope_label
    assert len(await table_rows(uow, "invites", created_by=staff.person_id)) == 1

"""Helpers for scoring and reminder tests: Beijing wall-clock instants, a county with a
registered keeper and staff member, and a look into the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.domain.commands import CreateInvite, RecordProxyPurchase, RedeemInvite
from bot.domain.roles import Role
from bot.services.authz import Actor
from bot.services.bus import Services
from bot.services.env import Env
from bot.services.invites import CLI_ACTOR
from tests.support.backends import seed_network
from tests.support.outbox import delivered


def at(day: str, hour: int = 10) -> datetime:
    """A Beijing wall-clock time as a UTC instant."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


async def register(services: Services, user: int, role: Role, code: str | None, lang="en"):
    """Someone who scanned an invite for `role` over `code`, as they are then resolved."""
    invite = await services.run(
        CreateInvite(role=role, code=code, request_key=f"invite:{user}"), CLI_ACTOR
    )
    await services.run(
        RedeemInvite(
            token=invite.token,
            display_name=f"u{user}",
            language=lang,
            chat_id=str(user),
            request_key=f"redeem:{user}",
        ),
        Actor(channel="telegram", external_id=str(user)),
    )
    return await services.who("telegram", str(user))


async def make_county(uow_factory, clock):
    """On any backend (tests/support/backends.py): every station old enough to be judged.
    Returns (network, keeper of A-S1 (zh), county staff of A (en), the core's Services)."""
    net = await seed_network(uow_factory, opened_on=date(2025, 1, 1))
    clock._now = at("2026-10-02")
    services = Services(uow_factory, Env(clock, b"k"))
    keeper = await register(services, 1, Role.KEEPER, "A-S1", lang="zh")
    staff = await register(services, 2, Role.COUNTY_STAFF, "A")
    return net, keeper, staff, services


async def sell(services: Services, keeper: Actor, key: str, fen: int):
    """A proxy purchase (代购) of `fen`: the downstream figure."""
    return await services.run(
        RecordProxyPurchase(item="x", amount_fen=fen, request_key=key), keeper
    )


async def outbox(engine, where="1=1"):
    """(category, chat, text) of each notice, as the worker would deliver it now."""
    return await delivered(engine, where)

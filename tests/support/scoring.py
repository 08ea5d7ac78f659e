"""Helpers for scoring and reminder tests: Beijing wall-clock instants, a county with a
registered keeper and staff member, and a look into the outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text, update

from bot.domain.roles import Role
from bot.services.identity import resolve_actor
from bot.services.invites import CLI_ACTOR, create_invite, redeem_invite
from bot.services.ledger import LedgerService
from storage.schema import stations
from tests.support.network import seed_network


def at(day: str, hour: int = 10) -> datetime:
    """A Beijing wall-clock time as a UTC instant."""
    return datetime.fromisoformat(f"{day}T{hour:02d}:00:00+08:00").astimezone(UTC)


async def register(uow_factory, clock, user: int, role: Role, code: str | None, lang="en"):
    invite = await create_invite(uow_factory, clock, CLI_ACTOR, role, code, ttl=timedelta(hours=72))
    await redeem_invite(
        uow_factory,
        clock,
        channel="telegram",
        external_id=str(user),
        chat_id=str(user),
        display_name=f"u{user}",
        language=lang,
        token=invite.token,
    )
    return await resolve_actor(uow_factory, "telegram", str(user))


async def make_county(engine, uow_factory, clock):
    net = await seed_network(engine)
    async with engine.begin() as conn:  # old enough to be judged
        await conn.execute(update(stations).values(opened_on=date(2025, 1, 1)))
    clock._now = at("2026-10-02")
    keeper = await register(uow_factory, clock, 1, Role.KEEPER, "A-S1", lang="zh")
    staff = await register(uow_factory, clock, 2, Role.COUNTY_STAFF, "A")
    ledger = LedgerService(uow_factory, clock, b"k")
    return net, keeper, staff, ledger


async def sell(ledger, keeper, key: str, fen: int):
    return await ledger.proxy_purchase(keeper, request_key=key, item="x", amount_fen=fen)


async def outbox(engine, where="1=1"):
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text(f"SELECT category, chat_id, text FROM outbox WHERE {where} ORDER BY id")
            )
        ).all()

"""One person, several channels: a keeper who uses Telegram and WeChat is one person with
one station, one ledger, one language.

`/link` on a channel the person already uses gives a one-time code (bot/domain/links.py);
sending it on the other channel binds that account to the same person. The code is
single-use (a compare-and-set), expires after ten minutes, and grants nothing by itself:
only the person who holds the first channel can ask for it. An account that already
belongs to someone else, or a second account on a channel the person already uses, is
refused and nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.commands import CreateLinkCode, RedeemLinkCode
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.links import LINK_TTL, hash_link_code, new_link_code, normalise_link_code
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.env import Env
from bot.services.identity import resolve_actor
from bot.services.ports import UnitOfWork

NOT_A_CODE = N_("That is not a valid link code. Ask for a new one in the app you already use.")
USED = N_("This link code has been used. Ask for a new one in the app you already use.")


@dataclass(frozen=True)
class LinkCode:
    code: str | None  # None: a retried request already made one (see its first answer)
    expires_at: datetime


@dataclass(frozen=True)
class Linked:
    actor: Actor  # who is talking now: the person of the first channel
    already: bool  # this account was that person's already


async def create_link_code(
    command: CreateLinkCode, actor: Actor, uow: UnitOfWork, env: Env
) -> LinkCode:
    authorize(actor, Action.LINK_CHANNEL)
    assert actor.person_id is not None
    now = env.clock.now()
    code = new_link_code()
    made = await uow.links.add(
        code_hash=hash_link_code(code),
        person_id=actor.person_id,
        created_at=now,
        expires_at=now + LINK_TTL,
        request_key=command.request_key or None,
    )
    return LinkCode(code if made else None, now + LINK_TTL)


async def redeem_link_code(
    command: RedeemLinkCode, actor: Actor, uow: UnitOfWork, env: Env
) -> Linked:
    code = normalise_link_code(command.code)
    if code is None:
        raise InvalidInput(NOT_A_CODE)
    now = env.clock.now()
    record = await uow.links.by_hash(hash_link_code(code))
    if record is None:
        raise InvalidInput(NOT_A_CODE)
    current = await uow.people.by_identity(actor.channel, actor.external_id)
    if current is not None and current.id == record.person_id:
        return Linked(await resolve_actor(uow, actor.channel, actor.external_id), already=True)
    if record.used_at is not None:
        raise InvalidInput(USED)
    if record.expires_at <= now:
        raise InvalidInput(
            N_("This link code expired. Ask for a new one in the app you already use.")
        )
    if current is not None:
        raise NotAllowed(
            N_("This account is already registered to someone. Ask county staff to change it.")
        )
    if await uow.people.chat_ids(record.person_id, actor.channel):
        raise NotAllowed(N_("You already use this app with another account."))
    if not await uow.links.use(hash_link_code(code), now, f"{actor.channel}:{actor.external_id}"):
        raise InvalidInput(USED)
    await uow.people.link_identity(
        record.person_id, actor.channel, actor.external_id, command.chat_id, now
    )
    await uow.audit.record(
        at=now,
        actor_person_id=record.person_id,
        action="identity.link",
        subject=f"person:{record.person_id}",
        details={"via": actor.channel},
    )
    return Linked(await resolve_actor(uow, actor.channel, actor.external_id), already=False)

"""Parcel-arrival notices (到件通知): a villager shares their own phone contact from the
poster; a parcel later logged at any station for the same full number tells them, through
the outbox, which station has it and its pickup code. Only the ledger's keyed hash of the
number and its last four digits are stored (`Env.digest_phone`, the same hash intake
keeps), so a database copy does not hold villagers' numbers. Unsubscribing forgets them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from bot.domain.board import ArrivalSubscription
from bot.domain.commands import RecordIntake, SubscribeArrivals, UnsubscribeArrivals
from bot.domain.errors import InvalidInput
from bot.domain.phones import MOBILE
from bot.domain.text import N_
from bot.services.authz import Actor
from bot.services.board.notices import parcel_arrived_notices
from bot.services.env import Env
from bot.services.ledger import recording
from bot.services.ports import UnitOfWork

MAX_NUMBERS = 3  # per person: their own, and a parent's or a child's


@dataclass(frozen=True)
class Subscribed:
    last4: str
    new: bool


def _mobile(raw: str) -> str:
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    if not MOBILE.fullmatch(digits):
        raise InvalidInput(N_("That is not a mainland mobile number; notices need one."))
    return digits


async def subscribe(
    command: SubscribeArrivals, actor: Actor, uow: UnitOfWork, env: Env
) -> Subscribed:
    number = _mobile(command.phone)
    digest = env.digest_phone(number)
    mine = await uow.board.subscriptions_of(actor.channel, actor.external_id)
    if any(s.phone_digest == digest for s in mine):
        return Subscribed(number[-4:], new=False)
    if len(mine) >= MAX_NUMBERS:
        raise InvalidInput(
            N_("You already get notices for {n} numbers; unsubscribe first to change them."),
            n=len(mine),
        )
    new = await uow.board.subscribe(
        ArrivalSubscription(
            0,
            actor.channel,
            actor.external_id,
            command.chat_id,
            command.language,
            digest,
            number[-4:],
            env.clock.now(),
        )
    )
    return Subscribed(number[-4:], new)


async def unsubscribe(command: UnsubscribeArrivals, actor: Actor, uow: UnitOfWork, env: Env) -> int:
    return await uow.board.unsubscribe(actor.channel, actor.external_id)


async def record_intake(command: RecordIntake, actor: Actor, uow: UnitOfWork, env: Env):
    """The ledger's intake, then a notice to whoever subscribed the recipient's full number.
    The keeper's answer says how many were told (`Recorded.notified`)."""
    recorded = await recording.record_entry(command, actor, uow, env)
    if recorded.replay:
        return recorded
    digest = command.phone_digest
    if digest is None and command.phone.full is not None:
        digest = env.digest_phone(command.phone.full)
    if digest is None:
        return recorded  # only the last four digits: not enough to know who it is
    subscribers = await uow.board.subscriptions(digest)
    if not subscribers:
        return recorded
    entry = recorded.entry
    card = await uow.network.station_by_id(entry.station_id)
    assert card is not None
    notices = parcel_arrived_notices(card, entry.id, entry.pickup_code, subscribers)
    await uow.outbox.enqueue(notices, env.clock.now())
    return dataclasses.replace(recorded, notified=len(subscribers))

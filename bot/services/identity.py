"""Resolving who is talking, and their preferences."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.domain.commands import ChooseNoticeChannel, SetLanguage
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.roles import Scope
from bot.domain.text import N_
from bot.services.authz import Actor
from bot.services.mutes import NOT_REGISTERED
from bot.services.ports import UnitOfWork

LANGUAGES = ("zh", "en")
SEEN_STEP = timedelta(minutes=10)  # how finely "the channel used last" is kept


async def resolve_actor(
    uow: UnitOfWork, channel: str, external_id: str, seen_at: datetime | None = None
) -> Actor:
    """Who is talking on `channel` as `external_id` (an unknown Actor if nobody yet).

    With `seen_at` (a front end resolving the sender of a message in its write
    transaction), a known person's channel is noted as the one they used last: their
    notices go there unless they chose another (office IM, #12)."""
    person = await uow.people.by_identity(channel, external_id)
    if person is None:
        return Actor(channel=channel, external_id=external_id)
    if seen_at is not None and (
        person.last_seen_at is None or person.last_seen_at <= seen_at - SEEN_STEP
    ):  # at most one write every SEEN_STEP, however busy the chat
        await uow.people.touch_identity(channel, external_id, seen_at)
    grant = person.grant
    return Actor(
        channel=channel,
        external_id=external_id,
        person_id=person.id,
        display_name=person.display_name,
        language=person.language,
        role=grant.role if grant else None,
        scope=grant.scope if grant else Scope(),
    )


async def set_language(command: SetLanguage, actor: Actor, uow: UnitOfWork, env) -> None:
    """Remember a known person's language. Unknown users keep their client's language."""
    if command.language not in LANGUAGES:
        raise InvalidInput(N_("Choose zh or en."))
    if actor.person_id is None:
        return
    await uow.people.set_language(actor.person_id, command.language)


# --- office IM (#12) ----------------------------------------------------------------------

NOT_HERE = N_("You have no chat with Cunzhan on that channel yet.")


async def choose_notice_channel(
    command: ChooseNoticeChannel, actor: Actor, uow: UnitOfWork, env
) -> str | None:
    """Where this person's notices go: a channel they have a chat on, or None for the one
    they wrote on last. Returns the choice."""
    if actor.person_id is None:
        raise NotAllowed(NOT_REGISTERED)
    channel = command.channel
    if channel is not None and not await uow.people.chat_ids(actor.person_id, channel):
        raise InvalidInput(NOT_HERE)
    await uow.people.set_notice_channel(actor.person_id, channel)
    return channel

"""Resolving who is talking, and their preferences."""

from __future__ import annotations

from bot.domain.commands import SetLanguage
from bot.domain.errors import InvalidInput
from bot.domain.roles import Scope
from bot.domain.text import N_
from bot.services.authz import Actor
from bot.services.ports import UnitOfWork

LANGUAGES = ("zh", "en")


async def resolve_actor(uow: UnitOfWork, channel: str, external_id: str) -> Actor:
    """Who is talking on `channel` as `external_id` (an unknown Actor if nobody yet)."""
    person = await uow.people.by_identity(channel, external_id)
    if person is None:
        return Actor(channel=channel, external_id=external_id)
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

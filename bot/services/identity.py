"""Resolving who is talking, and their preferences."""

from __future__ import annotations

from bot.domain.errors import InvalidInput
from bot.domain.roles import Scope
from bot.domain.text import N_
from bot.services.authz import Actor
from bot.services.ports import UnitOfWorkFactory

LANGUAGES = ("zh", "en")


async def resolve_actor(uow_factory: UnitOfWorkFactory, channel: str, external_id: str) -> Actor:
    async with uow_factory() as uow:
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


async def set_language(uow_factory: UnitOfWorkFactory, actor: Actor, language: str) -> None:
    """Remember a known person's language. Unknown users keep their client's language."""
    if language not in LANGUAGES:
        raise InvalidInput(N_("Choose zh or en."))
    if actor.person_id is None:
        return
    async with uow_factory(write=True) as uow:
        await uow.people.set_language(actor.person_id, language)
        await uow.commit()

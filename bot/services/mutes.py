"""Muting: which notice categories a person receives, and who may mute what.

Everyone registered may mute what is informational for them. County staff, township
operators and administrators may mute any category. Keepers may mute the reminders and
results about their own station (verdict, nudge, idle, stranded) but not a removal
decision about it: that one must reach them. A muted notice is never sent: notices written
while muted are stored as `muted`, and one already waiting is dropped when the worker
picks it up. Unmuting does not bring back what was muted.

Use cases run in the caller's unit of work; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from bot.domain.errors import NotAllowed
from bot.domain.notices import CATEGORY_LABELS, AlertCategory
from bot.domain.roles import Role
from bot.domain.text import N_
from bot.i18n import LANGUAGES, Translator
from bot.services.authz import Actor
from bot.services.ports import UnitOfWork

KEEPER_MUTABLE = (
    AlertCategory.VERDICT,
    AlertCategory.NUDGE,
    AlertCategory.IDLE,
    AlertCategory.STRANDED,
)
NOT_REGISTERED = N_("You are not registered yet. Ask your county office for an invite.")


def mutable_categories(actor: Actor) -> tuple[AlertCategory, ...]:
    if not actor.known:
        return ()
    if actor.role is Role.KEEPER:
        return KEEPER_MUTABLE
    return tuple(AlertCategory)


def parse_category(text: str) -> AlertCategory | None:
    """A category by its code (`idle`) or its label in any language."""
    wanted = " ".join(text.split()).casefold()
    for category in AlertCategory:
        names = {category.value} | {
            Translator(lang)(CATEGORY_LABELS[category]).casefold() for lang in LANGUAGES
        }
        if wanted in names:
            return category
    return None


async def muted_categories(actor: Actor, uow: UnitOfWork) -> set[AlertCategory]:
    if not actor.known:
        return set()
    return {AlertCategory(c) for c in await uow.outbox.mutes(actor.person_id)}


async def set_muted(
    actor: Actor, category: AlertCategory, mute: bool, uow: UnitOfWork, now: datetime
) -> bool:
    """Set the category's state (not a toggle: asking twice is harmless). True if it
    changed. Raises NotAllowed for a category the actor may not mute."""
    if not actor.known:
        raise NotAllowed(NOT_REGISTERED)
    if category not in mutable_categories(actor):
        raise NotAllowed(N_("You cannot mute {label}."), label=CATEGORY_LABELS[category])
    if mute:
        return await uow.outbox.mute(actor.person_id, category.value, now)
    return await uow.outbox.unmute(actor.person_id, category.value)

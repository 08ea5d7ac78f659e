"""Edited messages: say that the edit changed nothing, and how to correct.

Ledger entries are never edited, so an edit of `代购 洗衣机 1200` to `2100` cannot change
the entry it made; answered with silence, the keeper would believe it did. Live
locations arrive as edited messages too (PLATFORM.md): those are the client updating a
position, not a person correcting a message, and get no answer.
"""

from __future__ import annotations

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.authz import Action, Actor, can
from handlers.telegram.middlewares.guard import NOT_REGISTERED
from handlers.telegram.routing import Routes

router = Routes("edits")

NOTHING_CHANGED = N_("Edited messages are not read again: nothing was changed.")
HOW_TO_CORRECT = N_(
    "To correct an entry, void it with /void <number> <reason> (the number is in /recent), "
    "then send the line again."
)
IN_A_FORM = N_("The form you are filling in keeps your first answer; /cancel starts over.")


@router.edited_message(~F.location)
async def edited(message: Message, state: FSMContext, actor: Actor, t: Translator) -> None:
    if not actor.known:
        await message.answer(t(NOT_REGISTERED))
        return
    lines = [t(NOTHING_CHANGED)]
    if can(actor, Action.RECORD_LEDGER):
        lines.append(t(HOW_TO_CORRECT))
    if await state.get_state() is not None:
        lines.append(t(IN_A_FORM))
    # Replying to the edited message shows which one is meant.
    await message.reply("\n".join(lines))

"""A form's buttons pressed late: the two checks every form's callbacks make (the ledger's
forms, the claim form, the notice-board profile), in one place."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.i18n import Translator
from bot.services.forms import Session


async def chosen(query: CallbackQuery, callback_data, state: FSMContext, t: Translator):
    """The choice a field button stands for; None (the press answered) when the button is
    from an earlier question, which it no longer answers."""
    choices = (await state.get_data()).get("choices", [])
    if not 0 <= callback_data.index < len(choices):
        await query.answer(t("That button is from an earlier question."))
        return None
    return choices[callback_data.index]


async def session_to_save(
    query: CallbackQuery, callback_data, state: FSMContext, t: Translator
) -> Session | None:
    """The form session a save button confirms; None (the press answered) when the button
    is from an earlier form, which this one is not saved by."""
    session = Session.from_dict((await state.get_data())["session"])
    if session.nonce != callback_data.nonce:
        await query.answer(t("Already saved."))
        return None
    return session

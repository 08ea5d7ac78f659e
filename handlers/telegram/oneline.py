"""One-line forms for fast keepers: `入 SF1234567890 张三 1234`, `取 A-027`,
`寄 YT123456789 脆李 10斤 85`, `售 脆李 20斤 400`, `代购 洗衣机 1299`, `话费 100`.

The parser is the core's (bot.domain.one_line), shared with the WeChat front end: it
returns the same commands the step-by-step forms end in. An amount above its usual
ceiling is saved only after a button confirms it.
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import datetime
from typing import Any

from aiogram import Bot
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.commands import FindParcels, RecordSale, UsualUnitPrice
from bot.domain.errors import InvalidInput
from bot.domain.one_line import parse_line, unusual_amounts
from bot.domain.text import N_
from bot.i18n import Translator
from bot.presenters.texts import entry_saved
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.callbacks import CancelCb, FormSaveCb
from handlers.telegram.keys import message_key
from handlers.telegram.parcels import show_matches
from handlers.telegram.routing import Routes

router = Routes("oneline")
IN_DIALOG_CONFIRM = N_(
    "That amount needs a confirmation: finish or cancel the form you are in, then send the "
    "line again."
)
FLAGS = {"action": Action.RECORD_LEDGER}


class OneLineConfirm(StatesGroup):
    waiting = State()


class OneLineForm(Filter):
    """Matches a text that is a one-line form; a malformed one still matches, carrying
    the parser's explanation, so the keeper learns the right pattern."""

    async def __call__(self, message: Message) -> bool | dict[str, Any]:
        if not message.text or message.text.startswith("/"):
            return False
        try:
            form = parse_line(message.text)
        except InvalidInput as error:
            return {"form": None, "form_error": error}
        return {"form": form, "form_error": None} if form is not None else False


@router.message(StateFilter(None), OneLineForm(), flags=FLAGS)
async def one_line(
    message: Message,
    form,
    form_error,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    if form_error is not None:
        raise form_error
    await handle_line(message, form, state, bot, actor, t, services)


async def handle_line(
    message: Message,
    form,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
    *,
    in_dialog: bool = False,
) -> None:
    """Save (or look up) one well-formed line. `in_dialog`: a form is open and must stay
    as it is, so a line that needs a confirmation waits until the form is done."""
    if isinstance(form, FindParcels):
        await show_matches(bot, message.chat.id, form, actor, t, services)
        return
    key = message_key(message)
    usual = None
    if isinstance(form, RecordSale):  # its price per unit against the product's history
        usual = await services.run(UsualUnitPrice(form.product, form.quantity.unit), actor)
    unusual = unusual_amounts(form, usual)
    if unusual and in_dialog:
        raise InvalidInput(IN_DIALOG_CONFIRM)
    if unusual:
        # Keep only the raw line; it is parsed again on confirmation (no phone in state).
        nonce = secrets.token_hex(6)
        await state.set_state(OneLineConfirm.waiting)
        await state.set_data(
            {"line": message.text, "key": key, "nonce": nonce, "sent": message.date.isoformat()}
        )
        builder = InlineKeyboardBuilder()
        builder.button(text=t("✅ Yes, save"), callback_data=FormSaveCb(nonce=nonce))
        builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
        await message.answer(
            "\n".join("⚠️ " + t(c.confirmation()) for c in unusual), reply_markup=builder.as_markup()
        )
        return
    command = dataclasses.replace(form, request_key=key, occurred_at=message.date)
    await message.answer(entry_saved(await services.run(command, actor), t))


@router.callback_query(StateFilter(OneLineConfirm.waiting), FormSaveCb.filter(), flags=FLAGS)
async def confirmed(
    query: CallbackQuery,
    callback_data: FormSaveCb,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    data = await state.get_data()
    if data.get("nonce") != callback_data.nonce:
        await query.answer(t("Already saved."))
        return
    command = dataclasses.replace(
        parse_line(data["line"]),
        request_key=data["key"],
        occurred_at=datetime.fromisoformat(data["sent"]) if data.get("sent") else None,
    )
    recorded = await services.run(command, actor)
    await state.clear()
    await query.answer()
    await query.bot.send_message(query.from_user.id, entry_saved(recorded, t))


@router.callback_query(FormSaveCb.filter())
async def already_saved(query: CallbackQuery, t: Translator) -> None:
    """A save button pressed again after its form was saved (or from an old message)."""
    await query.answer(t("Already saved."))

"""One-line forms for fast keepers: `入 SF1234567890 张三 1234`, `取 A-027`,
`寄 YT123456789 脆李 10斤 85`, `售 脆李 20斤 400`, `代购 洗衣机 1299`, `话费 100`.

The parser is the domain's (bot.domain.forms), shared with the WeChat front end. An
amount above its usual ceiling is saved only after a button confirms it.
"""

from __future__ import annotations

import secrets
from typing import Any

from aiogram import Bot
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.carriers import guess_carrier
from bot.domain.errors import InvalidInput
from bot.domain.forms import (
    IntakeForm,
    PickupForm,
    ProxyForm,
    SaleChannel,
    SaleForm,
    ServiceForm,
    ShipForm,
    parse_line,
    unusual_amounts,
)
from bot.domain.ledger import Notified
from bot.i18n import Translator
from bot.services.authz import Action, Actor
from bot.services.ledger import LedgerService, Recorded
from handlers.telegram.callbacks import CancelCb, FormSaveCb
from handlers.telegram.ledger_dialogs import FORMS, Ctx
from handlers.telegram.parcels import show_matches
from handlers.telegram.render import entry_saved
from handlers.telegram.routing import Routes

router = Routes("oneline")
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


def _carrier(number: str) -> str | None:
    guess = guess_carrier(number)
    return guess.carrier.value if guess.confident and guess.carrier else None


def form_values(form, ledger: LedgerService) -> tuple[str, dict[str, Any]]:
    """A one-line form as the step-by-step form's answers, so both save through the same
    submitter (ledger_dialogs.FORMS)."""
    if isinstance(form, IntakeForm):
        digest = ledger.digest_phone(form.phone.full) if form.phone.full else None
        return "intake", {
            "tracking_no": form.tracking_no,
            "carrier": _carrier(form.tracking_no),
            "recipient_name": form.recipient_name,
            "phone_last4": form.phone.last4,
            "phone_digest": digest,
            "notified": Notified.NOT_YET.value,
        }
    if isinstance(form, ShipForm):
        return "ship", {
            "tracking_no": form.tracking_no,
            "carrier": _carrier(form.tracking_no),
            "product": form.product,
            "weight_g": form.weight_grams,
            "value_fen": form.declared_value_fen,
        }
    if isinstance(form, SaleForm):
        return "sale", {
            "product": form.product,
            "quantity": str(form.quantity.amount),
            "unit": form.quantity.unit.value,
            "amount_fen": form.amount_fen,
            "channel": (form.channel or SaleChannel.OTHER).value,
        }
    if isinstance(form, ProxyForm):
        return "proxy", {"item": form.item, "amount_fen": form.amount_fen, "fee_fen": form.fee_fen}
    assert isinstance(form, ServiceForm)
    return "service", {
        "service_kind": form.kind.value,
        "amount_fen": form.amount_fen,
        "fee_fen": form.fee_fen,
        "note": form.note,
    }


async def record(form, actor: Actor, t: Translator, ledger: LedgerService, key: str) -> Recorded:
    name, values = form_values(form, ledger)
    return await FORMS[name].submit(Ctx(t, ledger, actor, values), key)


@router.message(StateFilter(None), OneLineForm(), flags=FLAGS)
async def one_line(
    message: Message,
    form,
    form_error,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    ledger: LedgerService,
) -> None:
    if form_error is not None:
        raise form_error
    if isinstance(form, PickupForm):
        await show_matches(bot, message.chat.id, form, actor, t, ledger)
        return
    key = f"tg:{message.chat.id}:{message.message_id}"
    unusual = unusual_amounts(form)
    if unusual:
        # Keep only the raw line; it is parsed again on confirmation (no phone in state).
        nonce = secrets.token_hex(6)
        await state.set_state(OneLineConfirm.waiting)
        await state.set_data({"line": message.text, "key": key, "nonce": nonce})
        builder = InlineKeyboardBuilder()
        builder.button(text=t("✅ Yes, save"), callback_data=FormSaveCb(nonce=nonce))
        builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
        await message.answer(
            "\n".join("⚠️ " + t(c.confirmation()) for c in unusual), reply_markup=builder.as_markup()
        )
        return
    await message.answer(entry_saved(await record(form, actor, t, ledger, key), t))


@router.callback_query(StateFilter(OneLineConfirm.waiting), FormSaveCb.filter(), flags=FLAGS)
async def confirmed(
    query: CallbackQuery,
    callback_data: FormSaveCb,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    ledger: LedgerService,
) -> None:
    data = await state.get_data()
    if data.get("nonce") != callback_data.nonce:
        await query.answer(t("Already saved."))
        return
    form = parse_line(data["line"])
    recorded = await record(form, actor, t, ledger, data["key"])
    await state.clear()
    await query.answer()
    await query.bot.send_message(query.from_user.id, entry_saved(recorded, t))


@router.callback_query(FormSaveCb.filter())
async def already_saved(query: CallbackQuery, t: Translator) -> None:
    """A save button pressed again after its form was saved (or from an old message)."""
    await query.answer(t("Already saved."))

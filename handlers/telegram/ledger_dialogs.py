"""Step-by-step ledger forms: intake (in batches), shipment, sale, proxy purchase, service.

One small engine runs every form: a form is a list of fields, each with a prompt, a parser
from the domain (the same parsers the one-line forms use) and, where it helps, buttons.
A bad answer gets the parser's message and the dialog stays on its step. The last step
saves with a request key made from a nonce drawn when the form started, so a double tap
or a redelivered press saves once.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.carriers import CARRIER_NAMES_EN, CARRIER_NAMES_ZH, Carrier, guess_carrier
from bot.domain.errors import InvalidInput
from bot.domain.forms import (
    CHANNEL_LABELS,
    SERVICE_KIND_LABELS,
    SaleChannel,
    ServiceKind,
    parse_phone,
    parse_tracking_no,
)
from bot.domain.ledger import NOTIFIED_LABELS, Notified
from bot.domain.money import AmountKind, check_amount, parse_amount
from bot.domain.quantities import Quantity, Unit, format_quantity, parse_quantity, weight_grams
from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.authz import Action, Actor
from bot.services.ledger import LedgerService, Recorded
from handlers.telegram.callbacks import CancelCb, FieldChoiceCb, FormSaveCb, MenuCb
from handlers.telegram.render import entry_saved
from handlers.telegram.routing import Routes
from handlers.telegram.waybill import tracking_from_media

router = Routes("ledger_dialogs")
RECORD = {"action": Action.RECORD_LEDGER}


class LedgerDialog(StatesGroup):
    filling = State()
    confirming = State()


Values = dict[str, Any]


@dataclass(frozen=True)
class Ctx:
    t: Translator
    ledger: LedgerService
    actor: Actor
    values: Values


@dataclass(frozen=True)
class Field:
    name: str
    prompt: str
    # text -> values to merge; raises InvalidInput with what to type instead
    parse: Callable[[str, Ctx], Values]
    choices: Callable[[Ctx], Awaitable[list[tuple[str, str]]]] | None = None
    skip: Callable[[Values], bool] = lambda values: False
    accepts_media: bool = False


@dataclass(frozen=True)
class FormSpec:
    name: str
    title: str
    fields: list[Field]
    submit: Callable[[Ctx, str], Awaitable[Recorded]]
    confirm: bool = True
    batch: bool = False
    amounts: list[tuple[str, str]] = field(default_factory=list)  # (value key, AmountKind)


# --- field parsers ----------------------------------------------------------------------


def _tracking(text: str, ctx: Ctx) -> Values:
    number = parse_tracking_no(text)
    guess = guess_carrier(number)
    values: Values = {"tracking_no": number, "carrier": None, "carrier_asked": False}
    if guess.confident and guess.carrier is not None:
        values["carrier"] = guess.carrier.value
    else:
        values["candidates"] = [c.value for c in guess.candidates][:5]
    return values


def _carrier(text: str, ctx: Ctx) -> Values:
    raw = text.strip()
    if raw == "-":
        return {"carrier": None, "carrier_asked": True}
    for carrier in Carrier:
        if raw.upper() == carrier.value or raw in (carrier.name_zh, carrier.name_en):
            return {"carrier": carrier.value, "carrier_asked": True}
    raise InvalidInput(N_("Pick the carrier with a button, or send - if you don't know."))


def _name(key: str, limit: int) -> Callable[[str, Ctx], Values]:
    def parse(text: str, ctx: Ctx) -> Values:
        value = " ".join(text.split())
        if not value or value.startswith("/"):
            raise InvalidInput(N_("Type a name, for example 张三."))
        if len(value) > limit:
            raise InvalidInput(N_("That is too long: use at most {limit} characters."), limit=limit)
        return {key: value}

    return parse


def _phone(text: str, ctx: Ctx) -> Values:
    phone = parse_phone(text)
    # The full number is hashed at once: dialog state is stored, the number must not be.
    digest = ctx.ledger.digest_phone(phone.full) if phone.full else None
    return {"phone_last4": phone.last4, "phone_digest": digest}


def _notified(text: str, ctx: Ctx) -> Values:
    try:
        return {"notified": Notified(text.strip()).value}
    except ValueError:
        raise InvalidInput(N_("Pick how the recipient was told, with a button.")) from None


def _amount(key: str, kind: AmountKind, *, allow_zero: bool = False):
    def parse(text: str, ctx: Ctx) -> Values:
        return {key: parse_amount(text, allow_zero=allow_zero)}

    return parse


def _weight(text: str, ctx: Ctx) -> Values:
    quantity = parse_quantity(text)
    if not quantity.is_weight:
        raise InvalidInput(N_("Give the weight in 斤, 公斤 or 克, for example 10斤."))
    return {"weight_g": weight_grams(quantity), "weight_text": format_quantity(quantity)}


def _quantity(text: str, ctx: Ctx) -> Values:
    quantity = parse_quantity(text)
    return {"quantity": str(quantity.amount), "unit": quantity.unit.value}


def _enum(key: str, enum: type, error: str):
    def parse(text: str, ctx: Ctx) -> Values:
        try:
            return {key: enum(text.strip()).value}
        except ValueError:
            raise InvalidInput(error) from None

    return parse


# --- button choices ---------------------------------------------------------------------


async def _carrier_choices(ctx: Ctx) -> list[tuple[str, str]]:
    names = CARRIER_NAMES_ZH if ctx.t.language == "zh" else CARRIER_NAMES_EN
    first = [Carrier(c) for c in ctx.values.get("candidates", [])]
    rest = [c for c in Carrier if c not in first]
    return [*[(names[c], c.value) for c in [*first, *rest]][:12], (ctx.t("Don't know"), "-")]


async def _product_choices(ctx: Ctx) -> list[tuple[str, str]]:
    return [(name, name) for name in (await ctx.ledger.products(ctx.actor))[:12]]


def _labels(labels: dict) -> Callable[[Ctx], Awaitable[list[tuple[str, str]]]]:
    async def choices(ctx: Ctx) -> list[tuple[str, str]]:
        return [(ctx.t(label), value.value) for value, label in labels.items()]

    return choices


async def _no_fee(ctx: Ctx) -> list[tuple[str, str]]:
    return [(ctx.t("No fee"), "0")]


# --- the forms --------------------------------------------------------------------------

TRACKING = Field(
    "tracking",
    N_("Send the tracking number, or a photo of the waybill barcode."),
    _tracking,
    accepts_media=True,
)
CARRIER = Field(
    "carrier",
    N_("Which carrier is it?"),
    _carrier,
    _carrier_choices,
    skip=lambda v: v.get("carrier") is not None or v.get("carrier_asked", False),
)
PRODUCT = Field(
    "product",
    N_("Which product? Pick one or type a new name, e.g. 脆李."),
    _name("product", 20),
    _product_choices,
)


async def _submit_intake(ctx: Ctx, key: str) -> Recorded:
    v = ctx.values
    return await ctx.ledger.intake(
        ctx.actor,
        request_key=key,
        tracking_no=v["tracking_no"],
        carrier=v.get("carrier"),
        recipient_name=v["recipient_name"],
        phone_last4=v["phone_last4"],
        phone_digest=v.get("phone_digest"),
        notified=Notified(v["notified"]),
    )


async def _submit_ship(ctx: Ctx, key: str) -> Recorded:
    v = ctx.values
    return await ctx.ledger.shipment(
        ctx.actor,
        request_key=key,
        tracking_no=v["tracking_no"],
        carrier=v.get("carrier"),
        product=v["product"],
        weight_g=v["weight_g"],
        declared_value_fen=v["value_fen"],
    )


async def _submit_sale(ctx: Ctx, key: str) -> Recorded:
    v = ctx.values
    return await ctx.ledger.sale(
        ctx.actor,
        request_key=key,
        product=v["product"],
        quantity=Decimal(v["quantity"]),
        unit=v["unit"],
        amount_fen=v["amount_fen"],
        channel=v["channel"],
    )


async def _submit_proxy(ctx: Ctx, key: str) -> Recorded:
    v = ctx.values
    return await ctx.ledger.proxy_purchase(
        ctx.actor,
        request_key=key,
        item=v["item"],
        amount_fen=v["amount_fen"],
        fee_fen=v["fee_fen"],
    )


async def _submit_service(ctx: Ctx, key: str) -> Recorded:
    v = ctx.values
    return await ctx.ledger.service(
        ctx.actor,
        request_key=key,
        service_kind=v["service_kind"],
        amount_fen=v["amount_fen"],
        fee_fen=v["fee_fen"],
        note=v.get("note"),
    )


FORMS = {
    spec.name: spec
    for spec in (
        FormSpec(
            "intake",
            N_("📦 Parcel intake"),
            [
                TRACKING,
                CARRIER,
                Field("recipient", N_("Recipient's name?"), _name("recipient_name", 30)),
                Field(
                    "phone",
                    N_(
                        "Recipient's phone: the last 4 digits, or the full number "
                        "from the waybill (only a keyed hash of it is kept)."
                    ),
                    _phone,
                ),
                Field(
                    "notified",
                    N_("How was the recipient told?"),
                    _notified,
                    _labels(NOTIFIED_LABELS),
                ),
            ],
            _submit_intake,
            confirm=False,
            batch=True,
        ),
        FormSpec(
            "ship",
            N_("🚚 Upstream shipment"),
            [
                TRACKING,
                CARRIER,
                PRODUCT,
                Field("weight", N_("Weight? e.g. 10斤 or 5公斤."), _weight),
                Field(
                    "value",
                    N_("Declared value in yuan? e.g. 85."),
                    _amount("value_fen", AmountKind.DECLARED_VALUE),
                ),
            ],
            _submit_ship,
            amounts=[("value_fen", AmountKind.DECLARED_VALUE)],
        ),
        FormSpec(
            "sale",
            N_("💰 Upstream sale"),
            [
                PRODUCT,
                Field("quantity", N_("Quantity? e.g. 20斤, 5箱."), _quantity),
                Field(
                    "amount",
                    N_("Amount received in yuan? e.g. 400."),
                    _amount("amount_fen", AmountKind.UPSTREAM_SALE),
                ),
                Field(
                    "channel",
                    N_("Sold through which channel?"),
                    _enum("channel", SaleChannel, N_("Pick the channel with a button.")),
                    _labels(CHANNEL_LABELS),
                ),
            ],
            _submit_sale,
            amounts=[("amount_fen", AmountKind.UPSTREAM_SALE)],
        ),
        FormSpec(
            "proxy",
            N_("🛒 Proxy purchase"),
            [
                Field("item", N_("What was bought? e.g. 洗衣机."), _name("item", 60)),
                Field(
                    "amount",
                    N_("Amount in yuan? e.g. 1299."),
                    _amount("amount_fen", AmountKind.PROXY_PURCHASE),
                ),
                Field(
                    "fee",
                    N_("Service fee in yuan? e.g. 20, or press No fee."),
                    _amount("fee_fen", AmountKind.FEE, allow_zero=True),
                    _no_fee,
                ),
            ],
            _submit_proxy,
            amounts=[("amount_fen", AmountKind.PROXY_PURCHASE), ("fee_fen", AmountKind.FEE)],
        ),
        FormSpec(
            "service",
            N_("🧾 Convenience service"),
            [
                Field(
                    "kind",
                    N_("Which service?"),
                    _enum("service_kind", ServiceKind, N_("Pick the service with a button.")),
                    _labels(SERVICE_KIND_LABELS),
                ),
                Field(
                    "amount",
                    N_("Amount in yuan? e.g. 200."),
                    _amount("amount_fen", AmountKind.SERVICE),
                ),
                Field(
                    "fee",
                    N_("Service fee in yuan? e.g. 2, or press No fee."),
                    _amount("fee_fen", AmountKind.FEE, allow_zero=True),
                    _no_fee,
                ),
            ],
            _submit_service,
            amounts=[("amount_fen", AmountKind.SERVICE), ("fee_fen", AmountKind.FEE)],
        ),
    )
}

COMMANDS = {
    "intake": "intake",
    "ship": "ship",
    "sale": "sale",
    "proxy": "proxy",
    "service": "service",
}


# --- the engine -------------------------------------------------------------------------


def _keyboard(choices: list[tuple[str, str]], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for label, value in choices:
        builder.button(text=label, callback_data=FieldChoiceCb(value=value[:40]))
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    builder.adjust(2)
    return builder.as_markup()


async def _ask(
    bot: Bot, chat_id: int, spec: FormSpec, step: int, ctx: Ctx, prefix: str = ""
) -> None:
    current = spec.fields[step]
    choices = await current.choices(ctx) if current.choices else []
    text = (prefix + "\n\n" if prefix else "") + ctx.t(current.prompt)
    await bot.send_message(chat_id, text, reply_markup=_keyboard(choices, ctx.t))


def _next_step(spec: FormSpec, step: int, values: Values) -> int:
    step += 1
    while step < len(spec.fields) and spec.fields[step].skip(values):
        step += 1
    return step


async def start_form(bot: Bot, chat_id: int, state: FSMContext, name: str, ctx: Ctx) -> None:
    spec = FORMS[name]
    await state.set_state(LedgerDialog.filling)
    await state.set_data({"form": name, "step": 0, "values": {}, "nonce": secrets.token_hex(6)})
    await _ask(bot, chat_id, spec, 0, ctx, prefix=ctx.t(spec.title) + " · /cancel")


def _summary(spec: FormSpec, values: Values, t: Translator) -> str:
    from handlers.telegram.render import yuan

    lines = [t(spec.title)]
    for key, label in (
        ("tracking_no", N_("Tracking number")),
        ("carrier", N_("Carrier")),
        ("product", N_("Product")),
        ("weight_text", N_("Weight")),
        ("item", N_("Item")),
        ("channel", N_("Channel")),
        ("service_kind", N_("Service")),
    ):
        if values.get(key):
            shown = values[key]
            if key == "channel":
                shown = t(CHANNEL_LABELS[SaleChannel(shown)])
            elif key == "service_kind":
                shown = t(SERVICE_KIND_LABELS[ServiceKind(shown)])
            lines.append(f"{t(label)}: {shown}")
    if values.get("quantity"):
        quantity = Quantity(Decimal(values["quantity"]), Unit(values["unit"]))
        lines.append(f"{t('Quantity')}: {format_quantity(quantity)}")
    for key, label in (
        ("value_fen", N_("Declared value")),
        ("amount_fen", N_("Amount")),
        ("fee_fen", N_("Fee")),
    ):
        if key in values:
            lines.append(f"{t(label)}: {t('{amount} yuan', amount=yuan(values[key]))}")
    for key, kind in spec.amounts:
        check = check_amount(values.get(key, 0), kind)
        if check.needs_confirmation:
            lines.append("⚠️ " + t(check.confirmation()))
    return "\n".join(lines)


async def _advance(
    bot: Bot, chat_id: int, state: FSMContext, ctx: Ctx, data: Values, user_id: int
) -> None:
    spec = FORMS[data["form"]]
    step = _next_step(spec, data["step"], ctx.values)
    if step < len(spec.fields):
        await state.update_data(step=step, values=ctx.values)
        await _ask(bot, chat_id, spec, step, ctx)
        return
    if spec.confirm:
        await state.set_state(LedgerDialog.confirming)
        await state.update_data(values=ctx.values)
        builder = InlineKeyboardBuilder()
        builder.button(text=ctx.t("✅ Save"), callback_data=FormSaveCb(nonce=data["nonce"]))
        builder.button(text=ctx.t("✖ Cancel"), callback_data=CancelCb())
        await bot.send_message(
            chat_id, _summary(spec, ctx.values, ctx.t), reply_markup=builder.as_markup()
        )
        return
    await _save(bot, chat_id, state, ctx, data, user_id)


async def _save(
    bot: Bot, chat_id: int, state: FSMContext, ctx: Ctx, data: Values, user_id: int
) -> None:
    spec = FORMS[data["form"]]
    recorded = await spec.submit(ctx, f"tg:{user_id}:{data['nonce']}")
    text = entry_saved(recorded, ctx.t)
    if spec.batch:
        # Batch mode: straight on to the next parcel, with a fresh nonce.
        await state.set_state(LedgerDialog.filling)
        await state.set_data(
            {"form": spec.name, "step": 0, "values": {}, "nonce": secrets.token_hex(6)}
        )
        await _ask(
            bot,
            chat_id,
            spec,
            0,
            ctx,
            prefix=text + "\n\n" + ctx.t("Next parcel, or /done when finished."),
        )
        return
    await state.clear()
    await bot.send_message(chat_id, text)


async def _take(
    bot: Bot,
    chat_id: int,
    user_id: int,
    state: FSMContext,
    text: str,
    t: Translator,
    actor: Actor,
    ledger: LedgerService,
) -> None:
    data = await state.get_data()
    spec = FORMS[data["form"]]
    current = spec.fields[data["step"]]
    ctx = Ctx(t, ledger, actor, dict(data["values"]))
    ctx.values.update(current.parse(text, ctx))
    await _advance(bot, chat_id, state, ctx, data, user_id)


# --- handlers ---------------------------------------------------------------------------


def _opener(name: str):
    async def open_by_command(
        message: Message,
        state: FSMContext,
        bot: Bot,
        actor: Actor,
        t: Translator,
        ledger: LedgerService,
    ) -> None:
        await start_form(bot, message.chat.id, state, name, Ctx(t, ledger, actor, {}))

    async def open_by_button(
        query: CallbackQuery,
        state: FSMContext,
        bot: Bot,
        actor: Actor,
        t: Translator,
        ledger: LedgerService,
    ) -> None:
        await query.answer()
        await start_form(bot, query.from_user.id, state, name, Ctx(t, ledger, actor, {}))

    flags = {"action": Action.RECORD_LEDGER}
    router.message(Command(COMMANDS[name]), flags=flags)(open_by_command)
    router.callback_query(MenuCb.filter(F.item == name), flags=flags)(open_by_button)


for _name_ in FORMS:
    _opener(_name_)


@router.message(StateFilter(LedgerDialog.filling), Command("done"))
async def done(message: Message, state: FSMContext, t: Translator) -> None:
    await state.clear()
    await message.answer(t("Done. Send /month to see the month, /menu for the menu."))


@router.message(StateFilter(LedgerDialog.filling), flags={"action": Action.RECORD_LEDGER})
async def answer(
    message: Message,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    ledger: LedgerService,
) -> None:
    data = await state.get_data()
    current = FORMS[data["form"]].fields[data["step"]]
    text = message.text
    if text is None and current.accepts_media and (message.photo or message.document):
        text = await tracking_from_media(bot, message, t)
        if text is None:
            return
    if text is None:
        await message.answer(t("Please answer with text.") + "\n" + t(current.prompt))
        return
    await _take(bot, message.chat.id, message.from_user.id, state, text, t, actor, ledger)


@router.callback_query(
    StateFilter(LedgerDialog.filling),
    FieldChoiceCb.filter(),
    flags={"action": Action.RECORD_LEDGER},
)
async def choice(
    query: CallbackQuery,
    callback_data: FieldChoiceCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    ledger: LedgerService,
) -> None:
    await query.answer()
    await _take(
        bot, query.from_user.id, query.from_user.id, state, callback_data.value, t, actor, ledger
    )


@router.callback_query(
    StateFilter(LedgerDialog.confirming),
    FormSaveCb.filter(),
    flags={"action": Action.RECORD_LEDGER},
)
async def save(
    query: CallbackQuery,
    callback_data: FormSaveCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    ledger: LedgerService,
) -> None:
    data = await state.get_data()
    if data.get("nonce") != callback_data.nonce:
        # A button from an earlier form: this one is not saved by it.
        await query.answer(t("Already saved."))
        return
    await query.answer()
    ctx = Ctx(t, ledger, actor, dict(data["values"]))
    await _save(bot, query.from_user.id, state, ctx, data, query.from_user.id)


@router.message(StateFilter(None), F.photo | F.document, flags=RECORD)
async def photo_starts_intake(
    message: Message,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    ledger: LedgerService,
) -> None:
    """A waybill photo sent outside any form starts an intake with its number: the
    fastest path for a keeper with a parcel in one hand."""
    number = await tracking_from_media(bot, message, t)
    if number is None:
        return
    await state.set_state(LedgerDialog.filling)
    await state.set_data({"form": "intake", "step": 0, "values": {}, "nonce": secrets.token_hex(6)})
    await _take(bot, message.chat.id, message.from_user.id, state, number, t, actor, ledger)

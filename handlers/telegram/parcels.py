"""Pickup (出库) and returns (退回): find the parcel by pickup code or phone last-four,
then confirm by button. Each button carries a nonce, so a double tap records once."""

from __future__ import annotations

import secrets

from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.commands import CloseParcel, FindParcels
from bot.domain.errors import CunzhanError, InvalidInput
from bot.domain.one_line import parse_pickup_code
from bot.domain.phones import parse_phone
from bot.domain.text import N_
from bot.i18n import Translator
from bot.presenters.shelf import bundle_text, none_waiting, parcel_line
from bot.presenters.texts import entry_saved
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.callbacks import CancelCb, MenuCb, ParcelCb
from handlers.telegram.keys import press_key
from handlers.telegram.routing import Routes

router = Routes("parcels")
FLAGS = {"action": Action.RECORD_LEDGER}
ASK = N_("Send the pickup code (e.g. A-027) or the last 4 digits of the recipient's phone.")


class Pickup(StatesGroup):
    query = State()
    reason = State()


def parse_query(text: str) -> FindParcels:
    raw = text.strip()
    digits = raw.replace(" ", "")
    if digits.isdigit():
        return FindParcels(phone_last4=parse_phone(digits).last4)
    return FindParcels(pickup_code=parse_pickup_code(raw))


async def show_matches(
    bot: Bot,
    chat_id: int,
    form: FindParcels,
    actor: Actor,
    t: Translator,
    services: Services,
) -> bool:
    """List the matching waiting parcels with buttons, arrival times in the county's zone;
    one person's several parcels also get one button for all of them. When none waits,
    say how the matching ones left. False when none is waiting."""
    found = await services.run(form, actor)
    parcels, zone = found.parcels, found.timezone
    if not parcels:
        await bot.send_message(chat_id, none_waiting(found, t))
        return False
    nonce = secrets.token_hex(4)
    if len(parcels) == 1:
        await bot.send_message(
            chat_id,
            t("Parcel found. Confirm:") + "\n" + parcel_line(parcels[0], t, zone),
            reply_markup=actions(parcels[0].entry_id, nonce, t),
        )
        return True
    builder = InlineKeyboardBuilder()
    for bundle in found.bundles():
        builder.button(
            text=t(
                "📦 All {n} for {name} *{last4}",
                n=len(bundle),
                name=bundle[0].recipient_name,
                last4=bundle[0].phone_last4 or "—",
            )[:60],
            callback_data=ParcelCb(entry_id=bundle[0].entry_id, action="all", nonce=nonce),
        )
    for parcel in parcels[:20]:
        builder.button(
            text=parcel_line(parcel, t, zone)[:60],
            callback_data=ParcelCb(entry_id=parcel.entry_id, action="show", nonce=nonce),
        )
    builder.adjust(1)
    lines = [t("{n} parcels match. Pick one:", n=len(parcels))]
    lines += [f"• {parcel_line(p, t, zone)}" for p in parcels[:20]]
    await bot.send_message(chat_id, "\n".join(lines), reply_markup=builder.as_markup())
    return True


def actions(entry_id: int, nonce: str, t: Translator):
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("✅ Picked up"), callback_data=ParcelCb(entry_id=entry_id, action="out", nonce=nonce)
    )
    builder.button(
        text=t("↩ Return to sender"),
        callback_data=ParcelCb(entry_id=entry_id, action="ret", nonce=nonce),
    )
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    builder.adjust(2)
    return builder.as_markup()


@router.message(Command("pickup"), flags=FLAGS)
async def pickup_command(message: Message, state: FSMContext, t: Translator) -> None:
    await state.set_state(Pickup.query)
    await message.answer(t(ASK) + " /cancel")


@router.callback_query(MenuCb.filter(F.item == "pickup"), flags=FLAGS)
async def pickup_button(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await query.answer()
    await state.set_state(Pickup.query)
    await query.bot.send_message(query.from_user.id, t(ASK) + " /cancel")


@router.message(StateFilter(Pickup.query), F.text, flags=FLAGS)
async def pickup_query(
    message: Message,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    try:
        form = parse_query(message.text)
    except InvalidInput:
        raise InvalidInput(ASK) from None
    if await show_matches(bot, message.chat.id, form, actor, t, services):
        await state.clear()


@router.callback_query(ParcelCb.filter(F.action == "show"), flags=FLAGS)
async def pick_one(
    query: CallbackQuery,
    callback_data: ParcelCb,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    """The confirmation names the parcel chosen (code, name, tracking number)."""
    found = await services.run(FindParcels(entry_id=callback_data.entry_id), actor)
    await query.answer()
    if not found.parcels:
        await query.bot.send_message(query.from_user.id, none_waiting(found, t))
        return
    await query.bot.send_message(
        query.from_user.id,
        t("Parcel chosen. Confirm:") + "\n" + parcel_line(found.parcels[0], t, found.timezone),
        reply_markup=actions(callback_data.entry_id, callback_data.nonce, t),
    )


async def _bundle_of(entry_id: int, actor: Actor, services: Services):
    """The waiting parcels of the person this parcel is for (same name and phone tail)."""
    one = await services.run(FindParcels(entry_id=entry_id), actor)
    if not one.parcels:
        return one, []
    parcel = one.parcels[0]
    same_phone = await services.run(FindParcels(phone_last4=parcel.phone_last4), actor)
    for bundle in same_phone.bundles():
        if any(p.entry_id == entry_id for p in bundle):
            return same_phone, bundle
    return same_phone, [parcel]


@router.callback_query(ParcelCb.filter(F.action == "all"), flags=FLAGS)
async def offer_all(
    query: CallbackQuery,
    callback_data: ParcelCb,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    """One confirmation for all of one person's parcels, each named."""
    found, bundle = await _bundle_of(callback_data.entry_id, actor, services)
    await query.answer()
    if not bundle:
        await query.bot.send_message(query.from_user.id, none_waiting(found, t))
        return
    nonce = secrets.token_hex(4)
    # The ids wait beside the dialog, so the confirmation hands out exactly what it named.
    await state.update_data(bundle={"nonce": nonce, "ids": [p.entry_id for p in bundle]})
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("✅ Hand out all {n}", n=len(bundle)),
        callback_data=ParcelCb(entry_id=bundle[0].entry_id, action="allok", nonce=nonce),
    )
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    await query.bot.send_message(
        query.from_user.id,
        bundle_text(bundle, t, found.timezone),
        reply_markup=builder.as_markup(),
    )


@router.callback_query(ParcelCb.filter(F.action == "allok"), flags=FLAGS)
async def hand_out_all(
    query: CallbackQuery,
    callback_data: ParcelCb,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    """One CloseParcel per parcel, each keyed by this press and its parcel: a second tap
    finds every one already recorded."""
    saved = (await state.get_data()).get("bundle") or {}
    if saved.get("nonce") == callback_data.nonce:
        ids = saved["ids"]
    else:  # the dialog state was lost: the person's parcels still waiting
        ids = [p.entry_id for p in (await _bundle_of(callback_data.entry_id, actor, services))[1]]
    lines = []
    for entry_id in ids:
        key = press_key(query.from_user.id, callback_data.nonce, entry_id)
        try:
            recorded = await services.run(CloseParcel(entry_id, request_key=key), actor)
        except CunzhanError as error:
            lines.append("✖ " + t(error.text))
            continue
        lines.append(entry_saved(recorded, t))
    await query.answer()
    await query.bot.send_message(query.from_user.id, "\n".join(lines) or t("Nothing to hand out."))


@router.callback_query(ParcelCb.filter(F.action == "out"), flags=FLAGS)
async def picked_up(
    query: CallbackQuery,
    callback_data: ParcelCb,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    recorded = await services.run(
        CloseParcel(
            callback_data.entry_id,
            request_key=press_key(query.from_user.id, callback_data.nonce, callback_data.entry_id),
        ),
        actor,
    )
    await query.answer()
    await query.bot.send_message(query.from_user.id, entry_saved(recorded, t))


@router.callback_query(ParcelCb.filter(F.action == "ret"), flags=FLAGS)
async def ask_reason(
    query: CallbackQuery, callback_data: ParcelCb, state: FSMContext, t: Translator
) -> None:
    await query.answer()
    await state.set_state(Pickup.reason)
    await state.set_data({"entry_id": callback_data.entry_id, "nonce": callback_data.nonce})
    await query.bot.send_message(
        query.from_user.id, t("Why does it go back? e.g. 无人认领 (unclaimed). /cancel")
    )


@router.message(StateFilter(Pickup.reason), F.text, flags=FLAGS)
async def returned(
    message: Message,
    state: FSMContext,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    data = await state.get_data()
    recorded = await services.run(
        CloseParcel(
            data["entry_id"],
            returned=True,
            reason=message.text,
            request_key=press_key(message.from_user.id, data["nonce"], data["entry_id"], "ret"),
        ),
        actor,
    )
    await state.clear()
    await message.answer(entry_saved(recorded, t))

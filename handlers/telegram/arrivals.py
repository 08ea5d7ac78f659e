"""Parcel-arrival notices from a station's public card: the villager shares their own phone
contact (Telegram's contact button; a contact of someone else is refused), and is told
when a parcel for that number is logged at any station; /unsubscribe stops it."""

from __future__ import annotations

from aiogram import Bot, F
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.domain.commands import SubscribeArrivals, UnsubscribeArrivals
from bot.i18n import Translator
from bot.services.authz import Actor
from bot.services.bus import Services
from handlers.telegram.callbacks import BoardCb
from handlers.telegram.keys import message_key
from handlers.telegram.routing import Routes
from handlers.telegram.share_buttons import contact_keyboard

router = Routes("arrivals")


class ArrivalDialog(StatesGroup):
    contact = State()


@router.callback_query(BoardCb.filter(F.action == "notify"))
async def ask_contact(query: CallbackQuery, state: FSMContext, bot: Bot, t: Translator) -> None:
    await state.set_state(ArrivalDialog.contact)
    await query.answer()
    await bot.send_message(
        query.from_user.id,
        t(
            "Share your phone number with the button below: when a parcel for it arrives at a "
            "station, you are told here. Only a coded form of the number and its last 4 "
            "digits are kept. /cancel to stop."
        ),
        reply_markup=contact_keyboard(t),
    )


@router.message(StateFilter(ArrivalDialog.contact), F.contact)
async def contact(
    message: Message, state: FSMContext, actor: Actor, t: Translator, services: Services
) -> None:
    shared = message.contact
    if shared.user_id != message.from_user.id:
        # Anyone can forward someone else's contact card; only one's own number is
        # taken (Telegram sets user_id to the sender's for the contact button).
        await message.answer(
            t("Please share your own number with the button below."),
            reply_markup=contact_keyboard(t),
        )
        return
    done = await services.run(
        SubscribeArrivals(
            shared.phone_number,
            chat_id=str(message.chat.id),
            language=t.language,
            request_key=message_key(message),
        ),
        actor,
    )
    await state.clear()
    head = (
        t("Done: you will be told here when a parcel for *{last4} arrives.", last4=done.last4)
        if done.new
        else t("You already get notices for *{last4}.", last4=done.last4)
    )
    await message.answer(
        head + "\n" + t("To stop: /unsubscribe"), reply_markup=ReplyKeyboardRemove()
    )


@router.message(StateFilter(ArrivalDialog.contact))
async def not_a_contact(message: Message, t: Translator) -> None:
    await message.answer(
        t("Please share your own number with the button below."),
        reply_markup=contact_keyboard(t),
    )


@router.message(Command("unsubscribe"))
async def unsubscribe(message: Message, actor: Actor, t: Translator, services: Services) -> None:
    gone = await services.run(UnsubscribeArrivals(request_key=message_key(message)), actor)
    await message.answer(
        t("Done: no more parcel-arrival notices; your numbers are forgotten.")
        if gone
        else t("You had no parcel-arrival notices.")
    )

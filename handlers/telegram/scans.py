"""A station's poster QR code scanned (`/start s_…`): the scan does what the scanner needs.

The core decides what the scan means (`ScanStation`: the payload and the scanner's role);
this module only shows it: the keeper of that station is asked for the day's check-in
location, a keeper of another station is told so, staff in scope start an inspection,
anyone else sees the public card, and an old (revoked) poster says whom to call.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram import F
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup, Message, ReplyKeyboardRemove
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.board import ScanKind
from bot.domain.commands import (
    CheckInAtStation,
    ConfirmPosition,
    ScanStation,
    TrackLiveLocation,
)
from bot.i18n import Translator
from bot.presenters.board import checkin_text, public_card, revoked_text
from bot.services.authz import Action, Actor, can
from bot.services.bus import Services
from handlers.telegram.callbacks import BoardCb
from handlers.telegram.inspections import start_inspection
from handlers.telegram.keys import message_key
from handlers.telegram.routing import Routes
from handlers.telegram.share_buttons import location_keyboard

router = Routes("scans")


class CheckInDialog(StatesGroup):
    location = State()


async def on_scan(
    message: Message, payload: str, state: FSMContext, actor: Actor, t: Translator, services
) -> None:
    """Called by /start for a station-code payload."""
    scan = await services.run(ScanStation(payload), actor)
    card = scan.card
    if scan.kind is ScanKind.REVOKED:
        await message.answer(revoked_text(card, scan.profile, scan.keeper_name, t))
        return
    if scan.kind is ScanKind.OTHER_STATION:
        await message.answer(
            t(
                "This is the code of {station} ({code}), not your station. To check in, scan "
                "the poster at your own station.",
                station=card.name,
                code=card.code,
            )
        )
        return
    if scan.kind is ScanKind.CHECK_IN:
        await state.set_state(CheckInDialog.location)
        await state.set_data({"payload": payload})
        await message.answer(
            t(
                "Check-in at {station}: share your location with the button below (or /cancel).",
                station=card.name,
            ),
            reply_markup=location_keyboard(t),
        )
        return
    if scan.kind is ScanKind.INSPECTION:
        await start_inspection(message, scan, state, t)
        return
    await message.answer(
        public_card(card, scan.profile, scan.keeper_name, t), reply_markup=card_buttons(payload, t)
    )


def card_buttons(payload: str, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("⭐ Rate the station"), callback_data=BoardCb(action="rate", code=payload)
    )
    builder.button(text=t("📝 Complaint"), callback_data=BoardCb(action="complain", code=payload))
    builder.button(
        text=t("📦 Parcel-arrival notices"), callback_data=BoardCb(action="notify", code=payload)
    )
    builder.adjust(2, 1)
    return builder.as_markup()


@router.message(StateFilter(CheckInDialog.location), F.location, flags={"action": Action.CHECK_IN})
async def location_for_checkin(
    message: Message, state: FSMContext, actor: Actor, t: Translator, services: Services
) -> None:
    payload = (await state.get_data()).get("payload", "")
    spot = message.location
    result = await services.run(
        CheckInAtStation(
            payload,
            round(spot.latitude * 1_000_000),
            round(spot.longitude * 1_000_000),
            live_period_s=spot.live_period,  # a live location: followed through its edits
            request_key=message_key(message),
        ),
        actor,
    )
    await state.clear()
    await message.answer(checkin_text(result, t), reply_markup=ReplyKeyboardRemove())


@router.message(StateFilter(CheckInDialog.location), flags={"action": Action.CHECK_IN})
async def not_a_location(message: Message, t: Translator) -> None:
    await message.answer(
        t("Please share your location with the button below, or /cancel."),
        reply_markup=location_keyboard(t),
    )


@router.edited_message(F.location)
async def live_location_moved(message: Message, actor: Actor, services: Services) -> None:
    """A live location's update (the client edits the message it sent). If that message
    made a check-in, the core follows it and flags one that never moves; nothing is
    answered — the phone sends these by itself, often."""
    if not can(actor, Action.CHECK_IN):
        return
    spot = message.location
    await services.run(
        TrackLiveLocation(
            message_key(message),  # the key the check-in was made with
            round(spot.latitude * 1_000_000),
            round(spot.longitude * 1_000_000),
            # Telegram gives the edit's time in Unix seconds: the update's natural key.
            datetime.fromtimestamp(message.edit_date, UTC) if message.edit_date else message.date,
            request_key=message_key(message),
        ),
        actor,
    )


@router.message(Command("set_position"), flags={"action": Action.CONFIRM_POSITION})
async def set_position(
    message: Message, command: CommandObject, actor: Actor, t: Translator, services: Services
) -> None:
    code = (command.args or "").strip()
    if not code:
        await message.answer(
            t("Send the code with the command, e.g. /{command} DEMO-S001.", command="set_position")
        )
        return
    done = await services.run(ConfirmPosition(code, request_key=message_key(message)), actor)
    await message.answer(
        t(
            "{station} ({code}) is now at {position}: check-ins there are verified by location.",
            station=done.card.name,
            code=done.card.code,
            position=done.position.text(),
        )
    )

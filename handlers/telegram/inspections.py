"""Site inspections (现场检查) from a station's poster: county staff or the township
operator scan it, share their location, tick the county's checklist, add notes and photos
and give the result (bot/services/board/inspections.py records it and alerts staff of a
failure). The dialog keeps its answers in the FSM state until the result is pressed."""

from __future__ import annotations

import secrets

from aiogram import Bot, F
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.commands import RecordInspection
from bot.i18n import Translator
from bot.services.authz import Action, Actor
from bot.services.board.inspections import checklist_label
from bot.services.bus import Services
from handlers.telegram.callbacks import InspectItemCb, InspectResultCb
from handlers.telegram.keys import press_key
from handlers.telegram.routing import Routes
from handlers.telegram.share_buttons import location_keyboard

router = Routes("inspections")
INSPECT = {"action": Action.INSPECT}


class InspectDialog(StatesGroup):
    location = State()
    checklist = State()
    notes = State()
    photos = State()


async def start_inspection(message: Message, scan, state: FSMContext, t: Translator) -> None:
    await state.set_state(InspectDialog.location)
    await state.set_data(
        {
            "payload": scan.payload,
            "items": list(scan.checklist),
            "ok": [True] * len(scan.checklist),
            "nonce": secrets.token_hex(6),
            "photos": [],
        }
    )
    await message.answer(
        t(
            "Inspection of {station} ({code}): share your location with the button below "
            "(or /cancel).",
            station=scan.card.name,
            code=scan.card.code,
        ),
        reply_markup=location_keyboard(t),
    )


def checklist_markup(items: list[str], ok: list[bool], t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index, (item, good) in enumerate(zip(items, ok, strict=True)):
        mark = "✅" if good else "❌"
        builder.button(
            text=f"{mark} {t(checklist_label(item))}", callback_data=InspectItemCb(index=index)
        )
    builder.button(text=t("Next ➡️"), callback_data=InspectItemCb(index=-1))
    builder.adjust(1)
    return builder.as_markup()


@router.message(StateFilter(InspectDialog.location), F.location, flags=INSPECT)
async def located(message: Message, state: FSMContext, t: Translator) -> None:
    spot = message.location
    await state.update_data(
        lat_e6=round(spot.latitude * 1_000_000), lon_e6=round(spot.longitude * 1_000_000)
    )
    await state.set_state(InspectDialog.checklist)
    data = await state.get_data()
    await message.answer(t("Location noted."), reply_markup=ReplyKeyboardRemove())
    await message.answer(
        t("Checklist: press an item to mark a problem (❌), then Next."),
        reply_markup=checklist_markup(data["items"], data["ok"], t),
    )


@router.message(StateFilter(InspectDialog.location), flags=INSPECT)
async def not_located(message: Message, t: Translator) -> None:
    await message.answer(
        t("Please share your location with the button below, or /cancel."),
        reply_markup=location_keyboard(t),
    )


@router.callback_query(StateFilter(InspectDialog.checklist), InspectItemCb.filter(), flags=INSPECT)
async def tick(
    query: CallbackQuery, callback_data: InspectItemCb, state: FSMContext, bot: Bot, t: Translator
) -> None:
    data = await state.get_data()
    ok, index = list(data["ok"]), callback_data.index
    if index == -1:
        await state.set_state(InspectDialog.notes)
        await query.answer()
        await bot.send_message(query.from_user.id, t("Notes? (- for none)"))
        return
    if not 0 <= index < len(ok):
        await query.answer(t("That button is from an earlier question."))
        return
    ok[index] = not ok[index]
    await state.update_data(ok=ok)
    await query.answer()
    if query.message is not None:
        await bot.edit_message_reply_markup(
            chat_id=query.from_user.id,
            message_id=query.message.message_id,
            reply_markup=checklist_markup(data["items"], ok, t),
        )


def result_markup(nonce: str, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text=t("✅ Passed"), callback_data=InspectResultCb(result="pass", nonce=nonce))
    builder.button(text=t("❌ Failed"), callback_data=InspectResultCb(result="fail", nonce=nonce))
    return builder.as_markup()


@router.message(StateFilter(InspectDialog.notes), F.text, flags=INSPECT)
async def notes(message: Message, state: FSMContext, t: Translator) -> None:
    text = message.text.strip()
    await state.update_data(notes="" if text == "-" else text)
    await state.set_state(InspectDialog.photos)
    nonce = (await state.get_data())["nonce"]
    await message.answer(
        t("Send photos if you have any, then give the result."),
        reply_markup=result_markup(nonce, t),
    )


@router.message(StateFilter(InspectDialog.photos), F.photo, flags=INSPECT)
async def photo(message: Message, state: FSMContext, t: Translator) -> None:
    photos = [*(await state.get_data()).get("photos", []), message.photo[-1].file_id]
    await state.update_data(photos=photos[:10])
    nonce = (await state.get_data())["nonce"]
    await message.answer(
        t("Photo {n} added. More, or give the result.", n=len(photos)),
        reply_markup=result_markup(nonce, t),
    )


@router.callback_query(StateFilter(InspectDialog.photos), InspectResultCb.filter(), flags=INSPECT)
async def result(
    query: CallbackQuery,
    callback_data: InspectResultCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    data = await state.get_data()
    if data.get("nonce") != callback_data.nonce:
        await query.answer(t("That button is from an earlier question."))
        return
    recorded = await services.run(
        RecordInspection(
            data["payload"],
            data["lat_e6"],
            data["lon_e6"],
            tuple(zip(data["items"], data["ok"], strict=True)),
            data.get("notes", ""),
            tuple(data.get("photos", [])),
            callback_data.result,
            request_key=press_key(query.from_user.id, callback_data.nonce),
        ),
        actor,
    )
    await state.clear()
    await query.answer()
    i = recorded.inspection
    problems = [t(checklist_label(item)) for item, good in i.checklist.items() if not good]
    lines = [
        t(
            "Inspection of {station} saved: {result}.",
            station=recorded.card.name,
            result=t("passed") if i.result == "pass" else t("failed"),
        ),
        t("Problems: {items}", items=("、" if t.language == "zh" else ", ").join(problems) or "—"),
    ]
    if i.distance_m is not None:
        lines.append(
            t("Your phone said you were {distance} m from the station.", distance=i.distance_m)
        )
    if i.result == "fail":
        lines.append(t("County staff are alerted."))
    await bot.send_message(query.from_user.id, "\n".join(lines))

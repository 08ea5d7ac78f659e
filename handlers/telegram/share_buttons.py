"""Reply keyboards that ask the phone for something: its location (check-ins,
inspections), the person's own phone contact (parcel-arrival notices)."""

from __future__ import annotations

from aiogram.types import KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import Translator


def location_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("📍 Send my location"), request_location=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )


def contact_keyboard(t: Translator) -> ReplyKeyboardMarkup:
    return ReplyKeyboardMarkup(
        keyboard=[[KeyboardButton(text=t("📱 Share my phone number"), request_contact=True)]],
        resize_keyboard=True,
        one_time_keyboard=True,
    )

"""Keyboard builders. What a role sees comes from the same policy that guards actions."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.domain.roles import Role
from bot.domain.text import N_
from bot.i18n import Translator
from bot.services.authz import Action, Actor, can
from handlers.telegram.callbacks import (
    CancelCb,
    InviteConfirmCb,
    LangCb,
    MenuCb,
)

# (menu item, label, action needed, roles it suits)
MENU = (
    ("intake", N_("📦 Parcel in"), Action.RECORD_LEDGER, None),
    ("pickup", N_("📤 Pickup"), Action.RECORD_LEDGER, None),
    ("shelf", N_("🗄 On the shelf"), Action.RECORD_LEDGER, None),
    ("ship", N_("🚚 Ship produce"), Action.RECORD_LEDGER, None),
    ("sale", N_("💰 Sale"), Action.RECORD_LEDGER, None),
    ("proxy", N_("🛒 Proxy purchase"), Action.RECORD_LEDGER, None),
    ("service", N_("🧾 Services"), Action.RECORD_LEDGER, None),
    ("month", N_("📊 This month"), Action.VIEW_LEDGER, {Role.KEEPER}),
    ("station", N_("🏠 My station"), Action.VIEW_STATION, {Role.KEEPER}),
    ("stations", N_("📋 Stations"), Action.LIST_STATIONS, None),
    ("invite", N_("➕ Invite a keeper"), Action.INVITE_KEEPER, None),
    ("help", N_("❓ Help"), None, None),
    ("lang", N_("🌐 语言 / Language"), None, None),
)


def main_menu(actor: Actor, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for item, label, action, roles in MENU:
        if action is not None and not can(actor, action):
            continue
        if roles is not None and actor.role not in roles:
            continue
        builder.button(text=t(label), callback_data=MenuCb(item=item))
    builder.adjust(2)
    return builder.as_markup()


def language_menu() -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(text="中文", callback_data=LangCb(lang="zh"))
    builder.button(text="English", callback_data=LangCb(lang="en"))
    return builder.as_markup()


def confirm_invite(code: str, nonce: str, t: Translator) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    builder.button(
        text=t("✅ Create invite"), callback_data=InviteConfirmCb(code=code, nonce=nonce)
    )
    builder.button(text=t("✖ Cancel"), callback_data=CancelCb())
    return builder.as_markup()

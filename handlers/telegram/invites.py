"""Creating invites in chat: /invite <station>, /invite_operator, /invite_staff,
/invite_admin, and the keeper-invite dialog from the menu."""

from __future__ import annotations

import secrets

from aiogram import Bot, F
from aiogram.filters import Command, CommandObject, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import BufferedInputFile, CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link

from adapters.qr import qr_png
from bot.config import Settings
from bot.domain.commands import CreateInvite, ShowStation
from bot.domain.roles import ROLE_LABELS, Role
from bot.i18n import Translator
from bot.presenters import texts as render
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from bot.services.invites import CreatedInvite
from handlers.telegram.callbacks import InviteConfirmCb, MenuCb
from handlers.telegram.keyboards import confirm_invite
from handlers.telegram.keys import message_key, press_key
from handlers.telegram.routing import Routes

router = Routes("invites")


class InviteForm(StatesGroup):
    station_code = State()
    confirm = State()


async def send_invite(
    bot: Bot, chat_id: int, invite: CreatedInvite, t: Translator, settings: Settings
) -> None:
    assert invite.token is not None
    link = await create_start_link(bot, invite.token)
    caption = "\n".join(
        [
            t(
                "Invite for {role}: {place}",
                role=ROLE_LABELS[invite.role],
                place=render.place_label(invite.scope_label, t),
            ),
            t("Scan this QR code with the phone camera or Telegram, or open the link:"),
            link,
            t(
                "Valid once, until {time} ({timezone}).",
                time=render.local_time(invite.expires_at, settings.timezone),
                timezone=render.zone_name(settings.timezone, t),
            ),
        ]
    )
    photo = BufferedInputFile(qr_png(link), filename="invite.png")
    await bot.send_photo(chat_id, photo, caption=caption)


async def _command_invite(
    message: Message,
    command: CommandObject,
    role: Role,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
    settings,
) -> None:
    code = (command.args or "").strip() or None
    if code is None and role is not Role.ADMIN:
        await message.answer(
            t("Send the code with the command, e.g. /{command} DEMO-S001.", command=command.command)
        )
        return
    created = await services.run(CreateInvite(role, code, request_key=message_key(message)), actor)
    await send_invite(bot, message.chat.id, created, t, settings)


def _register(command_name: str, role: Role, action: Action) -> None:
    @router.message(Command(command_name), flags={"action": action})
    async def handler(
        message: Message,
        command: CommandObject,
        bot: Bot,
        actor: Actor,
        t: Translator,
        services: Services,
        settings: Settings,
    ) -> None:
        await _command_invite(message, command, role, bot, actor, t, services, settings)

    handler.__name__ = f"invite_{role.value}"


_register("invite", Role.KEEPER, Action.INVITE_KEEPER)
_register("invite_operator", Role.TOWNSHIP_OPERATOR, Action.INVITE_OPERATOR)
_register("invite_staff", Role.COUNTY_STAFF, Action.INVITE_STAFF)
_register("invite_admin", Role.ADMIN, Action.INVITE_ADMIN)


@router.callback_query(MenuCb.filter(F.item == "invite"), flags={"action": Action.INVITE_KEEPER})
async def invite_dialog(query: CallbackQuery, state: FSMContext, t: Translator) -> None:
    await state.set_state(InviteForm.station_code)
    await query.answer()
    await query.bot.send_message(
        query.from_user.id,
        t("Which station is the keeper for? Send its code, e.g. DEMO-S001. /cancel to stop."),
    )


@router.message(
    StateFilter(InviteForm.station_code), F.text, flags={"action": Action.INVITE_KEEPER}
)
async def invite_station_code(
    message: Message, state: FSMContext, actor: Actor, t: Translator, services: Services
) -> None:
    # Looks the station up within the actor's scope; a bad or foreign code raises, the
    # guard answers, and the dialog stays on this step.
    card = await services.run(ShowStation(message.text), actor)
    nonce = secrets.token_hex(6)
    await state.set_state(InviteForm.confirm)
    await state.update_data(code=card.code, nonce=nonce)
    await message.answer(
        render.station_card(card, t) + "\n\n" + t("Create a keeper invite for this station?"),
        reply_markup=confirm_invite(card.code, nonce, t),
    )


@router.message(StateFilter(InviteForm.station_code), flags={"action": Action.INVITE_KEEPER})
async def invite_station_code_not_text(message: Message, t: Translator) -> None:
    await message.answer(t("Please send the station code as text, e.g. DEMO-S001."))


@router.callback_query(InviteConfirmCb.filter(), flags={"action": Action.INVITE_KEEPER})
async def invite_confirmed(
    query: CallbackQuery,
    callback_data: InviteConfirmCb,
    state: FSMContext,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
    settings: Settings,
) -> None:
    # The request key ties this press to its button: a double tap (or a redelivered
    # callback) finds the invite already made. Authorization is re-checked by the service
    # for the person pressing, whatever the callback data says.
    created = await services.run(
        CreateInvite(
            Role.KEEPER,
            callback_data.code,
            request_key=press_key(query.from_user.id, callback_data.nonce),
        ),
        actor,
    )
    await state.clear()
    if created.duplicate:
        await query.answer(t("This invite was already created above."))
        return
    await query.answer()
    await send_invite(bot, query.from_user.id, created, t, settings)

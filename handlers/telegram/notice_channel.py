"""/notify_here: a person who uses Cunzhan on several apps (Telegram and WeChat) chooses
where their notices go (office IM, #12). By default a notice goes to the app they wrote
on last; `/notify_here` pins it to Telegram, `/notify_here off` goes back to the default.
The rule (a chat on that channel is needed) is the core's: `identity.choose_notice_channel`.
"""

from __future__ import annotations

from aiogram.filters import Command, CommandObject
from aiogram.types import Message

from bot.domain.commands import ChooseNoticeChannel
from bot.i18n import Translator
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.keys import message_key
from handlers.telegram.middlewares.actor import CHANNEL
from handlers.telegram.routing import Routes

router = Routes("notice_channel")
OFF = ("off", "关", "关闭")  # the Chinese texts say "/notify_here 关"


@router.message(Command("notify_here"), flags={"action": Action.VIEW_STATION})
async def notify_here(
    message: Message, command: CommandObject, actor: Actor, t: Translator, services: Services
) -> None:
    choice = (command.args or "").strip().lower()
    if choice not in ("", *OFF):
        await message.answer(
            t(
                "Send /notify_here to get your notices here, or /notify_here off to get "
                "them in the app you used last."
            )
        )
        return
    channel = None if choice in OFF else CHANNEL
    await services.run(
        ChooseNoticeChannel(channel=channel, request_key=message_key(message)), actor
    )
    if channel is None:
        await message.answer(t("Your notices now come to the app you used last."))
    else:
        await message.answer(t("Your notices now come here, whichever app you use."))

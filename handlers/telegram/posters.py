"""/poster (keepers, staff) and /revoke_qr CODE (staff): the station's printable notice-board
poster with its public QR code, and revoking a printed code (a new one is issued)."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.filters import Command, CommandObject
from aiogram.types import BufferedInputFile, Message
from aiogram.utils.deep_linking import create_start_link

from adapters.poster import PosterSheet, poster_pdf, poster_png
from adapters.qr import qr_png
from bot.domain.commands import RevokeStationQr, StationPosters
from bot.i18n import Translator
from bot.presenters.board import poster_words
from bot.services.authz import Action, Actor
from bot.services.bus import Services
from handlers.telegram.keys import message_key
from handlers.telegram.routing import Routes

router = Routes("posters")


@router.message(Command("poster"), flags={"action": Action.PRINT_POSTER})
async def poster(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    code = (command.args or "").strip() or None
    [content] = await services.run(
        StationPosters(station=code, request_key=message_key(message)), actor
    )
    link = await create_start_link(bot, content.payload)
    sheet = PosterSheet(**poster_words(content, t), link=link)
    name = content.card.code
    # Drawing takes about a second (fpdf2 parses the CJK font each time): off the event
    # loop, so other chats' updates go on meanwhile.
    pdf, png = await asyncio.gather(
        asyncio.to_thread(poster_pdf, [sheet]), asyncio.to_thread(poster_png, sheet)
    )
    await bot.send_document(
        message.chat.id,
        BufferedInputFile(pdf, filename=f"{name}-poster.pdf"),
        caption=t(
            "The notice-board poster of {station}: print it on A4 and put it up by the door. "
            "The QR code stays the same on every reprint until county staff revoke it.",
            station=content.card.name,
        ),
    )
    # The link too: to share in the village's group chat, and to open without a camera.
    await bot.send_photo(
        message.chat.id, BufferedInputFile(png, filename=f"{name}-poster.png"), caption=link
    )


@router.message(Command("revoke_qr"), flags={"action": Action.REVOKE_QR})
async def revoke_qr(
    message: Message,
    command: CommandObject,
    bot: Bot,
    actor: Actor,
    t: Translator,
    services: Services,
) -> None:
    code = (command.args or "").strip()
    if not code:
        await message.answer(
            t("Send the code with the command, e.g. /{command} DEMO-S001.", command="revoke_qr")
        )
        return
    revoked = await services.run(RevokeStationQr(code, request_key=message_key(message)), actor)
    link = await create_start_link(bot, revoked.new.code)
    caption = t(
        "The old QR code of {station} ({code}) no longer works: scanning it says so and whom "
        "to call. Print the new poster: /poster {code}",
        station=revoked.card.name,
        code=revoked.card.code,
    )
    await bot.send_photo(
        message.chat.id,
        BufferedInputFile(qr_png(link), filename=f"{revoked.card.code}-qr.png"),
        caption=caption,
    )

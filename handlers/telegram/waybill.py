"""Reading a tracking number from a waybill photo or file sent in the chat."""

from __future__ import annotations

import asyncio
import io

from aiogram import Bot
from aiogram.types import Message

from adapters.barcodes import decode_tracking_numbers
from bot.i18n import Translator

MAX_DOWNLOAD = 20 * 1024 * 1024  # the Bot API's getFile limit


async def tracking_from_media(bot: Bot, message: Message, t: Translator) -> str | None:
    """The tracking number in the photo or image file, or None after telling the keeper
    what to do instead."""
    if message.photo:
        file = message.photo[-1]  # the largest size Telegram kept
    elif message.document and (message.document.mime_type or "").startswith("image/"):
        file = message.document
    else:
        await message.answer(t("Send the waybill as a photo or an image file, or type the number."))
        return None
    if (file.file_size or 0) > MAX_DOWNLOAD:
        await message.answer(t("That file is too large (over 20 MB). Type the number instead."))
        return None
    buffer = io.BytesIO()
    await bot.download(file, destination=buffer)
    # zxing is CPU work: keep the event loop free for other keepers.
    numbers = await asyncio.to_thread(decode_tracking_numbers, buffer.getvalue())
    if not numbers:
        await message.answer(
            t(
                "I could not read a barcode in that picture. Type the number, or send the "
                "picture as a file (photos are compressed and may lose the barcode)."
            )
        )
        return None
    if len(numbers) > 1:
        await message.answer(
            t(
                "Several numbers found; using the first: {number}. "
                "If that is wrong, send /cancel and type it.",
                number=numbers[0],
            )
        )
    return numbers[0]

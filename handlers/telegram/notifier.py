"""Sending a translated core message to a Telegram chat, for jobs."""

from __future__ import annotations

from aiogram import Bot

from bot.domain.text import Text
from bot.i18n import Translator


class TelegramNotifier:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def __call__(self, chat_id: int, text: Text, language: str) -> None:
        await self.bot.send_message(chat_id, Translator(language)(text))

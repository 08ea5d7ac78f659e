from __future__ import annotations

import logging

from bot.bootstrap import build_app
from bot.config import Settings
from handlers.telegram.runner import make_bot, serve_polling, serve_webhook
from storage.engine import safe_url

log = logging.getLogger(__name__)


async def run(settings: Settings) -> int:
    if settings.bot_token is None:
        print(
            "CUNZHAN_BOT_TOKEN is not set. Put the token from @BotFather in .env "
            "(see .env.example), or try `python -m bot demo` without one.",
        )
        return 2
    app = await build_app(settings)
    log.info("database %s", safe_url(settings.database_url))
    bot = make_bot(settings.bot_token.get_secret_value(), settings.telegram_api_base)
    try:
        if settings.webhook_url:
            await serve_webhook(app, bot)
        else:
            await serve_polling(app, bot)
    finally:
        await app.close()
    return 0

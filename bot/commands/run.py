from __future__ import annotations

import asyncio
import logging
import signal

from bot.bootstrap import build_app
from bot.config import Settings
from handlers.telegram.pipeline.polling import retrying
from handlers.telegram.runner import make_bot, serve_polling, serve_webhook, stopper
from storage.engine import safe_url

log = logging.getLogger(__name__)


async def run(settings: Settings) -> int:
    if settings.bot_token is None:
        print(
            "CUNZHAN_BOT_TOKEN is not set. Put the token from @BotFather in .env "
            "(see .env.example), or try `python -m bot demo` without one.",
        )
        return 2
    # SIGTERM/SIGINT from the first moment: while the database is waited for it ends the
    # wait; later it drains the updates in flight (serve_polling / serve_webhook).
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopper(stop, signum))
    # The database may not be up yet (a server starting beside the bot, a file locked by
    # another process): wait for it, never exit.
    app = await retrying(
        f"opening the database {safe_url(settings.database_url)}",
        lambda: build_app(settings),
        stop,
    )
    if app is None:
        return 0
    log.info("database %s", safe_url(settings.database_url))
    bot = make_bot(settings.bot_token.get_secret_value(), settings.telegram_api_base)
    # office IM (#12): staff notices to the counties' WeCom / DingTalk group robots
    from handlers.office_im.workers import start_robot_workers

    robots = start_robot_workers(app)
    try:
        if settings.webhook_url:
            await serve_webhook(app, bot, stop=stop)
        else:
            await serve_polling(app, bot, handle_signals=False, stop=stop)
    finally:
        await robots.stop()
        await app.close()
    return 0

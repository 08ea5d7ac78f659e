from __future__ import annotations

import asyncio
import gc
import logging
import signal

from bot.bootstrap import build_app
from bot.config import Settings
from handlers.telegram.pipeline.polling import retrying
from handlers.telegram.runner import make_bot, serve_polling, serve_webhook, stopper
from storage.engine import safe_url

log = logging.getLogger(__name__)


async def run(settings: Settings) -> int:
    if settings.bot_token is None and not settings.wechat_enabled:
        print(
            "CUNZHAN_BOT_TOKEN is not set. Put the token from @BotFather in .env "
            "(see .env.example), or the WeChat account's CUNZHAN_WECHAT_APPID and "
            "CUNZHAN_WECHAT_TOKEN, or try `python -m bot demo` without one.",
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
    settle_heap()
    # office IM (#12): staff notices to the counties' WeCom / DingTalk group robots
    from handlers.office_im.workers import start_robot_workers

    robots = start_robot_workers(app)
    front_ends = []
    if settings.wechat_enabled:
        # Beside Telegram in this process (which then runs the scheduler), or alone.
        from handlers.wechat.runner import serve_wechat

        front_ends.append(serve_wechat(app, stop=stop, with_jobs=settings.bot_token is None))
    if settings.bot_token is not None:
        front_ends.append(serve_telegram(app, settings, stop))
    try:
        await _together(front_ends, stop)
    finally:
        await robots.stop()
        await app.close()
        gc.unfreeze()  # let interpreter shutdown free what settle_heap froze
    return 0


def settle_heap() -> None:
    """Once started, move everything alive into the garbage collector's permanent
    generation (`gc.freeze`): the modules, schemas and compiled statements of a started
    bot are hundreds of thousands of objects that a full collection would otherwise walk
    each time. Measured under `benchmarks.e2e_load` (gc callbacks): a full collection in
    the middle of the load took 218–258 ms, every update in flight waiting; after the
    freeze the longest pause was 16–32 ms. Objects created later are collected as ever."""
    gc.collect()
    gc.freeze()


async def serve_telegram(app, settings: Settings, stop: asyncio.Event) -> None:
    bot = make_bot(settings.bot_token.get_secret_value(), settings.telegram_api_base)
    if settings.webhook_url:
        await serve_webhook(app, bot, stop=stop)
    else:
        await serve_polling(app, bot, handle_signals=False, stop=stop)


async def _together(front_ends, stop: asyncio.Event) -> None:
    """Run the front ends until `stop`; one ending (or failing) stops the others too."""
    tasks = [asyncio.ensure_future(front_end) for front_end in front_ends]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.set()
        results = await asyncio.gather(*tasks, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, asyncio.CancelledError):
            raise result

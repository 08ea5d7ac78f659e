"""Running the Telegram bot: polling or webhook, with the scheduler beside it.

Demo mode and the end-to-end tests call `serve_polling` with a Bot pointed at the local
Bot API double; production calls it with the real API. Only the base URL differs.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import AsyncExitStack, suppress

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.bootstrap import App
from handlers.telegram import build_dispatcher
from handlers.telegram.commands import register_default_commands
from handlers.telegram.outbox_sender import start_outbox_worker
from jobs.scheduler import start_scheduler

log = logging.getLogger(__name__)


def make_bot(token: str, api_base: str | None = None) -> Bot:
    # A custom server must be set on the session: unknown Bot(...) keywords are ignored.
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base)) if api_base else None
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode=None))


async def prepare(app: App, bot: Bot) -> Dispatcher:
    dp = build_dispatcher(app)
    await register_default_commands(bot)
    return dp


async def serve_polling(
    app: App,
    bot: Bot,
    *,
    handle_signals: bool = True,
    polling_timeout: int = 10,
    ready: asyncio.Event | None = None,
    on_dispatcher: Callable[[Dispatcher], None] | None = None,
) -> None:
    """Poll until stopped (a signal, `dp.stop_polling()`, or cancelling this task).

    `on_dispatcher` sees the dispatcher before polling starts (tests add a middleware);
    `ready` is set once polling has started.
    """
    dp = await prepare(app, bot)
    if on_dispatcher is not None:
        on_dispatcher(dp)
    if ready is not None:

        async def _ready() -> None:
            # An async hook: aiogram runs plain functions in a worker thread, where
            # asyncio.Event.set is not safe.
            ready.set()

        dp.startup.register(_ready)
    async with AsyncExitStack() as stack:
        scheduler = start_scheduler(app)
        stack.callback(scheduler.shutdown, wait=False)
        outbox = start_outbox_worker(app, bot)
        stack.push_async_callback(outbox.stop)
        # Alerts stop before aiogram closes the bot's session when polling ends.
        dp.shutdown.register(outbox.stop)
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("polling for updates")
        polling = asyncio.create_task(
            dp.start_polling(
                bot,
                handle_signals=handle_signals,
                polling_timeout=polling_timeout,
                close_bot_session=True,
            )
        )
        try:
            await asyncio.shield(polling)
        except asyncio.CancelledError:
            # aiogram does not cancel its own polling loop when the outer task is
            # cancelled: stop it properly, then let the cancellation through.
            with suppress(RuntimeError):  # "Polling is not started"
                await dp.stop_polling()
            with suppress(asyncio.CancelledError):
                await polling
            raise


WEBHOOK_PATH = "/telegram"


def webhook_app(dp: Dispatcher, bot: Bot, secret: str | None):
    """The aiohttp application that receives Telegram's POSTs."""
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    web_app = web.Application()
    # handle_in_background=False: Telegram gets 200 only after the update was handled, so
    # a failed handler is redelivered instead of lost; DedupMiddleware absorbs the repeats.
    SimpleRequestHandler(
        dispatcher=dp, bot=bot, secret_token=secret, handle_in_background=False
    ).register(web_app, path=WEBHOOK_PATH)
    setup_application(web_app, dp, bot=bot)
    return web_app


async def serve_webhook(app: App, bot: Bot) -> None:
    from aiohttp import web

    settings = app.settings
    assert settings.webhook_url
    dp = await prepare(app, bot)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    await bot.set_webhook(
        settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
        secret_token=secret,
        drop_pending_updates=False,
        # Say which update kinds the routers use (edited messages among them): otherwise
        # Telegram keeps whatever list the webhook was last set with.
        allowed_updates=dp.resolve_used_update_types(),
    )
    scheduler = start_scheduler(app)
    outbox = start_outbox_worker(app, bot)
    dp.shutdown.register(outbox.stop)  # before the session closes at the app's shutdown
    runner = web.AppRunner(webhook_app(dp, bot, secret))
    await runner.setup()
    site = web.TCPSite(runner, settings.webhook_listen_host, settings.webhook_listen_port)
    await site.start()
    log.info(
        "webhook server listening on %s:%s",
        settings.webhook_listen_host,
        settings.webhook_listen_port,
    )
    try:
        await asyncio.Event().wait()
    finally:
        await outbox.stop()
        scheduler.shutdown(wait=False)
        await runner.cleanup()

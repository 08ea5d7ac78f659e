"""Running the Telegram bot: polling or webhook, with the scheduler beside it.

Demo mode and the end-to-end tests call `serve_polling` with a Bot pointed at the local
Bot API double; production calls it with the real API. Only the base URL differs.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Callable
from contextlib import AsyncExitStack, suppress

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.telegram import TelegramAPIServer

from bot.bootstrap import App
from handlers.telegram import build_dispatcher
from handlers.telegram.commands import register_default_commands
from handlers.telegram.outbox_sender import start_outbox_worker
from handlers.telegram.pipeline.inbox import InboxProcessor
from handlers.telegram.pipeline.polling import InboxPoller, retrying
from handlers.telegram.pipeline.process import UpdatePipeline
from handlers.telegram.session import PinnedAiohttpSession
from jobs.scheduler import start_scheduler, stop_scheduler
from storage.engine import WEBHOOK_MAX_CONNECTIONS
from storage.repositories.inbox import SqlInbox

log = logging.getLogger(__name__)


def make_bot(token: str, api_base: str | None = None) -> Bot:
    # A custom server must be set on the session: unknown Bot(...) keywords are ignored.
    session = (
        PinnedAiohttpSession(api=TelegramAPIServer.from_base(api_base))
        if api_base
        else PinnedAiohttpSession()
    )
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
    stop: asyncio.Event | None = None,
    on_handled: Callable[[int], None] | None = None,
    workers: int = 8,
    high_water: int = 1000,
) -> None:
    """Poll until stopped (SIGTERM/SIGINT, `stop` set, or cancelling this task), through
    the durable inbox (handlers/telegram/pipeline/polling.py): an update is confirmed to
    Telegram only once it is stored, and handled in order per chat by `workers` workers.

    Stopping drains: the updates being handled finish, then the processor, the outbox
    and the scheduler stop. A Bot API or database outage, at start or later, is waited
    out with backoff; it never ends the process.

    `on_dispatcher` sees the dispatcher before polling starts; `on_handled(update_id)` is
    called when the pipeline is done with an update; `ready` is set once polling started.
    """
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if handle_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopper(stop, signum))
    try:
        await _poll(
            app, bot, stop, polling_timeout, ready, on_dispatcher, on_handled, workers, high_water
        )
    finally:
        if handle_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)


async def _cancel(task: asyncio.Task[None]) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


def stopper(stop: asyncio.Event, signum: int) -> Callable[[], None]:
    def on_signal() -> None:
        log.info("%s: finishing the updates in flight, then stopping", signal.Signals(signum).name)
        stop.set()

    return on_signal


async def _poll(
    app: App,
    bot: Bot,
    stop: asyncio.Event,
    polling_timeout: int,
    ready: asyncio.Event | None,
    on_dispatcher: Callable[[Dispatcher], None] | None,
    on_handled: Callable[[int], None] | None,
    workers: int,
    high_water: int,
) -> None:
    dp = build_dispatcher(app)
    if on_dispatcher is not None:
        on_dispatcher(dp)
    async with AsyncExitStack() as stack:
        stack.push_async_callback(bot.session.close)
        # The Bot API may be down or answer 502 at start: wait for it, never exit.
        await retrying("setting the command menus", lambda: register_default_commands(bot), stop)
        await retrying(
            "deleteWebhook", lambda: bot.delete_webhook(drop_pending_updates=False), stop
        )
        if stop.is_set():
            return
        workflow = {"dispatcher": dp, "bots": [bot], **dp.workflow_data}
        await dp.emit_startup(bot=bot, **workflow)
        stack.push_async_callback(dp.emit_shutdown, bot=bot, **workflow)
        scheduler = start_scheduler(app)
        stack.push_async_callback(stop_scheduler, scheduler)
        outbox = start_outbox_worker(app, bot)
        stack.push_async_callback(outbox.stop)
        # Alerts stop before aiogram closes the bot's session when polling ends.
        dp.shutdown.register(outbox.stop)

        pipeline = UpdatePipeline(dp, bot)
        # Replies a killed process committed but had not sent yet go out again, in the
        # background (it waits out a busy database or Bot API by itself).
        resend = asyncio.create_task(pipeline.transactions.resend_at_start(bot))
        stack.push_async_callback(_cancel, resend)
        stack.push_async_callback(pipeline.transactions.flush_marks_quietly)
        inbox = SqlInbox(app.engine, group=dp.transactions.group)
        processor = InboxProcessor(
            pipeline.handle, inbox, bot.id, app.clock, workers=workers, on_handled=on_handled
        )
        poller = InboxPoller(
            bot,
            inbox,
            processor,
            app.clock,
            polling_timeout=polling_timeout,
            allowed_updates=dp.resolve_used_update_types(),
            high_water=high_water,
        )
        await poller.recover(stop)
        processor.start()
        stack.push_async_callback(processor.stop)
        log.info("polling for updates")
        if ready is not None:
            ready.set()
        try:
            await poller.run(stop)
        except asyncio.CancelledError:
            stop.set()
            raise


WEBHOOK_PATH = "/telegram"


def webhook_app(dp: Dispatcher, bot: Bot, secret: str | None):
    """The aiohttp application that receives Telegram's POSTs: 200 only once the update
    committed, 503 when a retry can fix it, poison kept and confirmed
    (handlers/telegram/pipeline/webhook.py)."""
    from handlers.telegram.pipeline.process import UpdatePipeline
    from handlers.telegram.pipeline.webhook import build_webhook_app

    return build_webhook_app(UpdatePipeline(dp, bot), bot, WEBHOOK_PATH, secret)


async def serve_webhook(app: App, bot: Bot, *, stop: asyncio.Event | None = None) -> None:
    from aiohttp import web

    settings = app.settings
    assert settings.webhook_url
    dp = await prepare(app, bot)
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    await bot.set_webhook(
        settings.webhook_url.rstrip("/") + WEBHOOK_PATH,
        secret_token=secret,
        drop_pending_updates=False,
        # Concurrent requests Telegram may make; the PostgreSQL pool is sized for them.
        max_connections=WEBHOOK_MAX_CONNECTIONS,
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
    # SIGTERM drains: the server stops accepting, requests in flight finish (their updates
    # commit and are answered 200), then the rest stops.
    # (`stop` given: the caller has the signal handlers.)
    own_signals = stop is None
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    if own_signals:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopper(stop, signum))
    try:
        await stop.wait()
    finally:
        if own_signals:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
        await runner.cleanup()
        await outbox.stop()
        await stop_scheduler(scheduler)

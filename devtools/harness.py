"""The real bot, long-polling the Bot API double: shared by demo mode and the e2e tests.

`live_bot(app, fake)` runs `handlers.telegram.runner.serve_polling` (the production code path: real
Dispatcher, middlewares, scheduler, HTTP) in a task and stops it cleanly: it lets handlers
in flight finish, stops polling, and waits until the bot session is closed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiogram import BaseMiddleware, Bot, Dispatcher
from aiogram.types import TelegramObject, Update

from bot.bootstrap import App
from devtools.telegram_double.records import Broadcast
from devtools.telegram_double.server import FakeTelegram
from handlers.telegram.runner import make_bot, serve_polling

log = logging.getLogger(__name__)

DEMO_TOKEN = "123456:DEMO-TOKEN"


class HandledUpdates(BaseMiddleware):
    """Outer middleware noting each update once its handlers are done, so a driver can
    wait for "the bot has finished with this" instead of guessing how many replies come."""

    def __init__(self) -> None:
        self.done: set[int] = set()
        self._changed = Broadcast()

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        try:
            return await handler(event, data)
        finally:
            if isinstance(event, Update):
                self.done.add(event.update_id)
                self._changed.notify()

    async def wait(self, update_id: int, timeout: float) -> None:  # noqa: ASYNC109
        await self._changed.wait_for(lambda: update_id in self.done, timeout)


@dataclass
class LiveBot:
    app: App
    fake: FakeTelegram
    bot: Bot
    dispatcher: Dispatcher
    handled: HandledUpdates
    task: asyncio.Task[None] = field(repr=False)

    async def wait_handled(self, update: dict[str, Any], timeout: float = 5) -> None:  # noqa: ASYNC109
        """Until the dispatcher has run every handler for the update (from `fake.send_text`,
        `fake.press`, …)."""
        await self.handled.wait(update["update_id"], timeout)

    async def stop(self, grace: float = 5) -> None:
        if self.task.done():
            return
        # Shutdown does not wait for handlers in flight; a driver that stops right after
        # its last reply should not cut off the handler's last write.
        in_flight = set(getattr(self.dispatcher, "_handle_update_tasks", ()))
        if in_flight:
            await asyncio.wait(in_flight, timeout=grace)
        try:
            async with asyncio.timeout(grace):
                await self.dispatcher.stop_polling()
                await self.task
        except (TimeoutError, RuntimeError):
            log.warning("polling did not stop in %ss; cancelling", grace)
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task


@contextlib.asynccontextmanager
async def live_bot(
    app: App,
    fake: FakeTelegram,
    *,
    token: str = DEMO_TOKEN,
    polling_timeout: int = 10,
    startup_timeout: float = 10,
) -> AsyncIterator[LiveBot]:
    """The bot polling `fake` until the block ends. The fake must be started first and
    stopped after (it wakes the last long poll)."""
    handled = HandledUpdates()
    ready = asyncio.Event()
    dispatchers: list[Dispatcher] = []

    def on_dispatcher(dp: Dispatcher) -> None:
        dispatchers.append(dp)
        dp.update.outer_middleware(handled)  # before polling starts: no update is missed

    bot = make_bot(token, fake.base_url)
    task = asyncio.create_task(
        serve_polling(
            app,
            bot,
            handle_signals=False,
            polling_timeout=polling_timeout,
            ready=ready,
            on_dispatcher=on_dispatcher,
        ),
        name="demo-polling",
    )
    waiter = asyncio.create_task(ready.wait())
    try:
        done, _ = await asyncio.wait(
            {task, waiter}, timeout=startup_timeout, return_when=asyncio.FIRST_COMPLETED
        )
        if task in done:
            task.result()  # startup failed: raise its error
            raise RuntimeError("the bot stopped before it was ready")
        if waiter not in done or not dispatchers:
            raise TimeoutError(f"the bot was not ready within {startup_timeout}s")
    except BaseException:
        waiter.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await bot.session.close()
        raise
    live = LiveBot(app, fake, bot, dispatchers[0], handled, task)
    try:
        yield live
    finally:
        await live.stop()

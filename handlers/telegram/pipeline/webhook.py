"""The webhook endpoint that tells Telegram the truth.

- 200 only after the update's transaction committed (or it had committed before);
- 503 for a failure a retry can fix (database busy or locked past the pipeline's own
  retries, a lost connection, replies that could not be sent yet): Telegram retries;
- 200 for an update that can never succeed (malformed JSON, an invalid schema, a handler
  failing every time): it is kept in `poison_updates` with its payload (listed by
  `python -m bot updates poison`) so it does not block the queue;
- 401 without the right secret.

aiogram's SimpleRequestHandler is not used: it answers 200 after 55 seconds whether or
not the update finished. Here an update still running after `DEADLINE` is cancelled
(its transaction rolls back) and answered 503, so Telegram sends it again.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from contextlib import suppress

from aiogram import Bot
from aiohttp import web

from handlers.telegram.pipeline import Retryable
from handlers.telegram.pipeline.process import UpdatePipeline

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
DEADLINE = 50.0  # seconds; Telegram gives up on an answer after about 60


def webhook_handler(pipeline: UpdatePipeline, secret: str | None, deadline: float = DEADLINE):
    async def handle(request: web.Request) -> web.Response:
        if secret is not None and not hmac.compare_digest(
            request.headers.get(SECRET_HEADER, ""), secret
        ):
            return web.Response(status=401)
        body = await request.read()
        try:
            async with asyncio.timeout(deadline):
                handled = await pipeline.handle_payload(body)
        except Retryable as error:
            log.warning("webhook update not confirmed, Telegram will retry: %s", error)
            return web.Response(status=503, headers={"Retry-After": "1"})
        except TimeoutError:
            log.warning("webhook update still running after %.0f s: rolled back", deadline)
            return web.Response(status=503, headers={"Retry-After": "1"})
        if handled.poison:
            log.error("webhook update %s is poison: kept, confirmed", handled.update_id)
        return web.json_response({})

    return handle


# The background task re-sending replies a crash left unsent (a typed aiohttp app key).
UNSENT = web.AppKey("cunzhan_unsent", asyncio.Task)


def build_webhook_app(pipeline: UpdatePipeline, bot: Bot, path: str, secret: str | None):
    web_app = web.Application()
    web_app.router.add_post(path, webhook_handler(pipeline, secret))

    async def on_startup(_app: web.Application) -> None:
        await pipeline.dp.emit_startup(bot=bot, dispatcher=pipeline.dp, **pipeline.dp.workflow_data)
        # In the background, retried: a locked database or an unreachable Bot API at
        # start must not end the process (nor hold up the updates waiting).
        web_app[UNSENT] = asyncio.create_task(pipeline.transactions.resend_at_start(bot))

    async def on_shutdown(_app: web.Application) -> None:
        task = web_app.get(UNSENT)
        if task is not None and not task.done():
            task.cancel()
            # Waited for: a task cancelled inside a database call must unwind before the
            # engine is disposed, or closing its connection waits forever at exit.
            with suppress(asyncio.CancelledError, Exception):
                await task
        await pipeline.transactions.flush_marks_quietly()
        await pipeline.dp.emit_shutdown(
            bot=bot, dispatcher=pipeline.dp, **pipeline.dp.workflow_data
        )
        await bot.session.close()

    web_app.on_startup.append(on_startup)
    web_app.on_shutdown.append(on_shutdown)
    return web_app

"""APScheduler wiring. Jobs are woken on an interval; catch-up is the jobs' own business."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.bootstrap import App
from jobs.dialog_expiry import expire_idle_dialogs, prune_processed_updates
from storage.repositories.inbox import SqlInbox
from storage.repositories.wechat import SqlWeChatRepo

SWEEP_SECONDS = 60
DUE_MINUTES = 10
STOP_WAIT_SECONDS = 10  # a cancelled job's rollback takes milliseconds
log = logging.getLogger(__name__)


def stops_quietly(
    job: Callable[..., Awaitable[None]], running: set[asyncio.Task] | None = None
) -> Callable[..., Awaitable[None]]:
    """A job cancelled because the process is stopping ends without an error report: each of
    its steps is one transaction (rolled back when cut), and the database decides at the
    next start what is still due. Anything else it raises is still reported. While it runs
    its task is in `running`, so that `stop_scheduler` can wait for it."""

    @functools.wraps(job)
    async def run(*args, **kwargs) -> None:
        task = asyncio.current_task()
        if running is not None and task is not None:
            running.add(task)
        try:
            await job(*args, **kwargs)
        except asyncio.CancelledError:
            log.info("job %s stopped by shutdown; it runs again at the next start", job.__name__)
        finally:
            if running is not None:
                running.discard(task)

    return run


async def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    """Stop waking jobs, cancel those running and wait until they have ended, before the
    database is closed. APScheduler's shutdown only cancels: a job still unwinding (its
    rollback) when the engine is disposed keeps its connection, and an open aiosqlite
    connection's thread keeps the process from exiting after SIGTERM."""
    running = set(getattr(scheduler, "cunzhan_running", ()))
    scheduler.shutdown(wait=False)  # cancels the running jobs' tasks
    for task in running:
        task.cancel()
    if running:
        await asyncio.wait(running, timeout=STOP_WAIT_SECONDS)


def start_scheduler(app: App) -> AsyncIOScheduler:
    """Must be called inside the running event loop (AsyncIOScheduler's rule). Stop it
    with `stop_scheduler`."""
    running: set[asyncio.Task] = set()
    quietly = functools.partial(stops_quietly, running=running)

    @quietly
    async def sweep_dialogs() -> None:
        await expire_idle_dialogs(app.dialogs, app.uow, app.clock.now(), app.dialog_idle)

    @quietly
    async def prune() -> None:
        await prune_processed_updates(app.updates, app.clock.now(), timedelta(days=7))
        # Done inbox rows: Telegram keeps an update 24 h at most, so a week is plenty.
        await SqlInbox(app.engine).prune(app.clock.now() - timedelta(days=7))
        # WeChat (issue 12): delivered messages' claims, likewise a week.
        async with app.uow(write=True) as uow:
            await SqlWeChatRepo(uow.connection).prune(app.clock.now() - timedelta(days=7))
            await uow.commit()

    @quietly
    async def due(trigger: str = "schedule") -> None:
        # Scoring, nudges, idle and stranded checks: the database decides what is due.
        await app.services.due(trigger=trigger)

    scheduler = AsyncIOScheduler(timezone=app.settings.timezone)
    scheduler.cunzhan_running = running  # the jobs running now, for stop_scheduler
    # coalesce + a generous grace time: a sweep missed while busy runs once, late, not never.
    defaults = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}
    if not app.settings.redis_url:  # Redis dialogs expire by TTL and the lazy check
        scheduler.add_job(
            sweep_dialogs, "interval", seconds=SWEEP_SECONDS, id="dialogs", **defaults
        )
    scheduler.add_job(prune, "interval", hours=6, id="prune-updates", **defaults)
    # Woken every few minutes and once right away: a run missed while the bot was down
    # is caught up at start.
    scheduler.add_job(
        due,
        "interval",
        minutes=DUE_MINUTES,
        id="due",
        kwargs={"trigger": "schedule"},
        next_run_time=datetime.now(scheduler.timezone),
        **defaults,
    )
    scheduler.start()
    return scheduler

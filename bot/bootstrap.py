"""The composition root: builds storage and services from Settings. Front ends, jobs and
the CLI all start here, so there is one place that decides what talks to what."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from storage.engine import create_engine, safe_url
from storage.migrate import upgrade
from storage.repositories.dialogs import SqlDialogStore
from storage.repositories.updates import SqlUpdateLedger
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow: SqlUnitOfWorkFactory
    dialogs: SqlDialogStore
    updates: SqlUpdateLedger
    clock: Clock = field(default_factory=SystemClock)

    @property
    def invite_ttl(self) -> timedelta:
        return timedelta(hours=self.settings.invite_ttl_hours)

    @property
    def dialog_idle(self) -> timedelta:
        return timedelta(minutes=self.settings.dialog_idle_minutes)

    async def close(self) -> None:
        await self.engine.dispose()


async def build_app(settings: Settings, *, clock: Clock | None = None, migrate: bool = True) -> App:
    engine = create_engine(settings.database_url)
    if migrate:
        log.info("upgrading database schema at %s", safe_url(settings.database_url))
        await upgrade(engine)
    return App(
        settings=settings,
        engine=engine,
        uow=SqlUnitOfWorkFactory(engine),
        dialogs=SqlDialogStore(engine),
        updates=SqlUpdateLedger(engine),
        clock=clock or SystemClock(),
    )

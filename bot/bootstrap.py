"""The composition root: builds storage and services from Settings. Front ends, jobs and
the CLI all start here, so there is one place that decides what talks to what."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.services.bus import Services
from bot.services.env import Env
from storage.engine import create_engine, safe_url
from storage.group_commit import CommitGroup, commit_group_for
from storage.migrate import upgrade
from storage.repositories.dialogs import SqlDialogStore
from storage.repositories.updates import SqlUpdateLedger
from storage.uow import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)


def phone_key(settings: Settings) -> bytes:
    """The phone-hash secret. With SQLite and none configured, a random key is made once
    beside the database file: losing it only means old parcels no longer match new
    subscriptions. Several processes (PostgreSQL) must share one, so there it is required."""
    if settings.phone_hash_key is not None:
        return settings.phone_hash_key.get_secret_value().encode()
    url = make_url(settings.database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        raise SystemExit("CUNZHAN_PHONE_HASH_KEY must be set (see .env.example)")
    key_file = Path(url.database).with_name("phone_hash.key")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
        log.warning("created a phone-hash key in %s; set CUNZHAN_PHONE_HASH_KEY", key_file)
    return key_file.read_text().strip().encode()


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    uow: SqlUnitOfWorkFactory
    dialogs: SqlDialogStore
    updates: SqlUpdateLedger
    services: Services
    clock: Clock = field(default_factory=SystemClock)

    @cached_property
    def commit_group(self) -> CommitGroup | None:
        """SQLite: the ONE group commit of this process, shared by every front end (the
        Telegram updates and the WeChat messages take turns on the same write transaction
        instead of fighting over SQLite's one write lock); None on PostgreSQL."""
        return commit_group_for(self.engine)

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
    clock = clock or SystemClock()
    uow = SqlUnitOfWorkFactory(engine)
    return App(
        settings=settings,
        engine=engine,
        uow=uow,
        dialogs=SqlDialogStore(engine),
        updates=SqlUpdateLedger(engine),
        services=Services(
            uow,
            Env(
                clock=clock,
                phone_key=phone_key(settings),
                invite_ttl=timedelta(hours=settings.invite_ttl_hours),
                job_lease=timedelta(seconds=settings.job_lease_seconds),
            ),
        ),
        clock=clock,
    )

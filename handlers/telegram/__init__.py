"""The Telegram front end: thin aiogram routers over bot.services."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.fsm.storage.base import BaseStorage

from bot.bootstrap import App

# office IM (#12)
from handlers.telegram import (
    alerts,
    arrivals,
    basics,
    claims,  # subsidy claims (issue 10)
    corrections,
    edits,
    fallback,
    feedback,
    forms,
    inspections,
    invites,
    ladder,
    links,
    month,
    notice_channel,
    oneline,
    parcels,
    posters,
    scans,
    shelf,
    start,
    station_profile,
    stations,
)
from handlers.telegram.fsm import SqlStorage
from handlers.telegram.middlewares.actor import ActorMiddleware
from handlers.telegram.middlewares.dialog_expiry import DialogExpiryMiddleware
from handlers.telegram.middlewares.guard import GuardMiddleware
from handlers.telegram.pipeline.process import UpdatePipeline
from handlers.telegram.pipeline.transaction import PipelineDispatcher, UpdateTransactions


def get_routers() -> list[Router]:
    # Order matters: /cancel and friends first so they work in every dialog state; the
    # fallback last.
    # The notice board's dialogs (issue 11) sit right after /start, before the ledger's
    # forms and the one-line parser, so their own states answer first.
    board = (scans, station_profile, posters, inspections, feedback, arrivals)
    modules = (
        basics,
        start,
        *board,
        links,  # one person, several channels (WeChat, issue 12): /link before fallbacks
        invites,
        stations,
        month,
        corrections,
        shelf,
        forms,
        ladder,
        parcels,
        oneline,
        alerts,
        notice_channel,  # office IM (#12)
        claims,  # subsidy claims (issue 10); before edits and the fallback
        edits,
        fallback,
    )
    return [module.router.build() for module in modules]


def build_fsm_storage(app: App) -> BaseStorage:
    if app.settings.redis_url:
        from aiogram.fsm.storage.base import DefaultKeyBuilder
        from aiogram.fsm.storage.redis import RedisStorage

        # Redis forgets idle dialogs by itself, a little after the notice is due. Destiny
        # is part of the key because a stranger's language choice lives beside the dialog.
        ttl = int(app.dialog_idle.total_seconds() * 2)
        keys = DefaultKeyBuilder(with_bot_id=True, with_destiny=True)
        return RedisStorage.from_url(
            app.settings.redis_url, key_builder=keys, state_ttl=ttl, data_ttl=ttl
        )
    return SqlStorage(app.dialogs, app.clock)


def build_dispatcher(app: App, *, fsm_storage: BaseStorage | None = None) -> PipelineDispatcher:
    """Every update fed to it runs as one transaction (handlers/telegram/pipeline)."""
    transactions = UpdateTransactions(
        app.uow,
        app.services,
        app.clock,
        app.settings.default_language,
        group=app.commit_group,  # shared with the WeChat front end (one per process)
    )
    dp = PipelineDispatcher(
        transactions=transactions,
        storage=fsm_storage or build_fsm_storage(app),
        # Dependencies handlers receive as keyword arguments (`services` and `uow_factory`
        # are replaced, per update, by ones bound to the update's transaction).
        app=app,
        uow_factory=app.uow,
        clock=app.clock,
        settings=app.settings,
        services=app.services,
    )
    dp.update.outer_middleware(
        ActorMiddleware(app.settings.default_language, transactions.remember_language)
    )
    dp.update.outer_middleware(DialogExpiryMiddleware(app.clock, app.dialog_idle))
    guard = GuardMiddleware()
    dp.message.middleware(guard)
    dp.callback_query.middleware(guard)
    dp.include_routers(*get_routers())
    return dp


def build_pipeline(app: App, bot: Bot) -> UpdatePipeline:
    """What a transport (polling, webhook) hands each update to."""
    return UpdatePipeline(build_dispatcher(app), bot)

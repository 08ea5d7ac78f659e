"""Services bound to the update's unit of work: every use case a handler runs joins the
update's transaction, so the update commits (or rolls back) as one."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from bot.domain import commands as c
from bot.services.authz import Actor
from bot.services.bus import LiveFormContext, Services
from bot.services.ports import UnitOfWork
from handlers.telegram.fsm import forget_cached_dialogs


@asynccontextmanager
async def savepoint(uow: Any):
    """A SAVEPOINT in the update's transaction (`uow` a unit of work or BoundServices)."""
    uow = getattr(uow, "uow_in_update", uow)
    conn = getattr(uow, "connection", None) if uow is not None else None
    if conn is None:
        yield
        return
    nested = await conn.begin_nested()
    try:
        yield
    except BaseException:
        await nested.rollback()
        forget_cached_dialogs()  # what the handler wrote to the dialog is undone too
        raise
    await nested.commit()


class JoinedUnitOfWork:
    """`async with uow_factory(write=True) as uow` inside an update: the update's own unit
    of work; commit and exit are the update's business."""

    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __call__(self, *, write: bool = False) -> JoinedUnitOfWork:
        return self

    async def __aenter__(self) -> UnitOfWork:
        return self._uow

    async def __aexit__(self, *exc: object) -> None:
        return None


class _NoCommit:
    def __init__(self, uow: UnitOfWork) -> None:
        self._uow = uow

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow, name)

    async def commit(self) -> None:
        """The update commits once, after its handlers."""


class BoundServices:
    def __init__(self, services: Services, uow: UnitOfWork) -> None:
        self._services = services
        self.uow_in_update = uow
        self.uow = JoinedUnitOfWork(_NoCommit(uow))  # type: ignore[arg-type]
        self.env = services.env
        self.forms = services.forms

    @property
    def clock(self):
        return self._services.clock

    async def run(
        self, command: c.Command | c.Query, actor: Actor, uow: UnitOfWork | None = None
    ) -> Any:
        joined = uow or self.uow_in_update
        if not command.writes:
            return await self._services.run(command, actor, joined)
        # A refused command (CunzhanError) writes nothing, as it did in a transaction of
        # its own: its writes sit in a savepoint, the update's transaction goes on.
        async with savepoint(joined):
            return await self._services.run(command, actor, joined)

    async def who(self, channel: str, external_id: str, uow: UnitOfWork | None = None) -> Actor:
        return await self._services.who(channel, external_id, uow or self.uow_in_update)

    def form_context(self, actor: Actor, language: str) -> LiveFormContext:
        return LiveFormContext(self, actor, language)  # type: ignore[arg-type]

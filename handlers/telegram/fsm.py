"""aiogram FSM storage over SQL, so a dialog survives a restart of the bot.

aiogram ships memory, Redis and Mongo storages and nothing for SQL; this adapter keeps the
rows in `dialog_states` through storage.repositories.dialogs. Inside an update it reads
and writes through the update's own connection (`UPDATE_CONNECTION`, set by the update's
transaction), so the dialog moves exactly when the update's writes commit.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import BaseStorage, StateType, StorageKey
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.clock import Clock
from storage.repositories.dialogs import KeyTuple, SqlDialogStore

UPDATE_CONNECTION: contextvars.ContextVar[AsyncConnection | None] = contextvars.ContextVar(
    "cunzhan_update_connection", default=None
)


def key_tuple(key: StorageKey) -> KeyTuple:
    return (
        key.bot_id,
        key.chat_id,
        key.user_id,
        key.thread_id or 0,
        key.business_connection_id or "",
        key.destiny,
    )


# The rows this update read or wrote: aiogram asks for the state and then the data of the
# same key; one SELECT serves both. Cleared when a savepoint rolls back.
UPDATE_DIALOGS: contextvars.ContextVar[dict[KeyTuple, tuple[str | None, dict[str, Any]]] | None] = (
    contextvars.ContextVar("cunzhan_update_dialogs", default=None)
)


def forget_cached_dialogs() -> None:
    cache = UPDATE_DIALOGS.get()
    if cache is not None:
        cache.clear()


class SqlStorage(BaseStorage):
    def __init__(self, store: SqlDialogStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def _read(self, key: KeyTuple) -> tuple[str | None, dict[str, Any]]:
        cache = UPDATE_DIALOGS.get()
        if cache is not None and key in cache:
            return cache[key]
        row = await self.store.get(key, UPDATE_CONNECTION.get())
        if cache is not None:
            cache[key] = row
        return row

    def _remember(self, key: KeyTuple, state: Any = ..., data: Any = ...) -> None:
        cache = UPDATE_DIALOGS.get()
        if cache is None:
            return
        if key not in cache:
            return  # not read in this update: the next read asks the database
        old_state, old_data = cache[key]
        cache[key] = (
            old_state if state is ... else state,
            old_data if data is ... else data,
        )

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        k = key_tuple(key)
        await self.store.set_state(k, value, self.clock.now(), UPDATE_CONNECTION.get())
        self._remember(k, state=value)

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self._read(key_tuple(key))
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        k = key_tuple(key)
        await self.store.set_data(k, dict(data), self.clock.now(), UPDATE_CONNECTION.get())
        self._remember(k, data=dict(data))

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self._read(key_tuple(key))
        return dict(data)

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

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


class SqlStorage(BaseStorage):
    def __init__(self, store: SqlDialogStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        await self.store.set_state(key_tuple(key), value, self.clock.now(), UPDATE_CONNECTION.get())

    async def get_state(self, key: StorageKey) -> str | None:
        state, _ = await self.store.get(key_tuple(key), UPDATE_CONNECTION.get())
        return state

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        await self.store.set_data(
            key_tuple(key), dict(data), self.clock.now(), UPDATE_CONNECTION.get()
        )

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        _, data = await self.store.get(key_tuple(key), UPDATE_CONNECTION.get())
        return data

    async def close(self) -> None:
        """The engine belongs to the application, which disposes of it."""

"""Dialog (FSM) state rows. The aiogram adapter is handlers/telegram/fsm.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.engine import write_transaction
from storage.repositories.base import Repo, prebuilt
from storage.schema import dialog_states

KeyTuple = tuple[int, int, int, int, str, str]  # bot, chat, user, thread, business, destiny
_KEY_COLUMNS = ("bot_id", "chat_id", "user_id", "thread_id", "business_connection_id", "destiny")


def _where(key: KeyTuple):
    return and_(
        *(dialog_states.c[name] == value for name, value in zip(_KEY_COLUMNS, key, strict=True))
    )


# Read by every update (aiogram's FSM middleware), so built once (storage/repositories/
# base.py says why); its parameters are the key's columns prefixed "key_".
_GET = prebuilt(
    select(dialog_states.c.state, dialog_states.c.data).where(
        and_(*(dialog_states.c[name] == bindparam(f"key_{name}") for name in _KEY_COLUMNS))
    )
)


def _key_params(key: KeyTuple) -> dict[str, Any]:
    return {f"key_{name}": value for name, value in zip(_KEY_COLUMNS, key, strict=True)}


@dataclass(frozen=True)
class IdleDialog:
    key: KeyTuple
    state: str
    data: dict[str, Any]
    updated_at: datetime


class SqlDialogStore:
    """Dialog state on the caller's connection (`conn`: the update's transaction, so the
    dialog moves only if the update commits), or in short transactions of its own."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def get(
        self, key: KeyTuple, conn: AsyncConnection | None = None
    ) -> tuple[str | None, dict[str, Any]]:
        params = _key_params(key)
        if conn is not None:
            row = (await conn.execute(_GET, params)).first()
        else:
            async with self.engine.connect() as own:
                row = (await own.execute(_GET, params)).first()
        if row is None:
            return None, {}
        return row.state, json.loads(row.data)

    async def set_state(
        self, key: KeyTuple, state: str | None, now: datetime, conn: AsyncConnection | None = None
    ) -> None:
        await self._upsert(key, {"state": state, "updated_at": now}, conn)

    async def set_data(
        self,
        key: KeyTuple,
        data: dict[str, Any],
        now: datetime,
        conn: AsyncConnection | None = None,
    ) -> None:
        encoded = json.dumps(data, ensure_ascii=False, default=str)
        await self._upsert(key, {"data": encoded, "updated_at": now}, conn)

    async def _upsert(
        self, key: KeyTuple, values: dict[str, Any], conn: AsyncConnection | None
    ) -> None:
        if conn is not None:
            await self._upsert_on(conn, key, values)
            return
        async with write_transaction(self.engine) as own:
            await self._upsert_on(own, key, values)

    @staticmethod
    async def _upsert_on(conn: AsyncConnection, key: KeyTuple, values: dict[str, Any]) -> None:
        row = dict(zip(_KEY_COLUMNS, key, strict=True))
        statement = Repo(conn).insert(dialog_states).values(**row, **values)
        statement = statement.on_conflict_do_update(index_elements=list(_KEY_COLUMNS), set_=values)
        await conn.execute(statement)

    async def idle(self, before: datetime, limit: int = 200) -> list[IdleDialog]:
        async with self.engine.connect() as conn:
            query = (
                select(dialog_states)
                .where(dialog_states.c.state.is_not(None), dialog_states.c.updated_at < before)
                .order_by(dialog_states.c.updated_at)
                .limit(limit)
            )
            rows = (await conn.execute(query)).all()
        return [
            IdleDialog(
                tuple(getattr(row, name) for name in _KEY_COLUMNS),  # type: ignore[arg-type]
                row.state,
                json.loads(row.data),
                row.updated_at,
            )
            for row in rows
        ]

    async def end_if_unchanged(self, dialog: IdleDialog) -> bool:
        """End an idle dialog unless it moved since it was read. True for exactly one caller
        when several processes sweep at once, so the notice goes out once."""
        async with write_transaction(self.engine) as conn:
            result = await conn.execute(
                delete(dialog_states).where(
                    _where(dialog.key), dialog_states.c.updated_at == dialog.updated_at
                )
            )
        return result.rowcount == 1

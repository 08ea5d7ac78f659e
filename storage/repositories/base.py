from __future__ import annotations

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection


class Repo:
    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    def insert(self, table: Table):
        """A dialect INSERT that supports ON CONFLICT (SQLite and PostgreSQL share it)."""
        module = postgresql if self.dialect == "postgresql" else sqlite
        return module.insert(table)

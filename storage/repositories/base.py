from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.fast_sqlite import prebuilt


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

    def prepared(self, statements: dict[str, Any]) -> Any:
        """This connection's dialect's statement from `per_dialect`."""
        return statements[self.dialect]


# --- statements built once (the intake path) -----------------------------------------------
# A statement built per call costs SQLAlchemy its construction and its cache key every
# time (the top SQLAlchemy entries in a cProfile of an intake update, benchmarks/
# ledger_intake). The hot ones are built once at import, with `bindparam`s
# for their values, and executed with a parameters dict: SQLAlchemy memoizes the cache
# key on the statement object, so a call costs only the compiled-cache lookup. Marked
# `prebuilt`, they also take the SQLite fast path inside an update (storage/fast_sqlite.py).

__all__ = ["Repo", "per_dialect", "prebuilt"]


def per_dialect(build: Callable[[Callable[[Table], Any]], Any]) -> dict[str, Any]:
    """`build(insert)` once for each SQL dialect we run on, with that dialect's INSERT (the
    ON CONFLICT one); pick with `Repo.prepared`."""
    return {
        "sqlite": prebuilt(build(sqlite.insert)),
        "postgresql": prebuilt(build(postgresql.insert)),
    }

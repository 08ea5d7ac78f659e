"""Bulk inserts that stay idempotent: PostgreSQL gets many rows by COPY.

COPY cannot skip a row that exists, so the rows go by COPY into a staging table that
lives only in this transaction, then one `INSERT … SELECT … ON CONFLICT DO NOTHING`
moves them: the outcome of an executemany with ON CONFLICT DO NOTHING, with a few round
trips instead of one per row. Below `COPY_FROM` rows, and on SQLite (where executemany
is already in-process), the executemany is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

COPY_FROM = 200


async def insert_new(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    *,
    conflict: Sequence[str] | None = None,
    copy_from: int = COPY_FROM,
    count: bool = False,
) -> int | None:
    """Insert `rows`, skipping any that conflict (on `conflict`'s columns, or any unique
    constraint). With `count`, returns how many were inserted. Every row must carry every
    column the first row has."""
    if not rows:
        return 0
    columns = list(rows[0])
    if conn.dialect.name == "postgresql" and len(rows) >= copy_from:
        return await _copy(conn, table, columns, rows, conflict)
    module = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = module.insert(table).on_conflict_do_nothing(index_elements=conflict)
    if not count:  # a plain executemany: the statement is compiled once for all rows
        await conn.execute(statement, list(rows))
        return None
    # RETURNING counts the rows really inserted (rowcount is -1 for batches).
    result = await conn.execute(statement.returning(*table.primary_key.columns), list(rows))
    return len(result.all())


async def _copy(
    conn: AsyncConnection,
    table: Table,
    columns: list[str],
    rows: Sequence[Mapping[str, Any]],
    conflict: Sequence[str] | None,
) -> int:
    staging = f"staging_{table.name}"
    # Through SQLAlchemy first: this begins the transaction the COPY then joins.
    await conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {staging} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection  # asyncpg's connection, inside the same transaction
    await driver.copy_records_to_table(
        staging, records=[tuple(row[c] for c in columns) for row in rows], columns=columns
    )
    names = ", ".join(columns)
    target = f"({', '.join(conflict)})" if conflict else ""
    result = await conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} "
        f"ON CONFLICT {target} DO NOTHING"
    )
    await conn.exec_driver_sql(f"DROP TABLE {staging}")  # a second call may follow
    return result.rowcount

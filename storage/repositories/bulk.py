"""Bulk inserts that stay idempotent: PostgreSQL gets many rows by COPY.

COPY cannot skip a row that exists. Usually none does (a job's rows are new the first
time it runs), so the rows are first copied straight into the table inside a savepoint;
if one of them exists, COPY fails as a whole, the savepoint is rolled back and the rows
go by COPY into a staging table that lives only in this transaction, then one
`INSERT … SELECT … ON CONFLICT DO NOTHING` moves them. Either way the outcome is that of
an executemany with ON CONFLICT DO NOTHING, with a few round trips instead of one per
row; the straight copy saves the staging table and the second pass over the rows (about
half the cost of a county's month of notices). Below `COPY_FROM` rows, and on SQLite
(where executemany is already in-process), the executemany is used.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import Any

from asyncpg.exceptions import PostgresError
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

COPY_FROM = 200


async def insert_new(
    conn: AsyncConnection,
    table: Table,
    rows: Sequence[Mapping[str, Any]] | Sequence[Sequence[Any]],
    *,
    columns: Sequence[str] | None = None,
    conflict: Sequence[str] | None = None,
    copy_from: int = COPY_FROM,
    count: bool = False,
) -> int | None:
    """Insert `rows`, skipping any that conflict (on `conflict`'s columns, or any unique
    constraint). With `count`, returns how many were inserted. Every row must carry every
    column the first row has. With `columns`, the rows are tuples of those columns' values
    in that order: what COPY sends, so a caller writing thousands builds nothing else."""
    if not rows:
        return 0
    postgres = conn.dialect.name == "postgresql"
    bulk = postgres and len(rows) >= copy_from
    if columns is None:
        columns = list(rows[0])
        if bulk:
            # One C-level call per row: a generator of lookups cost 0.05 s for 10,000 rows.
            take = itemgetter(*columns)
            rows = [take(r) for r in rows] if len(columns) > 1 else [(take(r),) for r in rows]
    elif not bulk:
        rows = [dict(zip(columns, row, strict=True)) for row in rows]
    if bulk:
        return await _copy(conn, table, list(columns), rows, conflict)
    module = postgresql if postgres else sqlite
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
    records: Sequence[Sequence[Any]],
    conflict: Sequence[str] | None,
) -> int:
    # Through SQLAlchemy first: this begins the transaction (and the savepoint) the COPY
    # then joins.
    savepoint = await conn.begin_nested()
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection  # asyncpg's connection, inside the same transaction
    try:
        await driver.copy_records_to_table(table.name, records=records, columns=columns)
    except PostgresError:
        # A row exists or repeats (the staging path skips it), or a row is bad (the
        # staging path raises the same error as ever, through SQLAlchemy).
        await savepoint.rollback()
    else:
        await savepoint.commit()
        return len(records)
    staging = f"staging_{table.name}"
    await conn.exec_driver_sql(
        f"CREATE TEMPORARY TABLE {staging} (LIKE {table.name} INCLUDING DEFAULTS) ON COMMIT DROP"
    )
    await driver.copy_records_to_table(staging, records=records, columns=columns)
    names = ", ".join(columns)
    target = f"({', '.join(conflict)})" if conflict else ""
    result = await conn.exec_driver_sql(
        f"INSERT INTO {table.name} ({names}) SELECT {names} FROM {staging} "
        f"ON CONFLICT {target} DO NOTHING"
    )
    await conn.exec_driver_sql(f"DROP TABLE {staging}")  # a second call may follow
    return result.rowcount

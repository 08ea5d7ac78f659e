"""The in-memory database: committed tables, and one unit of work's copy-on-write view.

A table is a dict from primary key to a frozen row. A committed table dict is never changed
in place: a commit *replaces* it. So a unit of work that keeps references to the committed
dicts at its start has a consistent snapshot for free, and copies a table only when it first
writes to it. `commit()` swaps the copies in; leaving without commit drops them.

What SQL would refuse is refused here too, with `IntegrityError`: a second row for a unique
key, a naive datetime. Writers are serialised by one lock (as `BEGIN IMMEDIATE` does on
SQLite); a reader that writes and commits after someone else committed fails with
`WriteConflict` (SQLite's `SQLITE_BUSY_SNAPSHOT`), so a lost update cannot pass silently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

Row = TypeVar("Row")


class IntegrityError(Exception):
    """A write SQL would refuse: a unique key taken, a naive datetime, a missing row."""


class WriteConflict(Exception):
    """A unit of work opened without `write=True` wrote, and another one committed first."""


class MemoryState:
    """The committed data of one in-memory database. Share it between factories to share
    the database; make a new one for an empty database."""

    def __init__(self) -> None:
        self.tables: dict[str, dict[Any, Any]] = {}
        self.sequences: dict[str, int] = {}
        self.version = 0  # bumped by every commit that changed something
        self.write_lock = asyncio.Lock()
        self.writer: asyncio.Task | None = None  # the task holding write_lock


class Transaction:
    """One unit of work's view of a `MemoryState`."""

    def __init__(self, state: MemoryState) -> None:
        self._state = state
        self.begin()

    def begin(self) -> None:
        state = self._state
        self.version = state.version
        self._base = dict(state.tables)  # references only: committed dicts never change
        self._sequences = dict(state.sequences)
        self._dirty: dict[str, dict[Any, Any]] = {}
        self._sequences_moved = False

    @property
    def changed(self) -> bool:
        return bool(self._dirty) or self._sequences_moved

    def apply(self) -> None:
        state = self._state
        state.tables = {**state.tables, **self._dirty}
        state.sequences = self._sequences
        state.version += 1

    # --- tables -----------------------------------------------------------------------

    def read(self, table: str) -> Mapping[Any, Any]:
        if table in self._dirty:
            return self._dirty[table]
        return self._base.get(table, {})

    def write(self, table: str) -> dict[Any, Any]:
        if table not in self._dirty:
            self._dirty[table] = dict(self._base.get(table, {}))
        return self._dirty[table]

    def rows(self, table: str) -> Iterator[Any]:
        """Rows in primary-key order (ids are given in insertion order)."""
        found = self.read(table)
        return iter([found[key] for key in sorted(found)])

    def get(self, table: str, key: Any) -> Any | None:
        return self.read(table).get(key)

    def next_id(self, table: str) -> int:
        """The next id of a table, as an autoincrement column gives it; rolled back with
        the unit of work (SQLite reuses such ids too)."""
        self._sequences[table] = self._sequences.get(table, 0) + 1
        self._sequences_moved = True
        return self._sequences[table]

    def insert(self, table: str, key: Any, row: Any) -> None:
        rows = self.write(table)
        if key in rows:
            raise IntegrityError(f"{table}: primary key {key!r} exists")
        rows[key] = row

    def first(self, table: str, where: Callable[[Any], bool]) -> Any | None:
        return next((row for row in self.rows(table) if where(row)), None)

    def references(self, table: str, key: Any, column: str) -> None:
        """A foreign key: refuse a value with no row behind it (NULL is fine)."""
        if key is not None and key not in self.read(table):
            raise IntegrityError(f"{column}: no {table} row {key!r}")

    def unique(self, table: str, where: Callable[[Any], bool], what: str) -> None:
        """Refuse a plain insert that would break a unique constraint."""
        if self.first(table, where) is not None:
            raise IntegrityError(f"{table}: {what} is already taken")


def utc(moment: datetime | None) -> datetime | None:
    """As `UTCDateTime` stores instants: naive ones refused, aware ones in UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise IntegrityError("naive datetime refused: store aware UTC instants")
    return moment.astimezone(UTC)


def utc_now(moment: datetime) -> datetime:
    value = utc(moment)
    assert value is not None
    return value

"""The port and the use case: `import_network` and the store it writes through.

Storage implements `NetworkImportStores`. `import_network` validates every row, plans
against the stored network and applies the plan in one write transaction, or writes
nothing at all when any row is wrong.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.clock import Clock, require_utc
from bot.domain.text import N_, Text
from bot.services.network_import.columns import RowError
from bot.services.network_import.plan import (
    ImportPlan,
    LevelCounts,
    NetworkCodes,
    NetworkSnapshot,
    plan_import,
)
from bot.services.network_import.rows import RawRow, validate_rows


class NetworkImportStore(Protocol):
    """One transaction's view of the stored network."""

    async def snapshot(self, codes: NetworkCodes) -> NetworkSnapshot: ...

    async def apply(self, plan: ImportPlan, now: datetime, progress: Callable[[int], None]) -> None:
        """Write the plan; call `progress(n)` after each batch of n records."""

    async def commit(self) -> None: ...


class NetworkImportStores(Protocol):
    """`async with stores(write=True) as store:` one transaction, rolled back unless the
    store commits."""

    def __call__(self, *, write: bool) -> AbstractAsyncContextManager[NetworkImportStore]: ...


Progress = Callable[[int, int], None]  # (done, total); total grows once writes are known


class _Tracker:
    STEP = 250  # rows between callbacks: a progress bar needs no more

    def __init__(self, callback: Progress | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = 0
        self._told = 0

    def advance(self, n: int = 1) -> None:
        self.done += n
        if self.done - self._told >= self.STEP:
            self.flush()

    def flush(self) -> None:
        if self.callback is not None:
            self.callback(self.done, self.total)
        self._told = self.done


@dataclass(frozen=True)
class ImportReport:
    rows: int
    errors: tuple[RowError, ...]
    counts: Mapping[str, LevelCounts]
    dry_run: bool
    written: bool  # False on errors, on a dry run, and when nothing changed

    @property
    def ok(self) -> bool:
        return not self.errors


async def import_network(
    stores: NetworkImportStores,
    clock: Clock,
    rows: Sequence[RawRow],
    *,
    default_timezone: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row, plan against the stored network, write it all or nothing.

    Errors come back in the report (sorted by line), never half-written: with any error the
    transaction is rolled back, and a file with row errors does not take the write lock.
    """
    tracker = _Tracker(progress, len(rows))
    valid, errors = validate_rows(rows, tracker.advance)
    tracker.flush()
    if not rows:
        msg = N_("The file has no data rows. Fill in one row per station below the header.")
        errors.append(RowError(2, None, None, Text(msg)))
    write = not dry_run and not errors
    written = False
    # Rows with errors are left out, but the valid ones are still checked against the
    # stored network so that the clerk sees every problem at once.
    async with stores(write=write) as store:
        snapshot = await store.snapshot(NetworkCodes.of(valid))
        plan, plan_errors = plan_import(valid, snapshot, default_timezone=default_timezone)
        errors.extend(plan_errors)
        if write and not errors and plan.writes:
            tracker.total += plan.writes
            await store.apply(plan, require_utc(clock.now()), tracker.advance)
            await store.commit()
            written = True
    tracker.flush()
    errors.sort(key=lambda e: e.sort_key)
    return ImportReport(len(rows), tuple(errors), plan.counts(), dry_run, written)

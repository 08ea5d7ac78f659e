"""The claims statement as a real .xlsx (Excel, WPS), written with rustpy-xlsxwriter (Python
bindings of rust_xlsxwriter, the Rust port of XlsxWriter) in constant-memory mode: each row
goes to disk as it is written, so a county's parcel lines stream from the database cursor
into the file with flat memory, at about 6 µs a row where pure-Python XlsxWriter needs
about 35 (benchmarks/claims.py).

The writer is synchronous and pulls rows from a generator; it runs in a worker thread and
that generator asks the event loop for the next batch of the (async) cursor while it
writes the current one, so the loop stays free and two batches at most are in memory.

Amounts are written twice: yuan as a number formatted 0.00 for reading, and integer fen
for exact sums (a spreadsheet's numbers are binary floats)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

from rustpy_xlsxwriter import Format, write_worksheets

from bot.domain.claims import StatementLine
from bot.i18n import Translator
from bot.presenters.claims import (
    CLAIM_COLUMNS,
    PARCEL_COLUMNS,
    SHEET_NAMES,
    TOTAL_COLUMNS,
    state_label,
    working_lines,
)
from bot.services.claims.statement import Statement

BATCH = 5_000  # parcel lines handed from the event loop to the writer at a time


async def write_statement(statement: Statement, path: Path, t: Translator) -> int:
    """Write the workbook; returns how many parcel lines it holds."""
    claims_name, totals_name, parcels_name = (t(name) for name in SHEET_NAMES)
    claim_heads, total_heads, parcel_heads = (
        [t(c) for c in columns] for columns in (CLAIM_COLUMNS, TOTAL_COLUMNS, PARCEL_COLUMNS)
    )
    claim_rows = [
        dict(
            zip(
                claim_heads,
                (
                    claim.id,
                    claim.station_code,
                    claim.station_name,
                    statement.rule_names.get(claim.rule_code, claim.rule_code),
                    claim.fund,
                    claim.period,
                    "\n".join(working_lines(_brief(claim.working), t)),
                    claim.amount_fen / 100,
                    claim.amount_fen,
                    state_label(claim.state, t),
                    statement.reviewers.get(claim.decided_by or 0, ""),
                    claim.payment_ref or "",
                ),
                strict=True,
            )
        )
        for claim in statement.claims
    ]
    total_rows = [
        dict(
            zip(
                total_heads,
                (
                    total.rule_name,
                    total.fund,
                    total.claims,
                    total.approved_fen / 100,
                    total.approved_fen,
                    total.paid_fen / 100,
                    total.paid_fen,
                ),
                strict=True,
            )
        )
        for total in statement.totals
    ]
    zone = ZoneInfo(statement.county.timezone)  # the day as the county counts it
    loop = asyncio.get_running_loop()
    batches = _batches(statement.lines)
    count = 0

    def parcel_rows() -> Iterator[dict]:
        nonlocal count
        # The next batch is fetched (on the event loop) while this one is written.
        pending = asyncio.run_coroutine_threadsafe(anext(batches), loop)
        while batch := pending.result():
            pending = asyncio.run_coroutine_threadsafe(anext(batches), loop)
            count += len(batch)
            for line in batch:
                yield {
                    parcel_heads[0]: line.claim_id,
                    parcel_heads[1]: line.station_code,
                    parcel_heads[2]: line.entry_id,
                    parcel_heads[3]: line.tracking_no,
                    parcel_heads[4]: line.product or "",
                    parcel_heads[5]: line.weight_g or 0,
                    parcel_heads[6]: line.occurred_at.astimezone(zone).date().isoformat(),
                    parcel_heads[7]: line.amount_fen / 100,
                    parcel_heads[8]: line.amount_fen,
                }

    sheets = [
        (claims_name, claim_rows or [dict.fromkeys(claim_heads, "")]),
        (totals_name, total_rows or [dict.fromkeys(total_heads, "")]),
        (parcels_name, _with_header(parcel_rows(), parcel_heads)),
    ]
    await asyncio.to_thread(
        write_worksheets,
        sheets,
        str(path),
        float_format="0.00",
        bold_headers=True,
        column_widths={claims_name: {claim_heads[6]: 60.0}},
        column_formats={claims_name: {claim_heads[6]: Format().set_text_wrap()}},
    )
    return count


async def _batches(lines: AsyncIterator[StatementLine]) -> AsyncIterator[list[StatementLine]]:
    """The lines in lists of BATCH, then one empty list (so the writer's thread sees the end
    without an exception crossing threads)."""
    batch: list[StatementLine] = []
    async for line in lines:
        batch.append(line)
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch:
        yield batch
    yield []


def _with_header(rows: Iterator[dict], heads: list[str]) -> Iterator[dict]:
    """The writer takes its header from the first record: an empty sheet still gets one row
    of headers (and an empty row under it) rather than nothing."""
    first = next(rows, None)
    yield first if first is not None else dict.fromkeys(heads, "")
    yield from rows


def _brief(working: dict) -> dict:
    """The working without the list of excluded parcels (the cell stays readable)."""
    return {k: v for k, v in working.items() if k != "excluded_list"}

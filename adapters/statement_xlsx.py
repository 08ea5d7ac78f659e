"""The claims statement as a real .xlsx (Excel, WPS), written with XlsxWriter in
constant-memory mode: each row goes to disk as it is written, so a county's million
parcel lines stream from the database cursor into the file with flat memory.

Amounts are written twice: yuan as a number formatted 0.00 for reading, and integer fen
for exact sums (a spreadsheet's numbers are binary floats)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import xlsxwriter

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


async def write_statement(statement: Statement, path: Path, t: Translator) -> int:
    """Write the workbook; returns how many parcel lines it holds."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    try:
        bold = book.add_format({"bold": True})
        yuan = book.add_format({"num_format": "0.00"})
        wrap = book.add_format({"text_wrap": True})
        claims, totals, parcels = (book.add_worksheet(t(name)) for name in SHEET_NAMES)
        for sheet, columns in (
            (claims, CLAIM_COLUMNS),
            (totals, TOTAL_COLUMNS),
            (parcels, PARCEL_COLUMNS),
        ):
            sheet.write_row(0, 0, [t(c) for c in columns], bold)
        claims.set_column(6, 6, 60)
        for row, claim in enumerate(statement.claims, 1):
            claims.write_number(row, 0, claim.id)
            claims.write_string(row, 1, claim.station_code)
            claims.write_string(row, 2, claim.station_name)
            claims.write_string(row, 3, statement.rule_names.get(claim.rule_code, claim.rule_code))
            claims.write_string(row, 4, claim.fund)
            claims.write_string(row, 5, claim.period)
            claims.write_string(row, 6, "\n".join(working_lines(_brief(claim.working), t)), wrap)
            claims.write_number(row, 7, claim.amount_fen / 100, yuan)
            claims.write_number(row, 8, claim.amount_fen)
            claims.write_string(row, 9, state_label(claim.state, t))
            claims.write_string(row, 10, statement.reviewers.get(claim.decided_by or 0, ""))
            claims.write_string(row, 11, claim.payment_ref or "")
        for row, total in enumerate(statement.totals, 1):
            totals.write_row(row, 0, [total.rule_name, total.fund, total.claims])
            totals.write_number(row, 3, total.approved_fen / 100, yuan)
            totals.write_number(row, 4, total.approved_fen)
            totals.write_number(row, 5, total.paid_fen / 100, yuan)
            totals.write_number(row, 6, total.paid_fen)
        count = 0
        zone = ZoneInfo(statement.county.timezone)  # the day as the county counts it
        async for line in statement.lines:
            count += 1
            parcels.write_number(count, 0, line.claim_id)
            parcels.write_string(count, 1, line.station_code)
            parcels.write_number(count, 2, line.entry_id)
            parcels.write_string(count, 3, line.tracking_no)
            parcels.write_string(count, 4, line.product or "")
            parcels.write_number(count, 5, line.weight_g or 0)
            parcels.write_string(count, 6, line.occurred_at.astimezone(zone).strftime("%Y-%m-%d"))
            parcels.write_number(count, 7, line.amount_fen / 100, yuan)
            parcels.write_number(count, 8, line.amount_fen)
    finally:
        book.close()
    return count


def _brief(working: dict) -> dict:
    """The working without the list of excluded parcels (the cell stays readable)."""
    return {k: v for k, v in working.items() if k != "excluded_list"}

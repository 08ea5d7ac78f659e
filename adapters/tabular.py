"""CSV and XLSX files → `RawRow`s with spreadsheet line numbers (header = line 1).

Line numbers are record numbers, which is what Excel shows as the row number, so a clerk
can jump straight to "line 5". Fully empty rows are skipped but still counted.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.domain.errors import InvalidInput
from bot.domain.text import N_
from bot.services.network_import import RawRow, RowError, map_header

SUFFIXES = (".csv", ".xlsx", ".xlsm")


@dataclass(frozen=True)
class TabularFile:
    rows: list[RawRow]
    errors: list[RowError]  # header problems; when any, `rows` is empty


def read_table(path: Path) -> TabularFile:
    """Read by extension. Raises InvalidInput for a file type or encoding it cannot read."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return read_csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(path)
    raise InvalidInput(
        N_("Cannot read “{name}”. Save the sheet as .xlsx or .csv and try again."),
        name=path.name,
    )


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without the BOM Excel writes), UTF-16 (Excel's "Unicode text"), or
    GB18030, a superset of the GBK that Excel on Chinese Windows saves CSV in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise InvalidInput(
            N_("The file is neither UTF-8 nor GBK text. Save it from Excel as “CSV UTF-8”.")
        ) from None


def read_csv(path: Path) -> TabularFile:
    text = decode_csv(path.read_bytes())
    first_line = text.split("\n", 1)[0]
    # Excel writes "," in China, but tab-separated text (pasted, or "Unicode text") and
    # ";" (European locales) are cheap to recognise from the header.
    delimiter = max(",\t;", key=first_line.count)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = next(records, [])
    return _rows(header, [str(label).strip() for label in header], enumerate(records, start=2))


def read_xlsx(path: Path) -> TabularFile:
    # openpyxl is imported here so that a CSV-only caller never pays for it.
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    # data_only: a formula cell gives its last computed value, as the clerk sees it.
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = workbook.worksheets[0]
        # Some generators write a wrong <dimension>; without this read-only mode trusts it.
        sheet.reset_dimensions()
        records = sheet.iter_rows(values_only=True)
        header = list(next(records, ()))
        letters = [get_column_letter(index + 1) for index in range(len(header))]
        return _rows(header, letters, enumerate(records, start=2))
    finally:
        workbook.close()


def _rows(
    header: Sequence[object], cells: Sequence[str], records: Iterable[tuple[int, Sequence]]
) -> TabularFile:
    header_map = map_header(header, cells)
    if header_map.errors:
        return TabularFile([], header_map.errors)
    cell_of = {column: cells[index] for index, column in header_map.columns.items()}
    rows = []
    for line, record in records:
        values = {
            column: record[index] if index < len(record) else None
            for index, column in header_map.columns.items()
        }
        # Only the known columns count: a row holding nothing but a note is empty too.
        if all(value is None or str(value).strip() == "" for value in values.values()):
            continue
        rows.append(RawRow(line, values, cell_of))
    return TabularFile(rows, [])

"""Regenerate network_sample.xlsx from network_sample.csv: `python -m bot.samples.make_sample_xlsx`.

The workbook is what a clerk would fill in: Chinese headers, Chinese tier and status words,
GPS as number cells and the opening date as a real date cell, so that importing it
exercises the xlsx paths and must give the same network as the CSV.
"""

from __future__ import annotations

import csv
from datetime import date
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.services.network_import import COLUMNS, HEADER_ALIASES

HERE = Path(__file__).parent
CHINESE_WORDS = {"ordinary": "普通", "demonstration": "示范", "active": "正常"}


def cell_value(column: str, text: str) -> object:
    if not text:
        return None
    if column in ("latitude", "longitude"):
        return Decimal(text)  # openpyxl writes the decimal digits as they are
    if column == "opened_on":
        return date.fromisoformat(text)
    return CHINESE_WORDS.get(text, text)


def build(source: Path, target: Path) -> None:
    with source.open(encoding="utf-8-sig", newline="") as handle:
        records = list(csv.DictReader(handle))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "站点名录"
    sheet.append([HEADER_ALIASES[column][0] for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for record in records:
        sheet.append([cell_value(column, record[column]) for column in COLUMNS])
    for cell in sheet["M"][1:]:
        cell.number_format = "yyyy-mm-dd"
    widths = (10, 10, 12, 10, 13, 10, 12, 20, 9, 7, 11, 11, 12)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    workbook.save(target)


if __name__ == "__main__":
    build(HERE / "network_sample.csv", HERE / "network_sample.xlsx")

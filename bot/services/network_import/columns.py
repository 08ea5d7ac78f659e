"""The columns of a station-network file (站点名录) and how a header row maps onto them.

`COLUMNS` is the canonical order; `HEADER_ALIASES` are the Chinese headers clerks write.
`map_header` reads line 1. `RowError` lives here, the lowest module, because the header
check is the first step to report one; every later step reports the same type.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.text import N_, Text

COLUMNS = (
    "county_code",
    "county_name",
    "township_code",
    "township_name",
    "village_code",
    "village_name",
    "station_code",
    "station_name",
    "tier",
    "status",
    "latitude",
    "longitude",
    "opened_on",
)
REQUIRED_COLUMNS = frozenset(COLUMNS[:9])

# Chinese headers as clerks write them; the first alias is the documented one.
HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "county_code": ("县编码", "县代码", "区县编码"),
    "county_name": ("县名称", "县名", "区县名称"),
    "township_code": ("乡镇编码", "乡镇代码"),
    "township_name": ("乡镇名称", "乡镇名", "乡镇"),
    "village_code": ("村编码", "村代码", "行政村编码"),
    "village_name": ("村名称", "村名", "行政村名称", "行政村"),
    "station_code": ("站点编码", "站点代码"),
    "station_name": ("站点名称", "站点名"),
    "tier": ("站点类型", "类型", "站点级别"),
    "status": ("状态", "站点状态"),
    "latitude": ("纬度", "lat"),
    "longitude": ("经度", "lon", "lng"),
    "opened_on": ("开业日期", "开业时间", "建站日期"),
}


def _header_key(label: object) -> str:
    # NFKC turns full-width brackets and letters into ASCII; a trailing "(选填)" or "*"
    # is a template's hint, not part of the name.
    text = unicodedata.normalize("NFKC", "" if label is None else str(label))
    text = re.sub(r"\(.*\)$", "", text.strip().lstrip("\ufeff")).strip().strip("*").strip()
    return re.sub(r"[\s\-]+", "_", text.casefold())


_HEADER_INDEX = {
    _header_key(name): column for column in COLUMNS for name in (column, *HEADER_ALIASES[column])
}


@dataclass(frozen=True)
class RowError:
    """A problem at a line (header is line 1) and column, with what to write instead."""

    line: int
    column: str | None
    cell: str | None
    text: Text

    @property
    def sort_key(self) -> tuple[int, int]:
        return self.line, COLUMNS.index(self.column) if self.column in COLUMNS else -1


@dataclass(frozen=True)
class HeaderMap:
    columns: dict[int, str]  # position in the row → column name
    errors: list[RowError]


def map_header(labels: Sequence[object], cells: Sequence[str]) -> HeaderMap:
    """Which position holds which column. Extra columns (备注 …) are the clerk's own and
    are ignored; missing required or doubled columns are errors on line 1."""
    columns: dict[int, str] = {}
    seen: dict[str, str] = {}
    errors: list[RowError] = []
    for index, label in enumerate(labels):
        column = _HEADER_INDEX.get(_header_key(label))
        if column is None:
            continue
        if column in seen:
            msg = N_("Columns {first} and {second} both mean {column}. Delete one of them.")
            params = {"first": seen[column], "second": cells[index], "column": column}
            errors.append(RowError(1, column, cells[index], Text(msg, params)))
            continue
        seen[column] = cells[index]
        columns[index] = column
    if not columns:
        msg = N_(
            "Line 1 must be the header row naming the columns, e.g. county_code, county_name, "
            "… or 县编码, 县名称, … (see docs/network-import.md)."
        )
        return HeaderMap({}, [RowError(1, None, None, Text(msg))])
    for column in COLUMNS:
        if column in REQUIRED_COLUMNS and column not in seen:
            msg = N_(
                "The header row has no {column} column. Add a column headed {column} or {alias}."
            )
            params = {"column": column, "alias": HEADER_ALIASES[column][0]}
            errors.append(RowError(1, column, None, Text(msg, params)))
    return HeaderMap(columns, errors)

"""Rows in, errors out: every data row parsed and checked, *all* problems collected.

Each problem has its line, column and what to write instead, so a clerk fixes the file in
one pass, not one error per attempt. `validate_rows` returns only the rows without any
error, as `NetworkRow`s; it also checks across rows that every code means one thing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from bot.domain.network import CODE_RE, StationStatus, Tier, normalise_code
from bot.domain.text import N_, Text
from bot.services.network_import.columns import COLUMNS, REQUIRED_COLUMNS, RowError

# Values are compared after NFKC and casefold, so "ORDINARY" and full-width forms match.
TIER_WORDS: dict[str, Tier] = {
    "ordinary": Tier.ORDINARY,
    "普通": Tier.ORDINARY,
    "普通站": Tier.ORDINARY,
    "普通站点": Tier.ORDINARY,
    "demonstration": Tier.DEMONSTRATION,
    "示范": Tier.DEMONSTRATION,
    "示范站": Tier.DEMONSTRATION,
    "示范站点": Tier.DEMONSTRATION,
    "示范村": Tier.DEMONSTRATION,
}
# 正常 runs normally; 黄牌 is the yellow card of a failed assessment; 整改 is the
# rectification period before removal; 淘汰 is removed from the network.
STATUS_WORDS: dict[str, StationStatus] = {
    "active": StationStatus.ACTIVE,
    "正常": StationStatus.ACTIVE,
    "运营": StationStatus.ACTIVE,
    "warned": StationStatus.WARNED,
    "黄牌": StationStatus.WARNED,
    "预警": StationStatus.WARNED,
    "probation": StationStatus.PROBATION,
    "整改": StationStatus.PROBATION,
    "removed": StationStatus.REMOVED,
    "淘汰": StationStatus.REMOVED,
    "撤销": StationStatus.REMOVED,
}

NAME_MAX = 100  # the schema's String(100)
_MICRO = Decimal(1_000_000)
_EXAMPLES = {
    "county_code": "DEMO",
    "county_name": "示范县",
    "township_code": "DEMO-T01",
    "township_name": "青山镇",
    "village_code": "DEMO-V0101",
    "village_name": "青山村",
    "station_code": "DEMO-S001",
    "station_name": "青山村电商服务站",
    "tier": "ordinary",
    "latitude": "28.123456",
    "longitude": "115.123456",
    "opened_on": "2024-03-15",
}


@dataclass(frozen=True)
class RawRow:
    """One spreadsheet row as read. `cells` says where a clerk finds each value: the column
    letter in an xlsx file, the header as written in a CSV file."""

    line: int
    values: dict[str, object]
    cells: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class NetworkRow:
    """A row that passed validation. None in status, gps or opened_on means "keep"."""

    line: int
    county_code: str
    county_name: str
    township_code: str
    township_name: str
    village_code: str
    village_name: str
    station_code: str
    station_name: str
    tier: Tier
    status: StationStatus | None
    gps: tuple[int, int] | None  # (latitude, longitude) in micro-degrees
    opened_on: date | None
    cells: Mapping[str, str] = field(default_factory=dict, compare=False)


class _Invalid(Exception):
    def __init__(self, msgid: str, **params: Any) -> None:
        super().__init__(msgid)
        self.text = Text(msgid, params)


def _plain(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        # xlsx numbers arrive as float; repr is the shortest decimal that reads back to the
        # same double, i.e. what Excel shows, so no binary noise reaches Decimal.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _folded(value: object) -> str:
    """For codes, numbers and keywords: full-width forms typed with a Chinese IME fold."""
    return unicodedata.normalize("NFKC", _plain(value)).strip()


def _code(value: object, column: str) -> str:
    raw = _folded(value)
    code = normalise_code(raw)
    if not CODE_RE.match(code):
        raise _Invalid(
            N_(
                "“{value}” is not a valid code. Use up to 40 letters, digits, “-”, “_” or "
                "“.”, starting with a letter or digit, e.g. {example}."
            ),
            value=raw[:50],
            example=_EXAMPLES[column],
        )
    return code


def _name(value: object, column: str) -> str:
    name = _plain(value)
    if len(name) > NAME_MAX:
        raise _Invalid(
            N_("The name has {length} characters; shorten it to at most {limit}."),
            length=len(name),
            limit=NAME_MAX,
        )
    return name


def _tier(value: object, column: str) -> Tier:
    try:
        return TIER_WORDS[_folded(value).casefold()]
    except KeyError:
        raise _Invalid(
            N_("“{value}” is not a station type. Write ordinary (普通) or demonstration (示范)."),
            value=_plain(value)[:50],
        ) from None


def _status(value: object, column: str) -> StationStatus:
    try:
        return STATUS_WORDS[_folded(value).casefold()]
    except KeyError:
        raise _Invalid(
            N_(
                "“{value}” is not a station status. Write active (正常), warned (黄牌), "
                "probation (整改) or removed (淘汰), or leave the cell empty."
            ),
            value=_plain(value)[:50],
        ) from None


def _degrees(value: object, column: str) -> int:
    text = _folded(value).rstrip("°").strip()
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise _Invalid(
            N_("“{value}” is not a number. Write decimal degrees with a point, e.g. {example}."),
            value=text[:50],
            example=_EXAMPLES[column],
        )
    limit = 90 if column == "latitude" else 180
    if abs(number) > limit:
        raise _Invalid(
            N_(
                "{value} is out of range: {column} must lie between -{limit} and {limit}. "
                "Write decimal degrees, e.g. {example}, and check that latitude and longitude "
                "are not swapped."
            ),
            value=text[:50],
            column=column,
            limit=limit,
            example=_EXAMPLES[column],
        )
    # Stored as integer micro-degrees (about 0.1 m); map tools that print more decimals
    # are rounded rather than refused, since the extra digits are below GPS accuracy.
    return int((number * _MICRO).to_integral_value(ROUND_HALF_EVEN))


_DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")


def _date(value: object, column: str) -> date:
    if isinstance(value, datetime):  # an xlsx date cell; datetime is a date, test it first
        return value.date()
    if isinstance(value, date):
        return value
    text = _folded(value)
    match = _DATE_RE.match(text)
    try:
        if match is None:
            raise ValueError(text)
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        # Excel shows dates as 2024/3/15 and saves them so in CSV: accepted too.
        raise _Invalid(
            N_("“{value}” is not a date. Write it as YYYY-MM-DD, e.g. {example}."),
            value=text[:50],
            example=_EXAMPLES[column],
        ) from None


_PARSERS: dict[str, Callable[[object, str], Any]] = {
    "county_code": _code,
    "county_name": _name,
    "township_code": _code,
    "township_name": _name,
    "village_code": _code,
    "village_name": _name,
    "station_code": _code,
    "station_name": _name,
    "tier": _tier,
    "status": _status,
    "latitude": _degrees,
    "longitude": _degrees,
    "opened_on": _date,
}


_SAME_NAME = N_(
    "Code {code} is named “{first}” on line {first_line} but “{name}” here. "
    "Write the same name on every row with this code."
)
# (level, parent level, message when a code appears under two parents)
_MEMBERSHIP = (
    ("county", None, ""),
    (
        "township",
        "county",
        N_(
            "Township {code} is in county {first} on line {first_line} but in county "
            "{parent} here. Write the same county code on every row of the township."
        ),
    ),
    (
        "village",
        "township",
        N_(
            "Village {code} is in township {first} on line {first_line} but in township "
            "{parent} here. Write the same township code on every row of the village."
        ),
    ),
)


class _RowChecker:
    """Checks rows one by one and, across rows, that every code means one thing."""

    def __init__(self) -> None:
        # (level, code) → (first line, name, parent code) as first written
        self.places: dict[tuple[str, str], tuple[int, str, str | None]] = {}
        self.stations: dict[str, int] = {}  # code → first line

    def check(self, raw: RawRow) -> tuple[NetworkRow | None, list[RowError]]:
        errors: list[RowError] = []

        def error(column: str, msgid: str, /, **params: Any) -> None:
            errors.append(RowError(raw.line, column, raw.cells.get(column), Text(msgid, params)))

        parsed: dict[str, Any] = {}
        for column in COLUMNS:
            value = raw.values.get(column)
            if _plain(value) == "":
                if column in REQUIRED_COLUMNS:
                    msg = N_("{column} is empty. Write it here, e.g. {example}.")
                    error(column, msg, column=column, example=_EXAMPLES[column])
                continue
            try:
                parsed[column] = _PARSERS[column](value, column)
            except _Invalid as bad:
                errors.append(RowError(raw.line, column, raw.cells.get(column), bad.text))
        gps_errors = any(e.column in ("latitude", "longitude") for e in errors)
        if ("latitude" in parsed) != ("longitude" in parsed) and not gps_errors:
            missing = "longitude" if "latitude" in parsed else "latitude"
            msg = N_("Only one of latitude and longitude is filled in. Write both, or neither.")
            error(missing, msg)
        self._check_across_rows(raw.line, parsed, error)
        if errors:
            return None, errors
        gps = (parsed["latitude"], parsed["longitude"]) if "latitude" in parsed else None
        row = NetworkRow(
            line=raw.line,
            **{column: parsed[column] for column in COLUMNS[:9]},
            status=parsed.get("status"),
            gps=gps,
            opened_on=parsed.get("opened_on"),
            cells=raw.cells,
        )
        return row, errors

    def _check_across_rows(self, line: int, p: dict[str, Any], error: Callable) -> None:
        for level, parent, two_parents in _MEMBERSHIP:
            code_col, name_col = f"{level}_code", f"{level}_name"
            parent_col = f"{parent}_code" if parent else ""
            if code_col not in p:
                continue
            first = self.places.get((level, p[code_col]))
            if first is None:
                # Remember the first complete mention; a broken one has its own error.
                if name_col in p and (not parent or parent_col in p):
                    self.places[level, p[code_col]] = (line, p[name_col], p.get(parent_col))
                continue
            first_line, first_name, first_parent = first
            if parent and parent_col in p and p[parent_col] != first_parent:
                error(
                    parent_col,
                    two_parents,
                    code=p[code_col],
                    first=first_parent,
                    first_line=first_line,
                    parent=p[parent_col],
                )
            if name_col in p and p[name_col] != first_name:
                error(
                    name_col,
                    _SAME_NAME,
                    code=p[code_col],
                    first=first_name,
                    first_line=first_line,
                    name=p[name_col],
                )
        if "station_code" in p:
            first_station = self.stations.setdefault(p["station_code"], line)
            if first_station != line:
                msg = N_(
                    "Station {code} is already on line {first_line}. List each station once: "
                    "delete this row or give the station a code of its own."
                )
                error("station_code", msg, code=p["station_code"], first_line=first_station)


def validate_rows(
    rows: Iterable[RawRow], on_row: Callable[[], None] | None = None
) -> tuple[list[NetworkRow], list[RowError]]:
    """Every row checked, all errors collected; only rows without any error come back."""
    checker = _RowChecker()
    valid: list[NetworkRow] = []
    errors: list[RowError] = []
    for raw in rows:
        row, row_errors = checker.check(raw)
        if row is not None:
            valid.append(row)
        errors.extend(row_errors)
        if on_row is not None:
            on_row()
    return valid, errors

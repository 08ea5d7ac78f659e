"""Importing the station network from a county clerk's spreadsheet (站点名录导入).

One row per station: its county, township and village (code and name), then the station.
The import runs in three steps:

1. `map_header` and `validate_rows` check every row and collect *all* problems, each with
   line, column and what to write instead: a clerk fixes the file in one pass, not one
   error per attempt.
2. `plan_import` compares the valid rows with a snapshot of the stored network (upsert by
   code) and counts, per level, what is created, updated or unchanged.
3. `import_network` applies the plan in one write transaction, or writes nothing at all
   when any row is wrong. Importing the same file twice changes nothing the second time.

Blank optional cells (status, GPS, opening date) keep what a stored station already has, so
a file without those columns cannot wipe what the assessment jobs set (e.g. a warning).

Pure core: standard library and `bot.domain` only; storage implements `NetworkImportStores`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any, Generic, Protocol, TypeVar

from bot.domain.clock import Clock, require_utc
from bot.domain.network import CODE_RE, StationStatus, Tier, normalise_code
from bot.domain.text import N_, Text

# --- the columns ---------------------------------------------------------------------

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


def _header_key(label: object) -> str:
    # NFKC turns full-width brackets and letters into ASCII; a trailing "(选填)" or "*"
    # is a template's hint, not part of the name.
    text = unicodedata.normalize("NFKC", "" if label is None else str(label))
    text = re.sub(r"\(.*\)$", "", text.strip().lstrip("\ufeff")).strip().strip("*").strip()
    return re.sub(r"[\s\-]+", "_", text.casefold())


_HEADER_INDEX = {
    _header_key(name): column for column in COLUMNS for name in (column, *HEADER_ALIASES[column])
}


# --- rows in, errors out -------------------------------------------------------------


@dataclass(frozen=True)
class RawRow:
    """One spreadsheet row as read. `cells` says where a clerk finds each value: the column
    letter in an xlsx file, the header as written in a CSV file."""

    line: int
    values: dict[str, object]
    cells: dict[str, str] = field(default_factory=dict)


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


# --- the plan ------------------------------------------------------------------------

LEVELS = ("counties", "townships", "villages", "stations")


@dataclass(frozen=True)
class CountyRecord:
    code: str
    name: str
    timezone: str


@dataclass(frozen=True)
class TownshipRecord:
    code: str
    name: str
    county_code: str


@dataclass(frozen=True)
class VillageRecord:
    code: str
    name: str
    township_code: str


@dataclass(frozen=True)
class StationRecord:
    code: str
    name: str
    village_code: str
    tier: Tier
    status: StationStatus
    lat_e6: int | None
    lon_e6: int | None
    opened_on: date | None


@dataclass(frozen=True)
class NetworkCodes:
    """The codes a file mentions, per level: what the snapshot must cover."""

    counties: frozenset[str]
    townships: frozenset[str]
    villages: frozenset[str]
    stations: frozenset[str]

    @classmethod
    def of(cls, rows: Iterable[NetworkRow]) -> NetworkCodes:
        rows = list(rows)
        return cls(
            frozenset(r.county_code for r in rows),
            frozenset(r.township_code for r in rows),
            frozenset(r.village_code for r in rows),
            frozenset(r.station_code for r in rows),
        )


@dataclass
class NetworkSnapshot:
    """The stored records for the codes asked, plus the county each village and station
    lies in (an import may move things within a county, never across counties)."""

    counties: dict[str, CountyRecord] = field(default_factory=dict)
    townships: dict[str, TownshipRecord] = field(default_factory=dict)
    villages: dict[str, VillageRecord] = field(default_factory=dict)
    stations: dict[str, StationRecord] = field(default_factory=dict)
    village_county: dict[str, str] = field(default_factory=dict)
    station_county: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LevelCounts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


R = TypeVar("R")


@dataclass
class LevelPlan(Generic[R]):
    create: list[R] = field(default_factory=list)
    update: list[R] = field(default_factory=list)
    unchanged: int = 0

    def add(self, wanted: R, stored: R | None) -> None:
        if stored is None:
            self.create.append(wanted)
        elif stored != wanted:
            self.update.append(wanted)
        else:
            self.unchanged += 1

    @property
    def counts(self) -> LevelCounts:
        return LevelCounts(len(self.create), len(self.update), self.unchanged)


@dataclass
class ImportPlan:
    """What to write, level by level; parents come before children."""

    counties: LevelPlan[CountyRecord] = field(default_factory=LevelPlan)
    townships: LevelPlan[TownshipRecord] = field(default_factory=LevelPlan)
    villages: LevelPlan[VillageRecord] = field(default_factory=LevelPlan)
    stations: LevelPlan[StationRecord] = field(default_factory=LevelPlan)

    @property
    def writes(self) -> int:
        levels = (self.counties, self.townships, self.villages, self.stations)
        return sum(len(level.create) + len(level.update) for level in levels)

    def counts(self) -> dict[str, LevelCounts]:
        return {level: getattr(self, level).counts for level in LEVELS}


_MOVES_COUNTY = N_(
    "{code} already exists in county {existing}; an import cannot move it to county "
    "{county}. Check the code; if the move is real, ask the system administrator."
)


def plan_import(
    rows: Sequence[NetworkRow], snapshot: NetworkSnapshot, *, default_timezone: str
) -> tuple[ImportPlan, list[RowError]]:
    """Compare valid rows with what is stored. Rows are consistent (validate_rows), so the
    first row of a code speaks for all its rows."""
    plan = ImportPlan()
    errors: list[RowError] = []
    done: dict[str, set[str]] = {level: set() for level in LEVELS}
    # A wrong county code would otherwise report every township, village and station
    # under it: only the highest level that moves is reported.
    moved: set[str] = set()

    def first(level: str, code: str) -> bool:
        if code in done[level]:
            return False
        done[level].add(code)
        return True

    def moves(row: NetworkRow, column: str, existing_county: str | None) -> bool:
        code = getattr(row, column)
        if existing_county is None or existing_county == row.county_code:
            return False
        moved.add(column + code)
        params = {"code": code, "existing": existing_county, "county": row.county_code}
        cell = row.cells.get(column)
        errors.append(RowError(row.line, column, cell, Text(_MOVES_COUNTY, params)))
        return True

    for row in rows:
        if first("counties", row.county_code):
            stored_county = snapshot.counties.get(row.county_code)
            timezone = stored_county.timezone if stored_county else default_timezone
            wanted_county = CountyRecord(row.county_code, row.county_name, timezone)
            plan.counties.add(wanted_county, stored_county)
        if first("townships", row.township_code):
            stored_township = snapshot.townships.get(row.township_code)
            county = stored_township.county_code if stored_township else None
            if not moves(row, "township_code", county):
                wanted = TownshipRecord(row.township_code, row.township_name, row.county_code)
                plan.townships.add(wanted, stored_township)
        if "township_code" + row.township_code in moved:
            continue
        if first("villages", row.village_code):
            county = snapshot.village_county.get(row.village_code)
            if not moves(row, "village_code", county):
                wanted_village = VillageRecord(
                    row.village_code, row.village_name, row.township_code
                )
                plan.villages.add(wanted_village, snapshot.villages.get(row.village_code))
        if "village_code" + row.village_code in moved:
            continue
        if first("stations", row.station_code):
            county = snapshot.station_county.get(row.station_code)
            if not moves(row, "station_code", county):
                stored = snapshot.stations.get(row.station_code)
                plan.stations.add(_station_record(row, stored), stored)
    return plan, errors


def _station_record(row: NetworkRow, stored: StationRecord | None) -> StationRecord:
    """The station as the row wants it; blank optional cells keep the stored values."""
    status = row.status or (stored.status if stored else StationStatus.ACTIVE)
    if row.gps is not None:
        lat_e6, lon_e6 = row.gps
    else:
        lat_e6, lon_e6 = (stored.lat_e6, stored.lon_e6) if stored else (None, None)
    opened_on = row.opened_on or (stored.opened_on if stored else None)
    return StationRecord(
        row.station_code,
        row.station_name,
        row.village_code,
        row.tier,
        status,
        lat_e6,
        lon_e6,
        opened_on,
    )


# --- the port and the use case -------------------------------------------------------


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

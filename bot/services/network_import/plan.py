"""The import plan: valid rows compared with a snapshot of the stored network.

Upsert by code: `plan_import` decides, per level and parents first, what is created,
updated or unchanged. Blank optional cells (status, GPS, opening date) keep what a stored
station already has. An import may move things within a county, never across counties.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

from bot.domain.network import StationStatus, Tier
from bot.domain.text import N_, Text
from bot.services.network_import.columns import RowError
from bot.services.network_import.rows import NetworkRow

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

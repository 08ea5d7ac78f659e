"""`BoardRepo` in memory: the same unique keys as the SQL tables (a code; a station's
generation; a station's day; a request key)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from bot.domain.board import CheckIn, StationCodeRecord, StationProfile
from storage.memory.state import Transaction, utc, utc_now

CODES, PROFILES, CHECKINS = "station_codes", "station_profiles", "station_checkins"
ISSUED_BY = "station_codes.request_key"  # request key -> code: the unique index


class MemoryBoardRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    async def live_code(self, station_id: int) -> StationCodeRecord | None:
        live = [
            r
            for r in self.tx.read(CODES).values()
            if r.station_id == station_id and not r.revoked_at
        ]
        return max(live, key=lambda r: r.generation, default=None)

    async def code(self, code: str) -> StationCodeRecord | None:
        return self.tx.get(CODES, code)

    async def last_generation(self, station_id: int) -> int:
        found = [r.generation for r in self.tx.read(CODES).values() if r.station_id == station_id]
        return max(found, default=0)

    async def add_code(
        self,
        station_id: int,
        generation: int,
        code: str,
        now: datetime,
        request_key: str | None = None,
    ) -> bool:
        self.tx.references("stations", station_id, "station_codes.station_id")
        rows = self.tx.read(CODES).values()
        if any(r.station_id == station_id and r.generation == generation for r in rows):
            return False
        if request_key is not None:
            self.tx.insert(ISSUED_BY, request_key, code)
        self.tx.insert(CODES, code, StationCodeRecord(station_id, code, generation, utc_now(now)))
        return True

    async def code_issued_by(self, request_key: str) -> StationCodeRecord | None:
        code = self.tx.get(ISSUED_BY, request_key)
        return self.tx.get(CODES, code) if code else None

    async def revoke_code(self, code: str, by: int | None, now: datetime) -> bool:
        row = self.tx.get(CODES, code)
        if row is None or row.revoked_at is not None:
            return False
        self.tx.references("people", by, "station_codes.revoked_by")
        self.tx.write(CODES)[code] = dataclasses.replace(row, revoked_at=utc(now))
        return True

    async def profile(self, station_id: int) -> StationProfile | None:
        found = self.tx.get(PROFILES, station_id)
        return found[0] if found else None

    async def put_profile(self, profile: StationProfile, by: int | None, request_key: str) -> bool:
        self.tx.references("stations", profile.station_id, "station_profiles.station_id")
        self.tx.references("people", by, "station_profiles.updated_by")
        existing = self.tx.get(PROFILES, profile.station_id)
        if existing is not None and existing[1] == request_key:
            return False
        stored = dataclasses.replace(profile, updated_at=utc(profile.updated_at))
        self.tx.write(PROFILES)[profile.station_id] = (stored, request_key)
        return True

    async def add_checkin(self, checkin: CheckIn, request_key: str) -> int | None:
        self.tx.references("stations", checkin.station_id, "station_checkins.station_id")
        self.tx.references("people", checkin.person_id, "station_checkins.person_id")
        for key, row in self.tx.read(CHECKINS).items():
            same_day = (row.station_id, row.day) == (checkin.station_id, checkin.day)
            if same_day or key[1] == request_key:
                return None
        checkin_id = self.tx.next_id(CHECKINS)
        row = dataclasses.replace(checkin, id=checkin_id, at=utc_now(checkin.at))
        self.tx.insert(CHECKINS, (checkin_id, request_key), row)
        return checkin_id

    def _checkins(self) -> list[CheckIn]:
        return list(self.tx.rows(CHECKINS))

    async def checkin_on(self, station_id: int, day: date) -> CheckIn | None:
        return next(
            (c for c in self._checkins() if c.station_id == station_id and c.day == day), None
        )

    async def last_checkin_by(self, person_id: int) -> CheckIn | None:
        mine = [c for c in self._checkins() if c.person_id == person_id]
        return max(mine, key=lambda c: c.at, default=None)

    async def checkins(self, station_id: int, first: date, last: date) -> list[CheckIn]:
        found = [
            c for c in self._checkins() if c.station_id == station_id and first <= c.day <= last
        ]
        return sorted(found, key=lambda c: c.day)

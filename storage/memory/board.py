"""`BoardRepo` in memory: the same unique keys as the SQL tables (a code; a station's
generation; a station's day; a request key)."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from bot.domain.board import (
    FROZEN_LIVE,
    ArrivalSubscription,
    CheckIn,
    CheckInSummary,
    Complaint,
    ComplaintStatus,
    Inspection,
    LiveTrack,
    Position,
    StationCodeRecord,
    StationProfile,
)
from storage.memory.network import county_station_ids
from storage.memory.state import IntegrityError, Transaction, utc, utc_now

CODES, PROFILES, CHECKINS = "station_codes", "station_profiles", "station_checkins"
ISSUED_BY = "station_codes.request_key"  # request key -> code: the unique index
INSPECTIONS, RATINGS = "station_inspections", "station_ratings"
COMPLAINTS, SUBSCRIPTIONS = "station_complaints", "arrival_subscriptions"
LIVE = "checkin_live_tracks"


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

    async def first_plausible_checkin(self, station_id: int) -> CheckIn | None:
        mine = [c for c in self._checkins() if c.station_id == station_id and c.flag is None]
        return min(mine, key=lambda c: (c.at, c.id), default=None)

    async def checkin_summary(
        self, county_id: int, first: date, last: date
    ) -> dict[int, CheckInSummary]:
        mine = set(county_station_ids(self.tx, county_id))
        found: dict[int, CheckInSummary] = {}
        for c in self._checkins():
            if c.station_id not in mine:
                continue
            was = found.get(c.station_id, CheckInSummary())
            in_range = first <= c.day <= last
            found[c.station_id] = CheckInSummary(
                was.days + in_range,
                was.verified_days + (in_range and c.verified),
                c.at if was.last_at is None else max(was.last_at, c.at),
            )
        return found

    async def last_checkin(self, station_id: int) -> CheckIn | None:
        mine = [c for c in self._checkins() if c.station_id == station_id]
        return max(mine, key=lambda c: (c.at, c.id), default=None)

    # --- live locations (issue 11) ------------------------------------------------------

    async def start_live_track(self, checkin_id: int, until: datetime) -> None:
        if not any(key[0] == checkin_id for key in self.tx.read(CHECKINS)):
            raise IntegrityError(f"checkin_live_tracks.checkin_id: no check-in {checkin_id}")
        if self.tx.get(LIVE, checkin_id) is None:
            self.tx.insert(
                LIVE, checkin_id, LiveTrack(checkin_id, utc(until), None, 0, False, None)
            )

    async def live_track(self, request_key: str) -> tuple[CheckIn, LiveTrack] | None:
        for (checkin_id, key), checkin in self.tx.read(CHECKINS).items():
            if key == request_key:
                track = self.tx.get(LIVE, checkin_id)
                return (checkin, track) if track is not None else None
        return None

    async def count_live_update(
        self, checkin_id: int, edit_at: datetime, moved: bool
    ) -> LiveTrack | None:
        track, edit_at = self.tx.get(LIVE, checkin_id), utc(edit_at)
        if track is None or track.moved or track.flagged_at is not None:
            return None
        if track.last_edit_at is not None and edit_at <= track.last_edit_at:
            return None
        counted = dataclasses.replace(
            track, last_edit_at=edit_at, moved=moved, updates=track.updates + (not moved)
        )
        self.tx.write(LIVE)[checkin_id] = counted
        return counted

    async def flag_live_track(self, checkin_id: int, now: datetime) -> bool:
        track = self.tx.get(LIVE, checkin_id)
        if track is None or track.moved or track.flagged_at is not None:
            return False
        self.tx.write(LIVE)[checkin_id] = dataclasses.replace(track, flagged_at=utc(now))
        rows = self.tx.write(CHECKINS)
        for key, checkin in list(rows.items()):
            if key[0] == checkin_id and checkin.flag is None:
                rows[key] = dataclasses.replace(checkin, flag=FROZEN_LIVE, verified=False)
        return True

    async def set_station_position(
        self, station_id: int, position: Position, now: datetime
    ) -> bool:
        station = self.tx.get("stations", station_id)
        if station is None or station.lat_e6 is not None:
            return False
        self.tx.write("stations")[station_id] = dataclasses.replace(
            station, lat_e6=position.lat_e6, lon_e6=position.lon_e6, updated_at=utc_now(now)
        )
        return True

    # --- inspections ------------------------------------------------------------------

    async def add_inspection(self, inspection: Inspection, request_key: str) -> int | None:
        self.tx.references("stations", inspection.station_id, "station_inspections.station_id")
        self.tx.references("people", inspection.person_id, "station_inspections.person_id")
        if any(key[1] == request_key for key in self.tx.read(INSPECTIONS)):
            return None
        new_id = self.tx.next_id(INSPECTIONS)
        row = dataclasses.replace(inspection, id=new_id, at=utc_now(inspection.at))
        self.tx.insert(INSPECTIONS, (new_id, request_key), row)
        return new_id

    async def inspections(self, station_id: int, limit: int = 5) -> list[Inspection]:
        found = [i for i in self.tx.rows(INSPECTIONS) if i.station_id == station_id]
        return sorted(found, key=lambda i: (i.at, i.id), reverse=True)[:limit]

    # --- ratings and complaints -----------------------------------------------------------

    async def rate(
        self, station_id: int, channel: str, external_id: str, stars: int, now: datetime
    ) -> None:
        self.tx.references("stations", station_id, "station_ratings.station_id")
        if not 1 <= stars <= 5:
            raise IntegrityError("station_ratings: stars out of range")
        self.tx.write(RATINGS)[(station_id, channel, external_id)] = (stars, utc_now(now))

    async def ratings(self, station_id: int) -> tuple[int, int]:
        stars = [v[0] for k, v in self.tx.read(RATINGS).items() if k[0] == station_id]
        return len(stars), sum(stars)

    async def add_complaint(self, complaint: Complaint, request_key: str) -> Complaint:
        for key, row in self.tx.read(COMPLAINTS).items():
            if key[1] == request_key:
                return row
        self.tx.references("stations", complaint.station_id, "station_complaints.station_id")
        self.tx.unique(COMPLAINTS, lambda c: c.reference == complaint.reference, "reference")
        new_id = self.tx.next_id(COMPLAINTS)
        row = dataclasses.replace(complaint, id=new_id, created_at=utc_now(complaint.created_at))
        self.tx.insert(COMPLAINTS, (new_id, request_key), row)
        return row

    def _complaint_key(self, reference: str):
        return next(
            (k for k, c in self.tx.read(COMPLAINTS).items() if c.reference == reference), None
        )

    async def complaint(self, reference: str) -> Complaint | None:
        key = self._complaint_key(reference)
        return self.tx.read(COMPLAINTS)[key] if key else None

    async def complaints_since(self, channel: str, external_id: str, since: datetime) -> int:
        return sum(
            1
            for c in self.tx.rows(COMPLAINTS)
            if (c.channel, c.external_id) == (channel, external_id) and c.created_at >= since
        )

    async def handle_complaint(
        self, reference: str, answer: str, by: int | None, now: datetime
    ) -> bool:
        key = self._complaint_key(reference)
        if key is None or self.tx.read(COMPLAINTS)[key].status is not ComplaintStatus.RECEIVED:
            return False
        self.tx.references("people", by, "station_complaints.handled_by")
        row = self.tx.read(COMPLAINTS)[key]
        self.tx.write(COMPLAINTS)[key] = dataclasses.replace(
            row, status=ComplaintStatus.HANDLED, answer=answer, handled_at=utc(now)
        )
        return True

    async def open_complaints(self, station_id: int) -> int:
        return sum(
            1
            for c in self.tx.rows(COMPLAINTS)
            if c.station_id == station_id and c.status is ComplaintStatus.RECEIVED
        )

    # --- parcel-arrival notices -------------------------------------------------------------

    async def subscribe(self, subscription: ArrivalSubscription) -> bool:
        s = subscription
        if any(
            (r.channel, r.external_id, r.phone_digest) == (s.channel, s.external_id, s.phone_digest)
            for r in self.tx.rows(SUBSCRIPTIONS)
        ):
            return False
        new_id = self.tx.next_id(SUBSCRIPTIONS)
        row = dataclasses.replace(s, id=new_id, created_at=utc_now(s.created_at))
        self.tx.insert(SUBSCRIPTIONS, new_id, row)
        return True

    async def unsubscribe(self, channel: str, external_id: str) -> int:
        mine = [
            k
            for k, r in self.tx.read(SUBSCRIPTIONS).items()
            if (r.channel, r.external_id) == (channel, external_id)
        ]
        rows = self.tx.write(SUBSCRIPTIONS)
        for key in mine:
            del rows[key]
        return len(mine)

    async def subscriptions(self, phone_digest: str) -> list[ArrivalSubscription]:
        return [r for r in self.tx.rows(SUBSCRIPTIONS) if r.phone_digest == phone_digest]

    async def subscriptions_of(self, channel: str, external_id: str) -> list[ArrivalSubscription]:
        return [
            r
            for r in self.tx.rows(SUBSCRIPTIONS)
            if (r.channel, r.external_id) == (channel, external_id)
        ]

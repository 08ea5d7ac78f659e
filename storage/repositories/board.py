"""The notice board's tables: stations' public codes, profiles and keepers' check-ins."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select, update

from bot.domain.board import CheckIn, ContactShown, Position, StationCodeRecord, StationProfile
from storage.repositories.base import Repo
from storage.schema import station_checkins, station_codes, station_profiles


def _code(row) -> StationCodeRecord:
    return StationCodeRecord(
        row.station_id, row.code, row.generation, row.issued_at, row.revoked_at
    )


def _checkin(row) -> CheckIn:
    return CheckIn(
        row.id,
        row.station_id,
        row.day,
        row.person_id,
        row.at,
        Position(row.lat_e6, row.lon_e6),
        row.distance_m,
        bool(row.verified),
        row.flag,
    )


class SqlBoardRepo(Repo):
    async def live_code(self, station_id: int) -> StationCodeRecord | None:
        query = (
            select(station_codes)
            .where(station_codes.c.station_id == station_id, station_codes.c.revoked_at.is_(None))
            .order_by(station_codes.c.generation.desc())
            .limit(1)
        )
        row = (await self.conn.execute(query)).first()
        return _code(row) if row else None

    async def code(self, code: str) -> StationCodeRecord | None:
        row = (
            await self.conn.execute(select(station_codes).where(station_codes.c.code == code))
        ).first()
        return _code(row) if row else None

    async def last_generation(self, station_id: int) -> int:
        query = select(func.max(station_codes.c.generation)).where(
            station_codes.c.station_id == station_id
        )
        return (await self.conn.execute(query)).scalar() or 0

    async def add_code(
        self,
        station_id: int,
        generation: int,
        code: str,
        now: datetime,
        request_key: str | None = None,
    ) -> bool:
        result = await self.conn.execute(
            self.insert(station_codes)
            .values(
                station_id=station_id,
                generation=generation,
                code=code,
                issued_at=now,
                request_key=request_key,
            )
            .on_conflict_do_nothing(index_elements=["station_id", "generation"])
        )
        return result.rowcount == 1

    async def code_issued_by(self, request_key: str) -> StationCodeRecord | None:
        query = select(station_codes).where(station_codes.c.request_key == request_key)
        row = (await self.conn.execute(query)).first()
        return _code(row) if row else None

    async def revoke_code(self, code: str, by: int | None, now: datetime) -> bool:
        result = await self.conn.execute(
            update(station_codes)
            .where(station_codes.c.code == code, station_codes.c.revoked_at.is_(None))
            .values(revoked_at=now, revoked_by=by)
        )
        return result.rowcount == 1

    async def profile(self, station_id: int) -> StationProfile | None:
        row = (
            await self.conn.execute(
                select(station_profiles).where(station_profiles.c.station_id == station_id)
            )
        ).first()
        if row is None:
            return None
        return StationProfile(
            row.station_id,
            row.hours,
            row.services,
            row.fees,
            ContactShown(row.contact),
            row.phone,
            row.updated_at,
        )

    async def put_profile(self, profile: StationProfile, by: int | None, request_key: str) -> bool:
        values = {
            "hours": profile.hours,
            "services": profile.services,
            "fees": profile.fees,
            "contact": profile.contact.value,
            "phone": profile.phone,
            "updated_at": profile.updated_at,
            "updated_by": by,
            "request_key": request_key,
        }
        statement = self.insert(station_profiles).values(station_id=profile.station_id, **values)
        # A retry of the same save (same request key) changes nothing and says so.
        statement = statement.on_conflict_do_update(
            index_elements=["station_id"],
            set_=values,
            where=station_profiles.c.request_key != request_key,
        )
        return (await self.conn.execute(statement)).rowcount == 1

    async def add_checkin(self, checkin: CheckIn, request_key: str) -> int | None:
        result = await self.conn.execute(
            self.insert(station_checkins)
            .values(
                station_id=checkin.station_id,
                day=checkin.day,
                person_id=checkin.person_id,
                at=checkin.at,
                lat_e6=checkin.position.lat_e6,
                lon_e6=checkin.position.lon_e6,
                distance_m=checkin.distance_m,
                verified=checkin.verified,
                flag=checkin.flag,
                request_key=request_key,
            )
            .on_conflict_do_nothing()
            .returning(station_checkins.c.id)
        )
        return result.scalar()

    async def checkin_on(self, station_id: int, day: date) -> CheckIn | None:
        row = (
            await self.conn.execute(
                select(station_checkins).where(
                    station_checkins.c.station_id == station_id, station_checkins.c.day == day
                )
            )
        ).first()
        return _checkin(row) if row else None

    async def last_checkin_by(self, person_id: int) -> CheckIn | None:
        query = (
            select(station_checkins)
            .where(station_checkins.c.person_id == person_id)
            .order_by(station_checkins.c.at.desc())
            .limit(1)
        )
        row = (await self.conn.execute(query)).first()
        return _checkin(row) if row else None

    async def checkins(self, station_id: int, first: date, last: date) -> list[CheckIn]:
        query = (
            select(station_checkins)
            .where(
                station_checkins.c.station_id == station_id,
                station_checkins.c.day >= first,
                station_checkins.c.day <= last,
            )
            .order_by(station_checkins.c.day)
        )
        return [_checkin(row) for row in (await self.conn.execute(query)).all()]

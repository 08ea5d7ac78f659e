"""The notice board's tables: stations' public codes, profiles and keepers' check-ins."""

from __future__ import annotations

import json
from datetime import date, datetime

from sqlalchemy import and_, case, delete, func, or_, select, update

from bot.domain.board import (
    FROZEN_LIVE,
    ArrivalSubscription,
    CheckIn,
    CheckInSummary,
    Complaint,
    ComplaintStatus,
    ContactShown,
    Inspection,
    InspectionResult,
    LiveTrack,
    Position,
    StationCodeRecord,
    StationProfile,
)
from storage.repositories._county import county_station_ids
from storage.repositories.base import Repo
from storage.schema import (
    arrival_subscriptions,
    checkin_live_tracks,
    station_checkins,
    station_codes,
    station_complaints,
    station_inspections,
    station_profiles,
    station_ratings,
    stations,
)


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


def _live(row) -> LiveTrack:
    return LiveTrack(
        row.checkin_id if "checkin_id" in row._fields else row.id,
        row.until,
        row.last_edit_at,
        row.updates,
        bool(row.moved),
        row.flagged_at,
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

    async def first_plausible_checkin(self, station_id: int) -> CheckIn | None:
        query = (
            select(station_checkins)
            .where(station_checkins.c.station_id == station_id, station_checkins.c.flag.is_(None))
            .order_by(station_checkins.c.at, station_checkins.c.id)
            .limit(1)
        )
        row = (await self.conn.execute(query)).first()
        return _checkin(row) if row else None

    async def checkin_summary(
        self, county_id: int, first: date, last: date
    ) -> dict[int, CheckInSummary]:
        c = station_checkins.c
        in_range = and_(c.day >= first, c.day <= last)
        query = (
            select(
                c.station_id,
                func.count(case((in_range, 1))),
                func.count(case((and_(in_range, c.verified), 1))),
                func.max(c.at),
            )
            .where(c.station_id.in_(county_station_ids(county_id)))
            .group_by(c.station_id)
        )
        return {
            sid: CheckInSummary(days, verified, at)
            for sid, days, verified, at in (await self.conn.execute(query)).all()
        }

    async def last_checkin(self, station_id: int) -> CheckIn | None:
        query = (
            select(station_checkins)
            .where(station_checkins.c.station_id == station_id)
            .order_by(station_checkins.c.at.desc(), station_checkins.c.id.desc())
            .limit(1)
        )
        row = (await self.conn.execute(query)).first()
        return _checkin(row) if row else None

    # --- live locations (issue 11) ------------------------------------------------------

    async def start_live_track(self, checkin_id: int, until: datetime) -> None:
        await self.conn.execute(
            self.insert(checkin_live_tracks)
            .values(checkin_id=checkin_id, until=until, updates=0, moved=False)
            .on_conflict_do_nothing(index_elements=["checkin_id"])
        )

    async def live_track(self, request_key: str) -> tuple[CheckIn, LiveTrack] | None:
        lt = checkin_live_tracks
        query = (
            select(station_checkins, lt.c.until, lt.c.last_edit_at, lt.c.updates)
            .add_columns(lt.c.moved, lt.c.flagged_at)
            .join(lt, lt.c.checkin_id == station_checkins.c.id)
            .where(station_checkins.c.request_key == request_key)
        )
        row = (await self.conn.execute(query)).first()
        if row is None:
            return None
        return _checkin(row), _live(row)

    async def count_live_update(
        self, checkin_id: int, edit_at: datetime, moved: bool
    ) -> LiveTrack | None:
        lt = checkin_live_tracks
        result = await self.conn.execute(
            update(lt)
            .where(
                lt.c.checkin_id == checkin_id,
                lt.c.moved.is_(False),
                lt.c.flagged_at.is_(None),
                or_(lt.c.last_edit_at.is_(None), lt.c.last_edit_at < edit_at),
            )
            .values(last_edit_at=edit_at, moved=moved, updates=lt.c.updates + (0 if moved else 1))
        )
        if result.rowcount != 1:
            return None
        row = (await self.conn.execute(select(lt).where(lt.c.checkin_id == checkin_id))).one()
        return _live(row)

    async def flag_live_track(self, checkin_id: int, now: datetime) -> bool:
        lt = checkin_live_tracks
        result = await self.conn.execute(
            update(lt)
            .where(lt.c.checkin_id == checkin_id, lt.c.moved.is_(False), lt.c.flagged_at.is_(None))
            .values(flagged_at=now)
        )
        if result.rowcount != 1:
            return False
        await self.conn.execute(
            update(station_checkins)
            .where(station_checkins.c.id == checkin_id, station_checkins.c.flag.is_(None))
            .values(flag=FROZEN_LIVE, verified=False)
        )
        return True

    async def set_station_position(
        self, station_id: int, position: Position, now: datetime
    ) -> bool:
        result = await self.conn.execute(
            update(stations)
            .where(stations.c.id == station_id, stations.c.lat_e6.is_(None))
            .values(lat_e6=position.lat_e6, lon_e6=position.lon_e6, updated_at=now)
        )
        return result.rowcount == 1

    # --- inspections ------------------------------------------------------------------

    async def add_inspection(self, inspection: Inspection, request_key: str) -> int | None:
        result = await self.conn.execute(
            self.insert(station_inspections)
            .values(
                station_id=inspection.station_id,
                person_id=inspection.person_id,
                at=inspection.at,
                lat_e6=inspection.position.lat_e6,
                lon_e6=inspection.position.lon_e6,
                distance_m=inspection.distance_m,
                checklist=json.dumps(inspection.checklist),
                notes=inspection.notes,
                photos=json.dumps(list(inspection.photos)),
                result=inspection.result.value,
                request_key=request_key,
            )
            .on_conflict_do_nothing(index_elements=["request_key"])
            .returning(station_inspections.c.id)
        )
        return result.scalar()

    async def inspections(self, station_id: int, limit: int = 5) -> list[Inspection]:
        query = (
            select(station_inspections)
            .where(station_inspections.c.station_id == station_id)
            .order_by(station_inspections.c.at.desc(), station_inspections.c.id.desc())
            .limit(limit)
        )
        return [
            Inspection(
                row.id,
                row.station_id,
                row.person_id,
                row.at,
                Position(row.lat_e6, row.lon_e6),
                row.distance_m,
                json.loads(row.checklist),
                row.notes,
                tuple(json.loads(row.photos)),
                InspectionResult(row.result),
            )
            for row in (await self.conn.execute(query)).all()
        ]

    # --- ratings and complaints -----------------------------------------------------------

    async def rate(
        self, station_id: int, channel: str, external_id: str, stars: int, now: datetime
    ) -> None:
        statement = self.insert(station_ratings).values(
            station_id=station_id,
            channel=channel,
            external_id=external_id,
            stars=stars,
            rated_at=now,
        )
        await self.conn.execute(
            statement.on_conflict_do_update(
                index_elements=["station_id", "channel", "external_id"],
                set_={"stars": stars, "rated_at": now},
            )
        )

    async def ratings(self, station_id: int) -> tuple[int, int]:
        query = select(func.count(), func.coalesce(func.sum(station_ratings.c.stars), 0)).where(
            station_ratings.c.station_id == station_id
        )
        count, total = (await self.conn.execute(query)).one()
        return int(count), int(total)

    @staticmethod
    def _complaint(row) -> Complaint:
        return Complaint(
            row.id,
            row.reference,
            row.station_id,
            row.channel,
            row.external_id,
            row.chat_id,
            row.language,
            row.name,
            row.body,
            tuple(json.loads(row.photos)),
            ComplaintStatus(row.status),
            row.created_at,
            row.answer,
            row.handled_at,
        )

    async def add_complaint(self, complaint: Complaint, request_key: str) -> Complaint:
        await self.conn.execute(
            self.insert(station_complaints)
            .values(
                reference=complaint.reference,
                station_id=complaint.station_id,
                channel=complaint.channel,
                external_id=complaint.external_id,
                chat_id=complaint.chat_id,
                language=complaint.language,
                name=complaint.name,
                body=complaint.body,
                photos=json.dumps(list(complaint.photos)),
                status=complaint.status.value,
                created_at=complaint.created_at,
                request_key=request_key,
            )
            .on_conflict_do_nothing(index_elements=["request_key"])
        )
        query = select(station_complaints).where(station_complaints.c.request_key == request_key)
        return self._complaint((await self.conn.execute(query)).one())

    async def complaint(self, reference: str) -> Complaint | None:
        query = select(station_complaints).where(station_complaints.c.reference == reference)
        row = (await self.conn.execute(query)).first()
        return self._complaint(row) if row else None

    async def complaints_since(self, channel: str, external_id: str, since: datetime) -> int:
        c = station_complaints.c
        query = select(func.count()).where(
            c.channel == channel, c.external_id == external_id, c.created_at >= since
        )
        return (await self.conn.execute(query)).scalar_one()

    async def handle_complaint(
        self, reference: str, answer: str, by: int | None, now: datetime
    ) -> bool:
        c = station_complaints.c
        result = await self.conn.execute(
            update(station_complaints)
            .where(c.reference == reference, c.status == ComplaintStatus.RECEIVED.value)
            .values(
                status=ComplaintStatus.HANDLED.value, answer=answer, handled_by=by, handled_at=now
            )
        )
        return result.rowcount == 1

    async def open_complaints(self, station_id: int) -> int:
        c = station_complaints.c
        query = select(func.count()).where(
            c.station_id == station_id, c.status == ComplaintStatus.RECEIVED.value
        )
        return (await self.conn.execute(query)).scalar_one()

    # --- parcel-arrival notices -------------------------------------------------------------

    @staticmethod
    def _subscription(row) -> ArrivalSubscription:
        return ArrivalSubscription(
            row.id,
            row.channel,
            row.external_id,
            row.chat_id,
            row.language,
            row.phone_digest,
            row.last4,
            row.created_at,
        )

    async def subscribe(self, subscription: ArrivalSubscription) -> bool:
        s = subscription
        result = await self.conn.execute(
            self.insert(arrival_subscriptions)
            .values(
                channel=s.channel,
                external_id=s.external_id,
                chat_id=s.chat_id,
                language=s.language,
                phone_digest=s.phone_digest,
                last4=s.last4,
                created_at=s.created_at,
            )
            .on_conflict_do_nothing(index_elements=["channel", "external_id", "phone_digest"])
        )
        return result.rowcount == 1

    async def unsubscribe(self, channel: str, external_id: str) -> int:
        c = arrival_subscriptions.c
        result = await self.conn.execute(
            delete(arrival_subscriptions).where(c.channel == channel, c.external_id == external_id)
        )
        return result.rowcount

    async def subscriptions(self, phone_digest: str) -> list[ArrivalSubscription]:
        query = (
            select(arrival_subscriptions)
            .where(arrival_subscriptions.c.phone_digest == phone_digest)
            .order_by(arrival_subscriptions.c.id)
        )
        return [self._subscription(r) for r in (await self.conn.execute(query)).all()]

    async def subscriptions_of(self, channel: str, external_id: str) -> list[ArrivalSubscription]:
        c = arrival_subscriptions.c
        query = (
            select(arrival_subscriptions)
            .where(c.channel == channel, c.external_id == external_id)
            .order_by(c.id)
        )
        return [self._subscription(r) for r in (await self.conn.execute(query)).all()]

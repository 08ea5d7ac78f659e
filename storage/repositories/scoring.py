"""Monthly scoring: policies, run claims, one aggregate over the ledger, scores, locks."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, func, insert, select, update

from bot.domain.ledger import EntryKind
from bot.domain.roles import Role
from storage.repositories.base import Repo
from storage.schema import (
    counties,
    county_policies,
    identities,
    job_runs,
    ledger_entries,
    lock_exceptions,
    parcels,
    people,
    period_locks,
    role_grants,
    station_decisions,
    station_scores,
    stations,
    townships,
    villages,
)


@dataclass(frozen=True)
class StationRow:
    id: int
    code: str
    name: str
    tier: str
    status: str
    opened_on: date | None


@dataclass(frozen=True)
class Recipient:
    person_id: int
    chat_id: str
    language: str | None
    station_id: int | None = None


def _county_station_ids(county_id: int):
    return (
        select(stations.c.id)
        .select_from(
            stations.join(villages, villages.c.id == stations.c.village_id).join(
                townships, townships.c.id == villages.c.township_id
            )
        )
        .where(townships.c.county_id == county_id)
    )


class SqlScoringRepo(Repo):
    # --- policy -----------------------------------------------------------------------

    async def policy(self, county_id: int) -> tuple[int, str] | None:
        query = select(county_policies.c.version, county_policies.c.policy).where(
            county_policies.c.county_id == county_id
        )
        row = (await self.conn.execute(query)).first()
        return (row.version, row.policy) if row else None

    async def set_policy(self, county_id: int, policy_json: str, by: str, now: datetime) -> int:
        current = await self.policy(county_id)
        version = (current[0] if current else 0) + 1
        values = {"version": version, "policy": policy_json, "updated_at": now, "updated_by": by}
        statement = (
            self.insert(county_policies)
            .values(county_id=county_id, **values)
            .on_conflict_do_update(index_elements=["county_id"], set_=values)
        )
        await self.conn.execute(statement)
        return version

    async def county_created_at(self, county_id: int) -> datetime:
        query = select(counties.c.created_at).where(counties.c.id == county_id)
        return (await self.conn.execute(query)).scalar_one()

    # --- exactly-once job claims ------------------------------------------------------

    async def claim_run(
        self,
        *,
        job: str,
        county_id: int,
        period: str,
        run_no: int,
        trigger: str,
        claimer: str,
        now: datetime,
        stale_before: datetime,
        reason: str | None = None,
    ) -> int | None:
        """The run's id if this caller now owns it; None if another owns or finished it."""
        inserted = await self.conn.execute(
            self.insert(job_runs)
            .values(
                job=job,
                county_id=county_id,
                period=period,
                run_no=run_no,
                trigger=trigger,
                claimed_at=now,
                claimed_by=claimer,
                reason=reason,
            )
            .on_conflict_do_nothing()
            .returning(job_runs.c.id)
        )
        run_id = inserted.scalar_one_or_none()
        if run_id is not None:
            return run_id
        # A claim whose process died before finishing may be taken over after its lease.
        taken = await self.conn.execute(
            update(job_runs)
            .where(
                job_runs.c.job == job,
                job_runs.c.county_id == county_id,
                job_runs.c.period == period,
                job_runs.c.run_no == run_no,
                job_runs.c.finished_at.is_(None),
                job_runs.c.claimed_at < stale_before,
            )
            .values(claimed_at=now, claimed_by=claimer, trigger=trigger)
            .returning(job_runs.c.id)
        )
        return taken.scalar_one_or_none()

    async def last_run_no(self, job: str, county_id: int, period: str) -> int:
        query = select(func.coalesce(func.max(job_runs.c.run_no), 0)).where(
            job_runs.c.job == job, job_runs.c.county_id == county_id, job_runs.c.period == period
        )
        return (await self.conn.execute(query)).scalar_one()

    async def finished(self, job: str, county_id: int, period: str) -> bool:
        query = select(job_runs.c.id).where(
            job_runs.c.job == job,
            job_runs.c.county_id == county_id,
            job_runs.c.period == period,
            job_runs.c.finished_at.is_not(None),
        )
        return (await self.conn.execute(query)).first() is not None

    async def finish_run(self, run_id: int, now: datetime, summary: dict) -> None:
        await self.conn.execute(
            update(job_runs)
            .where(job_runs.c.id == run_id)
            .values(finished_at=now, summary=json.dumps(summary, ensure_ascii=False))
        )

    async def runs(self, job: str, county_id: int, period: str) -> list[dict]:
        query = (
            select(job_runs)
            .where(
                job_runs.c.job == job,
                job_runs.c.county_id == county_id,
                job_runs.c.period == period,
            )
            .order_by(job_runs.c.run_no)
        )
        return [dict(row) for row in (await self.conn.execute(query)).mappings().all()]

    # --- the network being judged -----------------------------------------------------

    async def county_stations(self, county_id: int) -> list[StationRow]:
        query = (
            select(
                stations.c.id,
                stations.c.code,
                stations.c.name,
                stations.c.tier,
                stations.c.status,
                stations.c.opened_on,
            )
            .where(stations.c.id.in_(_county_station_ids(county_id)))
            .order_by(stations.c.code)
        )
        return [StationRow(*row) for row in (await self.conn.execute(query)).all()]

    async def window_totals(
        self,
        county_id: int,
        periods: list[str],
        downstream: Iterable[EntryKind],
        upstream_yuan: Iterable[EntryKind],
        upstream_parcels: Iterable[EntryKind],
    ) -> dict[int, tuple[int, int, int]]:
        """{station: (downstream fen, upstream fen, upstream parcels)} summed over the
        periods. One GROUP BY over the ledger: reversals carry negated values."""
        le = ledger_entries
        downstream, upstream_yuan, upstream_parcels = (
            list(downstream),
            list(upstream_yuan),
            list(upstream_parcels),
        )

        def total(column, kinds):
            values = [k.value for k in kinds]
            if not values:
                return func.coalesce(func.sum(0), 0)
            return func.coalesce(func.sum(case((le.c.kind.in_(values), column), else_=0)), 0)

        query = (
            select(
                le.c.station_id,
                total(le.c.amount_fen, downstream),
                total(le.c.amount_fen, upstream_yuan),
                total(le.c.parcel_count, upstream_parcels),
            )
            .where(
                le.c.period.in_(periods),
                # Other kinds would only add zeros: skipping them lets the index do more.
                le.c.kind.in_({k.value for k in (*downstream, *upstream_yuan, *upstream_parcels)}),
                le.c.station_id.in_(_county_station_ids(county_id)),
            )
            .group_by(le.c.station_id)
        )
        rows = (await self.conn.execute(query)).all()
        return {sid: (int(d), int(u), int(p)) for sid, d, u, p in rows}

    async def failing_months(self, county_id: int, period: str) -> dict[int, int]:
        """Each station's consecutive failing months as of `period` (its latest run)."""
        latest = (
            select(station_scores.c.station_id, func.max(station_scores.c.run_no).label("run_no"))
            .where(station_scores.c.period == period)
            .group_by(station_scores.c.station_id)
            .subquery()
        )
        query = (
            select(station_scores.c.station_id, station_scores.c.failing_months)
            .join(
                latest,
                and_(
                    latest.c.station_id == station_scores.c.station_id,
                    latest.c.run_no == station_scores.c.run_no,
                ),
            )
            .where(
                station_scores.c.period == period,
                station_scores.c.station_id.in_(_county_station_ids(county_id)),
            )
        )
        return dict((await self.conn.execute(query)).all())

    async def write_scores(self, rows: list[dict]) -> None:
        if rows:  # executemany: the statement is compiled once for all rows
            await self.conn.execute(self.insert(station_scores).on_conflict_do_nothing(), rows)

    async def scores(self, county_id: int, period: str) -> list[dict]:
        query = (
            select(station_scores, stations.c.code)
            .join(stations, stations.c.id == station_scores.c.station_id)
            .where(
                station_scores.c.period == period,
                station_scores.c.station_id.in_(_county_station_ids(county_id)),
            )
            .order_by(stations.c.code, station_scores.c.run_no)
        )
        return [dict(row) for row in (await self.conn.execute(query)).mappings().all()]

    async def set_statuses(self, changes: dict[int, str], now: datetime) -> None:
        by_status: dict[str, list[int]] = {}
        for station_id, status in changes.items():
            by_status.setdefault(status, []).append(station_id)
        for status, ids in by_status.items():
            for start in range(0, len(ids), 1000):
                await self.conn.execute(
                    update(stations)
                    .where(stations.c.id.in_(ids[start : start + 1000]))
                    .values(status=status, updated_at=now)
                )

    # --- locks ------------------------------------------------------------------------

    async def lock_period(
        self, county_id: int, period: str, now: datetime, run_id: int | None
    ) -> None:
        await self.conn.execute(
            self.insert(period_locks)
            .values(county_id=county_id, period=period, locked_at=now, job_run_id=run_id)
            .on_conflict_do_nothing()
        )

    async def locked_at(self, county_id: int, period: str) -> datetime | None:
        query = select(period_locks.c.locked_at).where(
            period_locks.c.county_id == county_id, period_locks.c.period == period
        )
        return (await self.conn.execute(query)).scalar_one_or_none()

    async def open_exception(
        self,
        station_id: int,
        period: str,
        opened_by: int | None,
        now: datetime,
        expires_at: datetime,
        reason: str,
    ) -> int:
        result = await self.conn.execute(
            insert(lock_exceptions)
            .values(
                station_id=station_id,
                period=period,
                opened_by=opened_by,
                opened_at=now,
                expires_at=expires_at,
                reason=reason,
            )
            .returning(lock_exceptions.c.id)
        )
        return result.scalar_one()

    async def exception_open(self, station_id: int, period: str, now: datetime) -> bool:
        query = select(lock_exceptions.c.id).where(
            lock_exceptions.c.station_id == station_id,
            lock_exceptions.c.period == period,
            lock_exceptions.c.opened_at <= now,
            lock_exceptions.c.expires_at > now,
        )
        return (await self.conn.execute(query)).first() is not None

    # --- decisions --------------------------------------------------------------------

    async def record_decision(self, values: dict) -> bool:
        result = await self.conn.execute(
            self.insert(station_decisions)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["request_key"])
        )
        return result.rowcount == 1

    async def decisions(self, station_id: int) -> list[dict]:
        query = (
            select(station_decisions)
            .where(station_decisions.c.station_id == station_id)
            .order_by(station_decisions.c.id)
        )
        return [dict(row) for row in (await self.conn.execute(query)).mappings().all()]

    # --- who hears about it -----------------------------------------------------------

    async def _recipients(self, role: Role, county_id: int, *columns) -> list[Recipient]:
        """People holding a live `role` grant in the county, with their Telegram chat."""
        query = (
            select(people.c.id, identities.c.chat_id, people.c.language, *columns)
            .select_from(
                role_grants.join(people, people.c.id == role_grants.c.person_id).join(
                    identities, identities.c.person_id == people.c.id
                )
            )
            .where(
                role_grants.c.role == role.value,
                role_grants.c.revoked_at.is_(None),
                role_grants.c.county_id == county_id,
                identities.c.channel == "telegram",
                identities.c.chat_id.is_not(None),
            )
        )
        return [Recipient(*row) for row in (await self.conn.execute(query)).all()]

    async def keepers(self, county_id: int) -> list[Recipient]:
        return await self._recipients(Role.KEEPER, county_id, role_grants.c.station_id)

    async def staff(self, county_id: int) -> list[Recipient]:
        return await self._recipients(Role.COUNTY_STAFF, county_id)

    # --- daily checks -----------------------------------------------------------------

    async def last_entry_at(self, county_id: int) -> dict[int, datetime]:
        le = ledger_entries
        query = (
            select(le.c.station_id, func.max(le.c.recorded_at))
            .where(le.c.station_id.in_(_county_station_ids(county_id)))
            .group_by(le.c.station_id)
        )
        # max() keeps the column's type, so the instants come back aware UTC.
        return dict((await self.conn.execute(query)).all())

    async def stranded(self, county_id: int, before: datetime) -> dict[int, list[dict]]:
        query = (
            select(
                parcels.c.station_id,
                parcels.c.entry_id,
                parcels.c.pickup_code,
                parcels.c.arrived_at,
                ledger_entries.c.recipient_name,
                ledger_entries.c.tracking_no,
            )
            .join(ledger_entries, ledger_entries.c.id == parcels.c.entry_id)
            .where(
                parcels.c.status == "waiting",
                parcels.c.arrived_at < before,
                parcels.c.station_id.in_(_county_station_ids(county_id)),
            )
            .order_by(parcels.c.station_id, parcels.c.arrived_at)
        )
        found: dict[int, list[dict]] = {}
        for row in (await self.conn.execute(query)).mappings().all():
            found.setdefault(row["station_id"], []).append(dict(row))
        return found

"""What monthly scoring reads and writes: the county's stations, one aggregate over the
ledger, consecutive failing months, score rows and station statuses."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import and_, bindparam, case, func, select, text, update

from bot.domain.ledger import EntryKind
from bot.services.ports import ScoreRow, StationRow, StoredScore
from storage.repositories._county import county_station_ids
from storage.repositories.base import Repo
from storage.repositories.bulk import COPY_FROM, insert_new
from storage.schema import ledger_entries, station_scores, stations
from storage.types import UTCDateTime

_SET_STATUSES_PG = text(
    "UPDATE stations AS s SET status = v.status, updated_at = :now "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS text[])) AS v (id, status) "
    "WHERE s.id = v.id"
).bindparams(bindparam("now", type_=UTCDateTime))


class SqlScoreRepo(Repo):
    async def stations(self, county_id: int, failing_as_of: str | None = None) -> list[StationRow]:
        columns = [
            stations.c.id,
            stations.c.code,
            stations.c.name,
            stations.c.tier,
            stations.c.status,
            stations.c.opened_on,
        ]
        if failing_as_of is not None:
            # The latest run's row, one primary-key probe per station (10 ms for 10,000
            # on PostgreSQL): cheaper than a second query and its round trip.
            latest = (
                select(station_scores.c.failing_months)
                .where(
                    station_scores.c.station_id == stations.c.id,
                    station_scores.c.period == failing_as_of,
                )
                .order_by(station_scores.c.run_no.desc())
                .limit(1)
                .scalar_subquery()
            )
            columns.append(func.coalesce(latest, 0))
        query = (
            select(*columns)
            .where(stations.c.id.in_(county_station_ids(county_id)))
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
        """One GROUP BY over the ledger: reversals carry negated values."""
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
                le.c.station_id.in_(county_station_ids(county_id)),
            )
            .group_by(le.c.station_id)
        )
        rows = (await self.conn.execute(query)).all()
        return {sid: (int(d), int(u), int(p)) for sid, d, u, p in rows}

    async def failing_months(self, county_id: int, period: str) -> dict[int, int]:
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
                station_scores.c.station_id.in_(county_station_ids(county_id)),
            )
        )
        return dict((await self.conn.execute(query)).all())

    COPY_FROM = COPY_FROM  # a county's month is thousands of rows: COPY on PostgreSQL

    async def write(self, rows: list[ScoreRow]) -> None:
        await insert_new(self.conn, station_scores, rows, copy_from=self.COPY_FROM)

    async def of_month(self, county_id: int, period: str) -> list[StoredScore]:
        query = (
            select(station_scores, stations.c.code)
            .join(stations, stations.c.id == station_scores.c.station_id)
            .where(
                station_scores.c.period == period,
                station_scores.c.station_id.in_(county_station_ids(county_id)),
            )
            .order_by(stations.c.code, station_scores.c.run_no)
        )
        return [StoredScore(**row) for row in (await self.conn.execute(query)).mappings().all()]

    async def set_statuses(self, changes: dict[int, str], now: datetime) -> None:
        if not changes:
            return
        if self.dialect == "postgresql":
            # One statement for thousands of stations: arrays of ids and statuses.
            await self.conn.execute(
                _SET_STATUSES_PG,
                {"ids": list(changes), "statuses": list(changes.values()), "now": now},
            )
            return
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

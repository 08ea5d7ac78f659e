"""Subsidy claims: the claims, their parcels, approved tracking numbers, transitions and
evidence; and the two ledger reads the working needs."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, insert, select, update
from sqlalchemy.orm import aliased

from bot.domain.claims import (
    ClaimEvent,
    ClaimLine,
    ClaimState,
    ClaimView,
    Evidence,
    FundTotal,
    Parcel,
    StatementLine,
)
from bot.domain.ledger import EntryKind
from storage.repositories._county import county_station_ids
from storage.repositories.base import Repo
from storage.schema import (
    approved_parcels,
    claim_events,
    claim_evidence,
    claim_lines,
    claims,
    ledger_entries,
    products,
    stations,
    subsidy_payables,
)

OPEN = (ClaimState.DRAFT.value, ClaimState.SUBMITTED.value, ClaimState.NEEDS_INFO.value)
SPENT = (ClaimState.APPROVED.value, ClaimState.PAID.value)

_evidence_count = (
    select(func.count())
    .where(claim_evidence.c.claim_id == claims.c.id)
    .scalar_subquery()
    .label("evidence_count")
)
_CLAIMS = select(
    claims,
    stations.c.code.label("station_code"),
    stations.c.name.label("station_name"),
    _evidence_count,
).select_from(claims.join(stations, stations.c.id == claims.c.station_id))


def _view(row) -> ClaimView:
    d = row._mapping
    return ClaimView(
        id=d["id"],
        county_id=d["county_id"],
        station_id=d["station_id"],
        station_code=d["station_code"],
        station_name=d["station_name"],
        rule_code=d["rule_code"],
        rule_kind=d["rule_kind"],
        fund=d["fund"],
        period=d["period"],
        state=ClaimState(d["state"]),
        amount_fen=d["amount_fen"],
        working=json.loads(d["working"]),
        flags=json.loads(d["flags"]),
        description=d["description"],
        filed_by=d["filed_by"],
        created_at=d["created_at"],
        updated_at=d["updated_at"],
        decided_by=d["decided_by"],
        payment_ref=d["payment_ref"],
        evidence_count=d["evidence_count"],
    )


def _event(row) -> ClaimEvent:
    d = row._mapping
    return ClaimEvent(
        d["claim_id"],
        d["step"],
        d["state_before"],
        d["state_after"],
        d["reason"],
        d["by_person"],
        d["at"],
    )


class SqlClaimRepo(Repo):
    async def add(self, values: dict[str, Any]) -> int | None:
        row = {
            **values,
            "working": json.dumps(values.get("working", {}), ensure_ascii=False),
            "flags": json.dumps(values.get("flags", [])),
        }
        result = await self.conn.execute(
            self.insert(claims)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["request_key"])
            .returning(claims.c.id)
        )
        return result.scalar_one_or_none()

    async def _one(self, *where) -> ClaimView | None:
        row = (await self.conn.execute(_CLAIMS.where(*where))).first()
        return _view(row) if row else None

    async def by_request_key(self, request_key: str) -> ClaimView | None:
        return await self._one(claims.c.request_key == request_key)

    async def get(self, claim_id: int) -> ClaimView | None:
        return await self._one(claims.c.id == claim_id)

    async def live(self, station_id: int, rule_code: str, period: str) -> ClaimView | None:
        return await self._one(
            claims.c.station_id == station_id,
            claims.c.rule_code == rule_code,
            claims.c.period == period,
            claims.c.state != ClaimState.REJECTED.value,
            claims.c.rule_kind != "other",
        )

    async def listing(
        self,
        county_id: int,
        *,
        states: Iterable[str] | None = None,
        station_id: int | None = None,
        period: str | None = None,
    ) -> list[ClaimView]:
        query = _CLAIMS.where(claims.c.county_id == county_id)
        if states is not None:
            query = query.where(claims.c.state.in_(list(states)))
        if station_id is not None:
            query = query.where(claims.c.station_id == station_id)
        if period is not None:
            query = query.where(claims.c.period == period)
        rows = await self.conn.execute(query.order_by(claims.c.id))
        return [_view(row) for row in rows]

    async def set_state(
        self,
        claim_id: int,
        *,
        expect: str,
        state: str,
        now: datetime,
        decided_by: int | None = None,
        payment_ref: str | None = None,
    ) -> bool:
        values: dict[str, Any] = {"state": state, "updated_at": now}
        if decided_by is not None:
            values["decided_by"] = decided_by
        if payment_ref is not None:
            values["payment_ref"] = payment_ref
        result = await self.conn.execute(
            update(claims).where(claims.c.id == claim_id, claims.c.state == expect).values(**values)
        )
        return result.rowcount == 1

    async def add_event(self, values: dict[str, Any]) -> bool:
        result = await self.conn.execute(
            self.insert(claim_events)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["request_key"])
        )
        return result.rowcount == 1

    async def event_by_key(self, request_key: str) -> ClaimEvent | None:
        query = select(claim_events).where(claim_events.c.request_key == request_key)
        row = (await self.conn.execute(query)).first()
        return _event(row) if row else None

    async def events(self, claim_id: int) -> list[ClaimEvent]:
        query = (
            select(claim_events)
            .where(claim_events.c.claim_id == claim_id)
            .order_by(claim_events.c.id)
        )
        return [_event(row) for row in await self.conn.execute(query)]

    async def add_lines(self, lines: list[ClaimLine]) -> None:
        if lines:
            await self.conn.execute(
                insert(claim_lines),
                [
                    {
                        "claim_id": line.claim_id,
                        "entry_id": line.entry_id,
                        "tracking_no": line.tracking_no,
                        "amount_fen": line.amount_fen,
                    }
                    for line in lines
                ],
            )

    async def lines(self, claim_id: int) -> list[ClaimLine]:
        query = (
            select(claim_lines)
            .where(claim_lines.c.claim_id == claim_id)
            .order_by(claim_lines.c.entry_id)
        )
        rows = (await self.conn.execute(query)).mappings()
        return [ClaimLine(**row) for row in rows]

    async def approve_lines(self, claim_id: int) -> None:
        # A plain INSERT … SELECT: a tracking number approved elsewhere violates the
        # primary key and the whole approval rolls back.
        await self.conn.execute(
            insert(approved_parcels).from_select(
                ["tracking_no", "claim_id", "entry_id"],
                select(
                    claim_lines.c.tracking_no, claim_lines.c.claim_id, claim_lines.c.entry_id
                ).where(claim_lines.c.claim_id == claim_id, claim_lines.c.amount_fen > 0),
            )
        )

    async def approved_owners(self, tracking_nos: Iterable[str]) -> dict[str, int]:
        wanted = list(set(tracking_nos))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            query = select(approved_parcels.c.tracking_no, approved_parcels.c.claim_id).where(
                approved_parcels.c.tracking_no.in_(wanted[start : start + 500])
            )
            found.update({row[0]: row[1] for row in await self.conn.execute(query)})
        return found

    async def open_owners(self, tracking_nos: Iterable[str], exclude: int) -> dict[str, int]:
        wanted = list(set(tracking_nos))
        found: dict[str, int] = {}
        for start in range(0, len(wanted), 500):
            query = (
                select(claim_lines.c.tracking_no, claim_lines.c.claim_id)
                .select_from(claim_lines.join(claims, claims.c.id == claim_lines.c.claim_id))
                .where(
                    claim_lines.c.tracking_no.in_(wanted[start : start + 500]),
                    claims.c.state.in_(OPEN),
                    claims.c.id != exclude,
                )
            )
            found.update({row[0]: row[1] for row in await self.conn.execute(query)})
        return found

    async def approved_claim_of_entry(self, entry_id: int) -> int | None:
        query = select(approved_parcels.c.claim_id).where(approved_parcels.c.entry_id == entry_id)
        return (await self.conn.execute(query)).scalars().first()

    async def add_evidence(self, values: dict[str, Any]) -> int | None:
        result = await self.conn.execute(
            self.insert(claim_evidence)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(claim_evidence.c.id)
        )
        return result.scalar_one_or_none()

    async def evidence(self, claim_id: int) -> list[Evidence]:
        query = (
            select(claim_evidence)
            .where(claim_evidence.c.claim_id == claim_id)
            .order_by(claim_evidence.c.id)
        )
        rows = (await self.conn.execute(query)).mappings()
        return [Evidence(**{k: v for k, v in row.items() if k != "request_key"}) for row in rows]

    async def claims_with_image(self, sha256: str, exclude: int) -> list[int]:
        query = (
            select(claim_evidence.c.claim_id)
            .where(claim_evidence.c.sha256 == sha256, claim_evidence.c.claim_id != exclude)
            .distinct()
            .order_by(claim_evidence.c.claim_id)
        )
        return list((await self.conn.execute(query)).scalars())

    async def spent_fen(self, county_id: int, rule_code: str, year: int) -> int:
        query = select(func.coalesce(func.sum(claims.c.amount_fen), 0)).where(
            claims.c.county_id == county_id,
            claims.c.rule_code == rule_code,
            claims.c.state.in_(SPENT),
            claims.c.period.like(f"{year:04d}-%"),
        )
        return int((await self.conn.execute(query)).scalar_one())

    async def upstream_parcels(self, station_id: int, period: str) -> list[Parcel]:
        le = ledger_entries
        reversal = aliased(le, name="reversal")
        query = (
            select(
                le.c.id,
                le.c.tracking_no,
                products.c.name,
                le.c.weight_g,
                reversal.c.id.label("reversed_by"),
                le.c.recorded_at,
                le.c.occurred_at,
                le.c.phone_last4,
            )
            .select_from(
                le.outerjoin(products, products.c.id == le.c.product_id).outerjoin(
                    reversal, reversal.c.reverses_id == le.c.id
                )
            )
            .where(
                le.c.station_id == station_id,
                le.c.period == period,
                le.c.kind == EntryKind.UPSTREAM_SHIPMENT.value,
                le.c.reverses_id.is_(None),
            )
            .order_by(le.c.id)
        )
        return [
            Parcel(r[0], r[1] or "", r[2], r[3], r[4] is not None, r[5], r[6], r[7])
            for r in await self.conn.execute(query)
        ]

    async def upstream_counts(self, station_id: int, periods: list[str]) -> list[int]:
        le = ledger_entries
        query = (
            select(le.c.period, func.coalesce(func.sum(le.c.parcel_count), 0))
            .where(
                and_(
                    le.c.station_id == station_id,
                    le.c.period.in_(periods),
                    le.c.kind == EntryKind.UPSTREAM_SHIPMENT.value,
                )
            )
            .group_by(le.c.period)
        )
        found = {row[0]: int(row[1]) for row in await self.conn.execute(query)}
        return [found.get(period, 0) for period in periods]

    async def statement_lines(
        self, county_id: int, period: str, station_id: int | None = None
    ) -> AsyncIterator[StatementLine]:
        le = ledger_entries
        query = (
            select(
                claim_lines.c.claim_id,
                stations.c.code,
                claim_lines.c.entry_id,
                claim_lines.c.tracking_no,
                products.c.name,
                le.c.weight_g,
                le.c.occurred_at,
                claim_lines.c.amount_fen,
            )
            .select_from(
                claim_lines.join(claims, claims.c.id == claim_lines.c.claim_id)
                .join(stations, stations.c.id == claims.c.station_id)
                .join(le, le.c.id == claim_lines.c.entry_id)
                .outerjoin(products, products.c.id == le.c.product_id)
            )
            .where(
                claims.c.county_id == county_id,
                claims.c.period == period,
                claims.c.state.in_(SPENT),
                claim_lines.c.amount_fen > 0,
            )
            .order_by(claim_lines.c.claim_id, claim_lines.c.entry_id)
        )
        if station_id is not None:
            query = query.where(claims.c.station_id == station_id)
        # A server-side cursor: rows reach the writer as they come, memory stays flat.
        result = await self.conn.stream(query.execution_options(yield_per=5000))
        # A batch per await, not a row: each await is a thread hop on SQLite.
        async for rows in result.partitions():
            for row in rows:
                yield StatementLine(*row)

    async def add_payable(
        self, claim_id: int, county_id: int, fund: str, amount_fen: int, now: datetime
    ) -> None:
        await self.conn.execute(
            insert(subsidy_payables).values(
                claim_id=claim_id,
                county_id=county_id,
                fund=fund,
                amount_fen=amount_fen,
                payable_at=now,
            )
        )

    async def settle_payable(self, claim_id: int, payment_ref: str, now: datetime) -> bool:
        done = await self.conn.execute(
            update(subsidy_payables)
            .where(subsidy_payables.c.claim_id == claim_id, subsidy_payables.c.settled_at.is_(None))
            .values(settled_at=now, payment_ref=payment_ref)
        )
        return done.rowcount == 1

    async def fund_totals(self, county_id: int) -> list[FundTotal]:
        p = subsidy_payables
        settled = p.c.settled_at.is_not(None)
        query = (
            select(
                p.c.fund,
                func.count(p.c.claim_id).filter(~settled),
                func.coalesce(func.sum(p.c.amount_fen).filter(~settled), 0),
                func.count(p.c.claim_id).filter(settled),
                func.coalesce(func.sum(p.c.amount_fen).filter(settled), 0),
            )
            .where(p.c.county_id == county_id)
            .group_by(p.c.fund)
            .order_by(p.c.fund)
        )
        return [FundTotal(row[0], *map(int, row[1:])) for row in await self.conn.execute(query)]

    async def county_parcel_counts(
        self, county_id: int, period: str, eligible: frozenset[str], min_weight_g: int
    ) -> list[tuple[int, int, int]]:
        le = ledger_entries
        reversal = aliased(le, name="reversal")
        counts = and_(
            reversal.c.id.is_(None),
            products.c.name.in_(sorted(eligible)),
            func.coalesce(le.c.weight_g, 0) >= min_weight_g,
            approved_parcels.c.tracking_no.is_(None),
        )
        query = (
            select(
                le.c.station_id,
                func.count(),
                # Each tracking number once, as the working's `seen`: a repeat never counts.
                func.count(func.distinct(case((counts, func.coalesce(le.c.tracking_no, ""))))),
            )
            .select_from(
                le.outerjoin(products, products.c.id == le.c.product_id)
                .outerjoin(reversal, reversal.c.reverses_id == le.c.id)
                .outerjoin(approved_parcels, approved_parcels.c.tracking_no == le.c.tracking_no)
            )
            .where(
                le.c.period == period,
                le.c.kind == EntryKind.UPSTREAM_SHIPMENT.value,
                le.c.reverses_id.is_(None),
                le.c.station_id.in_(county_station_ids(county_id)),
            )
            .group_by(le.c.station_id)
            .order_by(le.c.station_id)
        )
        rows = (await self.conn.execute(query)).all()
        return [(station, parcels, counted) for station, parcels, counted in rows]

    async def county_upstream_parcels(
        self, county_id: int, period: str
    ) -> AsyncIterator[tuple[int, Parcel, int | None]]:
        le = ledger_entries
        reversal = aliased(le, name="reversal")
        query = (
            select(
                le.c.station_id,
                le.c.id,
                le.c.tracking_no,
                products.c.name,
                le.c.weight_g,
                reversal.c.id,
                le.c.recorded_at,
                le.c.occurred_at,
                le.c.phone_last4,
                approved_parcels.c.claim_id,
            )
            .select_from(
                le.outerjoin(products, products.c.id == le.c.product_id)
                .outerjoin(reversal, reversal.c.reverses_id == le.c.id)
                .outerjoin(approved_parcels, approved_parcels.c.tracking_no == le.c.tracking_no)
            )
            .where(
                le.c.period == period,
                le.c.kind == EntryKind.UPSTREAM_SHIPMENT.value,
                le.c.reverses_id.is_(None),
                le.c.station_id.in_(county_station_ids(county_id)),
            )
            .order_by(le.c.station_id, le.c.id)
        )
        result = await self.conn.stream(query.execution_options(yield_per=5000))
        async for rows in result.partitions():
            for r in rows:
                parcel = Parcel(r[1], r[2] or "", r[3], r[4], r[5] is not None, r[6], r[7], r[8])
                yield r[0], parcel, r[9]

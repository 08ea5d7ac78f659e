"""Ledger rows: append-only entries, plus the parcel and tracking-number indexes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, case, delete, func, select, update
from sqlalchemy.orm import aliased

from bot.domain.ledger import EntryKind, EntryView, ParcelView
from bot.domain.unit_prices import PastSale
from storage.repositories.base import Repo, per_dialect, prebuilt
from storage.schema import (
    ledger_entries as le,
)
from storage.schema import (
    parcels,
    pickup_sequences,
    products,
    tracking_claims,
)

# The four writes of every parcel intake, built once (storage/repositories/base.py says
# why); an INSERT without .values() takes its columns from the parameters dict.
_ADD_ENTRY = per_dialect(
    lambda insert: (
        insert(le).on_conflict_do_nothing(index_elements=["request_key"]).returning(le.c.id)
    )
)
_CLAIM_TRACKING = per_dialect(lambda insert: insert(tracking_claims).on_conflict_do_nothing())
_NEXT_PICKUP_SEQ = per_dialect(
    lambda insert: (
        insert(pickup_sequences)
        .values(station_id=bindparam("key_station"), last_seq=0)
        .on_conflict_do_update(
            index_elements=["station_id"], set_={"last_seq": pickup_sequences.c.last_seq + 1}
        )
        .returning(pickup_sequences.c.last_seq)
    )
)
_ADD_PARCEL = prebuilt(parcels.insert())

_reversal = aliased(le, name="reversal")
_entry_columns = (*le.c, products.c.name.label("product"), _reversal.c.id.label("reversed_by_id"))
_entry_from = le.outerjoin(products, products.c.id == le.c.product_id).outerjoin(
    _reversal, _reversal.c.reverses_id == le.c.id
)


# A parcel on the shelf with what its intake entry says (ParcelView's fields, in order).
_PARCELS = select(
    parcels.c.entry_id,
    parcels.c.pickup_code,
    le.c.tracking_no,
    le.c.recipient_name,
    parcels.c.phone_last4,
    parcels.c.status,
    parcels.c.arrived_at,
    parcels.c.closed_by_id,
).select_from(parcels.join(le, le.c.id == parcels.c.entry_id))


def _view(row) -> EntryView:
    data = row._mapping
    return EntryView(
        id=data["id"],
        station_id=data["station_id"],
        kind=EntryKind(data["kind"]),
        period=data["period"],
        occurred_at=data["occurred_at"],
        recorded_by=data["recorded_by"],
        amount_fen=data["amount_fen"],
        fee_fen=data["fee_fen"],
        parcel_count=data["parcel_count"],
        tracking_no=data["tracking_no"],
        carrier=data["carrier"],
        product=data["product"],
        quantity_milli=data["quantity_milli"],
        unit=data["unit"],
        weight_g=data["weight_g"],
        channel=data["channel"],
        service_kind=data["service_kind"],
        item=data["item"],
        recipient_name=data["recipient_name"],
        phone_last4=data["phone_last4"],
        pickup_code=data["pickup_code"],
        notified=data["notified"],
        refers_to_id=data["refers_to_id"],
        reverses_id=data["reverses_id"],
        reason=data["reason"],
        reversed_by_id=data["reversed_by_id"],
        recorded_at=data["recorded_at"],
    )


def _matching(code: str | None, phone_last4: str | None, name: str | None) -> list:
    conditions = []
    if code is not None:
        conditions.append(parcels.c.pickup_code == code)
    if phone_last4 is not None:
        conditions.append(parcels.c.phone_last4 == phone_last4)
    if name is not None:
        # Part of the name (张 finds 张三); LIKE's own wildcards in a name are literal.
        conditions.append(le.c.recipient_name.contains(name, autoescape=True))
    return conditions


class SqlLedgerRepo(Repo):
    async def add_entry(self, values: dict[str, Any]) -> int | None:
        """The new entry's id; None when its request_key was already used (a retry)."""
        return (await self.conn.execute(self.prepared(_ADD_ENTRY), values)).scalar_one_or_none()

    async def entry_by_request_key(self, request_key: str) -> EntryView | None:
        query = (
            select(*_entry_columns).select_from(_entry_from).where(le.c.request_key == request_key)
        )
        row = (await self.conn.execute(query)).first()
        return _view(row) if row else None

    async def entry(self, entry_id: int) -> EntryView | None:
        query = select(*_entry_columns).select_from(_entry_from).where(le.c.id == entry_id)
        row = (await self.conn.execute(query)).first()
        return _view(row) if row else None

    async def related(self, entry_id: int) -> list[EntryView]:
        """Entries that point at this one: its reversal, a pickup or return of a parcel."""
        query = (
            select(*_entry_columns)
            .select_from(_entry_from)
            .where((le.c.reverses_id == entry_id) | (le.c.refers_to_id == entry_id))
            .order_by(le.c.id)
        )
        return [_view(row) for row in (await self.conn.execute(query)).all()]

    async def recent(self, station_id: int, limit: int = 10) -> list[EntryView]:
        query = (
            select(*_entry_columns)
            .select_from(_entry_from)
            .where(le.c.station_id == station_id, le.c.reverses_id.is_(None))
            .order_by(le.c.id.desc())
            .limit(limit)
        )
        return [_view(row) for row in (await self.conn.execute(query)).all()]

    # --- tracking numbers -------------------------------------------------------------

    async def claim_tracking(
        self, station_id: int, direction: str, tracking_no: str, entry_id: int
    ) -> bool:
        params = {
            "station_id": station_id,
            "direction": direction,
            "tracking_no": tracking_no,
            "entry_id": entry_id,
        }
        return (await self.conn.execute(self.prepared(_CLAIM_TRACKING), params)).rowcount == 1

    async def tracked_entry(
        self, station_id: int, direction: str, tracking_no: str
    ) -> EntryView | None:
        query = select(tracking_claims.c.entry_id).where(
            tracking_claims.c.station_id == station_id,
            tracking_claims.c.direction == direction,
            tracking_claims.c.tracking_no == tracking_no,
        )
        entry_id = (await self.conn.execute(query)).scalar_one_or_none()
        return await self.entry(entry_id) if entry_id is not None else None

    async def release_tracking(self, entry_id: int) -> None:
        await self.conn.execute(
            delete(tracking_claims).where(tracking_claims.c.entry_id == entry_id)
        )

    # --- parcels ----------------------------------------------------------------------

    async def next_pickup_seq(self, station_id: int) -> int:
        """A per-station counter; the caller skips codes still on the shelf."""
        statement = self.prepared(_NEXT_PICKUP_SEQ)
        return (await self.conn.execute(statement, {"key_station": station_id})).scalar_one()

    async def code_on_shelf(self, station_id: int, code: str) -> bool:
        query = select(parcels.c.entry_id).where(
            parcels.c.station_id == station_id,
            parcels.c.pickup_code == code,
            parcels.c.status == "waiting",
        )
        return (await self.conn.execute(query)).first() is not None

    async def add_parcel(
        self,
        entry_id: int,
        station_id: int,
        code: str,
        phone_last4: str | None,
        arrived_at: datetime,
    ) -> None:
        await self.conn.execute(
            _ADD_PARCEL,
            {
                "entry_id": entry_id,
                "station_id": station_id,
                "pickup_code": code,
                "phone_last4": phone_last4,
                "status": "waiting",
                "arrived_at": arrived_at,
            },
        )

    async def waiting_parcels(
        self,
        station_id: int,
        *,
        code: str | None = None,
        phone_last4: str | None = None,
        name: str | None = None,
        older_than: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[ParcelView]:
        conditions = [
            parcels.c.station_id == station_id,
            parcels.c.status == "waiting",
            *_matching(code, phone_last4, name),
        ]
        if older_than is not None:
            conditions.append(parcels.c.arrived_at < older_than)
        query = (
            _PARCELS.where(*conditions)
            .order_by(parcels.c.arrived_at, parcels.c.entry_id)
            .limit(limit)
            .offset(offset)
        )
        return [ParcelView(*row) for row in (await self.conn.execute(query)).all()]

    async def closed_parcels(
        self,
        station_id: int,
        *,
        code: str | None = None,
        phone_last4: str | None = None,
        name: str | None = None,
        limit: int = 5,
    ) -> list[ParcelView]:
        query = (
            _PARCELS.where(
                parcels.c.station_id == station_id,
                parcels.c.status.in_(("picked_up", "returned")),
                *_matching(code, phone_last4, name),
            )
            .order_by(parcels.c.arrived_at.desc(), parcels.c.entry_id.desc())
            .limit(limit)
        )
        return [ParcelView(*row) for row in (await self.conn.execute(query)).all()]

    async def parcel(self, entry_id: int) -> ParcelView | None:
        query = _PARCELS.where(parcels.c.entry_id == entry_id)
        row = (await self.conn.execute(query)).first()
        return ParcelView(*row) if row else None

    async def set_parcel_status(
        self, entry_id: int, *, expect: str, status: str, closed_by_id: int | None
    ) -> bool:
        """Compare-and-set: True only for the caller that moved it from `expect`."""
        result = await self.conn.execute(
            update(parcels)
            .where(parcels.c.entry_id == entry_id, parcels.c.status == expect)
            .values(status=status, closed_by_id=closed_by_id)
        )
        return result.rowcount == 1

    async def waiting_count(self, station_id: int) -> int:
        query = select(func.count()).where(
            parcels.c.station_id == station_id, parcels.c.status == "waiting"
        )
        return (await self.conn.execute(query)).scalar_one()

    # --- metrics ----------------------------------------------------------------------

    async def period_totals(
        self, station_id: int, period: str
    ) -> dict[EntryKind, tuple[int, int, int]]:
        """{kind: (amount_fen, fee_fen, parcel_count)} for one station and month; reversals
        carry negated values, so plain sums are net of corrections."""
        query = (
            select(
                le.c.kind,
                func.coalesce(func.sum(le.c.amount_fen), 0),
                func.coalesce(func.sum(le.c.fee_fen), 0),
                func.coalesce(func.sum(le.c.parcel_count), 0),
            )
            .where(le.c.station_id == station_id, le.c.period == period)
            .group_by(le.c.kind)
        )
        rows = (await self.conn.execute(query)).all()
        return {EntryKind(kind): (int(a), int(f), int(p)) for kind, a, f, p in rows}

    async def entry_counts(self, station_id: int, period: str) -> dict[EntryKind, int]:
        """Live (not reversed) entries per kind."""
        query = (
            select(le.c.kind, func.sum(case((le.c.reverses_id.is_(None), 1), else_=-1)))
            .where(le.c.station_id == station_id, le.c.period == period)
            .group_by(le.c.kind)
        )
        return {EntryKind(k): int(n) for k, n in (await self.conn.execute(query)).all()}

    # --- products ---------------------------------------------------------------------

    async def product_id(self, county_id: int, name: str) -> int | None:
        query = select(products.c.id).where(
            and_(products.c.county_id == county_id, products.c.name == name)
        )
        return (await self.conn.execute(query)).scalar_one_or_none()

    async def add_product(
        self, county_id: int, name: str, created_by: int | None, now: datetime
    ) -> int:
        statement = (
            self.insert(products)
            .values(county_id=county_id, name=name, created_by=created_by, created_at=now)
            .on_conflict_do_nothing()
        )
        await self.conn.execute(statement)
        product = await self.product_id(county_id, name)
        assert product is not None
        return product

    async def products(self, county_id: int) -> list[str]:
        query = (
            select(products.c.name).where(products.c.county_id == county_id).order_by(products.c.id)
        )
        return list((await self.conn.execute(query)).scalars())

    # --- the counter: plausibility from history (issue 9) -----------------------------

    async def past_sales(
        self, product_id: int, *, station_id: int | None = None, limit: int = 50
    ) -> list[PastSale]:
        reversal = aliased(le, name="later_reversal")
        query = (
            select(le.c.amount_fen, le.c.quantity_milli, le.c.unit)
            .where(
                le.c.product_id == product_id,
                le.c.kind == EntryKind.UPSTREAM_SALE.value,
                # A reversal row carries the negated amount: this leaves it out. (Written
                # as `reverses_id IS NULL`, SQLite walks the unique index on reverses_id,
                # every row of the ledger, instead of the product's index.)
                le.c.amount_fen > 0,
                le.c.quantity_milli.is_not(None),
                ~select(reversal.c.id).where(reversal.c.reverses_id == le.c.id).exists(),
            )
            .order_by(le.c.id.desc())
            .limit(limit)
        )
        if station_id is not None:
            query = query.where(le.c.station_id == station_id)
        rows = (await self.conn.execute(query)).all()
        return [PastSale(amount, quantity, unit) for amount, quantity, unit in rows]

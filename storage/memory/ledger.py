"""`LedgerRepo` in memory: append-only entries with unique request keys, tracking-number
claims, the parcel shelf as a compare-and-set projection, per-station pickup counters."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.domain.ledger import EntryKind, EntryView, ParcelView
from bot.domain.unit_prices import PastSale
from storage.memory.rows import Entry, Parcel, Product, build
from storage.memory.state import IntegrityError, Transaction, utc

WAITING = "waiting"
_ENTRY_REFERENCES = (
    ("stations", "station_id"),
    ("people", "recorded_by"),
    ("products", "product_id"),
    ("ledger_entries", "refers_to_id"),
    ("ledger_entries", "reverses_id"),
)


class MemoryLedgerRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def _view(self, row: Entry) -> EntryView:
        product = self.tx.get("products", row.product_id) if row.product_id else None
        reversal = self.tx.first("ledger_entries", lambda e: e.reverses_id == row.id)
        return EntryView(
            id=row.id,
            station_id=row.station_id,
            kind=EntryKind(row.kind),
            period=row.period,
            occurred_at=row.occurred_at,
            recorded_by=row.recorded_by,
            amount_fen=row.amount_fen,
            fee_fen=row.fee_fen,
            parcel_count=row.parcel_count,
            tracking_no=row.tracking_no,
            carrier=row.carrier,
            product=product.name if product else None,
            quantity_milli=row.quantity_milli,
            unit=row.unit,
            weight_g=row.weight_g,
            channel=row.channel,
            service_kind=row.service_kind,
            item=row.item,
            recipient_name=row.recipient_name,
            phone_last4=row.phone_last4,
            pickup_code=row.pickup_code,
            notified=row.notified,
            refers_to_id=row.refers_to_id,
            reverses_id=row.reverses_id,
            reason=row.reason,
            reversed_by_id=reversal.id if reversal else None,
            recorded_at=row.recorded_at,
        )

    def _entries(self, where) -> list[Entry]:
        return [e for e in self.tx.rows("ledger_entries") if where(e)]

    async def add_entry(self, values: dict[str, Any]) -> int | None:
        key = values.get("request_key")
        if key is not None and self._entries(lambda e: e.request_key == key):
            return None  # ON CONFLICT (request_key) DO NOTHING: a retry
        reverses = values.get("reverses_id")
        if reverses is not None:  # uq_ledger_reverses: an entry is reversed at most once
            self.tx.unique("ledger_entries", lambda e: e.reverses_id == reverses, "reverses_id")
        for table, column in _ENTRY_REFERENCES:
            self.tx.references(table, values.get(column), f"ledger_entries.{column}")
        if values.get("station_id") is None:
            raise IntegrityError("ledger_entries.station_id is NOT NULL")
        entry_id = self.tx.next_id("ledger_entries")
        self.tx.insert("ledger_entries", entry_id, build(Entry, {**values, "id": entry_id}))
        return entry_id

    async def entry_by_request_key(self, request_key: str) -> EntryView | None:
        found = self._entries(lambda e: e.request_key == request_key)
        return self._view(found[0]) if found else None

    async def entry(self, entry_id: int) -> EntryView | None:
        row = self.tx.get("ledger_entries", entry_id)
        return self._view(row) if row else None

    async def related(self, entry_id: int) -> list[EntryView]:
        """Entries that point at this one: its reversal, a pickup or return of a parcel."""
        found = self._entries(lambda e: entry_id in (e.reverses_id, e.refers_to_id))
        return [self._view(e) for e in found]

    async def recent(self, station_id: int, limit: int = 10) -> list[EntryView]:
        found = self._entries(lambda e: e.station_id == station_id and e.reverses_id is None)
        return [self._view(e) for e in reversed(found)][:limit]

    # --- tracking numbers -------------------------------------------------------------

    async def claim_tracking(
        self, station_id: int, direction: str, tracking_no: str, entry_id: int
    ) -> bool:
        key = (station_id, direction, tracking_no)
        if key in self.tx.read("tracking_claims"):
            return False
        self.tx.references("ledger_entries", entry_id, "tracking_claims.entry_id")
        self.tx.write("tracking_claims")[key] = entry_id
        return True

    async def tracked_entry(
        self, station_id: int, direction: str, tracking_no: str
    ) -> EntryView | None:
        entry_id = self.tx.get("tracking_claims", (station_id, direction, tracking_no))
        return await self.entry(entry_id) if entry_id is not None else None

    async def release_tracking(self, entry_id: int) -> None:
        claims = self.tx.read("tracking_claims")
        keys = [key for key, claimed in claims.items() if claimed == entry_id]
        if keys:
            claims = self.tx.write("tracking_claims")
            for key in keys:
                del claims[key]

    # --- parcels ----------------------------------------------------------------------

    async def next_pickup_seq(self, station_id: int) -> int:
        """0 on first use, then one more each call (the SQL upsert's RETURNING)."""
        last = self.tx.get("pickup_sequences", station_id)
        seq = 0 if last is None else last + 1
        self.tx.write("pickup_sequences")[station_id] = seq
        return seq

    def _parcels(self, where) -> list[Parcel]:
        return [p for p in self.tx.rows("parcels") if where(p)]

    async def code_on_shelf(self, station_id: int, code: str) -> bool:
        return bool(
            self._parcels(
                lambda p: (p.station_id, p.pickup_code, p.status) == (station_id, code, WAITING)
            )
        )

    async def add_parcel(
        self,
        entry_id: int,
        station_id: int,
        code: str,
        phone_last4: str | None,
        arrived_at: datetime,
    ) -> None:
        self.tx.references("ledger_entries", entry_id, "parcels.entry_id")
        self.tx.references("stations", station_id, "parcels.station_id")
        # uq_parcels_waiting_code: one waiting parcel per code and station.
        if await self.code_on_shelf(station_id, code):
            raise IntegrityError(f"parcels: {code} is on the shelf of station {station_id}")
        row = build(
            Parcel,
            {
                "entry_id": entry_id,
                "station_id": station_id,
                "pickup_code": code,
                "phone_last4": phone_last4,
                "status": WAITING,
                "arrived_at": arrived_at,
            },
        )
        self.tx.insert("parcels", entry_id, row)

    def _parcel_view(self, row: Parcel) -> ParcelView:
        entry = self.tx.get("ledger_entries", row.entry_id)
        return ParcelView(
            row.entry_id,
            row.pickup_code,
            entry.tracking_no,
            entry.recipient_name,
            row.phone_last4,
            row.status,
            row.arrived_at,
            row.closed_by_id,
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
        older_than = utc(older_than)
        found = self._parcels(
            lambda p: (
                p.station_id == station_id
                and p.status == WAITING
                and self._matches(p, code, phone_last4, name)
                and (older_than is None or p.arrived_at < older_than)
            )
        )
        found.sort(key=lambda p: (p.arrived_at, p.entry_id))
        return [self._parcel_view(p) for p in found[offset : offset + limit]]

    def _matches(self, p: Parcel, code, phone_last4, name) -> bool:
        if code not in (None, p.pickup_code) or phone_last4 not in (None, p.phone_last4):
            return False
        if name is None:
            return True
        return name in (self.tx.get("ledger_entries", p.entry_id).recipient_name or "")

    async def closed_parcels(
        self,
        station_id: int,
        *,
        code: str | None = None,
        phone_last4: str | None = None,
        name: str | None = None,
        limit: int = 5,
    ) -> list[ParcelView]:
        found = self._parcels(
            lambda p: (
                p.station_id == station_id
                and p.status in ("picked_up", "returned")
                and self._matches(p, code, phone_last4, name)
            )
        )
        found.sort(key=lambda p: (p.arrived_at, p.entry_id), reverse=True)
        return [self._parcel_view(p) for p in found[:limit]]

    async def parcel(self, entry_id: int) -> ParcelView | None:
        row = self.tx.get("parcels", entry_id)
        return self._parcel_view(row) if row else None

    async def set_parcel_status(
        self, entry_id: int, *, expect: str, status: str, closed_by_id: int | None
    ) -> bool:
        """Compare-and-set: True only for the caller that moved it from `expect`."""
        row = self.tx.get("parcels", entry_id)
        if row is None or row.status != expect:
            return False
        back = status == WAITING and expect != WAITING
        if back and await self.code_on_shelf(row.station_id, row.pickup_code):
            raise IntegrityError(f"parcels: {row.pickup_code} is on the shelf again")
        self.tx.references("ledger_entries", closed_by_id, "parcels.closed_by_id")
        self.tx.write("parcels")[entry_id] = replace(row, status=status, closed_by_id=closed_by_id)
        return True

    async def waiting_count(self, station_id: int) -> int:
        return len(self._parcels(lambda p: p.station_id == station_id and p.status == WAITING))

    # --- metrics ----------------------------------------------------------------------

    def _month(self, station_id: int, period: str) -> list[Entry]:
        return self._entries(lambda e: e.station_id == station_id and e.period == period)

    async def period_totals(
        self, station_id: int, period: str
    ) -> dict[EntryKind, tuple[int, int, int]]:
        """{kind: (amount_fen, fee_fen, parcel_count)}; reversals carry negated values, so
        plain sums are net of corrections."""
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for e in self._month(station_id, period):
            total = totals[e.kind]
            total[0] += e.amount_fen
            total[1] += e.fee_fen
            total[2] += e.parcel_count
        return {EntryKind(kind): (a, f, p) for kind, (a, f, p) in totals.items()}

    async def entry_counts(self, station_id: int, period: str) -> dict[EntryKind, int]:
        """Live (not reversed) entries per kind."""
        counts: dict[str, int] = defaultdict(int)
        for e in self._month(station_id, period):
            counts[e.kind] += 1 if e.reverses_id is None else -1
        return {EntryKind(kind): n for kind, n in counts.items()}

    # --- products ---------------------------------------------------------------------

    async def product_id(self, county_id: int, name: str) -> int | None:
        row = self.tx.first("products", lambda p: (p.county_id, p.name) == (county_id, name))
        return row.id if row else None

    async def add_product(
        self, county_id: int, name: str, created_by: int | None, now: datetime
    ) -> int:
        found = await self.product_id(county_id, name)
        if found is not None:  # ON CONFLICT DO NOTHING, then the look-up
            return found
        self.tx.references("counties", county_id, "products.county_id")
        self.tx.references("people", created_by, "products.created_by")
        product_id = self.tx.next_id("products")
        row = build(
            Product,
            {
                "id": product_id,
                "county_id": county_id,
                "name": name,
                "created_by": created_by,
                "created_at": now,
            },
        )
        self.tx.insert("products", product_id, row)
        return product_id

    async def products(self, county_id: int) -> list[str]:
        return [p.name for p in self.tx.rows("products") if p.county_id == county_id]

    # --- the counter: plausibility from history (issue 9) -----------------------------

    async def past_sales(
        self, product_id: int, *, station_id: int | None = None, limit: int = 50
    ) -> list[PastSale]:
        reversed_ids = {e.reverses_id for e in self._entries(lambda e: e.reverses_id)}
        found = self._entries(
            lambda e: (
                e.product_id == product_id
                and e.kind == EntryKind.UPSTREAM_SALE.value
                and e.reverses_id is None
                and e.quantity_milli is not None
                and e.id not in reversed_ids
                and (station_id is None or e.station_id == station_id)
            )
        )
        return [PastSale(e.amount_fen, e.quantity_milli, e.unit) for e in reversed(found)][:limit]

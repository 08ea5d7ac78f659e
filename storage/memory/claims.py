"""`ClaimRepo` in memory: claims, their parcels, approved tracking numbers (one approved
claim per tracking number, refused like the SQL primary key), transitions, evidence."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Any

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
from storage.memory.rows import build
from storage.memory.state import IntegrityError, Transaction, utc_now

OPEN = (ClaimState.DRAFT.value, ClaimState.SUBMITTED.value, ClaimState.NEEDS_INFO.value)
SPENT = (ClaimState.APPROVED.value, ClaimState.PAID.value)


@dataclass(frozen=True)
class ClaimRow:
    id: int
    county_id: int
    station_id: int
    rule_code: str
    rule_kind: str
    fund: str
    period: str
    state: str
    amount_fen: int
    policy_version: int
    created_at: datetime
    updated_at: datetime
    request_key: str
    working: str = "{}"
    flags: str = "[]"
    description: str | None = None
    filed_by: int | None = None
    decided_by: int | None = None
    payment_ref: str | None = None


@dataclass(frozen=True)
class EventRow:
    id: int
    claim_id: int
    step: str
    state_after: str
    by_person: int | None
    at: datetime
    request_key: str
    state_before: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class EvidenceRow:
    id: int
    claim_id: int
    sha256: str
    size: int
    path: str
    sent_at: datetime
    request_key: str
    media_type: str | None = None
    sent_by: int | None = None


@dataclass(frozen=True)
class PayableRow:
    claim_id: int
    county_id: int
    fund: str
    amount_fen: int
    payable_at: datetime
    settled_at: datetime | None = None
    payment_ref: str | None = None


class MemoryClaimRepo:
    def __init__(self, tx: Transaction) -> None:
        self.tx = tx

    def _view(self, row: ClaimRow) -> ClaimView:
        station = self.tx.get("stations", row.station_id)
        evidence = sum(1 for e in self.tx.rows("claim_evidence") if e.claim_id == row.id)
        return ClaimView(
            id=row.id,
            county_id=row.county_id,
            station_id=row.station_id,
            station_code=station.code,
            station_name=station.name,
            rule_code=row.rule_code,
            rule_kind=row.rule_kind,
            fund=row.fund,
            period=row.period,
            state=ClaimState(row.state),
            amount_fen=row.amount_fen,
            working=json.loads(row.working),
            flags=json.loads(row.flags),
            description=row.description,
            filed_by=row.filed_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
            decided_by=row.decided_by,
            payment_ref=row.payment_ref,
            evidence_count=evidence,
        )

    def _live(self, row: ClaimRow, station_id: int, rule_code: str, period: str) -> bool:
        return (
            (row.station_id, row.rule_code, row.period) == (station_id, rule_code, period)
            and row.state != ClaimState.REJECTED.value
            and row.rule_kind != "other"
        )

    async def add(self, values: dict[str, Any]) -> int | None:
        key = values["request_key"]
        if self.tx.first("claims", lambda c: c.request_key == key):
            return None
        if values.get("rule_kind") != "other" and values.get("state") != "rejected":
            self.tx.unique(
                "claims",
                lambda c: self._live(
                    c, values["station_id"], values["rule_code"], values["period"]
                ),
                "uq_claims_live",
            )
        self.tx.references("counties", values["county_id"], "claims.county_id")
        self.tx.references("stations", values["station_id"], "claims.station_id")
        self.tx.references("people", values.get("filed_by"), "claims.filed_by")
        claim_id = self.tx.next_id("claims")
        row = build(
            ClaimRow,
            {
                **values,
                "id": claim_id,
                "working": json.dumps(values.get("working", {}), ensure_ascii=False),
                "flags": json.dumps(values.get("flags", [])),
            },
        )
        self.tx.insert("claims", claim_id, row)
        return claim_id

    async def by_request_key(self, request_key: str) -> ClaimView | None:
        row = self.tx.first("claims", lambda c: c.request_key == request_key)
        return self._view(row) if row else None

    async def get(self, claim_id: int) -> ClaimView | None:
        row = self.tx.get("claims", claim_id)
        return self._view(row) if row else None

    async def live(self, station_id: int, rule_code: str, period: str) -> ClaimView | None:
        row = self.tx.first("claims", lambda c: self._live(c, station_id, rule_code, period))
        return self._view(row) if row else None

    async def listing(
        self,
        county_id: int,
        *,
        states: Iterable[str] | None = None,
        station_id: int | None = None,
        period: str | None = None,
    ) -> list[ClaimView]:
        wanted = None if states is None else set(states)
        return [
            self._view(c)
            for c in self.tx.rows("claims")
            if c.county_id == county_id
            and (wanted is None or c.state in wanted)
            and (station_id is None or c.station_id == station_id)
            and (period is None or c.period == period)
        ]

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
        row = self.tx.get("claims", claim_id)
        if row is None or row.state != expect:
            return False
        changes: dict[str, Any] = {"state": state, "updated_at": now}
        if decided_by is not None:
            changes["decided_by"] = decided_by
        if payment_ref is not None:
            changes["payment_ref"] = payment_ref
        self.tx.write("claims")[claim_id] = build(ClaimRow, {**asdict(row), **changes})
        return True

    async def add_event(self, values: dict[str, Any]) -> bool:
        key = values["request_key"]
        if self.tx.first("claim_events", lambda e: e.request_key == key):
            return False
        self.tx.references("claims", values["claim_id"], "claim_events.claim_id")
        event_id = self.tx.next_id("claim_events")
        self.tx.insert("claim_events", event_id, build(EventRow, {**values, "id": event_id}))
        return True

    @staticmethod
    def _event(row: EventRow) -> ClaimEvent:
        return ClaimEvent(
            row.claim_id,
            row.step,
            row.state_before,
            row.state_after,
            row.reason,
            row.by_person,
            row.at,
        )

    async def event_by_key(self, request_key: str) -> ClaimEvent | None:
        row = self.tx.first("claim_events", lambda e: e.request_key == request_key)
        return self._event(row) if row else None

    async def events(self, claim_id: int) -> list[ClaimEvent]:
        return [self._event(e) for e in self.tx.rows("claim_events") if e.claim_id == claim_id]

    async def add_lines(self, lines: list[ClaimLine]) -> None:
        for line in lines:
            self.tx.references("claims", line.claim_id, "claim_lines.claim_id")
            self.tx.references("ledger_entries", line.entry_id, "claim_lines.entry_id")
            self.tx.insert("claim_lines", (line.claim_id, line.entry_id), line)

    async def lines(self, claim_id: int) -> list[ClaimLine]:
        return [line for line in self.tx.rows("claim_lines") if line.claim_id == claim_id]

    async def approve_lines(self, claim_id: int) -> None:
        for line in await self.lines(claim_id):
            if line.amount_fen <= 0:
                continue
            if self.tx.get("approved_parcels", line.tracking_no) is not None:
                raise IntegrityError(f"approved_parcels: {line.tracking_no} is already approved")
            self.tx.insert("approved_parcels", line.tracking_no, replace(line))

    async def approved_owners(self, tracking_nos: Iterable[str]) -> dict[str, int]:
        found = {}
        for number in set(tracking_nos):
            line = self.tx.get("approved_parcels", number)
            if line is not None:
                found[number] = line.claim_id
        return found

    async def open_owners(self, tracking_nos: Iterable[str], exclude: int) -> dict[str, int]:
        wanted = set(tracking_nos)
        found = {}
        for line in self.tx.rows("claim_lines"):
            claim = self.tx.get("claims", line.claim_id)
            if line.tracking_no in wanted and claim.state in OPEN and claim.id != exclude:
                found[line.tracking_no] = claim.id
        return found

    async def approved_claim_of_entry(self, entry_id: int) -> int | None:
        line = self.tx.first("approved_parcels", lambda a: a.entry_id == entry_id)
        return line.claim_id if line else None

    async def add_evidence(self, values: dict[str, Any]) -> int | None:
        key, claim, sha = values["request_key"], values["claim_id"], values["sha256"]
        if self.tx.first(
            "claim_evidence",
            lambda e: e.request_key == key or (e.claim_id, e.sha256) == (claim, sha),
        ):
            return None
        self.tx.references("claims", claim, "claim_evidence.claim_id")
        evidence_id = self.tx.next_id("claim_evidence")
        row = build(EvidenceRow, {**values, "id": evidence_id})
        self.tx.insert("claim_evidence", evidence_id, row)
        return evidence_id

    async def evidence(self, claim_id: int) -> list[Evidence]:
        return [
            Evidence(**{k: v for k, v in asdict(e).items() if k != "request_key"})
            for e in self.tx.rows("claim_evidence")
            if e.claim_id == claim_id
        ]

    async def claims_with_image(self, sha256: str, exclude: int) -> list[int]:
        return sorted(
            {
                e.claim_id
                for e in self.tx.rows("claim_evidence")
                if e.sha256 == sha256 and e.claim_id != exclude
            }
        )

    async def spent_fen(self, county_id: int, rule_code: str, year: int) -> int:
        return sum(
            c.amount_fen
            for c in self.tx.rows("claims")
            if c.county_id == county_id
            and c.rule_code == rule_code
            and c.state in SPENT
            and c.period.startswith(f"{year:04d}-")
        )

    async def upstream_parcels(self, station_id: int, period: str) -> list[Parcel]:
        entries = list(self.tx.rows("ledger_entries"))
        reversed_ids = {e.reverses_id for e in entries if e.reverses_id is not None}
        out = []
        for e in entries:
            if (
                e.station_id == station_id
                and e.period == period
                and e.kind == EntryKind.UPSTREAM_SHIPMENT.value
                and e.reverses_id is None
            ):
                product = self.tx.get("products", e.product_id) if e.product_id else None
                out.append(
                    Parcel(
                        e.id,
                        e.tracking_no or "",
                        product.name if product else None,
                        e.weight_g,
                        e.id in reversed_ids,
                        e.recorded_at,
                        e.occurred_at,
                        e.phone_last4,
                    )
                )
        return out

    async def upstream_counts(self, station_id: int, periods: list[str]) -> list[int]:
        totals = dict.fromkeys(periods, 0)
        for e in self.tx.rows("ledger_entries"):
            if (
                e.station_id == station_id
                and e.period in totals
                and e.kind == EntryKind.UPSTREAM_SHIPMENT.value
            ):
                totals[e.period] += e.parcel_count
        return [totals[p] for p in periods]

    async def statement_lines(
        self, county_id: int, period: str, station_id: int | None = None
    ) -> AsyncIterator[StatementLine]:
        for line in self.tx.rows("claim_lines"):
            claim = self.tx.get("claims", line.claim_id)
            if (claim.county_id, claim.period) != (county_id, period):
                continue
            if station_id is not None and claim.station_id != station_id:
                continue
            if claim.state not in SPENT or line.amount_fen <= 0:
                continue
            entry = self.tx.get("ledger_entries", line.entry_id)
            product = self.tx.get("products", entry.product_id) if entry.product_id else None
            yield StatementLine(
                line.claim_id,
                self.tx.get("stations", claim.station_id).code,
                line.entry_id,
                line.tracking_no,
                product.name if product else None,
                entry.weight_g,
                entry.occurred_at,
                line.amount_fen,
            )

    async def add_payable(
        self, claim_id: int, county_id: int, fund: str, amount_fen: int, now: datetime
    ) -> None:
        self.tx.references("claims", claim_id, "claim_id")
        self.tx.insert(
            "subsidy_payables",
            claim_id,
            PayableRow(claim_id, county_id, fund, amount_fen, utc_now(now)),
        )

    async def settle_payable(self, claim_id: int, payment_ref: str, now: datetime) -> bool:
        line = self.tx.get("subsidy_payables", claim_id)
        if line is None or line.settled_at is not None:
            return False
        self.tx.write("subsidy_payables")[claim_id] = replace(
            line, settled_at=utc_now(now), payment_ref=payment_ref
        )
        return True

    async def fund_totals(self, county_id: int) -> list[FundTotal]:
        funds: dict[str, list[int]] = {}
        for line in self.tx.rows("subsidy_payables"):
            if line.county_id != county_id:
                continue
            total = funds.setdefault(line.fund, [0, 0, 0, 0])
            at = 2 if line.settled_at is not None else 0
            total[at] += 1
            total[at + 1] += line.amount_fen
        return [FundTotal(fund, *funds[fund]) for fund in sorted(funds)]

    async def county_parcel_counts(
        self, county_id: int, period: str, eligible: frozenset[str], min_weight_g: int
    ) -> list[tuple[int, int, int]]:
        seen: dict[int, set[str]] = {}
        parcels: dict[int, int] = {}
        async for station_id, parcel, owner in self.county_upstream_parcels(county_id, period):
            parcels[station_id] = parcels.get(station_id, 0) + 1
            counted = seen.setdefault(station_id, set())
            if (
                not parcel.voided
                and parcel.product in eligible
                and (parcel.weight_g or 0) >= min_weight_g
                and owner is None
            ):
                counted.add(parcel.tracking_no)
        return [(s, parcels[s], len(seen[s])) for s in sorted(parcels)]

    async def county_upstream_parcels(
        self, county_id: int, period: str
    ) -> AsyncIterator[tuple[int, Parcel, int | None]]:
        stations = sorted(
            s.id
            for s in self.tx.rows("stations")
            if self.tx.get("townships", self.tx.get("villages", s.village_id).township_id).county_id
            == county_id
        )
        for station_id in stations:
            for parcel in await self.upstream_parcels(station_id, period):
                owner = self.tx.get("approved_parcels", parcel.tracking_no)
                yield station_id, parcel, owner.claim_id if owner else None

"""The keeper's ledger: record, pick up, return, correct, and see the month.

Every write is one short transaction keyed by a `request_key` that names the keeper's
action (a message, a button press), so a retry finds what the first attempt wrote.
Entries are never edited: a void is a reversal entry with who, when and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.clock import Clock
from bot.domain.errors import CunzhanError, InvalidInput, NotAllowed, NotFound
from bot.domain.ledger import TRACKED, EntryKind, EntryView, Notified, ParcelView, pickup_code
from bot.domain.network import StationCard, StationStatus
from bot.domain.periods import Period
from bot.domain.policy import MonthMetrics, Thresholds, Verdict, evaluate
from bot.domain.privacy import phone_hash
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.network import place_of
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork, UnitOfWorkFactory

MAX_SHELF_CODES = 26 * 999


class DuplicateTracking(CunzhanError):
    """The tracking number is already logged in this direction at this station."""

    def __init__(self, existing: EntryView) -> None:
        super().__init__(
            N_("{tracking} is already logged (entry #{id}); it was not logged again."),
            tracking=existing.tracking_no,
            id=existing.id,
        )
        self.existing = existing


@dataclass(frozen=True)
class Recorded:
    entry: EntryView
    replay: bool  # True when this request had already been recorded (retry, double tap)


@dataclass(frozen=True)
class MonthView:
    station: StationCard
    period: Period
    metrics: MonthMetrics
    thresholds: Thresholds
    verdict: Verdict
    waiting: int
    days_left: int


class LedgerService:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        phone_key: bytes,
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.phone_key = phone_key

    # --- helpers ----------------------------------------------------------------------

    async def _station(self, uow: UnitOfWork, actor: Actor, action: Action) -> StationCard:
        if actor.scope.station_id is None:
            authorize(actor, action)  # a non-keeper gets the role answer
            raise NotAllowed(N_("You are not allowed to do that."))
        station = await uow.network.station_by_id(actor.scope.station_id)
        if station is None:
            raise NotFound(N_("Your station no longer exists. Ask county staff."))
        authorize(actor, action, place_of(station))
        if action is Action.RECORD_LEDGER and station.status is StationStatus.REMOVED:
            raise NotAllowed(N_("This station has been removed; its ledger is closed."))
        return station

    async def _record(
        self,
        actor: Actor,
        kind: EntryKind,
        request_key: str,
        values: dict[str, Any],
        *,
        product: str | None = None,
    ) -> Recorded:
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            station = await self._station(uow, actor, Action.RECORD_LEDGER)
            # No look-ups first: the unique request key and tracking claim decide, and only
            # a conflict costs a read. (This is the keeper's hot path.)
            if kind is EntryKind.PARCEL_IN:
                values["pickup_code"] = await self._free_code(uow, station.id)
            if product is not None:
                values["product_id"] = await uow.ledger.add_product(
                    station.county_id, product, actor.person_id, now
                )
            row = {**self._base(station, actor, kind, request_key, now), **values}
            entry_id = await uow.ledger.add_entry(row)
            if entry_id is None:  # this request was recorded before: a retry, a double tap
                earlier = await uow.ledger.entry_by_request_key(request_key)
                assert earlier is not None
                return Recorded(earlier, replay=True)
            direction = TRACKED.get(kind)
            tracking = values.get("tracking_no")
            if direction and tracking:
                if not await uow.ledger.claim_tracking(station.id, direction, tracking, entry_id):
                    existing = await uow.ledger.tracked_entry(station.id, direction, tracking)
                    raise DuplicateTracking(existing)  # rolls the entry back
            if kind is EntryKind.PARCEL_IN:
                await uow.ledger.add_parcel(
                    entry_id, station.id, values["pickup_code"], values.get("phone_last4"), now
                )
            await uow.commit()
        return Recorded(_view(entry_id, row, product), replay=False)

    @staticmethod
    def _base(
        station: StationCard,
        actor: Actor,
        kind: EntryKind,
        request_key: str,
        now,
        period: str | None = None,
    ) -> dict[str, Any]:
        """The columns every entry has: where, what, when, by whom, for which request."""
        return {
            "station_id": station.id,
            "kind": kind.value,
            "period": period or str(Period.of(now, station.county_timezone)),
            "occurred_at": now,
            "recorded_at": now,
            "recorded_by": actor.person_id,
            "source": actor.channel,
            "request_key": request_key,
        }

    @staticmethod
    async def _free_code(uow: UnitOfWork, station_id: int) -> str:
        for _ in range(MAX_SHELF_CODES):
            seq = await uow.ledger.next_pickup_seq(station_id)
            code = pickup_code(seq)
            # Codes only repeat once the sequence wraps: until then no check is needed.
            if seq < MAX_SHELF_CODES or not await uow.ledger.code_on_shelf(station_id, code):
                return code
        raise InvalidInput(N_("Every pickup code is in use: hand out or return some parcels."))

    # --- recording --------------------------------------------------------------------

    def digest_phone(self, full_number: str) -> str:
        return phone_hash(self.phone_key, full_number)

    async def intake(
        self,
        actor: Actor,
        *,
        request_key: str,
        tracking_no: str,
        carrier: str | None,
        recipient_name: str,
        phone_last4: str | None,
        phone_full: str | None = None,
        phone_digest: str | None = None,
        notified: Notified = Notified.NOT_YET,
    ) -> Recorded:
        """`phone_full` is hashed here and dropped; a dialog that must hold the phone across
        steps hashes it at once with `digest_phone` and passes `phone_digest` instead."""
        if phone_full is not None:
            phone_last4 = phone_full[-4:]
            phone_digest = self.digest_phone(phone_full)
        values = {
            "tracking_no": tracking_no,
            "carrier": carrier,
            "recipient_name": recipient_name,
            "phone_last4": phone_last4,
            # Only the keyed hash of a full number is kept, never the number itself.
            "phone_hash": phone_digest,
            "notified": notified.value,
            "parcel_count": 1,
        }
        return await self._record(actor, EntryKind.PARCEL_IN, request_key, values)

    async def shipment(
        self,
        actor: Actor,
        *,
        request_key: str,
        tracking_no: str,
        carrier: str | None,
        product: str,
        weight_g: int,
        declared_value_fen: int,
    ) -> Recorded:
        values = {
            "tracking_no": tracking_no,
            "carrier": carrier,
            "weight_g": weight_g,
            "amount_fen": declared_value_fen,
            "parcel_count": 1,
        }
        return await self._record(
            actor, EntryKind.UPSTREAM_SHIPMENT, request_key, values, product=product
        )

    async def sale(
        self,
        actor: Actor,
        *,
        request_key: str,
        product: str,
        quantity: Decimal,
        unit: str,
        amount_fen: int,
        channel: str,
    ) -> Recorded:
        values = {
            "quantity_milli": int(quantity * 1000),
            "unit": unit,
            "amount_fen": amount_fen,
            "channel": channel,
        }
        return await self._record(
            actor, EntryKind.UPSTREAM_SALE, request_key, values, product=product
        )

    async def proxy_purchase(
        self, actor: Actor, *, request_key: str, item: str, amount_fen: int, fee_fen: int = 0
    ) -> Recorded:
        values = {"item": item, "amount_fen": amount_fen, "fee_fen": fee_fen}
        return await self._record(actor, EntryKind.PROXY_PURCHASE, request_key, values)

    async def service(
        self,
        actor: Actor,
        *,
        request_key: str,
        service_kind: str,
        amount_fen: int,
        fee_fen: int = 0,
        note: str | None = None,
    ) -> Recorded:
        values = {
            "service_kind": service_kind,
            "amount_fen": amount_fen,
            "fee_fen": fee_fen,
            "item": note,
        }
        return await self._record(actor, EntryKind.SERVICE, request_key, values)

    # --- parcels on the shelf ---------------------------------------------------------

    async def find_waiting(
        self, actor: Actor, *, code: str | None = None, phone_last4: str | None = None
    ) -> list[ParcelView]:
        async with self.uow_factory() as uow:
            station = await self._station(uow, actor, Action.RECORD_LEDGER)
            return await uow.ledger.waiting_parcels(station.id, code=code, phone_last4=phone_last4)

    async def close_parcel(
        self,
        actor: Actor,
        parcel_entry_id: int,
        *,
        request_key: str,
        returned: bool = False,
        reason: str | None = None,
    ) -> Recorded:
        """Hand a parcel out (or return it to the carrier). A second press finds it done."""
        kind = EntryKind.PARCEL_RETURN if returned else EntryKind.PARCEL_PICKUP
        if returned and not (reason or "").strip():
            raise InvalidInput(N_("Say why the parcel goes back, e.g. 无人认领 (unclaimed)."))
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            station = await self._station(uow, actor, Action.RECORD_LEDGER)
            earlier = await uow.ledger.entry_by_request_key(request_key)
            if earlier is not None:
                return Recorded(earlier, replay=True)
            parcel = await uow.ledger.parcel(parcel_entry_id)
            intake = await uow.ledger.entry(parcel_entry_id)
            if parcel is None or intake is None or intake.station_id != station.id:
                raise NotFound(N_("No such parcel at your station."))
            if parcel.status != "waiting":
                raise InvalidInput(
                    N_("Parcel {code} ({tracking}) is no longer waiting: {status}."),
                    code=parcel.pickup_code,
                    tracking=parcel.tracking_no,
                    status=STATUS_TEXT.get(parcel.status, parcel.status),
                )
            entry_id = await uow.ledger.add_entry(
                {
                    **self._base(station, actor, kind, request_key, now),
                    "parcel_count": 1,
                    "tracking_no": parcel.tracking_no,
                    "pickup_code": parcel.pickup_code,
                    "refers_to_id": parcel_entry_id,
                    "reason": reason,
                }
            )
            assert entry_id is not None
            status = "returned" if returned else "picked_up"
            if not await uow.ledger.set_parcel_status(
                parcel_entry_id, expect="waiting", status=status, closed_by_id=entry_id
            ):
                raise InvalidInput(N_("That parcel was just handled by another action."))
            entry = await uow.ledger.entry(entry_id)
            await uow.commit()
        assert entry is not None
        return Recorded(entry, replay=False)

    # --- corrections ------------------------------------------------------------------

    async def void(self, actor: Actor, entry_id: int, *, reason: str, request_key: str) -> Recorded:
        reason = (reason or "").strip()
        if len(reason) < 2:
            raise InvalidInput(
                N_("Give a reason for the correction, e.g. 金额输错 (wrong amount).")
            )
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            station = await self._station(uow, actor, Action.RECORD_LEDGER)
            earlier = await uow.ledger.entry_by_request_key(request_key)
            if earlier is not None:
                return Recorded(earlier, replay=True)
            entry = await uow.ledger.entry(entry_id)
            if entry is None or entry.station_id != station.id:
                raise NotFound(N_("No entry #{id} at your station."), id=entry_id)
            if entry.is_reversal:
                raise InvalidInput(N_("Entry #{id} is itself a correction."), id=entry_id)
            if entry.reversed_by_id is not None:
                raise InvalidInput(
                    N_("Entry #{id} was already voided (by #{by})."),
                    id=entry_id,
                    by=entry.reversed_by_id,
                )
            post_close = await self._check_open(uow, station, entry, now)
            await self._undo_effects(uow, entry)
            reversal_id = await uow.ledger.add_entry(
                {
                    # In the period of the entry it reverses, so sums stay per month.
                    **self._base(station, actor, entry.kind, request_key, now, entry.period),
                    "amount_fen": -entry.amount_fen,
                    "fee_fen": -entry.fee_fen,
                    "parcel_count": -entry.parcel_count,
                    "tracking_no": entry.tracking_no,
                    "reverses_id": entry.id,
                    "reason": reason,
                    "post_close": post_close,
                }
            )
            assert reversal_id is not None
            if entry.kind in TRACKED:
                await uow.ledger.release_tracking(entry.id)
            reversal = await uow.ledger.entry(reversal_id)
            await uow.audit.record(
                at=now,
                actor_person_id=actor.person_id,
                action="ledger.void",
                subject=f"entry:{entry.id}",
                details={"reversal": reversal_id, "reason": reason},
            )
            await uow.commit()
        assert reversal is not None
        return Recorded(reversal, replay=False)

    async def _check_open(
        self, uow: UnitOfWork, station: StationCard, entry: EntryView, now
    ) -> bool:
        """May this entry still be corrected? True when only a staff exception allows it
        (the correction is then a post-close adjustment)."""
        timezone = station.county_timezone
        locked_at = await uow.scoring.locked_at(station.county_id, entry.period)
        if locked_at is not None:
            if await uow.scoring.exception_open(station.id, entry.period, now):
                return True
            raise NotAllowed(
                N_(
                    "{period} was closed on {date} by the monthly review, so entry #{id} can "
                    "no longer be changed. Ask county staff to open an exception for your "
                    "station."
                ),
                period=entry.period,
                date=locked_at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d"),
                id=entry.id,
            )
        if Period.parse(entry.period) < Period.of(now, timezone).previous():
            raise NotAllowed(
                N_("Entry #{id} belongs to {period}, which is closed. Ask county staff."),
                id=entry.id,
                period=entry.period,
            )
        return False

    @staticmethod
    async def _undo_effects(uow: UnitOfWork, entry: EntryView) -> None:
        if entry.kind is EntryKind.PARCEL_IN:
            if not await uow.ledger.set_parcel_status(
                entry.id, expect="waiting", status="voided", closed_by_id=None
            ):
                raise InvalidInput(
                    N_("This parcel was already picked up or returned: void that first."),
                )
        elif entry.kind in (EntryKind.PARCEL_PICKUP, EntryKind.PARCEL_RETURN):
            assert entry.refers_to_id is not None
            status = "picked_up" if entry.kind is EntryKind.PARCEL_PICKUP else "returned"
            if not await uow.ledger.set_parcel_status(
                entry.refers_to_id, expect=status, status="waiting", closed_by_id=None
            ):
                raise InvalidInput(N_("That parcel has changed since; nothing was voided."))

    async def history(self, actor: Actor, entry_id: int) -> list[EntryView]:
        """The entry and everything that points at it, oldest first."""
        async with self.uow_factory() as uow:
            station = await self._station(uow, actor, Action.VIEW_LEDGER)
            entry = await uow.ledger.entry(entry_id)
            if entry is None or entry.station_id != station.id:
                raise NotFound(N_("No entry #{id} at your station."), id=entry_id)
            return [entry, *await uow.ledger.related(entry_id)]

    async def recent(self, actor: Actor, limit: int = 10) -> list[EntryView]:
        async with self.uow_factory() as uow:
            station = await self._station(uow, actor, Action.VIEW_LEDGER)
            return await uow.ledger.recent(station.id, limit)

    # --- the month at a glance --------------------------------------------------------

    async def month(self, actor: Actor, period: Period | None = None) -> MonthView:
        now = self.clock.now()
        async with self.uow_factory() as uow:
            station = await self._station(uow, actor, Action.VIEW_LEDGER)
            timezone = station.county_timezone
            period = period or Period.of(now, timezone)
            totals = await uow.ledger.period_totals(station.id, str(period))
            counts = await uow.ledger.entry_counts(station.id, str(period))
            waiting = await uow.ledger.waiting_count(station.id)
            # The county's own policy decides thresholds and which kinds count.
            _, policy = await load_policy(uow, station.county_id)
        m = policy.metrics
        metrics = MonthMetrics.from_totals(
            totals,
            counts,
            downstream=m.downstream_kinds,
            upstream_yuan=m.upstream_yuan_kinds,
            upstream_parcels=m.upstream_parcel_kinds,
        )
        thresholds = policy.thresholds_for(station.tier)
        return MonthView(
            station=station,
            period=period,
            metrics=metrics,
            thresholds=thresholds,
            verdict=evaluate(
                metrics,
                thresholds,
                require_downstream=m.require_downstream,
                upstream_rule=m.upstream_rule.value,
            ),
            waiting=waiting,
            days_left=period.days_left(now, timezone),
        )

    async def products(self, actor: Actor) -> list[str]:
        async with self.uow_factory() as uow:
            station = await self._station(uow, actor, Action.VIEW_LEDGER)
            return await uow.ledger.products(station.county_id)


_ENTRY_FIELDS = frozenset(EntryView.__dataclass_fields__)


def _view(entry_id: int, row: dict[str, Any], product: str | None) -> EntryView:
    """The entry just written, from what was written (no read back)."""
    fields = {k: v for k, v in row.items() if k in _ENTRY_FIELDS}
    fields.setdefault("amount_fen", 0)
    fields.setdefault("fee_fen", 0)
    fields.setdefault("parcel_count", 0)
    return EntryView(id=entry_id, **{**fields, "kind": EntryKind(row["kind"])}, product=product)


STATUS_TEXT = {
    "picked_up": N_("picked up"),
    "returned": N_("returned"),
    "voided": N_("voided"),
    "waiting": N_("waiting"),
}

"""Recording what happens at the counter: parcels in, shipments, sales, proxy purchases,
services. One use case for every kind of entry, so the one-line forms and the
step-by-step forms (both end in the same commands) go through the same rules.

No look-ups before the insert: the unique request key and the tracking claim decide, and
only a conflict costs a read. This is the keeper's hot path.
"""

from __future__ import annotations

from typing import Any

from bot.domain.carriers import guess_carrier
from bot.domain.commands import (
    RecordEntry,
    RecordIntake,
    RecordProxyPurchase,
    RecordSale,
    RecordService,
    RecordShipment,
)
from bot.domain.errors import CunzhanError, InvalidInput
from bot.domain.ledger import TRACKED, EntryKind, EntryView, SaleChannel, pickup_code
from bot.domain.text import N_
from bot.services.authz import Action, Actor
from bot.services.env import Env
from bot.services.ledger.common import (
    Recorded,
    back_dated,
    base_row,
    entry_period,
    occurred_at,
    open_period_of,
    own_station,
)
from bot.services.ports import UnitOfWork

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


def _carrier(given: str | None, tracking_no: str) -> str | None:
    if given:
        return given
    guess = guess_carrier(tracking_no)
    return guess.carrier.value if guess.confident and guess.carrier else None


def entry_values(command: RecordEntry, env: Env) -> tuple[EntryKind, dict[str, Any], str | None]:
    """The command as ledger columns: (kind, values, product name or None)."""
    if isinstance(command, RecordIntake):
        phone = command.phone
        digest = env.digest_phone(phone.full) if phone.full else command.phone_digest
        return (
            EntryKind.PARCEL_IN,
            {
                "tracking_no": command.tracking_no,
                "carrier": _carrier(command.carrier, command.tracking_no),
                "recipient_name": command.recipient_name,
                "phone_last4": phone.last4,
                # Only the keyed hash of a full number is kept, never the number itself.
                "phone_hash": digest,
                "notified": command.notified.value,
                "parcel_count": 1,
            },
            None,
        )
    if isinstance(command, RecordShipment):
        return (
            EntryKind.UPSTREAM_SHIPMENT,
            {
                "tracking_no": command.tracking_no,
                "carrier": _carrier(command.carrier, command.tracking_no),
                "weight_g": command.weight_grams,
                "amount_fen": command.declared_value_fen,
                "parcel_count": 1,
            },
            command.product,
        )
    if isinstance(command, RecordSale):
        return (
            EntryKind.UPSTREAM_SALE,
            {
                "quantity_milli": int(command.quantity.amount * 1000),
                "unit": command.quantity.unit.value,
                "amount_fen": command.amount_fen,
                "channel": (command.channel or SaleChannel.OTHER).value,
            },
            command.product,
        )
    if isinstance(command, RecordProxyPurchase):
        values = {
            "item": command.item,
            "amount_fen": command.amount_fen,
            "fee_fen": command.fee_fen,
        }
        return EntryKind.PROXY_PURCHASE, values, None
    assert isinstance(command, RecordService)
    return (
        EntryKind.SERVICE,
        {
            "service_kind": command.kind.value,
            "amount_fen": command.amount_fen,
            "fee_fen": command.fee_fen,
            "item": command.note,
        },
        None,
    )


async def record_entry(command: RecordEntry, actor: Actor, uow: UnitOfWork, env: Env) -> Recorded:
    now = env.clock.now()
    station = await own_station(uow, actor, Action.RECORD_LEDGER)
    kind, values, product = entry_values(command, env)
    if command.on_day is not None and kind is not EntryKind.PARCEL_IN:
        when = back_dated(command.on_day, station, now)
        period = await open_period_of(uow, station, when, now)
    else:
        when = occurred_at(command, now)
        period = await entry_period(uow, station, when, now)
    if kind is EntryKind.PARCEL_IN:
        values["pickup_code"] = await _free_code(uow, station.id)
    if product is not None:
        values["product_id"] = await uow.ledger.add_product(
            station.county_id, product, actor.person_id, now
        )
    row = {
        **base_row(station, actor, kind, command.request_key, period=period, when=when, now=now),
        **values,
    }
    entry_id = await uow.ledger.add_entry(row)
    if entry_id is None:  # this request was recorded before: a retry, a double tap
        earlier = await uow.ledger.entry_by_request_key(command.request_key)
        assert earlier is not None
        return Recorded(earlier, replay=True, timezone=station.county_timezone)
    direction = TRACKED.get(kind)
    tracking = values.get("tracking_no")
    if direction and tracking:
        if not await uow.ledger.claim_tracking(station.id, direction, tracking, entry_id):
            existing = await uow.ledger.tracked_entry(station.id, direction, tracking)
            assert existing is not None
            raise DuplicateTracking(existing)  # the unit of work rolls the entry back
    if kind is EntryKind.PARCEL_IN:
        await uow.ledger.add_parcel(
            entry_id, station.id, values["pickup_code"], values.get("phone_last4"), when
        )
    return Recorded(_view(entry_id, row, product), False, station.county_timezone)


async def _free_code(uow: UnitOfWork, station_id: int) -> str:
    for _ in range(MAX_SHELF_CODES):
        seq = await uow.ledger.next_pickup_seq(station_id)
        code = pickup_code(seq)
        # Codes only repeat once the sequence wraps: until then no check is needed.
        if seq < MAX_SHELF_CODES or not await uow.ledger.code_on_shelf(station_id, code):
            return code
    raise InvalidInput(N_("Every pickup code is in use: hand out or return some parcels."))


_ENTRY_FIELDS = frozenset(EntryView.__dataclass_fields__)


def _view(entry_id: int, row: dict[str, Any], product: str | None) -> EntryView:
    """The entry just written, from what was written (no read back)."""
    fields = {k: v for k, v in row.items() if k in _ENTRY_FIELDS}
    fields.setdefault("amount_fen", 0)
    fields.setdefault("fee_fen", 0)
    fields.setdefault("parcel_count", 0)
    return EntryView(id=entry_id, **{**fields, "kind": EntryKind(row["kind"])}, product=product)

"""The keeper's ledger (工作台账): what an entry is, and what it counts towards."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain.text import N_


class EntryKind(StrEnum):
    PARCEL_IN = "parcel_in"  # 下行入库: a parcel arrives for a villager
    PARCEL_PICKUP = "parcel_pickup"  # 出库: the villager collects it
    PARCEL_RETURN = "parcel_return"  # 退回: unclaimed, sent back
    UPSTREAM_SHIPMENT = "upstream_shipment"  # 上行寄件: produce shipped out
    UPSTREAM_SALE = "upstream_sale"  # 上行销售
    PROXY_PURCHASE = "proxy_purchase"  # 代购 (downstream yuan)
    SERVICE = "service"  # 代收代缴 and other convenience services


KIND_LABELS = {
    EntryKind.PARCEL_IN: N_("parcel in"),
    EntryKind.PARCEL_PICKUP: N_("parcel picked up"),
    EntryKind.PARCEL_RETURN: N_("parcel returned"),
    EntryKind.UPSTREAM_SHIPMENT: N_("upstream shipment"),
    EntryKind.UPSTREAM_SALE: N_("upstream sale"),
    EntryKind.PROXY_PURCHASE: N_("proxy purchase"),
    EntryKind.SERVICE: N_("convenience service"),
}


class SaleChannel(StrEnum):
    PLATFORM = "platform"  # 电商平台 / 网店 (淘宝, 拼多多, 京东 …)
    LIVESTREAM = "livestream"  # 直播 (抖音, 快手, 视频号)
    WECHAT_GROUP = "wechat_group"  # 微信群 / 朋友圈 / 社群
    BUYER_ORDER = "buyer_order"  # an order from a buyer or dealer (订单, 客商, 收购商)
    OTHER = "other"


CHANNEL_LABELS = {
    SaleChannel.PLATFORM: N_("online shop"),
    SaleChannel.LIVESTREAM: N_("livestream"),
    SaleChannel.WECHAT_GROUP: N_("WeChat group"),
    SaleChannel.BUYER_ORDER: N_("buyer's order"),
    SaleChannel.OTHER: N_("other channel"),
}


class ServiceKind(StrEnum):
    PHONE_TOPUP = "phone_topup"
    ELECTRICITY = "electricity"
    WATER = "water"
    BROADBAND = "broadband"
    CASH_WITHDRAWAL = "cash_withdrawal"
    TICKETS = "tickets"
    OTHER = "other"


SERVICE_KIND_LABELS = {
    ServiceKind.PHONE_TOPUP: N_("phone top-up"),
    ServiceKind.ELECTRICITY: N_("electricity bill"),
    ServiceKind.WATER: N_("water bill"),
    ServiceKind.BROADBAND: N_("broadband bill"),
    ServiceKind.CASH_WITHDRAWAL: N_("cash withdrawal"),
    ServiceKind.TICKETS: N_("tickets"),
    ServiceKind.OTHER: N_("other service"),
}


# Kinds that hold a tracking number, and the direction in which it must be unique.
TRACKED = {EntryKind.PARCEL_IN: "down", EntryKind.UPSTREAM_SHIPMENT: "up"}


class Notified(StrEnum):
    """How the recipient learned their parcel arrived (the 2024 express rules fine
    stations that take in parcels without the recipient's knowledge)."""

    NOT_YET = "not_yet"
    CALL = "call"
    SMS = "sms"
    WECHAT = "wechat"
    IN_PERSON = "in_person"
    AUTHORISED = "authorised"  # the recipient authorised the station in advance


NOTIFIED_LABELS = {
    Notified.NOT_YET: N_("not yet notified"),
    Notified.CALL: N_("phoned"),
    Notified.SMS: N_("text message"),
    Notified.WECHAT: N_("WeChat"),
    Notified.IN_PERSON: N_("told in person"),
    Notified.AUTHORISED: N_("authorised in advance"),
}


def pickup_code(seq: int) -> str:
    """Shelf letter + three digits: A-001 … A-999, B-001 … Z-999, then A again."""
    seq %= 26 * 999
    return f"{chr(ord('A') + seq // 999)}-{seq % 999 + 1:03d}"


@dataclass(frozen=True)
class EntryView:
    id: int
    station_id: int
    kind: EntryKind
    period: str
    occurred_at: datetime
    recorded_by: int | None
    amount_fen: int
    fee_fen: int
    parcel_count: int
    tracking_no: str | None = None
    carrier: str | None = None
    product: str | None = None
    quantity_milli: int | None = None
    unit: str | None = None
    weight_g: int | None = None
    channel: str | None = None
    service_kind: str | None = None
    item: str | None = None
    recipient_name: str | None = None
    phone_last4: str | None = None
    pickup_code: str | None = None
    notified: str | None = None
    refers_to_id: int | None = None
    reverses_id: int | None = None
    reason: str | None = None
    reversed_by_id: int | None = None
    recorded_at: datetime | None = None  # when it was logged (occurred_at: when it happened)

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


@dataclass(frozen=True)
class ParcelView:
    entry_id: int
    pickup_code: str
    tracking_no: str
    recipient_name: str
    phone_last4: str | None
    status: str
    arrived_at: datetime
    closed_by_id: int | None = None  # the pickup or return entry, once it left

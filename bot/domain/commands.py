"""Typed commands: every write a person can make, and every question they can ask, as a value.

A front end (a Telegram message, a WeChat text, a button, a CLI call) turns what the user
did into one of these and hands it to `Services.run(command, actor)`; the services never
see a chat message. The one-line parser (`one_line.parse_line`) and the step-by-step form
engine (`bot.services.forms`) both end in a command, so both go through the same rules.

`request_key` names the user's action (a message, a button press) so a retry or a double
tap finds what the first attempt wrote: every write command needs one, and
`Services.run` refuses a write without it. Front ends build keys with their one
request-key function (e.g. `handlers.telegram.keys`), never by hand.

`occurred_at` is when the person did it, as their client says (a Telegram message's date):
an entry sent at 23:30 on the last day of the month and handled after midnight (the bot
was down, the phone was offline) still belongs to that month. The services bound it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.days import DayRef
from bot.domain.ledger import Notified, SaleChannel, ServiceKind
from bot.domain.phones import PhoneInput
from bot.domain.quantities import Quantity
from bot.domain.roles import Role


@dataclass(frozen=True, kw_only=True)
class Command:
    """A write. `request_key` is set by the front end; `occurred_at` by its clock or the
    message's date."""

    request_key: str = ""
    occurred_at: datetime | None = field(default=None, compare=False)
    # The day it happened when the keeper said so (售 … 昨天): a back-dated entry.
    on_day: DayRef | None = None

    writes = True


@dataclass(frozen=True, kw_only=True)
class Query:
    """A read: no request key, nothing written."""

    writes = False


# --- the keeper's ledger -------------------------------------------------------------------


@dataclass(frozen=True)
class RecordIntake(Command):
    """入: a parcel arrives for a villager. `phone` may hold a full number (hashed by the
    service, never stored) or only the last four digits; a dialog that must keep the phone
    across steps hashes it at once and passes `phone_digest` with a last-four `phone`."""

    tracking_no: str
    recipient_name: str
    phone: PhoneInput
    carrier: str | None = None
    notified: Notified = Notified.NOT_YET
    phone_digest: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class RecordShipment(Command):
    """寄: produce shipped out (上行寄件)."""

    tracking_no: str
    product: str
    weight_grams: int
    declared_value_fen: int
    carrier: str | None = None


@dataclass(frozen=True)
class RecordSale(Command):
    """售: an upstream sale; `channel` None when the keeper did not say (counted as other)."""

    product: str
    quantity: Quantity
    amount_fen: int
    channel: SaleChannel | None = None


@dataclass(frozen=True)
class RecordProxyPurchase(Command):
    """代购: bought online for a villager; `fee_fen` is the station's fee (0 if none)."""

    item: str
    amount_fen: int
    fee_fen: int = 0


@dataclass(frozen=True)
class RecordService(Command):
    """代缴 / 话费 / 取现 …: a convenience service; `note` holds any extra words."""

    kind: ServiceKind
    amount_fen: int
    fee_fen: int = 0
    note: str | None = None


RecordEntry = RecordIntake | RecordShipment | RecordSale | RecordProxyPurchase | RecordService


@dataclass(frozen=True)
class CloseParcel(Command):
    """A parcel leaves the shelf: picked up, or returned to the carrier with a reason."""

    parcel_entry_id: int
    returned: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class VoidEntry(Command):
    """A correction: a reversal entry with who, when and why. Nothing is edited."""

    entry_id: int
    reason: str


# --- county staff ------------------------------------------------------------------------


@dataclass(frozen=True)
class DecideRemoval(Command):
    """Staff decide a removal candidate's fate: remove, or keep it on probation."""

    station_id: int
    period: str
    decision: str  # ladder.Decision.REMOVE | KEEP
    reason: str


@dataclass(frozen=True)
class ReinstateStation(Command):
    code: str
    reason: str


@dataclass(frozen=True)
class OpenLockException(Command):
    """A time-boxed permission for one station to correct a closed month."""

    code: str
    period: str
    hours: int
    reason: str


# --- people and the network --------------------------------------------------------------


@dataclass(frozen=True)
class CreateInvite(Command):
    """An onboarding QR code for a role over a place: a station, township or county code
    (none for an administrator). Expires after the configured time."""

    role: Role
    code: str | None = None


@dataclass(frozen=True)
class RedeemInvite(Command):
    """Someone scanned an invite: bind them (a new person, or a known one) to its grant.
    The actor is whoever is talking, usually not yet known."""

    token: str
    display_name: str
    language: str | None = None
    chat_id: str | None = None


@dataclass(frozen=True)
class SetLanguage(Command):
    language: str


# --- questions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ShowStation(Query):
    """A station's card; without a code a keeper gets their own."""

    code: str | None = None


@dataclass(frozen=True)
class ListStations(Query):
    """/stations: the stations in the reader's scope, filtered and sorted, a page at a time.
    `state` is a StationStatus value; `idle` keeps stations without an entry for the
    county's idle days; `below` keeps those not meeting this month's thresholds so far."""

    page: int = 0
    township: str | None = None  # a township code
    state: str | None = None
    idle: bool = False
    below: bool = False
    sort: str = "code"  # code | activity | downstream | upstream
    # The notice board (issue 11): stations without a check-in for the idle days.
    no_checkin: bool = False


@dataclass(frozen=True)
class StationDesk(Query):
    """/station CODE for county staff and operators: the card, this month against the
    thresholds, the ladder and its history, the shelf, the last activity."""

    code: str


@dataclass(frozen=True)
class FindParcels(Query):
    """取 A-027 / 取 1234 / 查 张三: the parcels with that pickup code, phone last four or
    (part of a) recipient's name; `entry_id` one parcel (a button's choice)."""

    pickup_code: str | None = None
    phone_last4: str | None = None
    name: str | None = None
    entry_id: int | None = None


@dataclass(frozen=True)
class ShowShelf(Query):
    """/shelf, 待取: the parcels waiting, oldest first, a page at a time."""

    page: int = 0


@dataclass(frozen=True)
class ShowMonth(Query):
    period: str | None = None  # YYYY-MM; None: the current month in the county's zone
    code: str | None = None  # a station in the reader's scope; None: the keeper's own


@dataclass(frozen=True)
class RecentEntries(Query):
    limit: int = 15
    code: str | None = None  # a station in the reader's scope; None: the keeper's own


@dataclass(frozen=True)
class PreviewVoid(Query):
    """What `/void N` would reverse, checked as the void will be, before asking."""

    entry_id: int


@dataclass(frozen=True)
class EntryHistory(Query):
    entry_id: int


@dataclass(frozen=True)
class ListProducts(Query):
    """The county's product catalogue (a form's product buttons)."""


@dataclass(frozen=True)
class StationForDecision(Query):
    """The station a staff member is about to decide on (checked against their scope)."""

    station_id: int


@dataclass(frozen=True)
class FindTracked(Query):
    """Which entry of this station already holds a tracking number in a direction."""

    tracking_no: str
    direction: str  # ledger.TRACKED values: "down" | "up"


# --- the counter: plausibility from history (issue 9) -----------------------------------


@dataclass(frozen=True)
class UsualUnitPrice(Query):
    """What `product` usually sells for per `unit` at this station (or in its county):
    a `UsualPrice`, or None when there is too little history."""

    product: str
    unit: str  # quantities.Unit value


# --- office IM (#12): where a person's notices go ---------------------------------------


@dataclass(frozen=True)
class ChooseNoticeChannel(Command):
    """Notices to this person go to `channel` (they must have a chat there); None: to the
    channel they wrote on last, the default."""

    channel: str | None = None


# --- the notice board (issue 11) ---------------------------------------------------------


@dataclass(frozen=True)
class StationQrCode(Command):
    """The station's public QR code, issued the first time it is asked for (a write, so
    it has a request key); the same code every time after, until revoked. `code`: a
    station code in the reader's scope; None: the keeper's own station."""

    code: str | None = None


@dataclass(frozen=True)
class StationPosters(Command):
    """/poster, `python -m bot poster`: what goes on the notice-board poster of one station
    (`station`: a code; None: the keeper's own) or of every station of a county. Issues a
    station's code the first time (a write)."""

    station: str | None = None
    county: str | None = None


@dataclass(frozen=True)
class RevokeStationQr(Command):
    """/revoke_qr CODE: the station's printed code stops working; a new one is issued."""

    code: str


@dataclass(frozen=True)
class ScanStation(Query):
    """Someone opened a station's deep link (`/start s_…`): what the scan means for them."""

    payload: str


@dataclass(frozen=True)
class ShowProfile(Query):
    """The notice-board profile of the keeper's own station."""


@dataclass(frozen=True)
class SaveProfile(Command):
    """The keeper's notice board: opening hours, services, fee standards, what contact to
    show (a ContactShown value) and the public phone."""

    hours: str
    services: str
    fees: str
    contact: str
    phone: str = ""


@dataclass(frozen=True)
class RecordInspection(Command):
    """A site inspection (现场检查) by staff or the township operator who scanned the code:
    where the phone says they were, the county's checklist, notes, photos, the result."""

    payload: str
    lat_e6: int
    lon_e6: int
    checklist: tuple[tuple[str, bool], ...]
    notes: str
    photos: tuple[str, ...]
    result: str  # InspectionResult


@dataclass(frozen=True)
class RateStation(Command):
    payload: str
    stars: int


@dataclass(frozen=True)
class FileComplaint(Command):
    """A villager's complaint about the station whose code they scanned. `name` None:
    anonymous. `chat_id` and `language` are where and how to send the answer."""

    payload: str
    body: str
    photos: tuple[str, ...] = ()
    name: str | None = None
    chat_id: str = ""
    language: str | None = None


@dataclass(frozen=True)
class MayComplain(Query):
    """Before a villager writes: refused now, not after, when they are over the limit."""

    payload: str


@dataclass(frozen=True)
class ShowComplaint(Query):
    """A complaint by its reference: to whoever filed it, or to staff in scope."""

    reference: str


@dataclass(frozen=True)
class AnswerComplaint(Command):
    """Staff answer a complaint: it becomes handled and the answer goes to the villager."""

    reference: str
    answer: str


@dataclass(frozen=True)
class SubscribeArrivals(Command):
    """A villager shared their own phone contact: tell them when a parcel for it arrives.
    `phone` is the full number, hashed at once and never stored."""

    phone: str = field(repr=False)
    chat_id: str = ""
    language: str | None = None


@dataclass(frozen=True)
class UnsubscribeArrivals(Command):
    pass


@dataclass(frozen=True)
class BoardActivity(Query):
    """A station's check-ins (operating days) in a month, its inspections and open
    complaints; `code` None: the keeper's own station."""

    code: str | None = None
    period: str | None = None


@dataclass(frozen=True)
class ConfirmPosition(Command):
    """Staff take the position proposed for a station without one (its first plausible
    check-in's) as the station's recorded position."""

    code: str


@dataclass(frozen=True)
class CheckInAtStation(Command):
    """The keeper scanned their own station's code and shared a location (micro-degrees,
    as the phone claims it)."""

    payload: str
    lat_e6: int
    lon_e6: int
    # A live location: for how long the phone shares it (then followed, TrackLiveLocation).
    live_period_s: int | None = None


@dataclass(frozen=True)
class TrackLiveLocation(Command):
    """An update of the live location a check-in was made with (Telegram: the same
    message, edited): the request key of that message, the position and the edit's time."""

    checkin_key: str
    lat_e6: int
    lon_e6: int
    edited_at: datetime


# --- one person, several channels (WeChat, issue 12) -------------------------------------


@dataclass(frozen=True)
class CreateLinkCode(Command):
    """`/link` on a channel the person already uses: a one-time code for another one."""


@dataclass(frozen=True)
class RedeemLinkCode(Command):
    """The code sent on the new channel: this account becomes the same person."""

    code: str
    chat_id: str | None = None


__all__ = [
    "ChooseNoticeChannel",
    "CloseParcel",
    "Command",
    "CreateInvite",
    "CreateLinkCode",  # one person, several channels (WeChat, issue 12)
    "DecideRemoval",
    "EntryHistory",
    "FindParcels",
    "FindTracked",
    "ListProducts",
    "ListStations",
    "OpenLockException",
    "PreviewVoid",
    "Query",
    "RecentEntries",
    "RecordEntry",
    "RecordIntake",
    "RecordProxyPurchase",
    "RecordSale",
    "RecordService",
    "RecordShipment",
    "RedeemInvite",
    "RedeemLinkCode",  # one person, several channels (WeChat, issue 12)
    "ReinstateStation",
    "SetLanguage",
    "ShowMonth",
    "ShowShelf",
    "ShowStation",
    "StationDesk",
    "StationForDecision",
    "UsualUnitPrice",
    "VoidEntry",
]


# --- subsidy claims (issue 10) -------------------------------------------------------------


@dataclass(frozen=True)
class ClaimOptions(Query):
    """The subsidy rules a keeper can file under, and for one rule the months open to it."""

    rule_code: str | None = None


@dataclass(frozen=True)
class PreviewClaim(Query):
    """The working a claim would have, computed from the ledger; nothing is written."""

    rule_code: str
    period: str


@dataclass(frozen=True)
class FileClaim(Command):
    """A keeper's claim (a draft until submitted). `amount_fen` and `description` are for
    "other" rules only; a per-parcel claim's amount is computed from the ledger."""

    rule_code: str
    period: str
    amount_fen: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class AddEvidence(Command):
    """A photo or file kept in the evidence store (the front end stored the bytes)."""

    claim_id: int
    sha256: str
    size: int
    path: str
    media_type: str | None = None


@dataclass(frozen=True)
class SubmitClaim(Command):
    """Submit a draft, or answer staff's question on a claim that needs information."""

    claim_id: int
    note: str | None = None


@dataclass(frozen=True)
class DecideClaim(Command):
    """County staff: approve, reject (reason required) or ask for information (question
    required). `step` is a bot.domain.claims.ClaimStep value."""

    claim_id: int
    step: str
    reason: str = ""


@dataclass(frozen=True)
class MarkClaimsPaid(Command):
    """A batch of approved claims paid, with the payment reference (转账凭证号)."""

    claim_ids: tuple[int, ...]
    payment_ref: str


@dataclass(frozen=True)
class ListClaims(Query):
    """Claims in the actor's scope (a keeper: their station's); staff may name a county,
    a state and a month."""

    county_code: str | None = None
    state: str | None = None
    period: str | None = None
    limit: int = 30


@dataclass(frozen=True)
class ShowClaim(Query):
    claim_id: int


@dataclass(frozen=True)
class ClaimStatement(Query):
    """The county's claims of a month for the finance bureau; its parcel lines stream from
    the caller's unit of work (run it with one)."""

    county_code: str
    period: str


@dataclass(frozen=True)
class ClaimForecast(Query):
    """What a per-parcel rule comes to for every station of a county's month, computed
    from the ledger as each station's claim would be (for staff's budget planning)."""

    county_code: str
    rule_code: str
    period: str


# --- subsidy claims: a station's own statement (issue 10, part 2) -----------------------


@dataclass(frozen=True)
class StationClaimStatement(Query):
    """One station's claims of a month, as the county statement has them (same sheets, its
    parcel lines streamed from the caller's unit of work). A keeper: their own station;
    staff name a station in their scope."""

    period: str
    station_code: str | None = None


# --- subsidy claims: the payable account per county and fund (issue 10, part 3) ---------


@dataclass(frozen=True)
class SubsidyAccount(Query):
    """A county's subsidy accounts, one per fund: owed (approved) and settled (paid)."""

    county_code: str

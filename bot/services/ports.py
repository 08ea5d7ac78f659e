"""What the services need from the outside world, as protocols.

`storage/` implements these over SQL; tests may implement them with fakes. Nothing here
imports a database library.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol, TypedDict

from bot.domain.board import (
    ArrivalSubscription,
    CheckIn,
    CheckInSummary,
    Complaint,
    Inspection,
    LiveTrack,
    Position,
    StationCodeRecord,
    StationProfile,
)
from bot.domain.claims import (
    ClaimEvent,
    ClaimLine,
    ClaimView,
    Evidence,
    FundTotal,
    Parcel,
    StatementLine,
)
from bot.domain.invites import InviteRecord
from bot.domain.ledger import EntryKind, EntryView, ParcelView
from bot.domain.links import LinkCodeRecord
from bot.domain.network import StationCard
from bot.domain.notices import Notice
from bot.domain.roles import Role, Scope
from bot.domain.unit_prices import PastSale


@dataclass(frozen=True)
class CountyRef:
    id: int
    code: str
    name: str
    timezone: str


@dataclass(frozen=True)
class TownshipRef:
    id: int
    code: str
    name: str
    county_id: int


@dataclass(frozen=True)
class Grant:
    id: int
    role: Role
    scope: Scope


@dataclass(frozen=True)
class PersonRow:
    id: int
    display_name: str
    language: str | None
    grant: Grant | None
    last_seen_at: datetime | None = None  # on the identity looked up (office IM, #12)


@dataclass(frozen=True)
class StationRow:
    """A station as the monthly jobs see it: plain values, one per station of a county."""

    id: int
    code: str
    name: str
    tier: str
    status: str
    opened_on: date | None
    failing_months: int = 0  # as of the month `ScoreRepo.stations` was asked for; else 0


@dataclass(frozen=True)
class Recipient:
    """A person holding a live grant in a county. How to reach them (channel, address,
    language) is resolved when a notice to them is sent, not here."""

    person_id: int
    station_id: int | None = None  # the keeper's station; None for county staff


class ScoreRow(TypedDict):
    """One station's score for one run of one month (`station_scores`)."""

    station_id: int
    period: str
    run_no: int
    policy_version: int
    tier: str
    window_months: int
    downstream_fen: int  # window averages, fen
    upstream_fen: int
    upstream_parcels: int
    threshold_downstream_fen: int
    threshold_upstream_fen: int
    threshold_upstream_parcels: int
    verdict: str  # a Verdict value
    failing_months: int
    ladder_step: str  # a LadderStep value
    status_before: str
    scored_at: datetime


class StoredScore(ScoreRow):
    code: str  # the station's code


class JobRun(TypedDict):
    id: int
    job: str
    county_id: int
    period: str  # YYYY-MM, or YYYY-MM-DD for daily jobs
    run_no: int
    trigger: str
    claimed_at: datetime
    claimed_by: str
    finished_at: datetime | None
    reason: str | None
    summary: str | None  # JSON


class DecisionRow(TypedDict):
    station_id: int
    decision: str  # remove | keep | reinstate
    status_before: str
    status_after: str
    period: str | None
    reason: str
    decided_by: int | None
    decided_at: datetime
    request_key: str


class StoredDecision(DecisionRow):
    id: int


class StrandedParcel(TypedDict):
    station_id: int
    entry_id: int
    pickup_code: str
    arrived_at: datetime
    recipient_name: str | None
    tracking_no: str | None


class NetworkRepo(Protocol):
    async def counties(self) -> list[CountyRef]: ...
    async def county_by_code(self, code: str) -> CountyRef | None: ...
    async def county_by_id(self, county_id: int) -> CountyRef | None: ...
    async def township_by_code(self, code: str) -> TownshipRef | None: ...
    async def township_by_id(self, township_id: int) -> TownshipRef | None: ...
    async def station_by_code(self, code: str) -> StationCard | None: ...
    async def station_by_id(self, station_id: int) -> StationCard | None: ...
    async def stations(
        self,
        *,
        county_id: int | None = None,
        township_id: int | None = None,
        station_id: int | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> tuple[list[StationCard], int]: ...


class PeopleRepo(Protocol):
    async def by_identity(self, channel: str, external_id: str) -> PersonRow | None: ...
    async def add_person(self, display_name: str, language: str | None, now: datetime) -> int: ...
    async def link_identity(
        self, person_id: int, channel: str, external_id: str, chat_id: str | None, now: datetime
    ) -> None: ...
    async def add_grant(
        self,
        person_id: int,
        role: Role,
        scope: Scope,
        *,
        granted_by: int | None,
        invite_id: int | None,
        now: datetime,
    ) -> int: ...
    async def set_language(self, person_id: int, language: str) -> None: ...
    async def chat_ids(self, person_id: int, channel: str) -> list[str]: ...
    # office IM (#12): the channel a person last wrote on is where their notices go
    async def touch_identity(self, channel: str, external_id: str, now: datetime) -> None:
        """Note that the person wrote on this channel now."""

    async def set_notice_channel(self, person_id: int, channel: str | None) -> None: ...

    async def names(self, person_ids: Iterable[int]) -> dict[int, str]:
        """{person: display name} for those that exist."""


class InviteRepo(Protocol):
    async def add(
        self,
        *,
        token_hash: str,
        role: Role,
        scope: Scope,
        created_by: int | None,
        created_at: datetime,
        expires_at: datetime,
        request_key: str | None,
    ) -> int | None:
        """The new invite's id, or None when `request_key` was already used."""

    async def by_hash(self, token_hash: str) -> InviteRecord | None: ...
    async def mark_redeemed(self, invite_id: int, person_id: int, now: datetime) -> bool:
        """True when this call redeemed it; False when it was already redeemed."""


class AuditRepo(Protocol):
    async def record(
        self,
        *,
        at: datetime,
        actor_person_id: int | None,
        action: str,
        subject: str,
        details: dict[str, Any] | None = None,
    ) -> None: ...

    async def entries(self, subject_prefix: str = "", limit: int = 100) -> Sequence[dict]: ...


class LedgerRepo(Protocol):
    async def add_entry(self, values: dict[str, Any]) -> int | None:
        """The new entry's id; None when its request_key was already used (a retry)."""

    async def entry_by_request_key(self, request_key: str) -> EntryView | None: ...
    async def entry(self, entry_id: int) -> EntryView | None: ...
    async def related(self, entry_id: int) -> list[EntryView]: ...
    async def recent(self, station_id: int, limit: int = 10) -> list[EntryView]: ...
    async def claim_tracking(
        self, station_id: int, direction: str, tracking_no: str, entry_id: int
    ) -> bool: ...
    async def tracked_entry(
        self, station_id: int, direction: str, tracking_no: str
    ) -> EntryView | None: ...
    async def release_tracking(self, entry_id: int) -> None: ...
    async def next_pickup_seq(self, station_id: int) -> int: ...
    async def code_on_shelf(self, station_id: int, code: str) -> bool: ...
    async def add_parcel(
        self,
        entry_id: int,
        station_id: int,
        code: str,
        phone_last4: str | None,
        arrived_at: datetime,
    ) -> None: ...
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
        """Waiting parcels, oldest first; `name` matches part of the recipient's name."""

    async def closed_parcels(
        self,
        station_id: int,
        *,
        code: str | None = None,
        phone_last4: str | None = None,
        name: str | None = None,
        limit: int = 5,
    ) -> list[ParcelView]:
        """Parcels that left the shelf (picked up, returned), latest arrival first."""

    async def parcel(self, entry_id: int) -> ParcelView | None: ...
    async def set_parcel_status(
        self, entry_id: int, *, expect: str, status: str, closed_by_id: int | None
    ) -> bool: ...
    async def waiting_count(self, station_id: int) -> int: ...
    async def period_totals(
        self, station_id: int, period: str
    ) -> dict[EntryKind, tuple[int, int, int]]: ...
    async def entry_counts(self, station_id: int, period: str) -> dict[EntryKind, int]: ...
    async def product_id(self, county_id: int, name: str) -> int | None: ...
    async def add_product(
        self, county_id: int, name: str, created_by: int | None, now: datetime
    ) -> int: ...
    async def products(self, county_id: int) -> list[str]: ...

    # the counter: plausibility from history (issue 9)
    async def past_sales(
        self, product_id: int, *, station_id: int | None = None, limit: int = 50
    ) -> list[PastSale]:
        """The product's last sales, newest first, leaving out voided ones; one station's,
        or with no station the whole county's (a product belongs to one county)."""


class OutboxRepo(Protocol):
    async def enqueue(self, notices: list[Notice], now: datetime) -> int:
        """Write notices for delivery in the caller's transaction; a notice whose
        dedup_key exists is skipped. Returns how many were new."""

    async def mute(self, person_id: int, category: str, now: datetime) -> bool: ...
    async def unmute(self, person_id: int, category: str) -> bool: ...
    async def mutes(self, person_id: int) -> set[str]: ...


class PolicyRepo(Protocol):
    async def get(self, county_id: int) -> tuple[int, str] | None:
        """(version, policy JSON) stored for the county; None when it has none."""

    async def put(self, county_id: int, policy_json: str, by: str, now: datetime) -> int:
        """Store a new version of the county's policy; returns its version (1, 2, …)."""

    async def county_created_at(self, county_id: int) -> datetime:
        """When the county was set up: the default first scored month follows it."""


class JobRunRepo(Protocol):
    async def claim(
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
        """The run's id if this caller now owns it; None if another owns or finished it.
        An unfinished claim made before `stale_before` (its process died) is taken over."""

    async def last_run_no(self, job: str, county_id: int, period: str) -> int:
        """The highest run number claimed for (job, county, period); 0 when none."""

    async def finished(self, job: str, county_id: int, period: str) -> bool:
        """True when some run of (job, county, period) has finished."""

    async def finish(self, run_id: int, now: datetime, summary: dict[str, Any]) -> None: ...
    async def runs(self, job: str, county_id: int, period: str) -> list[JobRun]:
        """Every run of (job, county, period), by run number."""

    # --- update pipeline (#8): a run's results commit only while its claim is held ---
    async def hold(self, run_id: int, claimer: str) -> bool:
        """In a write transaction, before the run's results: True when `claimer` still
        holds the unfinished run, and the row stays locked to this transaction until it
        commits; False when it was taken over or finished (write nothing then)."""


class ScoreRepo(Protocol):
    async def stations(self, county_id: int, failing_as_of: str | None = None) -> list[StationRow]:
        """Every station of the county (removed ones too), by code. With `failing_as_of`
        (a month), each carries its consecutive failing months as of that month's latest
        run, 0 if it was not scored then: what `failing_months` answers, in the same read
        (monthly scoring needs both)."""

    async def window_totals(
        self,
        county_id: int,
        periods: list[str],
        downstream: Iterable[EntryKind],
        upstream_yuan: Iterable[EntryKind],
        upstream_parcels: Iterable[EntryKind],
    ) -> dict[int, tuple[int, int, int]]:
        """{station: (downstream fen, upstream fen, upstream parcels)} summed over the
        periods; a station with no entries in them is absent."""

    async def failing_months(self, county_id: int, period: str) -> dict[int, int]:
        """Each station's consecutive failing months as of `period` (its latest run);
        a station not scored that month is absent."""

    async def write(self, rows: list[ScoreRow]) -> None:
        """Insert scores; a row whose (station, period, run) exists is skipped."""

    async def of_month(self, county_id: int, period: str) -> list[StoredScore]:
        """The county's scores for the month, every run, by station code and run."""

    async def set_statuses(self, changes: dict[int, str], now: datetime) -> None:
        """Set each station's status ({station id: StationStatus value})."""


class LockRepo(Protocol):
    async def lock(self, county_id: int, period: str, now: datetime, run_id: int | None) -> None:
        """Close the county's month to corrections; locking it again changes nothing."""

    async def locked_at(self, county_id: int, period: str) -> datetime | None: ...
    async def open_exception(
        self,
        station_id: int,
        period: str,
        opened_by: int | None,
        now: datetime,
        expires_at: datetime,
        reason: str,
    ) -> int:
        """Let one station correct a closed month until `expires_at`; the exception's id."""

    async def exception_open(self, station_id: int, period: str, now: datetime) -> bool:
        """True when an exception for the station's month is open at `now`."""


class DecisionRepo(Protocol):
    async def record(self, values: DecisionRow) -> bool:
        """True when recorded; False when its request_key was already used (a retry)."""

    async def of_station(self, station_id: int) -> list[StoredDecision]:
        """The station's decisions, oldest first."""


class RecipientRepo(Protocol):
    async def keepers(self, county_id: int) -> list[Recipient]:
        """Everyone with a live keeper grant on one of the county's stations, whatever
        channel they use (or none)."""

    async def staff(self, county_id: int) -> list[Recipient]:
        """Everyone with a live county-staff grant for the county."""


class ActivityRepo(Protocol):
    async def last_entry_at(self, county_id: int) -> dict[int, datetime]:
        """{station: when its latest entry was recorded}; stations never used are absent."""

    async def stranded(self, county_id: int, before: datetime) -> dict[int, list[StrandedParcel]]:
        """{station: parcels waiting since before `before`, oldest first}."""


# --- office IM (#12): a county's group robots, as the core sees them (no secrets) --------


@dataclass(frozen=True)
class RobotRoute:
    """A group robot that receives a county's staff notices, on outbox channel `channel`
    (`wecom`, `dingtalk`) at chat `robot:<id>`, in `language`."""

    id: int
    channel: str
    language: str
    replaces_staff_chats: bool = False  # True: staff members' chats no longer get them

    @property
    def chat_id(self) -> str:
        return f"robot:{self.id}"


class RobotRepo(Protocol):
    async def routes(self, county_id: int) -> list[RobotRoute]:
        """The county's robots that are not removed."""


# --- subsidy claims (issue 10) ---------------------------------------------------------


class ClaimRepo(Protocol):
    async def add(self, values: dict[str, Any]) -> int | None:
        """The new claim's id; None when its request_key was already used (a retry)."""

    async def by_request_key(self, request_key: str) -> ClaimView | None: ...
    async def get(self, claim_id: int) -> ClaimView | None: ...
    async def live(self, station_id: int, rule_code: str, period: str) -> ClaimView | None:
        """The station's claim under a ledger-backed rule for the month, unless rejected."""

    async def listing(
        self,
        county_id: int,
        *,
        states: Iterable[str] | None = None,
        station_id: int | None = None,
        period: str | None = None,
    ) -> list[ClaimView]:
        """Claims of the county (of one station), oldest first."""

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
        """Compare-and-set: True when the claim was in `expect` and is now in `state`."""

    async def add_event(self, values: dict[str, Any]) -> bool:
        """Record a transition; False when its request_key was already used."""

    async def event_by_key(self, request_key: str) -> ClaimEvent | None: ...
    async def events(self, claim_id: int) -> list[ClaimEvent]: ...
    async def add_lines(self, lines: list[ClaimLine]) -> None: ...
    async def lines(self, claim_id: int) -> list[ClaimLine]: ...
    async def approve_lines(self, claim_id: int) -> None:
        """Make the claim's parcels approved: a tracking number already approved in another
        claim is refused by the database (an integrity error)."""

    async def approved_owners(self, tracking_nos: Iterable[str]) -> dict[str, int]:
        """{tracking number: the approved claim it backs} for those that back one."""

    async def open_owners(self, tracking_nos: Iterable[str], exclude: int) -> dict[str, int]:
        """{tracking number: another claim not yet decided that lists it}."""

    async def approved_claim_of_entry(self, entry_id: int) -> int | None: ...
    async def add_evidence(self, values: dict[str, Any]) -> int | None:
        """The evidence row's id; None when its request key or (claim, sha256) exists."""

    async def evidence(self, claim_id: int) -> list[Evidence]: ...
    async def claims_with_image(self, sha256: str, exclude: int) -> list[int]: ...
    async def spent_fen(self, county_id: int, rule_code: str, year: int) -> int:
        """Approved and paid amounts of the rule for months of the year."""

    async def upstream_parcels(self, station_id: int, period: str) -> list[Parcel]:
        """The station's upstream shipment entries of the month (not the reversals)."""

    async def upstream_counts(self, station_id: int, periods: list[str]) -> list[int]:
        """Net upstream parcel counts of the months, in the order given."""

    def county_upstream_parcels(
        self, county_id: int, period: str
    ) -> AsyncIterator[tuple[int, Parcel, int | None]]:
        """(station, parcel, the approved claim its tracking number backs or None) for every
        upstream shipment of the county's month, by station and entry, streamed."""

    async def add_payable(
        self, claim_id: int, county_id: int, fund: str, amount_fen: int, now: datetime
    ) -> None:
        """The approved claim's payable line in its county's fund account."""

    async def settle_payable(self, claim_id: int, payment_ref: str, now: datetime) -> bool:
        """Settle the claim's open payable line; False if it has none open."""

    async def fund_totals(self, county_id: int) -> list[FundTotal]:
        """The county's subsidy accounts, one per fund, by fund name."""

    async def county_parcel_counts(
        self, county_id: int, period: str, eligible: frozenset[str], min_weight_g: int
    ) -> list[tuple[int, int, int]]:
        """(station, upstream parcels, parcels that count) for each station of the county's
        month with upstream shipments, by station: what `per_parcel_working` counts (not
        voided, an eligible product, at least the weight, a tracking number not behind an
        approved claim, each tracking number once), as one aggregate query."""

    def statement_lines(
        self, county_id: int, period: str, station_id: int | None = None
    ) -> AsyncIterator[StatementLine]:
        """Every parcel behind the approved and paid claims of the county's month (or of one
        station's), by claim and entry, streamed (a county's month can hold a million)."""


# --- the notice board (issue 11) --------------------------------------------------------


class BoardRepo(Protocol):
    """Stations' public codes, notice-board profiles and keepers' check-ins."""

    async def live_code(self, station_id: int) -> StationCodeRecord | None:
        """The station's newest code that is not revoked."""

    async def code(self, code: str) -> StationCodeRecord | None:
        """The record of a printed code, revoked or not."""

    async def last_generation(self, station_id: int) -> int:
        """The newest generation issued for the station (0: none yet)."""

    async def add_code(
        self,
        station_id: int,
        generation: int,
        code: str,
        now: datetime,
        request_key: str | None = None,
    ) -> bool:
        """False when that generation exists already (another issue won)."""

    async def code_issued_by(self, request_key: str) -> StationCodeRecord | None:
        """The code a /revoke_qr issued (its request key), if it ran already."""

    async def revoke_code(self, code: str, by: int | None, now: datetime) -> bool:
        """Compare-and-set: True for the one call that revoked it."""

    async def profile(self, station_id: int) -> StationProfile | None: ...
    async def put_profile(self, profile: StationProfile, by: int | None, request_key: str) -> bool:
        """Upsert; False when this request key was the last write already (a retry)."""

    async def add_checkin(self, checkin: CheckIn, request_key: str) -> int | None:
        """The new id; None when the station has a check-in that day (or a retry)."""

    async def checkin_on(self, station_id: int, day: date) -> CheckIn | None: ...
    async def last_checkin_by(self, person_id: int) -> CheckIn | None: ...
    async def checkins(self, station_id: int, first: date, last: date) -> list[CheckIn]:
        """Check-ins between two local days, inclusive, oldest first."""

    async def first_plausible_checkin(self, station_id: int) -> CheckIn | None:
        """The station's earliest check-in that was not flagged (what staff were offered)."""

    async def checkin_summary(
        self, county_id: int, first: date, last: date
    ) -> dict[int, CheckInSummary]:
        """Every station of the county that ever checked in: its check-in days between two
        local days (inclusive), the verified ones, its last check-in. One query."""

    async def last_checkin(self, station_id: int) -> CheckIn | None:
        """The station's latest check-in, whatever the month."""

    # Live locations (issue 11): a check-in's live location followed through its updates.
    async def start_live_track(self, checkin_id: int, until: datetime) -> None:
        """Follow this check-in's live location until `until` (once; a retry is a no-op)."""

    async def live_track(self, request_key: str) -> tuple[CheckIn, LiveTrack] | None:
        """The check-in made by that message (its request key) and its live track."""

    async def count_live_update(
        self, checkin_id: int, edit_at: datetime, moved: bool
    ) -> LiveTrack | None:
        """Count one update (compare-and-set on its edit time: a redelivered or older
        update counts nothing, nor one after the track moved or was flagged); the track
        after it, or None when nothing was counted."""

    async def flag_live_track(self, checkin_id: int, now: datetime) -> bool:
        """Compare-and-set: True for the one call that flagged a track that never moved;
        the check-in is then flagged (never verified) unless it had a flag already."""

    async def set_station_position(
        self, station_id: int, position: Position, now: datetime
    ) -> bool:
        """Record the station's position if it has none; False when it has one already."""

    async def add_inspection(self, inspection: Inspection, request_key: str) -> int | None:
        """The new id; None when this request key was recorded already (a retry)."""

    async def inspections(self, station_id: int, limit: int = 5) -> list[Inspection]:
        """The latest inspections, newest first."""

    async def rate(
        self, station_id: int, channel: str, external_id: str, stars: int, now: datetime
    ) -> None:
        """One rating per person and station: a new one replaces theirs."""

    async def ratings(self, station_id: int) -> tuple[int, int]:
        """(how many people rated, the sum of their stars)."""

    async def add_complaint(self, complaint: Complaint, request_key: str) -> Complaint:
        """The stored complaint; for a retried request key, the one it stored then."""

    async def complaint(self, reference: str) -> Complaint | None: ...
    async def complaints_since(self, channel: str, external_id: str, since: datetime) -> int:
        """How many complaints this person filed since `since` (the rate limit)."""

    async def handle_complaint(
        self, reference: str, answer: str, by: int | None, now: datetime
    ) -> bool:
        """Compare-and-set received → handled; False when it was handled already."""

    async def open_complaints(self, station_id: int) -> int: ...
    async def subscribe(self, subscription: ArrivalSubscription) -> bool:
        """False when this person already subscribed this number."""

    async def unsubscribe(self, channel: str, external_id: str) -> int:
        """Every subscription of the person ends; how many there were."""

    async def subscriptions(self, phone_digest: str) -> list[ArrivalSubscription]: ...
    async def subscriptions_of(
        self, channel: str, external_id: str
    ) -> list[ArrivalSubscription]: ...


class UnitOfWork(Protocol):
    network: NetworkRepo
    people: PeopleRepo
    invites: InviteRepo
    audit: AuditRepo
    ledger: LedgerRepo
    outbox: OutboxRepo
    policies: PolicyRepo
    job_runs: JobRunRepo
    scores: ScoreRepo
    locks: LockRepo
    decisions: DecisionRepo
    recipients: RecipientRepo
    activity: ActivityRepo
    # office IM (#12)
    robots: RobotRepo
    # subsidy claims (issue 10)
    claims: ClaimRepo
    board: BoardRepo  # the notice board (issue 11)
    links: LinkCodeRepo  # one person, several channels (WeChat, issue 12)

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, *exc: object) -> None: ...
    async def commit(self) -> None: ...


# --- one person, several channels (WeChat, issue 12) -------------------------------------


class LinkCodeRepo(Protocol):
    async def add(
        self,
        *,
        code_hash: str,
        person_id: int,
        created_at: datetime,
        expires_at: datetime,
        request_key: str | None,
    ) -> bool:
        """False when `request_key` made one already (a retried request)."""

    async def by_hash(self, code_hash: str) -> LinkCodeRecord | None: ...

    async def use(self, code_hash: str, now: datetime, used_by: str) -> bool:
        """Compare-and-set: True for the one caller that used an unused code."""


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, write: bool = False) -> UnitOfWork: ...

"""Subsidy claims (补贴申请): states, and the working behind every yuan, as pure functions.

A per-parcel claim's amount is computed from the station's ledger, never typed: which
upstream parcels count, which do not and why (not a produce parcel of the rule, under the
weight, already in an approved claim, voided), and the cap per station and month with the
reason it trimmed. The reviewer sees the same working, plus anomaly flags; suspected
duplicates are decided by a person, never dropped silently. Money is integer fen.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from bot.domain.errors import InvalidInput
from bot.domain.text import N_


class ClaimState(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"
    REJECTED = "rejected"
    PAID = "paid"


class ClaimStep(StrEnum):
    """What a person does to a claim; each is allowed from some states only."""

    SUBMIT = "submit"
    CHECK = "check"  # the township's check, where the county's policy asks for one
    ASK_INFO = "ask_info"
    APPROVE = "approve"
    REJECT = "reject"
    PAY = "pay"


# draft → submitted → needs_info ⇄ submitted → approved / rejected; approved → paid.
TRANSITIONS: dict[tuple[ClaimState, ClaimStep], ClaimState] = {
    (ClaimState.DRAFT, ClaimStep.SUBMIT): ClaimState.SUBMITTED,
    (ClaimState.NEEDS_INFO, ClaimStep.SUBMIT): ClaimState.SUBMITTED,
    # The township's check leaves the claim submitted: it is recorded, and staff's approval
    # waits for it when the county's policy says so.
    (ClaimState.SUBMITTED, ClaimStep.CHECK): ClaimState.SUBMITTED,
    (ClaimState.SUBMITTED, ClaimStep.ASK_INFO): ClaimState.NEEDS_INFO,
    (ClaimState.SUBMITTED, ClaimStep.APPROVE): ClaimState.APPROVED,
    (ClaimState.SUBMITTED, ClaimStep.REJECT): ClaimState.REJECTED,
    (ClaimState.APPROVED, ClaimStep.PAY): ClaimState.PAID,
}

STATE_LABELS = {
    ClaimState.DRAFT: N_("draft"),
    ClaimState.SUBMITTED: N_("submitted"),
    ClaimState.NEEDS_INFO: N_("needs information"),
    ClaimState.APPROVED: N_("approved"),
    ClaimState.REJECTED: N_("rejected"),
    ClaimState.PAID: N_("paid"),
}

STEP_LABELS = {
    ClaimStep.SUBMIT: N_("submit"),
    ClaimStep.CHECK: N_("township check"),
    ClaimStep.ASK_INFO: N_("ask for information"),
    ClaimStep.APPROVE: N_("approve"),
    ClaimStep.REJECT: N_("reject"),
    ClaimStep.PAY: N_("mark paid"),
}


class IllegalTransition(InvalidInput):
    pass


def next_state(number: int, state: ClaimState, step: ClaimStep) -> ClaimState:
    """The state `step` leads to from `state`; refused with what the claim is now."""
    try:
        return TRANSITIONS[(state, step)]
    except KeyError:
        raise IllegalTransition(
            N_('Claim #{number} is {state}: "{step}" is not possible now.'),
            number=number,
            state=STATE_LABELS[state],
            step=STEP_LABELS[step],
        ) from None


# --- the rules' terms, in fen ----------------------------------------------------------


@dataclass(frozen=True)
class PerParcelTerms:
    fen_per_parcel: int
    products: frozenset[str]
    min_weight_g: int
    monthly_cap_fen: int


@dataclass(frozen=True)
class RewardTier:
    up_to_rank: int | None
    min_fen: int | None
    amount_fen: int


@dataclass(frozen=True)
class RewardTerms:
    top_n: int | None
    above_fen: int | None
    amount_fen: int | None
    tiers: tuple[RewardTier, ...] = ()


# --- the per-parcel working -------------------------------------------------------------


class Excluded(StrEnum):
    NOT_PRODUCE = "not_produce"
    UNDER_WEIGHT = "under_weight"
    ALREADY_CLAIMED = "already_claimed"
    VOIDED = "voided"


EXCLUDED_LABELS = {
    Excluded.NOT_PRODUCE: N_("not a produce parcel of this rule"),
    Excluded.UNDER_WEIGHT: N_("under the minimum weight"),
    Excluded.ALREADY_CLAIMED: N_("already in an approved claim"),
    Excluded.VOIDED: N_("voided"),
}


@dataclass(frozen=True)
class Parcel:
    """An upstream shipment entry of the ledger, as the working reads it."""

    entry_id: int
    tracking_no: str
    product: str | None
    weight_g: int | None
    voided: bool
    recorded_at: datetime
    occurred_at: datetime
    phone_last4: str | None = None


@dataclass(frozen=True)
class Working:
    counted: list[Parcel]
    excluded: list[tuple[Parcel, Excluded]]
    fen_per_parcel: int
    cap_fen: int
    claimed_elsewhere: dict[str, int] = field(default_factory=dict)  # tracking → claim no.

    @property
    def gross_fen(self) -> int:
        return len(self.counted) * self.fen_per_parcel

    @property
    def amount_fen(self) -> int:
        return min(self.gross_fen, self.cap_fen)

    @property
    def trimmed_fen(self) -> int:
        return self.gross_fen - self.amount_fen

    def excluded_counts(self) -> dict[Excluded, int]:
        return dict(Counter(reason for _, reason in self.excluded))

    def line_amounts(self) -> list[tuple[Parcel, int]]:
        """Each counted parcel's share of the amount, in fen, summing to it exactly: the
        cap trims from the last parcels (the statement maps every yuan to a parcel)."""
        left = self.amount_fen
        shares = []
        for parcel in self.counted:
            share = min(self.fen_per_parcel, left)
            left -= share
            shares.append((parcel, share))
        return shares


def per_parcel_working(
    parcels: Iterable[Parcel],
    terms: PerParcelTerms,
    approved: Mapping[str, int],
) -> Working:
    """Which parcels count under `terms`. `approved` maps a tracking number already behind
    an approved claim (any station's) to that claim's number."""
    counted: list[Parcel] = []
    excluded: list[tuple[Parcel, Excluded]] = []
    elsewhere: dict[str, int] = {}
    seen: set[str] = set()
    for parcel in sorted(parcels, key=lambda p: (p.occurred_at, p.entry_id)):
        if parcel.voided:
            excluded.append((parcel, Excluded.VOIDED))
        elif parcel.product not in terms.products:
            excluded.append((parcel, Excluded.NOT_PRODUCE))
        elif (parcel.weight_g or 0) < terms.min_weight_g:
            excluded.append((parcel, Excluded.UNDER_WEIGHT))
        elif parcel.tracking_no in approved or parcel.tracking_no in seen:
            excluded.append((parcel, Excluded.ALREADY_CLAIMED))
            if parcel.tracking_no in approved:
                elsewhere[parcel.tracking_no] = approved[parcel.tracking_no]
        else:
            seen.add(parcel.tracking_no)
            counted.append(parcel)
    return Working(counted, excluded, terms.fen_per_parcel, terms.monthly_cap_fen, elsewhere)


# --- the monthly upstream reward ---------------------------------------------------------


def reward_amounts(upstream_fen: Mapping[int, int], terms: RewardTerms) -> dict[int, int]:
    """{station: reward fen} for one month. Top N ranks by upstream yuan (ties at the
    boundary all get in: two stations with the same result are treated alike); a bar
    rewards every station at or above it. A station with nothing upstream gets nothing."""
    ranked = sorted(
        ((fen, station) for station, fen in upstream_fen.items() if fen > 0), reverse=True
    )
    out: dict[int, int] = {}
    if terms.top_n is not None:
        rank = 0
        previous = None
        for position, (fen, station) in enumerate(ranked, 1):
            rank = rank if fen == previous else position
            previous = fen
            if rank > terms.top_n:
                break
            amount = _tier_by_rank(rank, terms)
            if amount:
                out[station] = amount
        return out
    assert terms.above_fen is not None
    for fen, station in ranked:
        if fen >= terms.above_fen:
            amount = _tier_by_fen(fen, terms)
            if amount:
                out[station] = amount
    return out


def _tier_by_rank(rank: int, terms: RewardTerms) -> int:
    if terms.amount_fen is not None:
        return terms.amount_fen
    for tier in sorted(terms.tiers, key=lambda t: t.up_to_rank or 0):
        if tier.up_to_rank is not None and rank <= tier.up_to_rank:
            return tier.amount_fen
    return 0


def _tier_by_fen(fen: int, terms: RewardTerms) -> int:
    if terms.amount_fen is not None:
        return terms.amount_fen
    best = 0
    for tier in sorted(terms.tiers, key=lambda t: t.min_fen or 0):
        if tier.min_fen is not None and fen >= tier.min_fen:
            best = tier.amount_fen
    return best


# --- anomaly flags -----------------------------------------------------------------------


class Flag(StrEnum):
    FAR_ABOVE_MEDIAN = "far_above_median"
    SAME_WEIGHT = "same_weight"
    SAME_RECIPIENT_TAIL = "same_recipient_tail"
    BURST_BEFORE_CLOSE = "burst_before_close"
    DUPLICATE_EVIDENCE = "duplicate_evidence"
    IN_ANOTHER_CLAIM = "in_another_claim"
    OVER_CAP = "over_cap"


FLAG_LABELS = {
    Flag.FAR_ABOVE_MEDIAN: N_("parcels far above the station's usual month"),
    Flag.SAME_WEIGHT: N_("many parcels with the same weight"),
    Flag.SAME_RECIPIENT_TAIL: N_("many parcels with the same recipient phone tail"),
    Flag.BURST_BEFORE_CLOSE: N_("many entries logged just before the month closed"),
    Flag.DUPLICATE_EVIDENCE: N_("the same image is evidence in another claim"),
    Flag.IN_ANOTHER_CLAIM: N_("tracking numbers also in another open claim"),
    Flag.OVER_CAP: N_("over the monthly cap: trimmed"),
}

# Thresholds of the flags: they ask a person to look, they decide nothing.
FAR_ABOVE_FACTOR = 3  # a month over 3× the trailing median …
FAR_ABOVE_MIN = 20  # … and at least 20 parcels
SAME_SHARE = 0.5  # half the counted parcels or more with one weight / one phone tail …
SAME_MIN = 10  # … when there are at least 10
BURST_WINDOW = timedelta(hours=48)  # logged in the last 48 h before the month ended …
BURST_SHARE = 0.5  # … half the parcels or more


def anomaly_flags(
    counted: list[Parcel], trailing_counts: list[int], month_end: datetime
) -> list[Flag]:
    """Flags a reviewer should see for a month's counted parcels. `trailing_counts` are
    the station's upstream parcel counts of the months before (most recent first)."""
    flags: list[Flag] = []
    n = len(counted)
    if trailing_counts:
        median = statistics.median(trailing_counts)
        if n >= FAR_ABOVE_MIN and n > FAR_ABOVE_FACTOR * median:
            flags.append(Flag.FAR_ABOVE_MEDIAN)
    if n >= SAME_MIN:
        weights = Counter(p.weight_g for p in counted)
        if weights.most_common(1)[0][1] >= SAME_SHARE * n:
            flags.append(Flag.SAME_WEIGHT)
        tails = Counter(p.phone_last4 for p in counted if p.phone_last4)
        if tails and tails.most_common(1)[0][1] >= SAME_SHARE * n:
            flags.append(Flag.SAME_RECIPIENT_TAIL)
        late = sum(1 for p in counted if month_end - BURST_WINDOW <= p.recorded_at)
        if late >= BURST_SHARE * n:
            flags.append(Flag.BURST_BEFORE_CLOSE)
    return flags


# --- a stored claim, as the services read it ---------------------------------------------


@dataclass(frozen=True)
class ClaimView:
    id: int
    county_id: int
    station_id: int
    station_code: str
    station_name: str
    rule_code: str
    rule_kind: str
    fund: str
    period: str
    state: ClaimState
    amount_fen: int
    working: dict
    flags: list[str]
    description: str | None
    filed_by: int | None
    created_at: datetime
    updated_at: datetime
    decided_by: int | None = None
    payment_ref: str | None = None
    evidence_count: int = 0


@dataclass(frozen=True)
class ClaimEvent:
    claim_id: int
    step: str
    state_before: str | None
    state_after: str
    reason: str | None
    by_person: int | None
    at: datetime


@dataclass(frozen=True)
class ClaimLine:
    claim_id: int
    entry_id: int
    tracking_no: str
    amount_fen: int


@dataclass(frozen=True)
class Evidence:
    id: int
    claim_id: int
    sha256: str
    size: int
    path: str
    media_type: str | None
    sent_by: int | None
    sent_at: datetime


@dataclass(frozen=True)
class StatementLine:
    """One parcel behind an approved (or paid) yuan, with where it is in the ledger."""

    claim_id: int
    station_code: str
    entry_id: int
    tracking_no: str
    product: str | None
    weight_g: int | None
    occurred_at: datetime
    amount_fen: int


# --- the subsidy account per county and fund (issue 10, part 3) --------------------------


@dataclass(frozen=True)
class FundTotal:
    """One fund's account in a county: what approved claims made payable and is still owed,
    and what was settled by payment."""

    fund: str
    open_lines: int
    open_fen: int
    settled_lines: int
    settled_fen: int

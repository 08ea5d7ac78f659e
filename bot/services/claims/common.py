"""What the claim use cases share: the rule in force, the claim in the actor's scope,
the working computed from the ledger, and the keeper's notice of a decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain.claims import (
    EXCLUDED_LABELS,
    ClaimLine,
    ClaimStep,
    ClaimView,
    Flag,
    Working,
    anomaly_flags,
    per_parcel_working,
)
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.network import StationCard
from bot.domain.notices import Notice, NoticeKind
from bot.domain.numbers import within_id_range
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.network import place_of
from bot.services.policy import CountyPolicy, load_policy
from bot.services.ports import UnitOfWork
from bot.services.subsidy_rules import OtherRule, PerParcelRule, UpstreamRewardRule

TRAILING_MONTHS = 3  # the station's usual month: the median of the three before
LISTED_EXCLUSIONS = 30  # excluded parcels kept by name in a claim's working


@dataclass(frozen=True)
class Computed:
    """A per-parcel claim's working as stored (JSON-able), its lines and its flags."""

    working: dict
    lines: list[tuple[int, str, int]]  # (entry, tracking number, fen)
    flags: list[str]

    @property
    def amount_fen(self) -> int:
        return self.working["amount_fen"]


@dataclass(frozen=True)
class ClaimCard:
    """A claim as a reviewer or keeper sees it."""

    claim: ClaimView
    timezone: str
    rule_name: str
    remaining_budget_fen: int | None = None
    duplicate_images: dict[str, list[int]] = field(default_factory=dict)  # sha → claims
    events: list = field(default_factory=list)
    names: dict[int, str] = field(default_factory=dict)
    township_checked: bool = False

    @property
    def flags(self) -> list[str]:
        flags = list(self.claim.flags)
        if self.duplicate_images and Flag.DUPLICATE_EVIDENCE.value not in flags:
            flags.append(Flag.DUPLICATE_EVIDENCE.value)
        return flags


def parse_period(text: str) -> Period:
    try:
        return Period.parse(text.strip())
    except ValueError:
        raise InvalidInput(N_("Write the month as YYYY-MM, e.g. 2026-10.")) from None


def rule_for(policy: CountyPolicy, code: str, period: Period):
    """The rule named `code`, checked to be in force for the month."""
    rule = policy.subsidy_rule(code.strip())
    if rule is None:
        raise NotFound(N_("No subsidy rule has the code {code}."), code=code.strip()[:20])
    if not rule.in_force(period):
        raise InvalidInput(
            N_("{rule} is not in force for {period}."), rule=rule.name, period=str(period)
        )
    return rule


async def check_claimable(
    uow: UnitOfWork, station: StationCard, rule, period: Period, now: datetime
) -> None:
    """A month can be claimed once the review closed it, within the rule's window."""
    if await uow.locks.locked_at(station.county_id, str(period)) is None:
        raise InvalidInput(
            N_(
                "{period} is not closed yet: a claim can be filed once the monthly review "
                "has closed the month."
            ),
            period=str(period),
        )
    current = Period.of(now, station.county_timezone)
    months_after = (current.year - period.year) * 12 + current.month - period.month
    if months_after > rule.claim_within_months:
        raise InvalidInput(
            N_("{period} can no longer be claimed: {rule} allows {n} months after the month."),
            period=str(period),
            rule=rule.name,
            n=rule.claim_within_months,
        )


async def compute_per_parcel(
    uow: UnitOfWork, station: StationCard, rule: PerParcelRule, period: Period, claim_id: int = 0
) -> Computed:
    parcels = await uow.claims.upstream_parcels(station.id, str(period))
    approved = await uow.claims.approved_owners(p.tracking_no for p in parcels)
    working = per_parcel_working(parcels, rule.terms(), approved)
    trailing_periods = []
    month = period
    for _ in range(TRAILING_MONTHS):
        month = month.previous()
        trailing_periods.append(str(month))
    trailing = await uow.claims.upstream_counts(station.id, trailing_periods)
    _, month_end = period.bounds(station.county_timezone)
    flags = [f.value for f in anomaly_flags(working.counted, [n for n in trailing if n], month_end)]
    others = await uow.claims.open_owners((p.tracking_no for p in working.counted), claim_id)
    if others:
        flags.append(Flag.IN_ANOTHER_CLAIM.value)
    if working.trimmed_fen:
        flags.append(Flag.OVER_CAP.value)
    return Computed(
        _working_json(working, rule, others),
        [(p.entry_id, p.tracking_no, fen) for p, fen in working.line_amounts()],
        flags,
    )


def _working_json(working: Working, rule: PerParcelRule, others: dict[str, int]) -> dict:
    return {
        "kind": "per_parcel",
        "counted": len(working.counted),
        "fen_per_parcel": working.fen_per_parcel,
        "gross_fen": working.gross_fen,
        "cap_fen": working.cap_fen,
        "amount_fen": working.amount_fen,
        "trimmed_fen": working.trimmed_fen,
        "excluded": {reason.value: n for reason, n in working.excluded_counts().items()},
        "excluded_list": [
            [parcel.tracking_no, reason.value]
            for parcel, reason in working.excluded[:LISTED_EXCLUSIONS]
        ],
        "claimed_elsewhere": working.claimed_elsewhere,
        "in_other_claims": others,
    }


def lines_of(claim_id: int, computed: Computed) -> list[ClaimLine]:
    return [ClaimLine(claim_id, entry, tracking, fen) for entry, tracking, fen in computed.lines]


async def claim_in_scope(
    uow: UnitOfWork, actor: Actor, action: Action, claim_id: int
) -> tuple[ClaimView, StationCard]:
    """The claim, if the actor's scope reaches its station (a keeper: their own)."""
    claim = await uow.claims.get(claim_id) if within_id_range(claim_id) else None
    station = await uow.network.station_by_id(claim.station_id) if claim else None
    if claim is None or station is None:
        raise NotFound(N_("No claim #{number}."), number=claim_id)
    authorize(actor, action, place_of(station))
    if actor.scope.station_id is not None and actor.scope.station_id != station.id:
        raise NotFound(N_("No claim #{number}."), number=claim_id)
    return claim, station


async def rule_name(uow: UnitOfWork, claim: ClaimView) -> str:
    _, policy = await load_policy(uow, claim.county_id)
    rule = policy.subsidy_rule(claim.rule_code)
    return rule.name if rule else claim.rule_code


async def remaining_budget(uow: UnitOfWork, claim: ClaimView) -> int | None:
    _, policy = await load_policy(uow, claim.county_id)
    rule = policy.subsidy_rule(claim.rule_code)
    if rule is None:
        return None
    year = int(claim.period[:4])
    return rule.budget_fen - await uow.claims.spent_fen(claim.county_id, rule.code, year)


async def card(uow: UnitOfWork, claim: ClaimView, timezone: str, *, history=False) -> ClaimCard:
    duplicates: dict[str, list[int]] = {}
    for item in await uow.claims.evidence(claim.id):
        others = await uow.claims.claims_with_image(item.sha256, claim.id)
        if others:
            duplicates[item.sha256] = others
    events = await uow.claims.events(claim.id)
    names = await uow.people.names(e.by_person for e in events if e.by_person) if history else {}
    return ClaimCard(
        claim,
        timezone,
        await rule_name(uow, claim),
        await remaining_budget(uow, claim),
        duplicates,
        events if history else [],
        names,
        checked(events),
    )


def checked(events) -> bool:
    """Checked by the township since it was last submitted."""
    last = None
    for event in events:
        if event.step == ClaimStep.SUBMIT.value or event.step == "file":
            last = None
        elif event.step == ClaimStep.CHECK.value:
            last = event
    return last is not None


def decision_notices(claim: ClaimView, state: str, reason: str | None, key: str, keepers):
    """To the keepers of the claim's station, one per decision."""
    return [
        Notice(
            dedup_key=f"claim:{claim.id}:{key}:{keeper.person_id}"[:200],
            kind=NoticeKind.CLAIM_DECISION,
            params={
                "number": claim.id,
                "state": state,
                "reason": reason or "",
                "amount_fen": claim.amount_fen,
                "period": claim.period,
                "station": claim.station_name,
            },
            person_id=keeper.person_id,
        )
        for keeper in keepers
        if keeper.station_id == claim.station_id
    ]


EXCLUSION_TEXT = EXCLUDED_LABELS
RuleModel = PerParcelRule | UpstreamRewardRule | OtherRule

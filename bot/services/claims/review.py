"""County staff on claims: the queue with working, evidence and flags; approve, reject
(reason required), ask for information; mark a batch paid. Every transition is a row of
claim_events (who, when, why) keyed by its request, so a double tap moves a claim once;
the keeper is told through the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.domain.claims import ClaimState, ClaimStep, ClaimView, next_state
from bot.domain.commands import DecideClaim, ListClaims, MarkClaimsPaid, ShowClaim
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.roles import Place
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.claims.common import (
    ClaimCard,
    card,
    checked,
    claim_in_scope,
    decision_notices,
    remaining_budget,
)
from bot.services.env import Env
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork


@dataclass(frozen=True)
class Decided:
    claim: ClaimView
    replay: bool = False


@dataclass(frozen=True)
class Paid:
    claims: list[ClaimView]
    payment_ref: str
    replay: bool = False


@dataclass(frozen=True)
class ClaimList:
    cards: list[ClaimCard]
    total: int
    # Every listed claim's amount by state (not only the cards shown): a station's own
    # statement of what it was granted and paid.
    by_state: dict[str, int] = field(default_factory=dict)


def _reason(text: str, step: ClaimStep) -> str:
    reason = " ".join((text or "").split())
    if step not in (ClaimStep.APPROVE, ClaimStep.CHECK) and len(reason) < 2:
        if step is ClaimStep.REJECT:
            raise InvalidInput(
                N_("Give a reason for the rejection, e.g. 运单重复 (waybill used twice).")
            )
        raise InvalidInput(N_("Write the question for the keeper, e.g. 请补充运单照片."))
    return reason[:500]


STEP_ACTION = {
    ClaimStep.APPROVE: Action.REVIEW_CLAIM,
    ClaimStep.REJECT: Action.REVIEW_CLAIM,
    ClaimStep.ASK_INFO: Action.REVIEW_CLAIM,
    ClaimStep.CHECK: Action.CHECK_CLAIM,
}


async def decide_claim(command: DecideClaim, actor: Actor, uow: UnitOfWork, env: Env) -> Decided:
    try:
        step = ClaimStep(command.step)
    except ValueError:
        raise InvalidInput(N_("Choose approve, reject or ask for information.")) from None
    if step not in STEP_ACTION:
        raise InvalidInput(N_("Choose approve, reject or ask for information."))
    action = STEP_ACTION[step]
    authorize(actor, action)
    claim, station = await claim_in_scope(uow, actor, action, command.claim_id)
    if await uow.claims.event_by_key(command.request_key) is not None:
        return Decided(claim, replay=True)  # the same press again
    reason = _reason(command.reason, step)
    after = next_state(claim.id, claim.state, step)
    now = env.clock.now()
    _, policy = await load_policy(uow, station.county_id)
    if step is ClaimStep.CHECK and not policy.claims.township_check:
        raise InvalidInput(N_("Your county's claims need no township check."))
    if step is ClaimStep.APPROVE:
        if policy.claims.township_check and not checked(await uow.claims.events(claim.id)):
            raise InvalidInput(
                N_("Claim #{number} waits for the township's check before it can be approved."),
                number=claim.id,
            )
        await _check_budget(uow, claim)
        await _check_parcels(uow, claim)
    if not await uow.claims.set_state(
        claim.id,
        expect=claim.state.value,
        state=after,
        now=now,
        decided_by=None if step is ClaimStep.CHECK else actor.person_id,
    ):
        raise InvalidInput(N_("Claim #{number} changed meanwhile; look again."), number=claim.id)
    if step is ClaimStep.APPROVE:
        await uow.claims.approve_lines(claim.id)
        # The fund now owes it: a payable line in the county's account for that fund.
        await uow.claims.add_payable(claim.id, claim.county_id, claim.fund, claim.amount_fen, now)
    await uow.claims.add_event(
        {
            "claim_id": claim.id,
            "step": step.value,
            "state_before": claim.state.value,
            "state_after": after.value,
            "reason": reason or None,
            "by_person": actor.person_id,
            "at": now,
            "request_key": command.request_key,
        }
    )
    fresh = await uow.claims.get(claim.id)
    assert fresh is not None
    if step is not ClaimStep.CHECK:  # a check is not a decision: the keeper waits on
        keepers = await uow.recipients.keepers(claim.county_id)
        await uow.outbox.enqueue(
            decision_notices(fresh, after.value, reason, command.request_key, keepers), now
        )
    return Decided(fresh)


async def _check_budget(uow: UnitOfWork, claim: ClaimView) -> None:
    left = await remaining_budget(uow, claim)
    if left is not None and claim.amount_fen > left:
        raise InvalidInput(
            N_(
                "Approving claim #{number} ({amount} yuan) would exceed the rule's budget for "
                "the year: {left} yuan remain."
            ),
            number=claim.id,
            amount=f"{claim.amount_fen / 100:,.2f}",
            left=f"{max(left, 0) / 100:,.2f}",
        )


async def _check_parcels(uow: UnitOfWork, claim: ClaimView) -> None:
    """A tracking number backs at most one approved claim: refused here with the other
    claim's number (the database refuses it too, should two approvals race)."""
    lines = [line for line in await uow.claims.lines(claim.id) if line.amount_fen > 0]
    owners = await uow.claims.approved_owners(line.tracking_no for line in lines)
    if owners:
        tracking, other = sorted(owners.items())[0]
        raise InvalidInput(
            N_(
                "Claim #{number} cannot be approved: {tracking} (and {n} parcel(s) in all) "
                "already back approved claim #{other}. Reject it, or ask the keeper to file "
                "again without them."
            ),
            number=claim.id,
            tracking=tracking,
            n=len(owners),
            other=other,
        )


async def mark_paid(command: MarkClaimsPaid, actor: Actor, uow: UnitOfWork, env: Env) -> Paid:
    reference = " ".join((command.payment_ref or "").split())[:100]
    if len(reference) < 2:
        raise InvalidInput(N_("Give the payment reference, e.g. 2026-11-财政-0042."))
    if not command.claim_ids:
        raise InvalidInput(N_("Name the claims paid, e.g. 12 13 14."))
    authorize(actor, Action.PAY_CLAIM)
    now = env.clock.now()
    paid: list[ClaimView] = []
    replay = True
    for claim_id in dict.fromkeys(command.claim_ids):
        claim, _ = await claim_in_scope(uow, actor, Action.PAY_CLAIM, claim_id)
        key = f"{command.request_key}:{claim.id}"
        if await uow.claims.event_by_key(key) is not None:
            paid.append(claim)
            continue
        replay = False
        # Any claim not approved refuses the whole batch: nothing is written.
        after = next_state(claim.id, claim.state, ClaimStep.PAY)
        if not await uow.claims.set_state(
            claim.id, expect=claim.state.value, state=after, now=now, payment_ref=reference
        ):
            raise InvalidInput(
                N_("Claim #{number} changed meanwhile; look again."), number=claim.id
            )
        if not await uow.claims.settle_payable(claim.id, reference, now):
            # Approved before the account was kept (a store without the 0016 backfill).
            await uow.claims.add_payable(
                claim.id, claim.county_id, claim.fund, claim.amount_fen, now
            )
            await uow.claims.settle_payable(claim.id, reference, now)
        await uow.claims.add_event(
            {
                "claim_id": claim.id,
                "step": ClaimStep.PAY.value,
                "state_before": claim.state.value,
                "state_after": after.value,
                "reason": reference,
                "by_person": actor.person_id,
                "at": now,
                "request_key": key,
            }
        )
        fresh = await uow.claims.get(claim.id)
        assert fresh is not None
        keepers = await uow.recipients.keepers(claim.county_id)
        await uow.outbox.enqueue(decision_notices(fresh, after.value, reference, key, keepers), now)
        paid.append(fresh)
    return Paid(paid, reference, replay)


async def list_claims(query: ListClaims, actor: Actor, uow: UnitOfWork, env: Env) -> ClaimList:
    """Staff: the county's claims (submitted ones by default: the review queue). A keeper:
    their station's."""
    authorize(actor, Action.VIEW_CLAIMS)
    states = None
    if query.state:
        try:
            states = [ClaimState(query.state).value]
        except ValueError:
            raise InvalidInput(
                N_("Unknown state {state}: use one of {states}."),
                state=query.state[:20],
                states=", ".join(s.value for s in ClaimState),
            ) from None
    township = None
    if actor.scope.station_id is not None:
        station = await uow.network.station_by_id(actor.scope.station_id)
        if station is None:
            raise NotFound(N_("Your station no longer exists. Ask county staff."))
        county_id, timezone, station_id = station.county_id, station.county_timezone, station.id
    elif actor.scope.township_id is not None:
        # A township operator: the claims of their township's stations, to check.
        county = await uow.network.county_by_id(actor.scope.county_id or 0)
        if county is None:
            raise NotFound(N_("No county has the code {code}."), code="")
        county_id, timezone, station_id = county.id, county.timezone, None
        township = actor.scope.township_id
        if states is None:
            states = [ClaimState.SUBMITTED.value]
    else:
        county = await _county(uow, actor, query.county_code)
        county_id, timezone, station_id = county.id, county.timezone, None
        if states is None and query.county_code is None:
            states = [ClaimState.SUBMITTED.value]
    found = await uow.claims.listing(
        county_id, states=states, station_id=station_id, period=query.period
    )
    if township is not None:
        stations = {}
        for claim in found:
            if claim.station_id not in stations:
                stations[claim.station_id] = await uow.network.station_by_id(claim.station_id)
        found = [c for c in found if stations[c.station_id].township_id == township]
    cards = [await card(uow, claim, timezone) for claim in found[: query.limit]]
    by_state: dict[str, int] = {}
    for claim in found:
        by_state[claim.state.value] = by_state.get(claim.state.value, 0) + claim.amount_fen
    return ClaimList(cards, len(found), by_state)


async def _county(uow: UnitOfWork, actor: Actor, code: str | None):
    if code is None:
        if actor.scope.county_id is None:
            raise InvalidInput(N_("Send the county code, e.g. A."))
        county = await uow.network.county_by_id(actor.scope.county_id)
    else:
        county = await uow.network.county_by_code(code.strip().upper())
    if county is None:
        raise NotFound(N_("No county has the code {code}."), code=(code or "").strip()[:20])
    authorize(actor, Action.VIEW_CLAIMS, Place(county_id=county.id))
    return county


async def show_claim(query: ShowClaim, actor: Actor, uow: UnitOfWork, env: Env) -> ClaimCard:
    claim, station = await claim_in_scope(uow, actor, Action.VIEW_CLAIMS, query.claim_id)
    return await card(uow, claim, station.county_timezone, history=True)

"""A keeper's claim: the rules and months open to them, the working previewed, the claim
filed as a draft with its parcels, evidence added, submitted (or staff's question answered).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.claims import ClaimState, ClaimStep, ClaimView, next_state
from bot.domain.commands import AddEvidence, ClaimOptions, FileClaim, PreviewClaim, SubmitClaim
from bot.domain.errors import InvalidInput, NotAllowed
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.services.authz import Action, Actor
from bot.services.claims.common import (
    Computed,
    check_claimable,
    claim_in_scope,
    compute_per_parcel,
    lines_of,
    parse_period,
    rule_for,
)
from bot.services.env import Env
from bot.services.ledger.common import own_station
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork
from bot.services.subsidy_rules import OtherRule, PerParcelRule

MAX_DESCRIPTION = 500


@dataclass(frozen=True)
class Options:
    rules: list[tuple[str, str, str]]  # (code, name, kind) of rules a keeper files under
    periods: list[str]  # for the rule asked about: closed months within its window


@dataclass(frozen=True)
class Preview:
    rule_name: str
    period: str
    computed: Computed


@dataclass(frozen=True)
class Filed:
    claim: ClaimView
    rule_name: str
    replay: bool = False


@dataclass(frozen=True)
class EvidenceAdded:
    claim: ClaimView
    also_in: list[int]  # other claims holding the same image
    replay: bool = False


async def claim_options(query: ClaimOptions, actor: Actor, uow: UnitOfWork, env: Env) -> Options:
    station = await own_station(uow, actor, Action.FILE_CLAIM)
    _, policy = await load_policy(uow, station.county_id)
    now = env.clock.now()
    current = Period.of(now, station.county_timezone)
    fileable = [r for r in policy.subsidies if isinstance(r, PerParcelRule | OtherRule)]
    periods: list[str] = []
    if query.rule_code is not None:
        rule = policy.subsidy_rule(query.rule_code)
        month = current
        for _ in range(rule.claim_within_months if rule in fileable else 0):
            month = month.previous()
            locked = await uow.locks.locked_at(station.county_id, str(month))
            if locked is not None and rule.in_force(month):
                periods.append(str(month))
    return Options([(r.code, r.name, r.kind) for r in fileable], periods)


async def _keeper_rule(uow: UnitOfWork, actor: Actor, env: Env, code: str, period_text: str):
    station = await own_station(uow, actor, Action.FILE_CLAIM)
    version, policy = await load_policy(uow, station.county_id)
    period = parse_period(period_text)
    rule = rule_for(policy, code, period)
    if not isinstance(rule, PerParcelRule | OtherRule):
        raise InvalidInput(
            N_("{rule} needs no filing: the monthly job creates it after the review."),
            rule=rule.name,
        )
    await check_claimable(uow, station, rule, period, env.clock.now())
    return station, version, rule, period


async def preview_claim(query: PreviewClaim, actor: Actor, uow: UnitOfWork, env: Env) -> Preview:
    station, _, rule, period = await _keeper_rule(uow, actor, env, query.rule_code, query.period)
    if not isinstance(rule, PerParcelRule):
        raise InvalidInput(N_("Only a per-parcel rule is computed from the ledger."))
    await _not_filed(uow, station.id, rule, period)
    computed = await compute_per_parcel(uow, station, rule, period)
    return Preview(rule.name, str(period), computed)


async def _not_filed(uow: UnitOfWork, station_id: int, rule, period: Period) -> None:
    existing = await uow.claims.live(station_id, rule.code, str(period))
    if existing is not None:
        raise InvalidInput(
            N_("Claim #{number} already covers {rule} for {period} ({state})."),
            number=existing.id,
            rule=rule.name,
            period=str(period),
            state=existing.state.value,
        )


async def file_claim(command: FileClaim, actor: Actor, uow: UnitOfWork, env: Env) -> Filed:
    earlier = await uow.claims.by_request_key(command.request_key)
    if earlier is not None:
        return Filed(earlier, earlier.rule_code, replay=True)
    station, version, rule, period = await _keeper_rule(
        uow, actor, env, command.rule_code, command.period
    )
    now = env.clock.now()
    computed: Computed | None = None
    description = None
    if isinstance(rule, PerParcelRule):
        await _not_filed(uow, station.id, rule, period)
        computed = await compute_per_parcel(uow, station, rule, period)
        if computed.amount_fen <= 0:
            raise InvalidInput(
                N_("No parcel of {period} counts under {rule}: there is nothing to claim."),
                period=str(period),
                rule=rule.name,
            )
        amount, working, flags = computed.amount_fen, computed.working, computed.flags
    else:
        amount = command.amount_fen or 0
        if not 0 < amount <= rule.ceiling_fen:
            raise InvalidInput(
                N_("The amount must be more than 0 and at most {ceiling} yuan."),
                ceiling=f"{rule.ceiling_fen / 100:.2f}",
            )
        description = " ".join((command.description or "").split())
        if len(description) < 4:
            raise InvalidInput(
                N_("Describe what the money is for, e.g. 冷库电费 (cold store power).")
            )
        description = description[:MAX_DESCRIPTION]
        working = {"kind": "other", "amount_fen": amount, "ceiling_fen": rule.ceiling_fen}
        flags = []
    claim_id = await uow.claims.add(
        {
            "county_id": station.county_id,
            "station_id": station.id,
            "rule_code": rule.code,
            "rule_kind": rule.kind,
            "fund": rule.fund_name,
            "period": str(period),
            "state": ClaimState.DRAFT.value,
            "amount_fen": amount,
            "working": working,
            "flags": flags,
            "description": description,
            "policy_version": version,
            "filed_by": actor.person_id,
            "created_at": now,
            "updated_at": now,
            "request_key": command.request_key,
        }
    )
    assert claim_id is not None
    if computed is not None:
        await uow.claims.add_lines(lines_of(claim_id, computed))
    await uow.claims.add_event(
        {
            "claim_id": claim_id,
            "step": "file",
            "state_before": None,
            "state_after": ClaimState.DRAFT.value,
            "reason": None,
            "by_person": actor.person_id,
            "at": now,
            "request_key": f"{command.request_key}#file",
        }
    )
    claim = await uow.claims.get(claim_id)
    assert claim is not None
    return Filed(claim, rule.name)


async def add_evidence(
    command: AddEvidence, actor: Actor, uow: UnitOfWork, env: Env
) -> EvidenceAdded:
    claim, station = await claim_in_scope(uow, actor, Action.FILE_CLAIM, command.claim_id)
    if actor.scope.station_id != station.id:
        raise NotAllowed(N_("You are not allowed to do that."))
    if claim.state not in (ClaimState.DRAFT, ClaimState.SUBMITTED, ClaimState.NEEDS_INFO):
        raise InvalidInput(
            N_("Claim #{number} is decided; evidence can no longer be added."), number=claim.id
        )
    added = await uow.claims.add_evidence(
        {
            "claim_id": claim.id,
            "sha256": command.sha256,
            "size": command.size,
            "path": command.path,
            "media_type": command.media_type,
            "sent_by": actor.person_id,
            "sent_at": env.clock.now(),
            "request_key": command.request_key,
        }
    )
    also_in = await uow.claims.claims_with_image(command.sha256, claim.id)
    fresh = await uow.claims.get(claim.id)
    assert fresh is not None
    return EvidenceAdded(fresh, also_in, replay=added is None)


async def submit_claim(command: SubmitClaim, actor: Actor, uow: UnitOfWork, env: Env) -> Filed:
    """Draft → submitted, or needs-info → submitted with the keeper's answer."""
    claim, station = await claim_in_scope(uow, actor, Action.FILE_CLAIM, command.claim_id)
    if actor.scope.station_id != station.id:
        raise NotAllowed(N_("You are not allowed to do that."))
    if await uow.claims.event_by_key(command.request_key) is not None:
        return Filed(claim, claim.rule_code, replay=True)
    after = next_state(claim.id, claim.state, ClaimStep.SUBMIT)
    note = " ".join((command.note or "").split())[:MAX_DESCRIPTION] or None
    if claim.state is ClaimState.NEEDS_INFO and not note:
        raise InvalidInput(N_("Write your answer to the county's question."))
    _, policy = await load_policy(uow, station.county_id)
    rule = policy.subsidy_rule(claim.rule_code)
    if isinstance(rule, OtherRule) and claim.evidence_count < rule.min_evidence:
        raise InvalidInput(
            N_("Add at least {n} photo(s) of receipts or other evidence before submitting."),
            n=rule.min_evidence,
        )
    now = env.clock.now()
    if not await uow.claims.set_state(claim.id, expect=claim.state.value, state=after, now=now):
        raise InvalidInput(N_("Claim #{number} changed meanwhile; look again."), number=claim.id)
    await uow.claims.add_event(
        {
            "claim_id": claim.id,
            "step": ClaimStep.SUBMIT.value,
            "state_before": claim.state.value,
            "state_after": after.value,
            "reason": note,
            "by_person": actor.person_id,
            "at": now,
            "request_key": command.request_key,
        }
    )
    fresh = await uow.claims.get(claim.id)
    assert fresh is not None
    return Filed(fresh, rule.name if rule else claim.rule_code)

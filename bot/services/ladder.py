"""County staff's decisions on the retention ladder, and exceptions to a month's lock.

Removal needs a person's decision with a reason; reinstatement is possible; each one is
recorded (station_decisions) and audited, and the keeper is told through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.commands import (
    DecideRemoval,
    OpenLockException,
    ReinstateStation,
    StationForDecision,
)
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.network import StationCard, StationStatus
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.env import Env
from bot.services.network import parse_code, place_of
from bot.services.notice_builders import decision_notices
from bot.services.ports import UnitOfWork


class Decision:
    REMOVE = "remove"
    KEEP = "keep"
    REINSTATE = "reinstate"


@dataclass(frozen=True)
class Decided:
    station: StationCard
    decision: str
    status_after: str
    already: bool


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise InvalidInput(N_("Give a reason, e.g. 连续三个月未达标 (three months below target)."))
    return reason[:500]


async def _station(
    uow: UnitOfWork,
    actor: Actor,
    action: Action,
    *,
    station_id: int | None = None,
    code: str | None = None,
) -> StationCard:
    authorize(actor, action)
    if station_id is not None:
        card = await uow.network.station_by_id(station_id)
    else:
        code = parse_code(code or "")
        card = await uow.network.station_by_code(code)
    if card is None:
        raise NotFound(N_("No station has the code {code}."), code=code or station_id)
    authorize(actor, action, place_of(card))
    return card


async def station_for_decision(
    query: StationForDecision, actor: Actor, uow: UnitOfWork, env: Env
) -> StationCard:
    return await _station(uow, actor, Action.DECIDE_REMOVAL, station_id=query.station_id)


async def decide_removal(
    command: DecideRemoval, actor: Actor, uow: UnitOfWork, env: Env
) -> Decided:
    """Remove a removal candidate, or keep it on probation."""
    if command.decision not in (Decision.REMOVE, Decision.KEEP):
        raise InvalidInput(N_("Choose remove or keep."))
    return await _decide(
        uow,
        actor,
        env,
        decision=command.decision,
        reason=command.reason,
        request_key=command.request_key,
        station_id=command.station_id,
        period=command.period,
    )


async def reinstate_station(
    command: ReinstateStation, actor: Actor, uow: UnitOfWork, env: Env
) -> Decided:
    return await _decide(
        uow,
        actor,
        env,
        decision=Decision.REINSTATE,
        reason=command.reason,
        request_key=command.request_key,
        code=command.code,
    )


async def _decide(
    uow: UnitOfWork,
    actor: Actor,
    env: Env,
    *,
    decision: str,
    reason: str,
    request_key: str,
    station_id: int | None = None,
    code: str | None = None,
    period: str | None = None,
) -> Decided:
    reason = _reason(reason)
    now = env.clock.now()
    card = await _station(uow, actor, Action.DECIDE_REMOVAL, station_id=station_id, code=code)
    before = card.status
    if decision == Decision.REINSTATE:
        if before is not StationStatus.REMOVED:
            raise InvalidInput(
                N_("{code} is not removed; there is nothing to reinstate."), code=card.code
            )
        after = StationStatus.ACTIVE
    elif before is StationStatus.REMOVED:
        return Decided(card, decision, before.value, already=True)
    elif decision == Decision.REMOVE:
        after = StationStatus.REMOVED
    else:  # keep: stays on probation, the ladder goes on next month
        after = before
    recorded = await uow.decisions.record(
        {
            "station_id": card.id,
            "decision": decision,
            "status_before": before.value,
            "status_after": after.value,
            "period": period,
            "reason": reason,
            "decided_by": actor.person_id,
            "decided_at": now,
            "request_key": request_key,
        }
    )
    if not recorded:  # the same button pressed twice
        return Decided(card, decision, after.value, already=True)
    if after is not before:
        await uow.scores.set_statuses({card.id: after.value}, now)
    await uow.audit.record(
        at=now,
        actor_person_id=actor.person_id,
        action=f"station.{decision}",
        subject=f"station:{card.code}",
        details={
            "before": before.value,
            "after": after.value,
            "reason": reason,
            "period": period,
        },
    )
    keepers = await uow.recipients.keepers(card.county_id)
    await uow.outbox.enqueue(decision_notices(card, decision, reason, request_key, keepers), now)
    return Decided(card, decision, after.value, already=False)


async def open_lock_exception(
    command: OpenLockException, actor: Actor, uow: UnitOfWork, env: Env
) -> tuple[StationCard, datetime]:
    """Let one station correct a closed month for a few hours, on the record."""
    reason = _reason(command.reason)
    try:
        month = Period.parse(command.period)
    except ValueError:
        raise InvalidInput(N_("Write the month as YYYY-MM, e.g. 2026-10.")) from None
    if not 1 <= command.hours <= 24 * 7:
        raise InvalidInput(N_("An exception lasts 1 to 168 hours."))
    now = env.clock.now()
    card = await _station(uow, actor, Action.OPEN_EXCEPTION, code=command.code)
    if await uow.locks.locked_at(card.county_id, str(month)) is None:
        raise InvalidInput(
            N_("{period} is not closed; the keeper can still correct it."), period=str(month)
        )
    expires = now + timedelta(hours=command.hours)
    await uow.locks.open_exception(card.id, str(month), actor.person_id, now, expires, reason)
    await uow.audit.record(
        at=now,
        actor_person_id=actor.person_id,
        action="lock.exception",
        subject=f"station:{card.code}",
        details={"period": str(month), "hours": command.hours, "reason": reason},
    )
    return card, expires

"""County staff's decisions on the retention ladder, and exceptions to a month's lock.

Removal needs a person's decision with a reason; reinstatement is possible; each one is
recorded (station_decisions) and audited, and the keeper is told through the outbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.alerts import Alert, AlertCategory
from bot.domain.clock import Clock
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.network import StationCard, StationStatus
from bot.domain.periods import Period
from bot.domain.text import N_
from bot.i18n import Translator, pick_language
from bot.services.authz import Action, Actor, authorize
from bot.services.network import parse_code, place_of
from bot.services.ports import UnitOfWork, UnitOfWorkFactory


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


class Ladder:
    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def _station(
        self,
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

    async def station(self, actor: Actor, station_id: int) -> StationCard:
        async with self.uow_factory() as uow:
            return await self._station(uow, actor, Action.DECIDE_REMOVAL, station_id=station_id)

    async def decide(
        self,
        actor: Actor,
        *,
        decision: str,
        reason: str,
        request_key: str,
        station_id: int | None = None,
        code: str | None = None,
        period: str | None = None,
    ) -> Decided:
        reason = _reason(reason)
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            card = await self._station(
                uow, actor, Action.DECIDE_REMOVAL, station_id=station_id, code=code
            )
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
            recorded = await uow.scoring.record_decision(
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
                await uow.scoring.set_statuses({card.id: after.value}, now)
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
            await uow.outbox.enqueue(
                await self._tell_keepers(uow, card, decision, reason, request_key), now
            )
            await uow.commit()
        return Decided(card, decision, after.value, already=False)

    @staticmethod
    async def _tell_keepers(uow, card, decision, reason, key) -> list[Alert]:
        messages = {
            Decision.REMOVE: N_(
                "County staff decided to remove {station} from the network. Reason: {reason}"
            ),
            Decision.KEEP: N_(
                "County staff decided {station} stays, on probation. Reason: {reason}"
            ),
            Decision.REINSTATE: N_(
                "{station} has been reinstated in the network. Reason: {reason}"
            ),
        }
        alerts = []
        for keeper in await uow.scoring.keepers(card.county_id):
            if keeper.station_id != card.id:
                continue
            t = Translator(pick_language(keeper.language))
            alerts.append(
                Alert(
                    dedup_key=f"decision:{key}:{keeper.person_id}",
                    category=AlertCategory.DECISION,
                    chat_id=keeper.chat_id,
                    person_id=keeper.person_id,
                    text=t(messages[decision], station=card.name, reason=reason),
                )
            )
        return alerts

    async def open_exception(
        self, actor: Actor, code: str, period: str, hours: int, reason: str
    ) -> tuple[StationCard, datetime]:
        """Let one station correct a closed month for a few hours, on the record."""
        reason = _reason(reason)
        try:
            month = Period.parse(period)
        except ValueError:
            raise InvalidInput(N_("Write the month as YYYY-MM, e.g. 2026-10.")) from None
        if not 1 <= hours <= 24 * 7:
            raise InvalidInput(N_("An exception lasts 1 to 168 hours."))
        now = self.clock.now()
        async with self.uow_factory(write=True) as uow:
            card = await self._station(uow, actor, Action.OPEN_EXCEPTION, code=code)
            if await uow.scoring.locked_at(card.county_id, str(month)) is None:
                raise InvalidInput(
                    N_("{period} is not closed; the keeper can still correct it."),
                    period=str(month),
                )
            expires = now + timedelta(hours=hours)
            await uow.scoring.open_exception(
                card.id, str(month), actor.person_id, now, expires, reason
            )
            await uow.audit.record(
                at=now,
                actor_person_id=actor.person_id,
                action="lock.exception",
                subject=f"station:{card.code}",
                details={"period": str(month), "hours": hours, "reason": reason},
            )
            await uow.commit()
        return card, expires

"""The statement of a county's month for the finance bureau: one row per claim (station,
rule, working, amount, state, reviewer), totals per rule and fund, and every parcel behind
every approved yuan, streamed from the ledger (run it inside a unit of work the caller
keeps open while it writes the lines)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bot.domain.claims import ClaimState, ClaimView, StatementLine
from bot.domain.commands import ClaimStatement, StationClaimStatement
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.roles import Place
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.claims.common import parse_period
from bot.services.env import Env
from bot.services.policy import CountyPolicy, load_policy
from bot.services.ports import CountyRef, UnitOfWork

SPENT = (ClaimState.APPROVED, ClaimState.PAID)


@dataclass
class RuleTotal:
    rule_code: str
    rule_name: str
    fund: str
    claims: int = 0
    approved_fen: int = 0  # approved or paid
    paid_fen: int = 0


@dataclass(frozen=True)
class Statement:
    county: CountyRef
    period: str
    claims: list[ClaimView]
    rule_names: dict[str, str]
    reviewers: dict[int, str]
    totals: list[RuleTotal]
    lines: AsyncIterator[StatementLine] = field(repr=False)
    station_code: str | None = None  # a station's own statement; None: the county's

    @property
    def approved_fen(self) -> int:
        return sum(t.approved_fen for t in self.totals)


async def claim_statement(
    query: ClaimStatement, actor: Actor, uow: UnitOfWork, env: Env
) -> Statement:
    period = parse_period(query.period)
    county = await uow.network.county_by_code(query.county_code.strip().upper())
    if county is None:
        raise NotFound(N_("No county has the code {code}."), code=query.county_code[:20])
    authorize(actor, Action.VIEW_CLAIMS, Place(county_id=county.id))
    _, policy = await load_policy(uow, county.id)
    claims = await uow.claims.listing(county.id, period=str(period))
    return await _statement(
        uow, county, str(period), policy, claims, uow.claims.statement_lines(county.id, str(period))
    )


async def station_claim_statement(
    query: StationClaimStatement, actor: Actor, uow: UnitOfWork, env: Env
) -> Statement:
    """The same statement for one station: a keeper's own (they name no station, or their
    own); staff name a station of their county."""
    period = parse_period(query.period)
    code = (query.station_code or "").strip().upper()
    if code:
        station = await uow.network.station_by_code(code)
        if station is None:
            raise NotFound(N_("No station has the code {code}."), code=code[:20])
    elif actor.scope.station_id is not None:
        station = await uow.network.station_by_id(actor.scope.station_id)
        if station is None:
            raise NotFound(N_("Your station no longer exists. Ask county staff."))
    else:
        raise InvalidInput(
            N_("Name the station after the month, e.g. {period} A-S1."), period=str(period)
        )
    authorize(
        actor,
        Action.VIEW_CLAIMS,
        Place(county_id=station.county_id, township_id=station.township_id, station_id=station.id),
    )
    county = await uow.network.county_by_id(station.county_id)
    assert county is not None  # the station's own county
    _, policy = await load_policy(uow, county.id)
    claims = await uow.claims.listing(county.id, period=str(period), station_id=station.id)
    lines = uow.claims.statement_lines(county.id, str(period), station_id=station.id)
    return await _statement(uow, county, str(period), policy, claims, lines, station.code)


async def _statement(
    uow: UnitOfWork,
    county: CountyRef,
    period: str,
    policy: CountyPolicy,
    claims: list[ClaimView],
    lines: AsyncIterator[StatementLine],
    station_code: str | None = None,
) -> Statement:
    names = {rule.code: rule.name for rule in policy.subsidies}
    totals: dict[str, RuleTotal] = {}
    for claim in claims:
        total = totals.setdefault(
            claim.rule_code,
            RuleTotal(claim.rule_code, names.get(claim.rule_code, claim.rule_code), claim.fund),
        )
        total.claims += 1
        if claim.state in SPENT:
            total.approved_fen += claim.amount_fen
        if claim.state is ClaimState.PAID:
            total.paid_fen += claim.amount_fen
    reviewers = await uow.people.names(c.decided_by for c in claims if c.decided_by)
    return Statement(
        county,
        period,
        claims,
        names,
        reviewers,
        sorted(totals.values(), key=lambda t: t.rule_code),
        lines,
        station_code,
    )

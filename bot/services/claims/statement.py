"""The statement of a county's month for the finance bureau: one row per claim (station,
rule, working, amount, state, reviewer), totals per rule and fund, and every parcel behind
every approved yuan, streamed from the ledger (run it inside a unit of work the caller
keeps open while it writes the lines)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from bot.domain.claims import ClaimState, ClaimView, StatementLine
from bot.domain.commands import ClaimStatement
from bot.domain.errors import NotFound
from bot.domain.roles import Place
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.claims.common import parse_period
from bot.services.env import Env
from bot.services.policy import load_policy
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
        str(period),
        claims,
        names,
        reviewers,
        sorted(totals.values(), key=lambda t: t.rule_code),
        uow.claims.statement_lines(county.id, str(period)),
    )

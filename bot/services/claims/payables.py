"""The subsidy account per county and fund (专款专用、单独建账): approving a claim makes it a
payable line of its fund (bot/services/claims/review.py), paying it settles the line with
the payment reference; this reads the accounts' totals for staff and the finance bureau."""

from __future__ import annotations

from bot.domain.claims import FundTotal
from bot.domain.commands import SubsidyAccount
from bot.domain.errors import NotFound
from bot.domain.roles import Place
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.env import Env
from bot.services.ports import UnitOfWork


async def subsidy_account(
    query: SubsidyAccount, actor: Actor, uow: UnitOfWork, env: Env
) -> list[FundTotal]:
    county = await uow.network.county_by_code(query.county_code.strip().upper())
    if county is None:
        raise NotFound(N_("No county has the code {code}."), code=query.county_code[:20])
    authorize(actor, Action.VIEW_CLAIMS, Place(county_id=county.id))
    return await uow.claims.fund_totals(county.id)

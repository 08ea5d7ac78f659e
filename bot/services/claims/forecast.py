"""A per-parcel rule's working for every station of a county's month at once, so staff see
what the month will cost the fund before anyone files (and the benchmark measures the
working at county scale: benchmarks/claims.py). The figures are one aggregate query;
`county_workings` streams every parcel through `per_parcel_working` where the parcels
themselves are needed (each parcel's line of a claim)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from bot.domain.claims import Parcel, Working, per_parcel_working
from bot.domain.commands import ClaimForecast
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.roles import Place
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.claims.common import parse_period, rule_for
from bot.services.env import Env
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork
from bot.services.subsidy_rules import PerParcelRule


@dataclass(frozen=True)
class StationForecast:
    station_id: int
    counted: int
    gross_fen: int
    amount_fen: int
    trimmed_fen: int
    excluded: int


@dataclass(frozen=True)
class Forecast:
    rule_name: str
    period: str
    stations: list[StationForecast]
    budget_fen: int

    @property
    def amount_fen(self) -> int:
        return sum(s.amount_fen for s in self.stations)


async def county_workings(
    uow: UnitOfWork, county_id: int, rule: PerParcelRule, period: str
) -> AsyncIterator[tuple[int, Working]]:
    """(station, working) for each station with upstream parcels in the month."""
    terms = rule.terms()
    station: int | None = None
    parcels: list[Parcel] = []
    approved: dict[str, int] = {}
    async for station_id, parcel, owner in uow.claims.county_upstream_parcels(county_id, period):
        if station_id != station:
            if station is not None:
                yield station, per_parcel_working(parcels, terms, approved)
            station, parcels, approved = station_id, [], {}
        parcels.append(parcel)
        if owner is not None:
            approved[parcel.tracking_no] = owner
    if station is not None:
        yield station, per_parcel_working(parcels, terms, approved)


async def claim_forecast(query: ClaimForecast, actor: Actor, uow: UnitOfWork, env: Env) -> Forecast:
    county = await uow.network.county_by_code(query.county_code.strip().upper())
    if county is None:
        raise NotFound(N_("No county has the code {code}."), code=query.county_code[:20])
    authorize(actor, Action.VIEW_CLAIMS, Place(county_id=county.id))
    period = parse_period(query.period)
    _, policy = await load_policy(uow, county.id)
    rule = rule_for(policy, query.rule_code, period)
    if not isinstance(rule, PerParcelRule):
        raise InvalidInput(N_("Only a per-parcel rule is computed from the ledger."))
    # The per-station working is a count times a rate under a cap: a plain aggregate, so
    # the database computes it (the same rules as `per_parcel_working`, which
    # tests/storage/test_claims.py holds it to) rather than streaming every parcel here.
    terms = rule.terms()
    counts = await uow.claims.county_parcel_counts(
        county.id, str(period), terms.products, terms.min_weight_g
    )
    stations = []
    for station_id, parcels, counted in counts:
        gross = counted * terms.fen_per_parcel
        amount = min(gross, terms.monthly_cap_fen)
        stations.append(
            StationForecast(station_id, counted, gross, amount, gross - amount, parcels - counted)
        )
    return Forecast(rule.name, str(period), stations, rule.budget_fen)

"""The month at a glance (/month): the station's figures against its county's policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.domain.assessment import Assessment, Figures, Thresholds, assess, months_open, window
from bot.domain.commands import FindTracked, ListProducts, ShowMonth
from bot.domain.ledger import EntryView
from bot.domain.network import StationCard
from bot.domain.periods import Period
from bot.domain.policy import MonthMetrics
from bot.services.authz import Action, Actor
from bot.services.env import Env
from bot.services.ledger.common import own_station, station_in_scope
from bot.services.policy import CountyPolicy, load_policy
from bot.services.ports import UnitOfWork


@dataclass(frozen=True)
class MonthView:
    station: StationCard
    period: Period
    metrics: MonthMetrics
    thresholds: Thresholds
    verdict: Assessment
    waiting: int
    days_left: int


async def show_month(query: ShowMonth, actor: Actor, uow: UnitOfWork, env: Env) -> MonthView:
    station = await station_in_scope(uow, actor, Action.VIEW_LEDGER, query.code)
    return await month_view(uow, station, query.period, env.clock.now())


async def month_view(
    uow: UnitOfWork, station: StationCard, period_text: str | None, now: datetime
) -> MonthView:
    """One station's month against its county's policy: the keeper's /month, and the
    county desk's card of the same station, from this one function."""
    timezone = station.county_timezone
    period = Period.parse(period_text) if period_text else Period.of(now, timezone)
    totals = await uow.ledger.period_totals(station.id, str(period))
    counts = await uow.ledger.entry_counts(station.id, str(period))
    waiting = await uow.ledger.waiting_count(station.id)
    # The county's own policy decides thresholds and which kinds count.
    _, policy = await load_policy(uow, station.county_id)
    m = policy.metrics
    metrics = MonthMetrics.from_totals(
        totals,
        counts,
        downstream=m.downstream_kinds,
        upstream_yuan=m.upstream_yuan_kinds,
        upstream_parcels=m.upstream_parcel_kinds,
    )
    earlier = Figures()
    for before in window(period, policy.assessment.window_months)[1:]:
        done = await uow.ledger.period_totals(station.id, str(before))
        earlier += policy.month_metrics(done).figures
    return MonthView(
        station=station,
        period=period,
        metrics=metrics,
        thresholds=policy.thresholds_for(station.tier),
        verdict=month_verdict(policy, station, period, metrics.figures, earlier),
        waiting=waiting,
        days_left=period.days_left(now, timezone),
    )


def month_verdict(
    policy: CountyPolicy, station: StationCard, period: Period, month: Figures, earlier: Figures
) -> Assessment:
    """The month's verdict's own test (window average and grace included), so /month,
    the county desk and the verdict scoring sends after the month cannot disagree."""
    return assess(
        month,
        policy.thresholds_for(station.tier),
        policy.rules(),
        earlier=earlier,
        months_open=months_open(station.opened_on, period),
    )


async def list_products(query: ListProducts, actor: Actor, uow: UnitOfWork, env: Env) -> list[str]:
    station = await own_station(uow, actor, Action.VIEW_LEDGER)
    return await uow.ledger.products(station.county_id)


async def find_tracked(
    query: FindTracked, actor: Actor, uow: UnitOfWork, env: Env
) -> EntryView | None:
    station = await own_station(uow, actor, Action.RECORD_LEDGER)
    return await uow.ledger.tracked_entry(station.id, query.direction, query.tracking_no)

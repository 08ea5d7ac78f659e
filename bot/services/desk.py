"""The county desk: what county staff and township operators see of every station in
their scope — one station's whole card (/station CODE), and the list of stations
filtered and sorted (/stations) — with the same month test as the keeper's /month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.domain.assessment import Assessment, Figures, window
from bot.domain.board import CheckInSummary, checkin_silent
from bot.domain.commands import ListStations, StationDesk
from bot.domain.errors import InvalidInput, NotFound
from bot.domain.network import StationCard, StationStatus
from bot.domain.periods import Period
from bot.domain.roles import Place, Role
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize
from bot.services.env import Env
from bot.services.ledger.month import MonthView, month_verdict, month_view
from bot.services.ledger.shelf import stranded_before
from bot.services.network import parse_code, place_of
from bot.services.policy import load_policy
from bot.services.ports import StoredDecision, UnitOfWork

PAGE_SIZE = 15
LADDER_MONTHS = 6  # how many ended months of scores the card shows
SORTS = ("code", "activity", "downstream", "upstream")
ALL_STATIONS = 100_000


@dataclass(frozen=True)
class LadderMark:
    """One scored month of a station: its verdict and where it stood on the ladder."""

    period: str
    verdict: str
    failing_months: int
    ladder_step: str


@dataclass(frozen=True)
class DeskCard:
    card: StationCard
    month: MonthView
    keepers: list[str]
    ladder: list[LadderMark]  # latest month first
    decisions: list[StoredDecision]  # oldest first
    waiting: int
    stranded: int
    last_activity: datetime | None
    idle_days: int  # the county's idle line, in days
    now: datetime


async def station_desk(query: StationDesk, actor: Actor, uow: UnitOfWork, env: Env) -> DeskCard:
    now = env.clock.now()
    card = await uow.network.station_by_code(parse_code(query.code))
    if card is None:
        raise NotFound(N_("No station has the code {code}."), code=query.code.strip()[:40])
    authorize(actor, Action.VIEW_LEDGER, place_of(card))
    month = await month_view(uow, card, None, now)
    _, policy = await load_policy(uow, card.county_id)
    ladder = []
    period = month.period
    for _ in range(LADDER_MONTHS):
        period = period.previous()
        runs = [s for s in await uow.scores.of_month(card.county_id, str(period))]
        mine = [s for s in runs if s["station_id"] == card.id]
        if mine:
            last = mine[-1]  # the latest run counts
            ladder.append(
                LadderMark(
                    str(period), last["verdict"], last["failing_months"], last["ladder_step"]
                )
            )
    line = await stranded_before(uow, card, now)
    stranded = (await uow.activity.stranded(card.county_id, line)).get(card.id, [])
    last = (await uow.activity.last_entry_at(card.county_id)).get(card.id)
    keepers = [
        r.person_id for r in await uow.recipients.keepers(card.county_id) if r.station_id == card.id
    ]
    names = await uow.people.names(keepers)
    return DeskCard(
        card=card,
        month=month,
        keepers=[names[k] for k in keepers if k in names],
        ladder=ladder,
        decisions=await uow.decisions.of_station(card.id),
        waiting=month.waiting,
        stranded=len(stranded),
        last_activity=last,
        idle_days=policy.reminders.idle_reminder_days,
        now=now,
    )


@dataclass(frozen=True)
class DeskRow:
    card: StationCard
    verdict: Assessment
    month: Figures  # this month so far
    last_activity: datetime | None
    stranded: int
    idle: bool
    # The notice board (issue 11): this month's check-in days, the verified ones, the
    # last check-in ever, and whether it has none for the county's idle days.
    checkins: CheckInSummary = field(default_factory=CheckInSummary)
    no_checkin: bool = False


@dataclass(frozen=True)
class DeskPage:
    rows: list[DeskRow]
    total: int  # after the filters
    page: int
    pages: int
    query: ListStations
    timezone: str
    period: str
    now: datetime
    filtered: bool = field(default=False)


async def list_stations(query: ListStations, actor: Actor, uow: UnitOfWork, env: Env) -> DeskPage:
    authorize(actor, Action.LIST_STATIONS)
    if query.sort not in SORTS:
        raise InvalidInput(N_("Sort by one of: {sorts}."), sorts=", ".join(SORTS))
    now = env.clock.now()
    county_ids, township_id = await _scope(uow, actor, query.township)
    rows: list[DeskRow] = []
    timezone, period = "Asia/Shanghai", ""
    for county_id in county_ids:
        cards, _ = await uow.network.stations(
            county_id=county_id, township_id=township_id, limit=ALL_STATIONS
        )
        if not cards:
            continue
        timezone = cards[0].county_timezone
        rows += await _county_rows(uow, county_id, cards, now)
        period = str(Period.of(now, timezone))
    if query.state:
        rows = [r for r in rows if r.card.status.value == query.state]
    if query.idle:
        rows = [r for r in rows if r.idle]
    if query.below:
        rows = [r for r in rows if not r.verdict.targets_met]
    if query.no_checkin:
        rows = [r for r in rows if r.no_checkin]
    rows.sort(key=_sort_key(query.sort))
    total = len(rows)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(query.page, 0), pages - 1)
    filtered = bool(query.township or query.state or query.idle or query.below or query.no_checkin)
    return DeskPage(
        rows[page * PAGE_SIZE : (page + 1) * PAGE_SIZE],
        total,
        page,
        pages,
        query,
        timezone,
        period,
        now,
        filtered,
    )


def _sort_key(sort: str):
    never = datetime.min.replace(tzinfo=None)
    if sort == "activity":  # the longest silent first
        return lambda r: (
            r.last_activity is not None,
            (r.last_activity.replace(tzinfo=None) if r.last_activity else never),
            r.card.code,
        )
    if sort == "downstream":  # the furthest behind first
        return lambda r: (r.month.downstream_fen, r.card.code)
    if sort == "upstream":
        return lambda r: (r.month.upstream_fen, r.month.upstream_parcels, r.card.code)
    return lambda r: r.card.code


async def _scope(
    uow: UnitOfWork, actor: Actor, township_code: str | None
) -> tuple[list[int], int | None]:
    """The counties to read and the township to keep, within the actor's scope."""
    township_id = actor.scope.township_id if actor.role is Role.TOWNSHIP_OPERATOR else None
    if township_code:
        township = await uow.network.township_by_code(parse_code(township_code))
        if township is None:
            raise NotFound(N_("No township has the code {code}."), code=township_code[:40])
        authorize(
            actor,
            Action.LIST_STATIONS,
            Place(county_id=township.county_id, township_id=township.id),
        )
        return [township.county_id], township.id
    if actor.role is Role.ADMIN:
        return [c.id for c in await uow.network.counties()], None
    if actor.role is Role.TOWNSHIP_OPERATOR:
        township = await uow.network.township_by_id(actor.scope.township_id or 0)
        return ([township.county_id] if township else []), township_id
    return ([actor.scope.county_id] if actor.scope.county_id else []), None


async def _county_rows(
    uow: UnitOfWork, county_id: int, cards: list[StationCard], now: datetime
) -> list[DeskRow]:
    """Every station of one county, in a handful of reads whatever the county's size."""
    _, policy = await load_policy(uow, county_id)
    m = policy.metrics
    period = Period.of(now, cards[0].county_timezone)
    kinds = (m.downstream_kinds, m.upstream_yuan_kinds, m.upstream_parcel_kinds)
    this_month = await uow.scores.window_totals(county_id, [str(period)], *kinds)
    before = [str(p) for p in window(period, policy.assessment.window_months)[1:]]
    earlier = await uow.scores.window_totals(county_id, before, *kinds) if before else {}
    last = await uow.activity.last_entry_at(county_id)
    line = await stranded_before(uow, cards[0], now)
    stranded = await uow.activity.stranded(county_id, line)
    idle_line = now - timedelta(days=policy.reminders.idle_reminder_days)
    first = period.first_day()
    checkins = await uow.board.checkin_summary(
        county_id, first, first + timedelta(days=period.days() - 1)
    )
    rows = []
    for card in cards:
        month = Figures(*this_month.get(card.id, (0, 0, 0)))
        verdict = month_verdict(
            policy, card, period, month, Figures(*earlier.get(card.id, (0, 0, 0)))
        )
        seen = last.get(card.id)
        rows.append(
            DeskRow(
                card=card,
                verdict=verdict,
                month=month,
                last_activity=seen,
                stranded=len(stranded.get(card.id, [])),
                idle=card.status is not StationStatus.REMOVED
                and (seen is None or seen < idle_line),
                checkins=checkins.get(card.id, CheckInSummary()),
                no_checkin=card.status is not StationStatus.REMOVED
                and checkin_silent(
                    checkins.get(card.id, CheckInSummary()).last_at,
                    now,
                    policy.reminders.idle_reminder_days,
                ),
            )
        )
    return rows

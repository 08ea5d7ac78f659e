"""One way to call the core: `await services.run(command, actor)`.

Every use case has the same shape, `(command, actor, unit of work, env) -> plain result`,
and is listed once in `USE_CASES` under the command it handles. `Services` is built once
in the composition root (`bot.bootstrap`) and is all that front ends, jobs and the CLI
receive.

`run` opens the unit of work itself (a write transaction for a `Command`, a read one for
a `Query`) and commits it, unless the caller passes the unit of work it is already in:
then the use case joins that transaction and the caller commits. The update pipeline
uses that to make one update one transaction (the update's claim, who is talking, the
dialog state and the use case's writes commit together).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.domain import commands as c
from bot.domain.ledger import EntryView
from bot.services import desk, identity, invites, ladder, links, network
from bot.services.authz import Actor
from bot.services.due import DueReport, run_due
from bot.services.env import Env
from bot.services.forms import LEDGER_FORMS, FormEngine
from bot.services.ledger import corrections, month, recording, shelf
from bot.services.ports import UnitOfWork, UnitOfWorkFactory
from bot.services.reminders import ReminderService
from bot.services.scoring import ScoringService

UseCase = Callable[[Any, Actor, UnitOfWork, Env], Awaitable[Any]]

USE_CASES: dict[type, UseCase] = {
    # the keeper's ledger
    c.RecordIntake: recording.record_entry,
    c.RecordShipment: recording.record_entry,
    c.RecordSale: recording.record_entry,
    c.RecordProxyPurchase: recording.record_entry,
    c.RecordService: recording.record_entry,
    c.CloseParcel: shelf.close_parcel,
    c.VoidEntry: corrections.void_entry,
    c.FindParcels: shelf.find_parcels,
    c.ShowShelf: shelf.show_shelf,
    c.PreviewVoid: corrections.preview_void,
    c.RecentEntries: corrections.recent_entries,
    c.EntryHistory: corrections.entry_history,
    c.ShowMonth: month.show_month,
    c.ListProducts: month.list_products,
    c.FindTracked: month.find_tracked,
    # people and the network
    c.CreateInvite: invites.create_invite,
    c.RedeemInvite: invites.redeem_invite,
    c.SetLanguage: identity.set_language,
    c.ShowStation: network.show_station,
    c.ListStations: desk.list_stations,
    c.StationDesk: desk.station_desk,
    # county staff on the ladder
    c.StationForDecision: ladder.station_for_decision,
    c.DecideRemoval: ladder.decide_removal,
    c.ReinstateStation: ladder.reinstate_station,
    c.OpenLockException: ladder.open_lock_exception,
    # one person, several channels (WeChat, issue 12)
    c.CreateLinkCode: links.create_link_code,
    c.RedeemLinkCode: links.redeem_link_code,
}


class Services:
    def __init__(self, uow: UnitOfWorkFactory, env: Env) -> None:
        self.uow = uow
        self.env = env
        self.forms = FormEngine(LEDGER_FORMS)
        # The scheduled jobs: several transactions each (claim, compute, commit), so they
        # open their own units of work rather than join a caller's.
        self.scoring = ScoringService(uow, env.clock)
        self.reminders = ReminderService(uow, env.clock)

    async def due(self, *, trigger: str = "schedule", dry_run: bool = False) -> DueReport:
        """Every job that is due now, for every county (the scheduler's one entry)."""
        return await run_due(self.uow, self.env.clock, trigger=trigger, dry_run=dry_run)

    @property
    def clock(self):
        return self.env.clock

    async def run(
        self, command: c.Command | c.Query, actor: Actor, uow: UnitOfWork | None = None
    ) -> Any:
        """Run the use case for `command` as `actor`; in `uow` if given (the caller
        commits), else in a unit of work of its own."""
        use_case = USE_CASES[type(command)]
        if command.writes and not command.request_key:
            # A programming error, not a user's: every write must be retry-safe.
            raise ValueError(f"{type(command).__name__} needs a request_key")
        if uow is not None:
            return await use_case(command, actor, uow, self.env)
        async with self.uow(write=command.writes) as own:
            result = await use_case(command, actor, own, self.env)
            if command.writes:
                await own.commit()
        return result

    async def who(self, channel: str, external_id: str, uow: UnitOfWork | None = None) -> Actor:
        """Who is talking: resolved on every update, so a new grant counts at once."""
        if uow is not None:
            return await identity.resolve_actor(uow, channel, external_id)
        async with self.uow() as own:
            return await identity.resolve_actor(own, channel, external_id)

    def form_context(self, actor: Actor, language: str) -> LiveFormContext:
        return LiveFormContext(self, actor, language)


@dataclass
class LiveFormContext:
    """A form's view of the world for one person: their county's products, their
    station's tracking numbers, the phone hash."""

    services: Services
    actor: Actor
    language: str

    async def products(self) -> list[str]:
        return await self.services.run(c.ListProducts(), self.actor)

    async def tracked(self, tracking_no: str, direction: str) -> EntryView | None:
        return await self.services.run(c.FindTracked(tracking_no, direction), self.actor)

    def digest_phone(self, full_number: str) -> str:
        return self.services.env.digest_phone(full_number)

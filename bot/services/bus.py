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
from bot.domain.unit_prices import UsualPrice
from bot.services import desk, identity, invites, ladder, links, network
from bot.services.authz import Actor
from bot.services.board import arrivals as board_arrivals
from bot.services.board import checkins as board_checkins
from bot.services.board import codes as board_codes
from bot.services.board import feedback as board_feedback
from bot.services.board import inspections as board_inspections
from bot.services.board import posters as board_posters
from bot.services.board import profile as board_profile
from bot.services.board.forms import BOARD_FORMS
from bot.services.claims import filing as claim_filing
from bot.services.claims import forecast as claim_forecast
from bot.services.claims import payables as claim_payables
from bot.services.claims import review as claim_review
from bot.services.claims import statement as claim_statement
from bot.services.due import DueReport, run_due
from bot.services.env import Env
from bot.services.forms import LEDGER_FORMS, FormEngine
from bot.services.forms.claim_forms import CLAIM_FORMS
from bot.services.ledger import corrections, month, prices, recording, shelf
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
    # the counter: plausibility from history (issue 9)
    c.UsualUnitPrice: prices.usual_unit_price,
    # office IM (#12)
    c.ChooseNoticeChannel: identity.choose_notice_channel,
    # subsidy claims (issue 10)
    c.ClaimOptions: claim_filing.claim_options,
    c.PreviewClaim: claim_filing.preview_claim,
    c.FileClaim: claim_filing.file_claim,
    c.AddEvidence: claim_filing.add_evidence,
    c.SubmitClaim: claim_filing.submit_claim,
    c.DecideClaim: claim_review.decide_claim,
    c.MarkClaimsPaid: claim_review.mark_paid,
    c.ListClaims: claim_review.list_claims,
    c.ShowClaim: claim_review.show_claim,
    c.ClaimStatement: claim_statement.claim_statement,
    c.ClaimForecast: claim_forecast.claim_forecast,
    c.StationClaimStatement: claim_statement.station_claim_statement,  # issue 10, part 2
    c.SubsidyAccount: claim_payables.subsidy_account,  # issue 10, part 3
    # the notice board (issue 11)
    c.StationQrCode: board_codes.station_qr,
    c.RevokeStationQr: board_codes.revoke_station_qr,
    c.StationPosters: board_posters.station_posters,
    c.ScanStation: board_codes.scan_station,
    c.ShowProfile: board_profile.show_profile,
    c.SaveProfile: board_profile.save_profile,
    c.CheckInAtStation: board_checkins.check_in,
    c.BoardActivity: board_checkins.board_activity,
    c.RecordInspection: board_inspections.record_inspection,
    c.RateStation: board_feedback.rate_station,
    c.FileComplaint: board_feedback.file_complaint,
    c.MayComplain: board_feedback.may_complain,
    c.ConfirmPosition: board_checkins.confirm_position,
    c.ShowComplaint: board_feedback.show_complaint,
    c.AnswerComplaint: board_feedback.answer_complaint,
    c.SubscribeArrivals: board_arrivals.subscribe,
    c.UnsubscribeArrivals: board_arrivals.unsubscribe,
    # one person, several channels (WeChat, issue 12)
    c.CreateLinkCode: links.create_link_code,
    c.RedeemLinkCode: links.redeem_link_code,
    # the notice board: live locations followed after a check-in (issue 11)
    c.TrackLiveLocation: board_checkins.track_live_location,
}
# The notice board (issue 11): an intake also tells villagers who asked for arrival notices
# (the ledger's own use case, then the notices, in the same transaction).
USE_CASES[c.RecordIntake] = board_arrivals.record_intake


class Services:
    def __init__(self, uow: UnitOfWorkFactory, env: Env) -> None:
        self.uow = uow
        self.env = env
        # The claim forms (issue 10) and the notice-board form (issue 11) ride the same engine.
        self.forms = FormEngine({**LEDGER_FORMS, **CLAIM_FORMS, **BOARD_FORMS})
        # The scheduled jobs: several transactions each (claim, compute, commit), so they
        # open their own units of work rather than join a caller's.
        self.scoring = ScoringService(uow, env.clock, lease=env.job_lease)
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
        if uow is not None:  # the front end's write transaction: note the channel used
            return await identity.resolve_actor(uow, channel, external_id, self.clock.now())
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

    async def usual_price(self, product: str, unit: str) -> UsualPrice | None:
        return await self.services.run(c.UsualUnitPrice(product, unit), self.actor)

    # subsidy claims (issue 10)
    async def claim_rules(self) -> list[tuple[str, str, str]]:
        return (await self.services.run(c.ClaimOptions(), self.actor)).rules

    async def claim_periods(self, rule_code: str) -> list[str]:
        return (await self.services.run(c.ClaimOptions(rule_code), self.actor)).periods

    async def claim_preview(self, rule_code: str, period: str) -> dict:
        preview = await self.services.run(c.PreviewClaim(rule_code, period), self.actor)
        return {"working": preview.computed.working, "flags": preview.computed.flags}

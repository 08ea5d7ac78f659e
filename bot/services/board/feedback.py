"""Villagers' feedback from the poster: stars for the station, and complaints (举报监督)
with a reference number, staff alerted, states received → handled, the answer sent back.

Anyone may do this (no registration): the person is who their channel says they are
(`actor.channel`, `actor.external_id`). Complaints are rate-limited per person (the
county policy's `complaints_per_day`); a flood is refused politely and nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.domain.board import Complaint, ComplaintStatus, ScanKind, new_reference
from bot.domain.commands import (
    AnswerComplaint,
    FileComplaint,
    MayComplain,
    RateStation,
    ScanStation,
    ShowComplaint,
)
from bot.domain.errors import CunzhanError, InvalidInput, NotFound
from bot.domain.network import StationCard
from bot.domain.text import N_
from bot.services.authz import Action, Actor, authorize, can
from bot.services.board.codes import scan_station
from bot.services.board.notices import complaint_answered_notice, complaint_notices
from bot.services.env import Env
from bot.services.network import place_of
from bot.services.policy import load_policy
from bot.services.ports import UnitOfWork

MAX_BODY, MAX_PHOTOS, MAX_ANSWER = 1000, 5, 1000


class TooManyComplaints(CunzhanError):
    pass


@dataclass(frozen=True)
class Rated:
    card: StationCard
    stars: int
    count: int  # people who rated the station
    average_x10: int  # average stars × 10, exact in integers


@dataclass(frozen=True)
class ComplaintView:
    complaint: Complaint
    card: StationCard
    filer: bool  # the reader filed it (so the name is theirs to see)


async def _station(uow: UnitOfWork, actor: Actor, env: Env, payload: str) -> StationCard:
    scan = await scan_station(ScanStation(payload), actor, uow, env)
    if scan.kind is ScanKind.REVOKED:
        raise InvalidInput(N_("This code is no longer valid."))
    if scan.kind is ScanKind.CHECK_IN:
        # Buttons are only under the public card; a keeper pressing one of their own
        # station's (an old message, a forged press) does not rate themselves.
        raise InvalidInput(N_("This is your own station: ratings and complaints are villagers'."))
    return scan.card


async def rate_station(command: RateStation, actor: Actor, uow: UnitOfWork, env: Env) -> Rated:
    if not 1 <= command.stars <= 5:
        raise InvalidInput(N_("Give 1 to 5 stars."))
    card = await _station(uow, actor, env, command.payload)
    await uow.board.rate(card.id, actor.channel, actor.external_id, command.stars, env.clock.now())
    count, total = await uow.board.ratings(card.id)
    return Rated(card, command.stars, count, (total * 10 + count // 2) // max(count, 1))


async def _within_limit(uow: UnitOfWork, actor: Actor, card: StationCard, now) -> None:
    """The county's `complaints_per_day` per person over the last 24 hours."""
    _, policy = await load_policy(uow, card.county_id)
    since = now - timedelta(days=1)
    filed = await uow.board.complaints_since(actor.channel, actor.external_id, since)
    if filed >= policy.board.complaints_per_day:
        raise TooManyComplaints(
            N_(
                "Thank you — you have already sent {n} complaints today, which is as many as we "
                "take from one person in a day. Please try again tomorrow, or call the county "
                "e-commerce office."
            ),
            n=filed,
        )


async def may_complain(query: MayComplain, actor: Actor, uow: UnitOfWork, env: Env) -> bool:
    card = await _station(uow, actor, env, query.payload)
    await _within_limit(uow, actor, card, env.clock.now())
    return True


async def file_complaint(
    command: FileComplaint, actor: Actor, uow: UnitOfWork, env: Env
) -> Complaint:
    body = " ".join(command.body.split())
    if not body:
        raise InvalidInput(N_("Please write what happened."))
    if len(body) > MAX_BODY:
        raise InvalidInput(N_("Too long: at most {limit} characters."), limit=MAX_BODY)
    card = await _station(uow, actor, env, command.payload)
    now = env.clock.now()
    await _within_limit(uow, actor, card, now)
    complaint = await uow.board.add_complaint(
        Complaint(
            0,
            new_reference(),
            card.id,
            actor.channel,
            actor.external_id,
            command.chat_id,
            command.language,
            (command.name or None),
            body,
            tuple(command.photos[:MAX_PHOTOS]),
            ComplaintStatus.RECEIVED,
            now,
        ),
        command.request_key,
    )
    staff = await uow.recipients.staff(card.county_id)
    await uow.outbox.enqueue(complaint_notices(card, complaint, staff), now)
    return complaint


async def show_complaint(
    query: ShowComplaint, actor: Actor, uow: UnitOfWork, env: Env
) -> ComplaintView:
    reference = query.reference.strip().upper()
    complaint = await uow.board.complaint(reference)
    card = await uow.network.station_by_id(complaint.station_id) if complaint else None
    if complaint is None or card is None:
        raise NotFound(N_("No complaint has the number {reference}."), reference=reference)
    filer = (complaint.channel, complaint.external_id) == (actor.channel, actor.external_id)
    if not filer:
        # Staff in scope see it; anyone else is told it does not exist (no probing).
        if not can(actor, Action.ANSWER_COMPLAINT) and not can(actor, Action.INSPECT):
            raise NotFound(N_("No complaint has the number {reference}."), reference=reference)
        authorize(actor, Action.VIEW_STATION, place_of(card))
    return ComplaintView(complaint, card, filer)


async def answer_complaint(
    command: AnswerComplaint, actor: Actor, uow: UnitOfWork, env: Env
) -> ComplaintView:
    authorize(actor, Action.ANSWER_COMPLAINT)
    answer = " ".join(command.answer.split())
    if not answer:
        raise InvalidInput(N_("Write the answer after the complaint's number."))
    if len(answer) > MAX_ANSWER:
        raise InvalidInput(N_("Too long: at most {limit} characters."), limit=MAX_ANSWER)
    view = await show_complaint(ShowComplaint(command.reference), actor, uow, env)
    authorize(actor, Action.ANSWER_COMPLAINT, place_of(view.card))
    c, now = view.complaint, env.clock.now()
    if not await uow.board.handle_complaint(c.reference, answer, actor.person_id, now):
        raise InvalidInput(
            N_("Complaint {reference} was already answered: {answer}"),
            reference=c.reference,
            answer=c.answer or "",
        )
    await uow.outbox.enqueue([complaint_answered_notice(view.card, c, answer)], now)
    handled = await uow.board.complaint(c.reference)
    assert handled is not None
    return ComplaintView(handled, view.card, filer=False)
